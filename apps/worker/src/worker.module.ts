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
        MembersModule,
      ],
      providers: [WorkerHeartbeat, HeartbeatService, ImportsProcessor, TriggerOutboxSweeper],
    };
  }
}
