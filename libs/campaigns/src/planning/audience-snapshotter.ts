import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SegmentSnapshotsService, SegmentsService, audiencePageSql } from '@app/segments';

/** A saved segment's audience evaluated live, one keyset page at a time, at a fixed instant. */
export interface LiveAudience {
  /**
   * Reads the segment's rules and what they refer to. Called before the page transactions: inside
   * one it would take another pooled connection while holding one, and enough planners doing so at
   * once would hold the whole pool waiting for each other.
   */
  prepare(): Promise<void>;
  /** Member ids after `after`, ascending, at most `limit`, in the caller's transaction (jit off: PlannerRepository.lockRun). */
  page(em: EntityManager, after: string, limit: number): Promise<string[]>;
}

/** A snapshot being written while planning reads live pages (see AudienceSnapshotter.stream). */
export interface SnapshotStream {
  live: LiveAudience;
  /** True once the snapshot is written and stored on the run: pages come from it after the cursor. */
  ready: boolean;
  /** Never rejects: resolves to the error, if any. */
  done: Promise<Error | null>;
}

/**
 * Freezes a saved segment's members for a run (each recurring run snapshots afresh) into
 * segment_snapshot_chunks, which planning pages through: one INSERT … SELECT in the segments
 * lib, so a 10M audience never passes through the worker. While that statement runs (~2 s per
 * 1M on a loaded machine), planning takes its first pages from the same rule evaluated live at
 * the same instant, so that sending starts at once (see RunPlannerService).
 */
@Injectable()
export class AudienceSnapshotter {
  constructor(
    private readonly segments: SegmentsService,
    private readonly snapshots: SegmentSnapshotsService,
  ) {}

  async snapshot(workspaceId: string, channelId: string, segmentId: string, now: Date): Promise<string> {
    const { snapshotId } = await this.snapshots.snapshot(workspaceId, channelId, segmentId, now);
    return snapshotId;
  }

  /** Prepared on the first page (the segment's rules and what they refer to), then reused. */
  live(workspaceId: string, channelId: string, segmentId: string, now: Date): LiveAudience {
    let prepared: ReturnType<SegmentsService['prepare']> | null = null;
    const prepare = (): ReturnType<SegmentsService['prepare']> =>
      (prepared ??= this.segments
        .get(workspaceId, segmentId)
        .then((s) => this.segments.prepare(workspaceId, s.rules, segmentId)));
    return {
      prepare: async () => {
        await prepare();
      },
      page: async (em, after, limit) => {
        const p = await prepare();
        const c = this.segments.compile(p, workspaceId, channelId, now);
        const afterRef = c.params.add(after, 'bigint');
        const rows = await em.query<Array<{ member_id: string }>>(
          `SELECT a.member_id::text FROM (${audiencePageSql(c, p.restrictToReachable, afterRef, limit)}) a`,
          c.params.values,
        );
        return rows.map((r) => r.member_id);
      },
    };
  }

  /**
   * Starts `take` (the snapshot, one INSERT … SELECT, ~2 s per 1M members on a loaded machine, then
   * stored on the run) without waiting for it; until it is done, pages come from the segment
   * evaluated live at the same instant (keyset on member id), then from the snapshot after the
   * cursor. Both are the audience at `now` and the cursor only moves forward, so no member is
   * planned twice (and the batches' exclusion constraint would refuse it).
   */
  stream(
    workspaceId: string,
    channelId: string,
    segmentId: string,
    now: Date,
    take: () => Promise<void>,
  ): SnapshotStream {
    const stream: SnapshotStream = {
      live: this.live(workspaceId, channelId, segmentId, now),
      ready: false,
      done: Promise.resolve(null),
    };
    stream.done = take().then(
      () => {
        stream.ready = true;
        return null;
      },
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    return stream;
  }
}
