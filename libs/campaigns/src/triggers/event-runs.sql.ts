import { INSERT_CLAIMABLE_BATCH_SQL, INSERT_SKIP_SQL, REACH_SKIP_SQL } from '../planning/planner.sql';
import { MEMBER_FIELD_COLUMNS } from '../sending/member-fields.sql';

/**
 * Plans the one-member event runs of one campaign (EventRunsRepository.planOneMemberRuns): $1
 * workspace, $2 run ids, $3 lease ms, $4 campaign, $5 channel, $6 counts toward the cap, $7 available
 * at, $8 written claimed (send now).
 *
 * FOR UPDATE SKIP LOCKED is what makes a run planned once: a racer (reconciler, another
 * worker) either skips the locked row or, after this commit, finds it no longer scheduled.
 * Behind it stand unique constraints: a one-member run has one batch, seq 0, so the batches'
 * unique (run_id, seq) refuses a second (the keyset planner's range guard would add a gist
 * insert and check per event for nothing more), and the ledger's unique (run_id, member_id)
 * a second skip.
 *
 * Every CTE is read once, from front to back: each run's row (cand) carries all that the
 * later parts need, including its batch's id, made here. With joins between the CTEs, the
 * planner (which estimates the locked runs at one row) nested them: each CTE scanned once per
 * run, 175 ms for 233 runs instead of a few.
 *
 * The runs are found by primary key, as the batch claim finds its batches (CLAIM_SQL, for the
 * same reasons), so their status and campaign are tested in one CASE that no index can answer:
 * `status = 'scheduled'` implied the predicate of the partial index of due runs, and
 * `campaign_id = $4` led the campaign's key index, and the cached generic plan scanned every
 * scheduled run (an hour of cart reminders: 20,000 runs, 22 ms a launch) or every run of the
 * campaign (5.6 ms) instead of 0.1 ms by key (event-runs.sql.spec.ts checks the plan).
 */
export const PLAN_ONE_MEMBER_RUNS_SQL = `WITH r AS (
         SELECT cr.id AS run_id, (cr.source->>'memberId')::bigint AS member_id, cr.run_key, cr.message_index
         FROM unnest((SELECT $2::uuid[])) AS k(id) JOIN campaign_runs cr ON cr.id = k.id
         WHERE CASE cr.status WHEN 'scheduled' THEN cr.campaign_id = $4 ELSE false END
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
       FROM cand c WHERE c.batch_id IS NOT NULL`;
