import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedRows } from '@app/common';
import type { MemberRenderFields } from '@app/delivery';
import { INSERT_CLAIMABLE_BATCH_SQL, INSERT_SKIP_SQL, REACH_SKIP_SQL } from '../planning/planner.sql';
import { MEMBER_FIELD_COLUMNS, MemberFieldRow, memberFieldsOf } from '../sending/member-fields.sql';

/** What one campaign's group of one-member event runs is planned with. */
export interface EventRunRules {
  workspaceId: string;
  campaignId: string;
  channelId: string;
  countsTowardCap: boolean;
  availableAt: Date;
  leaseMs: number;
}

/** A batch of one written by {@link EventRunsRepository.planOneMemberRuns}, reachable when planned. */
export interface PlannedEventBatch {
  batchId: string;
  runId: string;
  memberId: string;
  lineUserId: string;
  runKey: string;
  messageIndex: number[] | null;
  /** Set when written claimed (`sendNow`). */
  firstAttemptAt: Date | null;
  /** What personalised messages may read of the member, as of planning. */
  member: MemberRenderFields;
}

type PlannedRow = Omit<PlannedEventBatch, 'member'> & MemberFieldRow;

/**
 * The set-based planning of many one-member event runs of one campaign: the same rows the
 * keyset planner writes for a one-member audience (ledger row for a skip, a batch of one, the
 * run's counts and cursor), with its SQL fragments (planner.sql), for all the runs in one
 * statement.
 */
@Injectable()
export class EventRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims the runs still scheduled (a reconciler or another worker may have taken some) and plans
   * them, in one statement (atomic without a transaction's round trips); returns the batches
   * written. A run whose member is gone, or is skipped by a rule, completes here with nothing
   * queued. Nothing is claimed unless the campaign is active at this instant: a paused or
   * cancelled campaign's runs stay scheduled for the keyset planner, which handles both.
   * With `sendNow` the batches are written already claimed by the caller (lease, first attempt),
   * with what sending needs (the run's key, the member's LINE user): the claim statement of the
   * batch sender would only read back what this one just wrote. A caller that dies holding them
   * leaves them to the reconciler when the lease expires, as after any claim.
   */
  async planOneMemberRuns(rules: EventRunRules, runIds: string[], sendNow = false): Promise<PlannedEventBatch[]> {
    // FOR UPDATE SKIP LOCKED is what makes a run planned once: a racer (reconciler, another
    // worker) either skips the locked row or, after this commit, finds it no longer scheduled.
    // Behind it stand unique constraints: a one-member run has one batch, seq 0, so the batches'
    // unique (run_id, seq) refuses a second (the keyset planner's range guard would add a gist
    // insert and check per event for nothing more), and the ledger's unique (run_id, member_id)
    // a second skip.
    // Every CTE is read once, from front to back: each run's row (cand) carries all that the
    // later parts need, including its batch's id, made here. With joins between the CTEs, the
    // planner (which estimates the locked runs at one row) nested them: each CTE scanned once per
    // run, 175 ms for 233 runs instead of a few.
    // The runs are found by primary key, as the batch claim finds its batches (CLAIM_SQL, for the
    // same reasons): `status = 'scheduled'` implied the predicate of the partial index of due runs
    // and the cached generic plan scanned every scheduled run (an hour of cart reminders: 20,000
    // runs, 22 ms a launch) or the campaign's key index (5.6 ms) instead of 0.1 ms by key.
    const rows = await preparedRows<PlannedRow>(
      this.dataSource,
      `WITH r AS (
         SELECT cr.id AS run_id, (cr.source->>'memberId')::bigint AS member_id, cr.run_key, cr.message_index
         FROM unnest((SELECT $2::uuid[])) AS k(id) JOIN campaign_runs cr ON cr.id = k.id
         WHERE cr.campaign_id = $4 AND CASE cr.status WHEN 'scheduled' THEN true ELSE false END
           AND cr.source->>'kind' = 'member'
           AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $4 AND c.status = 'active')
         FOR UPDATE OF cr SKIP LOCKED
       ),
       cand AS (
         SELECT r.run_id, r.run_key, r.message_index, m.id AS member_id, lu.line_user_id, ${MEMBER_FIELD_COLUMNS},
                CASE WHEN m.id IS NOT NULL THEN ${REACH_SKIP_SQL} END AS skip,
                CASE WHEN m.id IS NOT NULL AND ${REACH_SKIP_SQL} IS NULL THEN gen_random_uuid() END AS batch_id
         FROM r LEFT JOIN members m ON m.id = r.member_id AND m.workspace_id = $1
         LEFT JOIN line_users lu ON lu.channel_id = $5 AND lu.member_id = m.id
       ),
       skips AS (
         ${INSERT_SKIP_SQL}
         SELECT run_id, $4::uuid, $5::uuid, member_id, line_user_id, 'skipped', skip, $6::boolean
         FROM cand WHERE skip IS NOT NULL
         ON CONFLICT (run_id, member_id) DO NOTHING
       ),
       batches AS (
         ${INSERT_CLAIMABLE_BATCH_SQL}
         SELECT batch_id, run_id, $4::uuid, $1::uuid, $5::uuid, 0,
           CASE WHEN $8 THEN 'sending' ELSE 'pending' END::delivery_batch_status, 1, ARRAY[member_id], $7, now(),
           CASE WHEN $8 THEN now() + ($3 || ' milliseconds')::interval END, CASE WHEN $8 THEN 1 ELSE 0 END,
           CASE WHEN $8 THEN now() END
         FROM cand WHERE batch_id IS NOT NULL
       ),
       upd AS (
         UPDATE campaign_runs cr SET
           planned_through = c.member_id,
           next_batch_seq = CASE WHEN c.batch_id IS NULL THEN 0 ELSE 1 END,
           audience_size = CASE WHEN c.member_id IS NULL THEN 0 ELSE 1 END,
           queued_count = CASE WHEN c.batch_id IS NULL THEN 0 ELSE 1 END,
           skipped = CASE WHEN c.skip IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(c.skip, 1) END,
           status = CASE WHEN c.batch_id IS NULL THEN 'completed' ELSE 'sending' END::campaign_run_status,
           lease_until = now() + ($3 || ' milliseconds')::interval,
           started_at = coalesce(cr.started_at, now()),
           finished_at = CASE WHEN c.batch_id IS NULL THEN now() END
         FROM cand c
         WHERE cr.id = c.run_id
       )
       SELECT c.batch_id AS "batchId", c.run_id AS "runId", c.member_id::text AS "memberId",
              c.line_user_id AS "lineUserId", c.run_key AS "runKey", c.message_index AS "messageIndex",
              CASE WHEN $8 THEN now() END AS "firstAttemptAt", c.external_id, c.first_name, c.last_name,
              c.points_balance, c.membership_tier, c.birth_date, c.attributes, c.display_name
       FROM cand c WHERE c.batch_id IS NOT NULL`,
      [
        rules.workspaceId,
        runIds,
        String(rules.leaseMs),
        rules.campaignId,
        rules.channelId,
        rules.countsTowardCap,
        rules.availableAt,
        sendNow,
      ],
    );
    return rows.map((r) => ({
      batchId: r.batchId,
      runId: r.runId,
      memberId: r.memberId,
      lineUserId: r.lineUserId,
      runKey: r.runKey,
      messageIndex: r.messageIndex,
      firstAttemptAt: r.firstAttemptAt,
      member: memberFieldsOf(r),
    }));
  }
}
