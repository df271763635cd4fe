import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueModule, QueueName } from '@app/common';
import { WorkspacesModule } from '@app/workspaces';
import { LineModule } from '@app/line';
import { DeliveryModule } from '@app/delivery';
import { SegmentsModule } from '@app/segments';
import { CAMPAIGN_ENTITIES } from './campaigns.entities';
import { CampaignsRepository } from './campaigns/campaigns.repository';
import { CampaignsService } from './campaigns/campaigns.service';
import { CampaignPreviewService } from './campaigns/campaign-preview.service';
import { DeliveryPolicyService } from './campaigns/delivery-policy.service';
import { PlannerRepository } from './planning/planner.repository';
import { RunStateRepository } from './planning/run-state.repository';
import { RunPlannerService } from './planning/run-planner.service';
import { RunPagesService } from './planning/run-pages.service';
import { RunGuards } from './planning/run-guards';
import { AudienceSnapshotter } from './planning/audience-snapshotter';
import { BatchesRepository } from './sending/batches.repository';
import { BatchRecipientsRepository } from './sending/batch-recipients.repository';
import { LineRequestSender } from './sending/line-request.sender';
import { BatchSenderService } from './sending/batch-sender.service';
import { StrandedRunsService } from './sending/stranded-runs.service';
import { OutboxRelay } from './outbox/outbox-relay.service';
import { CampaignSchedulerService } from './outbox/campaign-scheduler.service';
import { TriggerMatcherService } from './triggers/trigger-matcher.service';
import { TriggerLauncherService } from './triggers/trigger-launcher.service';
import { EventRunsRepository } from './triggers/event-runs.repository';
import { EventBatchesSender } from './triggers/event-batches.sender';
import { CampaignsController } from './http/campaigns.controller';

const SERVICES = [
  CampaignsRepository,
  CampaignsService,
  CampaignPreviewService,
  DeliveryPolicyService,
  PlannerRepository,
  RunStateRepository,
  RunPlannerService,
  RunPagesService,
  RunGuards,
  AudienceSnapshotter,
  BatchesRepository,
  BatchRecipientsRepository,
  LineRequestSender,
  BatchSenderService,
  StrandedRunsService,
  OutboxRelay,
  CampaignSchedulerService,
  TriggerMatcherService,
  TriggerLauncherService,
  EventRunsRepository,
  EventBatchesSender,
];

/** Campaigns and their delivery pipeline, for the api and the worker. */
@Module({
  imports: [
    TypeOrmModule.forFeature(CAMPAIGN_ENTITIES),
    QueueModule.register(QueueName.CampaignRuns, QueueName.DeliveryBatches),
    WorkspacesModule,
    LineModule,
    DeliveryModule,
    SegmentsModule,
  ],
  providers: SERVICES,
  exports: [...SERVICES, DeliveryModule],
})
export class CampaignsModule {}

/** The HTTP side: campaign routes and channel delivery settings. */
@Module({ imports: [CampaignsModule, WorkspacesModule], controllers: [CampaignsController] })
export class CampaignsHttpModule {}
