import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueModule, QueueName } from '@app/common';
import { WorkspacesModule } from '@app/workspaces';
import { SEGMENT_MEMBERSHIP } from '@app/rich-menus';
import { SEGMENT_ENTITIES } from './segments.entities';
import { SegmentsRepository } from './segments.repository';
import { SegmentsService } from './segments.service';
import { SegmentPreviewsService } from './segment-previews.service';
import { SegmentSnapshotsService } from './segment-snapshots.service';
import { SegmentAudienceService } from './segment-audience.service';
import { MemberFactsLoader } from './facts/member-facts.loader';
import { SegmentRefreshScheduler } from './segment-refresh.scheduler';
import { SegmentMembershipService } from './segment-membership.service';
import { SegmentMaintenanceRepository } from './segment-maintenance.repository';
import { SegmentMaintenanceService } from './segment-maintenance.service';
import { SegmentsController } from './http/segments.controller';

/**
 * Segments for any app: rules, previews, snapshots, counts, the member-facts loader. Global so
 * that the rich-menu lib finds its SEGMENT_MEMBERSHIP port wherever segments are loaded.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature(SEGMENT_ENTITIES),
    WorkspacesModule,
    QueueModule.register(QueueName.SegmentRefresh),
  ],
  providers: [
    SegmentsRepository,
    SegmentsService,
    SegmentPreviewsService,
    SegmentSnapshotsService,
    SegmentAudienceService,
    MemberFactsLoader,
    SegmentRefreshScheduler,
    SegmentMembershipService,
    SegmentMaintenanceRepository,
    SegmentMaintenanceService,
    { provide: SEGMENT_MEMBERSHIP, useExisting: SegmentMembershipService },
  ],
  exports: [
    SegmentsService,
    SegmentPreviewsService,
    SegmentSnapshotsService,
    SegmentAudienceService,
    MemberFactsLoader,
    SegmentRefreshScheduler,
    SegmentMembershipService,
    SegmentMaintenanceService,
    SEGMENT_MEMBERSHIP,
  ],
})
export class SegmentsModule {}

/** The HTTP side: /segments routes. */
@Module({ imports: [SegmentsModule], controllers: [SegmentsController] })
export class SegmentsHttpModule {}
