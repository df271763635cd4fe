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
import { SegmentsModule } from '@app/segments';
import { SegmentRefreshProcessor } from './segments/segment-refresh.processor';
import { SegmentSweepScheduler } from './segments/segment-sweep.scheduler';
import { CampaignsModule } from '@app/campaigns';
import { CampaignRunsProcessor } from './campaigns/campaign-runs.processor';
import { TriggerEventsProcessor } from './campaigns/trigger-events.processor';
import { DeliveryBatchesProcessor } from './delivery/delivery-batches.processor';
import { DeliveryReconcilerService } from './delivery/delivery-reconciler.service';
import { LinkingModule } from '@app/linking';
import { RichMenusModule } from '@app/rich-menus';
import { WebhookEventsProcessor } from './linking/webhook-events.processor';
import { LineProfilesProcessor } from './linking/line-profiles.processor';
import { WebhookSweeperService } from './linking/webhook-sweeper.service';
import { RichMenuSyncProcessor } from './rich-menus/rich-menu-sync.processor';
import { RichMenuReconcileScheduler } from './rich-menus/rich-menu-reconcile.scheduler';
import { MembersModule } from '@app/members';
import { ImportsProcessor } from './imports/imports.processor';
import { TriggerStreamRelay } from './events/trigger-stream.relay';

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
        SegmentsModule,
        MembersModule,
        CampaignsModule,
      ],
      providers: [
        WorkerHeartbeat,
        HeartbeatService,
        WebhookEventsProcessor,
        LineProfilesProcessor,
        WebhookSweeperService,
        RichMenuSyncProcessor,
        RichMenuReconcileScheduler,
        SegmentRefreshProcessor,
        SegmentSweepScheduler,
        ImportsProcessor,
        TriggerStreamRelay,
        CampaignRunsProcessor,
        TriggerEventsProcessor,
        DeliveryBatchesProcessor,
        DeliveryReconcilerService,
      ],
    };
  }
}
