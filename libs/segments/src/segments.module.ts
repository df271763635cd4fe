import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueModule, QueueName } from '@app/common';
import { WorkspacesModule } from '@app/workspaces';
import { SEGMENT_ENTITIES } from './segments.entities';
import { SegmentsRepository } from './segments.repository';
import { SegmentsService } from './segments.service';
import { MemberFactsLoader } from './facts/member-facts.loader';
import { SegmentRefreshScheduler } from './segment-refresh.scheduler';
import { SegmentsController } from './http/segments.controller';

/** Segments for any app: rules, previews, snapshots, counts, the member-facts loader. */
@Module({
  imports: [
    TypeOrmModule.forFeature(SEGMENT_ENTITIES),
    WorkspacesModule,
    QueueModule.register(QueueName.SegmentRefresh),
  ],
  providers: [SegmentsRepository, SegmentsService, MemberFactsLoader, SegmentRefreshScheduler],
  exports: [SegmentsService, MemberFactsLoader, SegmentRefreshScheduler],
})
export class SegmentsModule {}

/** The HTTP side: /segments routes. */
@Module({ imports: [SegmentsModule], controllers: [SegmentsController] })
export class SegmentsHttpModule {}
