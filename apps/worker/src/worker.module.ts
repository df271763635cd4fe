import { DynamicModule, Module } from '@nestjs/common';
import {
  AppConfig,
  AppConfigModule,
  DatabaseModule,
  LoggingModule,
  QueueModule,
  RedisModule,
  WorkerHeartbeat,
} from '@app/common';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { LinkingModule } from '@app/linking';
import { RichMenusModule } from '@app/rich-menus';
import { WebhookEventsProcessor } from './linking/webhook-events.processor';
import { LineProfilesProcessor } from './linking/line-profiles.processor';
import { WebhookSweeperService } from './linking/webhook-sweeper.service';
import { RichMenuSyncProcessor } from './rich-menus/rich-menu-sync.processor';
import { RichMenuReconcileScheduler } from './rich-menus/rich-menu-reconcile.scheduler';
import { MembersModule } from '@app/members';
import { ImportsProcessor } from './imports/imports.processor';
import { TriggerOutboxSweeper } from './imports/trigger-outbox.sweeper';

/** The worker: BullMQ processors over the libs' services, and no HTTP server. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forRoot('lse-worker'),
        DatabaseModule.forRoot('lse-worker'),
        RedisModule,
        QueueModule.forRoot(),
        LinkingModule,
        RichMenusModule,
        MembersModule,
      ],
      providers: [
        WorkerHeartbeat,
        HeartbeatService,
        WebhookEventsProcessor,
        LineProfilesProcessor,
        WebhookSweeperService,
        RichMenuSyncProcessor,
        RichMenuReconcileScheduler,
        ImportsProcessor, TriggerOutboxSweeper],
    };
  }
}
