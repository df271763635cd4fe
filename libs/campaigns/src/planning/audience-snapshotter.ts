import { Injectable } from '@nestjs/common';
import { SegmentSnapshotsService, type SnapshotFiller } from '@app/segments';

export type { SnapshotFiller } from '@app/segments';

/**
 * Freezes a saved segment's members for a run (each recurring run snapshots afresh) into
 * segment_snapshot_chunks, which planning pages through; the audience never passes through the
 * worker. Either whole, in one INSERT … SELECT before planning (a preview, or a run that must count
 * its audience against the monthly quota first), or opened empty and filled by planning itself,
 * one page per page transaction, so that the first batches reach LINE within milliseconds and the
 * rule is evaluated once (see RunPlannerService).
 */
@Injectable()
export class AudienceSnapshotter {
  constructor(private readonly snapshots: SegmentSnapshotsService) {}

  async snapshot(workspaceId: string, channelId: string, segmentId: string, now: Date): Promise<string> {
    const { snapshotId } = await this.snapshots.snapshot(workspaceId, channelId, segmentId, now);
    return snapshotId;
  }

  open(workspaceId: string, channelId: string, segmentId: string, now: Date): Promise<string> {
    return this.snapshots.open(workspaceId, channelId, segmentId, now);
  }

  /** Read before the page transactions: inside one it would hold a pooled connection while asking for another. */
  filler(workspaceId: string, snapshotId: string): Promise<SnapshotFiller> {
    return this.snapshots.filler(workspaceId, snapshotId);
  }
}
