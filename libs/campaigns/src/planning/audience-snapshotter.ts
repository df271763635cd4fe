import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SegmentsService, audienceSql as segmentAudienceSql } from '@app/segments';

/** A saved segment's audience evaluated live, one keyset page at a time, at a fixed instant. */
export interface LiveAudience {
  /** Member ids after `after`, ascending, at most `limit`, in the caller's transaction. */
  page(em: EntityManager, after: string, limit: number): Promise<string[]>;
}

/**
 * Freezes a saved segment's members for a run (each recurring run snapshots afresh) into
 * segment_snapshot_members, which planning pages through: one INSERT … SELECT in the segments
 * lib, so a 10M audience never passes through the worker. While that statement runs (~2 s per
 * 1M on a loaded machine), planning takes its first pages from the same rule evaluated live at
 * the same instant, so that sending starts at once (see RunPlannerService).
 */
@Injectable()
export class AudienceSnapshotter {
  constructor(private readonly segments: SegmentsService) {}

  async snapshot(workspaceId: string, channelId: string, segmentId: string, now: Date): Promise<string> {
    const { snapshotId } = await this.segments.snapshot(workspaceId, channelId, segmentId, now);
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
      page: async (em, after, limit) => {
        const p = await prepare();
        const c = this.segments.compile(p, workspaceId, channelId, now);
        const afterRef = c.params.add(after, 'bigint');
        // jit off as the segments lib does: compiling the rule's expressions costs more than the page.
        await em.query(`SELECT set_config('jit', 'off', true)`);
        const rows = await em.query<Array<{ member_id: string }>>(
          `SELECT a.member_id::text FROM (${segmentAudienceSql(c, p.restrictToReachable)} AND m.id > ${afterRef}
           ORDER BY m.id LIMIT ${Math.trunc(limit)}) a`,
          c.params.values,
        );
        return rows.map((r) => r.member_id);
      },
    };
  }
}
