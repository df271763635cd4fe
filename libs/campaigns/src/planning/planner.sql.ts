import { addSkipCountsSql } from '../sending/batches.sql';
import { SEND_SKIP } from '../sending/batches.types';
import { BATCHES_PER_JOB } from '../outbox/job-groups';

/**
 * SQL fragments of planning, shared by the keyset planner (PlannerRepository) and the set-based
 * planning of one-member event runs (EventRunsRepository), so both write the same rows by the
 * same rules. The reachability rule is the one the send-time claim applies.
 */
export const REACH_SKIP_SQL = SEND_SKIP;
export const SKIP_SQL = `coalesce(${REACH_SKIP_SQL}, CASE WHEN cap.member_id IS NOT NULL THEN 'frequency_cap' END)`;

/** A recipient skipped by a rule: its ledger row (`ON CONFLICT (run_id, member_id) DO NOTHING` after it). */
export const INSERT_SKIP_SQL = `INSERT INTO delivery_ledger
  (run_id, campaign_id, channel_id, member_id, line_user_id, status, reason, counts_toward_cap)`;

/**
 * Outbox batches: member_ids ascending, so [1] and [cardinality] bound the range that the
 * exclusion constraint of delivery_batch_ranges keeps apart from the run's other batches (the
 * exactly-once guard). The keyset planner's statements return GUARD_RETURNING from the batches
 * they insert and insert their ranges with insertGuardsSql in the same statement. One-member
 * event runs have one batch, seq 0: unique (run_id, seq) is their guard (EventRunsRepository).
 */
const BATCH_COLUMNS = `run_id, campaign_id, workspace_id, channel_id, seq, status, recipient_count, member_ids,
  available_at, enqueued_at`;
export const INSERT_BATCH_SQL = `INSERT INTO delivery_batches (${BATCH_COLUMNS})`;
/**
 * The same with the id given, written already claimed by its sender (lease, attempts, first
 * attempt): event launches.
 */
export const INSERT_CLAIMABLE_BATCH_SQL = `INSERT INTO delivery_batches (id, ${BATCH_COLUMNS}, lease_until, attempts, first_attempt_at)`;
export const GUARD_RETURNING = `id, run_id, member_ids[1] AS lo, member_ids[cardinality(member_ids)] AS hi`;
/** The ranges of the batches of the CTE `batches` (which returned GUARD_RETURNING). */
export const insertGuardsSql = (batches: string): string =>
  `INSERT INTO delivery_batch_ranges (batch_id, run_id, members) SELECT id, run_id, int8range(lo, hi, '[]') FROM ${batches}`;

/**
 * Members of the page that reached the frequency cap: marketing sends in the window, counted from
 * the member-id arrays of accepted requests (one per request that carried the member), plus the
 * marketing sends already decided but not yet accepted (members of open batches that no accepted
 * or failed request of theirs carried): without the latter, two campaigns planned at the same
 * moment would both pass the cap, since neither has sent yet. The caller serialises this check
 * and the batch insert per channel (advisory lock). A one-time filter makes it free when the cap
 * is off or the campaign is transactional.
 */
export const CAPPED_SQL = `
  SELECT member_id FROM (
    SELECT u.member_id FROM delivery_requests q
    CROSS JOIN LATERAL unnest(q.member_ids) AS u(member_id)
    JOIN delivery_batches b ON b.id = q.batch_id AND b.channel_id = $ch
    JOIN campaigns c ON c.id = b.campaign_id AND c.category = 'marketing'
    WHERE $cap AND $capMax > 0 AND q.status = 'accepted' AND q.accepted_at >= $capSince
      AND u.member_id IN (SELECT member_id FROM page)
    UNION ALL
    SELECT u.member_id FROM delivery_batches b
    CROSS JOIN LATERAL unnest(b.member_ids) AS u(member_id)
    JOIN campaigns c ON c.id = b.campaign_id AND c.category = 'marketing'
    WHERE $cap AND $capMax > 0 AND b.channel_id = $ch AND b.status IN ('pending', 'sending')
      AND u.member_id IN (SELECT member_id FROM page)
      AND NOT EXISTS (SELECT 1 FROM delivery_requests q
                      WHERE q.batch_id = b.id AND q.status IN ('accepted', 'failed') AND u.member_id = ANY(q.member_ids))
  ) sends GROUP BY member_id HAVING count(*) >= $capMax`;

/**
 * `page_stats (n, last)`: the page's size and last member id, computed once per statement. Each
 * of the five places that needs one (result row, cursor, audience, end test) scanned the
 * materialised page for it: 50,000 rows each, 9–26 ms of a 210 ms page. A filled page reads
 * them off the page's sorted id array instead (`whole`, see snapshotFillSql).
 */
export const PAGE_STATS_SQL = `page_stats AS (SELECT count(*)::int AS n, max(member_id) AS last FROM page)`;
export const FILLED_PAGE_STATS_SQL = `page_stats AS (SELECT n, ids[n] AS last FROM whole)`;

/** The members a page counted into its audience: the whole page (`page`), or a CTE of them. */
export const pageAudienceCountSql = (audience: string): string =>
  audience === 'page' ? '(SELECT n FROM page_stats)' : `(SELECT count(*) FROM ${audience})`;

/**
 * The page's effect on its run, in the page's statement (a round trip less per page): cursor,
 * next batch number, audience (`audience`: the CTE of the members counted), queued, skips by
 * rule (`skips`: the CTE of the ledger rows written, or null), the lease, and `sending` once the
 * page came back short (`limitRef` is the page size). The run row is locked by lockRun. A page
 * `bounded` by an id range says itself where the next one starts and whether the audience is
 * exhausted (see PlannerRepository.planFilledPage). Reads the statement's `page_stats` (page-sql.ts).
 */
export function runUpdateSql(
  runRef: string,
  leaseRef: string,
  audience: string,
  skips: string | null,
  limitRef = '$3',
  bounded: { cursor: string; exhausted: string } | null = null,
): string {
  const skipped =
    skips === null
      ? 'skipped'
      : addSkipCountsSql('cr.skipped', `(SELECT reason, count(*)::int AS n FROM ${skips} GROUP BY reason)`);
  return `run_upd AS (
    UPDATE campaign_runs cr SET
      planned_through = ${bounded?.cursor ?? 'coalesce((SELECT last FROM page_stats), cr.planned_through)'},
      next_batch_seq = coalesce(((SELECT max(seq) FROM batches) / ${BATCHES_PER_JOB} + 1) * ${BATCHES_PER_JOB}, cr.next_batch_seq),
      audience_size = cr.audience_size + ${pageAudienceCountSql(audience)},
      queued_count = cr.queued_count + (SELECT coalesce(sum(recipient_count), 0) FROM batches),
      skipped = ${skipped},
      lease_until = now() + (${leaseRef} || ' milliseconds')::interval,
      status = CASE WHEN ${bounded?.exhausted ?? `(SELECT n FROM page_stats) < ${limitRef}`}
        THEN 'sending'::campaign_run_status ELSE cr.status END
    WHERE cr.id = ${runRef}::uuid
  )`;
}
