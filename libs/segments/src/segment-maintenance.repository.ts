import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TABLES } from './rules/schema-map';

const R = TABLES.campaignRuns;
/** `s` (a segment_snapshots row) is referred to by a run of its workspace. */
const runUses = `EXISTS (SELECT 1 FROM ${R.table} cr WHERE cr.${R.workspaceId} = s.workspace_id
   AND cr.${R.source} ->> '${R.snapshotKey}' = s.id::text)`;

/** I/O of snapshot deletion and of the periodic sweep (stale counts, snapshot retention). */
@Injectable()
export class SegmentMaintenanceRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Deletes a snapshot and its members unless an active campaign run uses it: `deleted`, or
   * `in-use` with those runs, or `missing`. The snapshot row is locked first, so two deletes do
   * not both remove its members.
   */
  async deleteSnapshot(
    workspaceId: string,
    id: string,
  ): Promise<{ outcome: 'deleted' | 'missing' } | { outcome: 'in-use'; runs: string[] }> {
    return this.db.transaction(async (em) => {
      const found = await em.query<Array<{ id: string }>>(
        `SELECT id FROM segment_snapshots WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
        [workspaceId, id],
      );
      if (found.length === 0) return { outcome: 'missing' as const };
      const runs = await em.query<Array<{ id: string }>>(
        `SELECT cr.${R.id}::text AS id FROM ${R.table} cr
          WHERE cr.${R.workspaceId} = $1 AND cr.${R.source} ->> '${R.snapshotKey}' = $2::text
            AND cr.${R.status}::text = ANY($3::text[]) ORDER BY 1`,
        [workspaceId, id, R.activeStatuses],
      );
      if (runs.length > 0) return { outcome: 'in-use' as const, runs: runs.map((r) => r.id) };
      await em.query(`DELETE FROM segment_snapshot_chunks WHERE snapshot_id = $1`, [id]);
      await em.query(`DELETE FROM segment_snapshots WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
      return { outcome: 'deleted' as const };
    });
  }

  /**
   * Live segments of every workspace whose cached count is missing or older than `before`,
   * least recently counted first. The sweep is the one read across workspaces: it only yields
   * (workspace, segment) pairs; each count then runs workspace-scoped.
   */
  staleSegments(before: Date, limit: number): Promise<Array<{ workspaceId: string; segmentId: string }>> {
    return this.db.query(
      `SELECT workspace_id AS "workspaceId", id AS "segmentId" FROM segments
        WHERE deleted_at IS NULL AND (counted_at IS NULL OR counted_at < $1)
        ORDER BY counted_at NULLS FIRST LIMIT $2`,
      [before, limit],
    );
  }

  /**
   * Deletes up to `limit` snapshots taken before `before` that no campaign run refers to (in any
   * state: a sent campaign's audience stays reproducible), with their members. Returns how many.
   */
  async dropExpiredSnapshots(before: Date, limit: number): Promise<number> {
    // One statement (a SELECT over data-modifying CTEs, so the ids come back as rows).
    const [{ n }] = await this.db.query<Array<{ n: number }>>(
      `WITH gone AS (
         DELETE FROM segment_snapshots WHERE id IN (
           SELECT s.id FROM segment_snapshots s WHERE s.created_at < $1 AND NOT ${runUses}
            ORDER BY s.created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id),
       members AS (DELETE FROM segment_snapshot_chunks WHERE snapshot_id IN (SELECT id FROM gone))
       SELECT count(*)::int AS n FROM gone`,
      [before, limit],
    );
    return n;
  }
}
