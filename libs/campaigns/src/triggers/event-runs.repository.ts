import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { INSERT_BATCH_SQL, INSERT_SKIP_SQL, REACH_SKIP_SQL } from '../planning/planner.sql';

/** What one campaign's group of one-member event runs is planned with. */
export interface EventRunRules {
  workspaceId: string;
  campaignId: string;
  channelId: string;
  countsTowardCap: boolean;
  availableAt: Date;
  leaseMs: number;
}

/**
 * The set-based planning of many one-member event runs of one campaign: the same rows the
 * keyset planner writes for a one-member audience (ledger row for a skip, a batch of one, the
 * run's counts and cursor), with its SQL fragments (planner.sql), for all the runs in two
 * statements and one transaction.
 */
@Injectable()
export class EventRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims the runs still scheduled (a reconciler or another worker may have taken some) and plans
   * them; returns the batches written. A run whose member is gone, or is skipped by a rule,
   * completes here with nothing queued.
   */
  async planOneMemberRuns(rules: EventRunRules, runIds: string[]): Promise<Array<{ batchId: string; runId: string }>> {
    return this.dataSource.transaction(async (em) => {
      const [claimed] = await em.query<[Array<{ id: string; member_id: string }>, number]>(
        `UPDATE campaign_runs SET status = 'planning', lease_until = now() + ($3 || ' milliseconds')::interval,
                started_at = coalesce(started_at, now())
         WHERE id = ANY($1::uuid[]) AND campaign_id = $2 AND status = 'scheduled' AND source->>'kind' = 'member'
         RETURNING id, source->>'memberId' AS member_id`,
        [runIds, rules.campaignId, String(rules.leaseMs)],
      );
      if (claimed.length === 0) return [];
      // The claim above is what makes a run planned once (a racer finds it no longer scheduled);
      // behind it stand the same guards as the keyset planner's: the batches' exclusion constraint
      // (a member in a second batch of the run fails the statement) and the ledger's unique
      // (run_id, member_id) for skips.
      const rows = await em.query<Array<{ id: string; run_id: string }>>(
        `WITH r AS (
           SELECT * FROM unnest($2::uuid[], $3::bigint[]) AS r(run_id, member_id)
         ),
         cand AS (
           SELECT r.run_id, m.id AS member_id, lu.line_user_id, ${REACH_SKIP_SQL} AS skip
           FROM r JOIN members m ON m.id = r.member_id AND m.workspace_id = $1
           LEFT JOIN line_users lu ON lu.channel_id = $5 AND lu.member_id = m.id
         ),
         skips AS (
           ${INSERT_SKIP_SQL}
           SELECT run_id, $4::uuid, $5::uuid, member_id, line_user_id, 'skipped', skip, $6::boolean
           FROM cand WHERE skip IS NOT NULL
           ON CONFLICT (run_id, member_id) DO NOTHING
           RETURNING run_id, reason
         ),
         batches AS (
           ${INSERT_BATCH_SQL}
           SELECT run_id, $4::uuid, $1::uuid, $5::uuid, 0, 'pending', 1, ARRAY[member_id], $7, now()
           FROM cand WHERE skip IS NULL
           RETURNING id, run_id
         ),
         upd AS (
           UPDATE campaign_runs cr SET
             planned_through = c.member_id,
             next_batch_seq = CASE WHEN b.id IS NULL THEN 0 ELSE 1 END,
             audience_size = CASE WHEN c.member_id IS NULL THEN 0 ELSE 1 END,
             queued_count = CASE WHEN b.id IS NULL THEN 0 ELSE 1 END,
             skipped = CASE WHEN s.reason IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(s.reason, 1) END,
             status = CASE WHEN b.id IS NULL THEN 'completed' ELSE 'sending' END::campaign_run_status,
             finished_at = CASE WHEN b.id IS NULL THEN now() END
           FROM r LEFT JOIN cand c ON c.run_id = r.run_id
             LEFT JOIN batches b ON b.run_id = r.run_id
             LEFT JOIN skips s ON s.run_id = r.run_id
           WHERE cr.id = r.run_id
         )
         SELECT id, run_id FROM batches`,
        [
          rules.workspaceId,
          claimed.map((c) => c.id),
          claimed.map((c) => c.member_id),
          rules.campaignId,
          rules.channelId,
          rules.countsTowardCap,
          rules.availableAt,
        ],
      );
      return rows.map((r) => ({ batchId: r.id, runId: r.run_id }));
    });
  }
}
