import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import {
  AppConfig,
  AppConfigModule,
  DatabaseModule,
  LoggingModule,
  QueueModule,
  RedisModule,
  WorkerHeartbeat,
} from '@app/common';
import { WorkspacesHttpModule } from '@app/workspaces';
import { LinkingHttpModule } from '@app/linking';
import { RichMenusHttpModule } from '@app/rich-menus';
import { SegmentsHttpModule } from '@app/segments';
import { MembersHttpModule } from '@app/members';
import { CampaignsHttpModule } from '@app/campaigns';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module';

/** The HTTP API: a composition of the libs' HTTP modules, nothing more. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot('lse-api'),
        DatabaseModule.forRoot('lse-api'),
        RedisModule,
        QueueModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
        PrometheusModule.register({ controller: MetricsController }),
        ...(config.features.queueDashboard ? [QueueDashboardModule] : []),
        WorkspacesHttpModule,
        LinkingHttpModule,
        RichMenusHttpModule,
        SegmentsHttpModule,
        MembersHttpModule,
        CampaignsHttpModule,
      ],
      controllers: [HealthController],
      providers: [WorkerHeartbeat],
    };
  }
}
