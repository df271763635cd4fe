import { Injectable } from '@nestjs/common';
import { SegmentsService } from '@app/segments';
import { DeliveryClock } from '@app/delivery';

/**
 * Freezes a saved segment's members for a run (each recurring run snapshots afresh) into
 * segment_snapshot_members, which planning pages through: one INSERT … SELECT in the segments
 * lib, so a 10M audience never passes through the worker.
 */
@Injectable()
export class AudienceSnapshotter {
  constructor(
    private readonly segments: SegmentsService,
    private readonly clock: DeliveryClock,
  ) {}

  async snapshot(workspaceId: string, channelId: string, segmentId: string): Promise<string> {
    const { snapshotId } = await this.segments.snapshot(workspaceId, channelId, segmentId, this.clock.now());
    return snapshotId;
  }
}
