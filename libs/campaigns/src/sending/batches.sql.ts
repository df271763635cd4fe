import { RequestStatus } from '../entities/delivery-request.entity';
import { BatchOutcomes, LINE_USER_OF_MEMBER, REACHABLE, SEND_SKIP } from './batches.types';

/*
 * The statements of sending a batch, shared by BatchSenderService (one batch) and the event
 * fast path (EventBatchesSender: many one-member batches at once), through BatchesRepository.
 */

/**
 * Evaluated inside a statement, this makes its (implicit) transaction commit without waiting for
 * the WAL flush: one round trip, where BEGIN; SET LOCAL; …; COMMIT took four and held a pooled
 * connection for all of them. Sending was bound by commit fsyncs (LWLock:WALWrite / IO:WALSync in
 * pg_stat_activity). Safe for every write whose loss in a PostgreSQL crash only repeats work: a
 * lost claim is taken again, a lost outcome leaves the request pending and its retry is answered
 * 409 (= accepted). Not for saveRequests: the retry key and its recipients must be durable before
 * the first attempt (and that synchronous commit flushes every earlier asynchronous one, so nothing
 * is sent from a batch whose planning or claim could still be lost).
 */
export const NO_FLUSH_WAIT = `set_config('synchronous_commit', 'off', true)`;

/**
 * Recipients whose member ids span at most this many times their number are looked up with one
 * range scan of the channel's LINE users (see CLAIM_SQL).
 */
export const CLAIM_RANGE_DENSITY = 2;

/**
 * Claim many batches by id ($1 uuid[], $2 now, $3 lease ms) with what sending them needs. The
 * per-recipient lists come back as comma-separated text (no commas in member ids, LINE user ids
 * or skip reasons; NULL as ''): splitting a string in the worker is cheaper than parsing three
 * 500-element array literals, which took a tenth of the workers' time at 1M recipients.
 *
 * Each recipient's LINE user as of now comes one of two ways, chosen per batch. A batch planned
 * from a page of an audience holds nearby member ids: when its ids span at most
 * CLAIM_RANGE_DENSITY times their number (`dense`), one scan of the (channel, member) index over
 * that span (its first and last ids: member_ids is ascending, as the range guard also relies on)
 * returns the channel's LINE users in it (`rangeMemberList`, `rangeLineUserList`: the
 * LINE user id when reachable, '' when not), and the worker matches them to the recipients
 * (claim-lists.ts, by member id: the two range lists are in no particular order, only the same one,
 * as two aggregates of one node see the same rows; sorting them cost a fifth of a claim's time).
 * Otherwise one index probe per recipient (`lineUserIdList`, `skipList`, in the recipients' order).
 * 500 probes were two thirds of a claim: ~1.7 ms per batch, the largest statement time of a 1M
 * multicast. The branch not taken is a one-time filter: it reads nothing.
 *
 * The batches are found by primary key, one probe per id (batches.sql.spec.ts checks the plan).
 * Their status test is a CASE because a plain `status = 'pending' OR …` implies the predicate of
 * the partial index of open batches (ix_delivery_batches_open), with `available_at <= $2` as its
 * index condition: the cached generic plan then read every open batch of every campaign and
 * matched the ids in a join filter, 4–8 ms a claim with 1,500 open batches against 0.2–0.35 ms by
 * key (open batches are thousands while a big campaign is planned ahead of its sending). The ids
 * are unnested from `(SELECT $1)` so that a custom plan cannot count them: with the count known,
 * custom plans looked cheaper than the generic one and PostgreSQL planned every claim again
 * (1.1 ms each, as much as the time saved).
 */
export const CLAIM_SQL = `WITH b AS (
         UPDATE delivery_batches SET status = 'sending', lease_until = now() + ($3 || ' milliseconds')::interval,
                attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now())
         FROM unnest((SELECT $1::uuid[])) AS k(id)
         WHERE delivery_batches.id = k.id AND available_at <= $2
           AND CASE status WHEN 'pending' THEN true WHEN 'sending' THEN lease_until < now() ELSE false END
         RETURNING delivery_batches.id, run_id, campaign_id, workspace_id, channel_id, seq, first_attempt_at, attempts, member_ids
       )
       SELECT b.id, b.run_id AS "runId", b.campaign_id AS "campaignId", b.workspace_id AS "workspaceId",
              b.channel_id AS "channelId", b.seq, b.first_attempt_at AS "firstAttemptAt", b.attempts,
              array_to_string(b.member_ids, ',') AS "memberIdList", r.run_key AS "runKey",
              r.message_index AS "messageIndex", c.status AS "campaignStatus", span.dense,
              array_to_string(x.line_user_ids, ',', '') AS "lineUserIdList", array_to_string(x.skips, ',', '') AS "skipList",
              array_to_string(y.members, ',') AS "rangeMemberList", array_to_string(y.line_user_ids, ',', '') AS "rangeLineUserList"
       FROM b JOIN campaign_runs r ON r.id = b.run_id JOIN campaigns c ON c.id = b.campaign_id
       CROSS JOIN (SELECT ${NO_FLUSH_WAIT}) AS lazy
       CROSS JOIN LATERAL (
         SELECT lo, hi, coalesce(hi - lo + 1 <= ${CLAIM_RANGE_DENSITY} * n, false) AS dense
         FROM (SELECT b.member_ids[1] AS lo, b.member_ids[cardinality(b.member_ids)] AS hi,
                      cardinality(b.member_ids) AS n) s) span
       CROSS JOIN LATERAL (
         SELECT array_agg(CASE WHEN ${REACHABLE} THEN lu.line_user_id END ORDER BY u.i) AS line_user_ids,
                array_agg(${SEND_SKIP} ORDER BY u.i) AS skips
         FROM unnest(b.member_ids) WITH ORDINALITY AS u(member_id, i)
         LEFT JOIN LATERAL (${LINE_USER_OF_MEMBER}) lu ON true
         WHERE NOT span.dense) x
       CROSS JOIN LATERAL (
         SELECT array_agg(lu.member_id) AS members,
                array_agg(CASE WHEN ${REACHABLE} THEN lu.line_user_id END) AS line_user_ids
         FROM line_users lu
         WHERE span.dense AND lu.channel_id = b.channel_id AND lu.member_id >= span.lo AND lu.member_id <= span.hi) y`;

/** A comma-separated list from the claim ('' for NULL elements; NULL or '' for an empty list). */
export function splitList(text: string | null): string[] {
  return text === null || text === '' ? [] : text.split(',');
}

/**
 * `current` (a run's `skipped` jsonb) with the counts of `counts` added: a subquery of
 * (reason, n) rows for that run. Send-time skips and planning pages add to the same counters.
 */
export function addSkipCountsSql(current: string, counts: string): string {
  return `(SELECT coalesce(jsonb_object_agg(keys.k, coalesce((${current} ->> keys.k)::int, 0) + coalesce(c.n, 0)), '{}')
           FROM (SELECT jsonb_object_keys(${current}) AS k UNION SELECT reason FROM ${counts} x) keys
           LEFT JOIN ${counts} c ON c.reason = keys.k)`;
}

const INSERT_REQUESTS_SQL = `INSERT INTO delivery_requests (batch_id, seq, retry_key, endpoint, messages, member_ids, recipient_count, status)
         SELECT r.batch_id, r.seq, r.retry_key, r.endpoint, r.messages,
                string_to_array(r.member_ids, ',')::bigint[], r.recipient_count, 'pending'
         FROM jsonb_to_recordset($1::jsonb)
           AS r(batch_id uuid, seq int, retry_key uuid, endpoint text, messages jsonb, member_ids text, recipient_count int)`;

/**
 * Requests of many batches ($1 jsonb records, member ids as one comma-separated string) and send-time skips ($2–$6 arrays: run, campaign,
 * channel, member, reason) counted into their runs' skips. Synchronous commit.
 */
export const SAVE_REQUESTS_SQL = `WITH req AS (
         ${INSERT_REQUESTS_SQL}
       ), skip AS (
         INSERT INTO delivery_ledger (run_id, campaign_id, channel_id, member_id, status, reason, counts_toward_cap)
         SELECT v.run_id, v.campaign_id, v.channel_id, v.member_id, 'skipped', v.reason, false
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[], $6::text[])
           AS v(run_id, campaign_id, channel_id, member_id, reason)
         ON CONFLICT (run_id, member_id) DO NOTHING
         RETURNING run_id, reason
       ), counted AS (
         SELECT run_id, reason, count(*)::int AS n FROM skip GROUP BY run_id, reason
       )
       UPDATE campaign_runs r
       SET skipped = ${addSkipCountsSql('r.skipped', '(SELECT reason, n FROM counted WHERE run_id = r.id)')}
       WHERE r.id IN (SELECT run_id FROM counted)`;

/**
 * {@link SAVE_REQUESTS_SQL} when no recipient was skipped at send time (a campaign's usual batch):
 * the bare insert ($1 only). Prepared, the full statement was still planned at every call
 * (PostgreSQL chose custom plans): 0.6 ms of planning per call under load, more than its
 * execution; this one plans in a tenth of that.
 */
export const SAVE_REQUESTS_ONLY_SQL = INSERT_REQUESTS_SQL;

/**
 * `single`: the runs (`runs`, uuid[]) whose only batch the statement finishes (`finished`,
 * boolean[]) complete with it; `when` gates it (null: always). An event's run has one batch.
 */
const completeSingleRunsSql = (runs: string, finished: string, when: string | null): string => `single AS (
         UPDATE campaign_runs r SET status = 'completed', finished_at = now()
         FROM unnest(${runs}::uuid[], ${finished}::boolean[]) AS fr(run_id, finished)
         WHERE ${when === null ? '' : `${when} AND `}fr.finished AND r.id = fr.run_id AND r.status = 'sending' AND r.next_batch_seq = 1
         RETURNING r.id
       )`;

/** A recorded batch (`b`, with `f.finished`): done, or still held by its sender. */
const FINISH_BATCH_SET_SQL = `status = CASE WHEN f.finished THEN 'done'::delivery_batch_status ELSE b.status END,
              finished_at = CASE WHEN f.finished THEN now() END,
              lease_until = CASE WHEN f.finished THEN NULL ELSE b.lease_until END`;

/**
 * LINE's answers ($1–$5: batch, seq, status, LINE request id, error) of many batches ($6–$9: batch,
 * run, campaign, channel; $10: finished). With $11, a finished batch that is its run's only one
 * (planning over, one batch: an event's run) completes the run in the same statement, instead of
 * the completion check that otherwise follows; the rows say which runs it completed.
 */
export const RECORD_OUTCOMES_SQL = `WITH o AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::delivery_request_status[], $4::text[], $5::text[])
           AS o(batch_id, seq, status, line_request_id, error)
       ), upd AS (
         UPDATE delivery_requests q SET status = o.status, line_request_id = o.line_request_id, error = o.error,
                accepted_at = CASE WHEN o.status = 'accepted' THEN now() END
         FROM o WHERE q.batch_id = o.batch_id AND q.seq = o.seq AND q.status = 'pending'
         RETURNING q.batch_id, q.status, q.recipient_count, q.member_ids, q.error
       ), led AS (
         INSERT INTO delivery_ledger (run_id, campaign_id, channel_id, member_id, status, reason, counts_toward_cap)
         SELECT bb.run_id, bb.campaign_id, bb.channel_id, u.member_id, 'failed', upd.error, false
         FROM upd JOIN unnest($6::uuid[], $7::uuid[], $8::uuid[], $9::uuid[]) AS bb(batch_id, run_id, campaign_id, channel_id)
           ON bb.batch_id = upd.batch_id
         CROSS JOIN LATERAL unnest(upd.member_ids) AS u(member_id)
         WHERE upd.status = 'failed'
         ON CONFLICT (run_id, member_id) DO NOTHING
       ), f AS (
         SELECT * FROM unnest($6::uuid[], $10::boolean[]) AS f(batch_id, finished)
       ), ${completeSingleRunsSql('$7', '$10', '$11')}
       UPDATE delivery_batches b SET
              sent_count = sent_count + (SELECT coalesce(sum(recipient_count), 0) FROM upd
                                         WHERE upd.batch_id = b.id AND upd.status = 'accepted'),
              failed_count = failed_count + (SELECT coalesce(sum(recipient_count), 0) FROM upd
                                             WHERE upd.batch_id = b.id AND upd.status = 'failed'),
              ${FINISH_BATCH_SET_SQL}
       FROM f WHERE b.id = f.batch_id AND (SELECT ${NO_FLUSH_WAIT}) IS NOT NULL
       RETURNING b.run_id, b.run_id IN (SELECT id FROM single) AS run_completed`;

/**
 * {@link RECORD_OUTCOMES_SQL} when every answer is an acceptance (a campaign's usual group, an
 * event launch's): $1–$3 the requests (batch, seq, LINE request id), $4–$5 the batches (id,
 * finished) and, with `completeSingleRuns`, $6 each batch's run; no ledger CTE, and no run CTE
 * unless asked. Planned at every call, as the full one (unprepared): without the run CTE 0.19 ms
 * against 0.35–0.5 ms for the full statement on an idle database (0.7 ms under load).
 */
function recordAcceptedSql(completeSingleRuns: boolean): string {
  return `WITH upd AS (
         UPDATE delivery_requests q SET status = 'accepted', line_request_id = o.line_request_id, error = NULL,
                accepted_at = now()
         FROM unnest($1::uuid[], $2::int[], $3::text[]) AS o(batch_id, seq, line_request_id)
         WHERE q.batch_id = o.batch_id AND q.seq = o.seq AND q.status = 'pending'
         RETURNING q.batch_id, q.recipient_count
       )${completeSingleRuns ? `, ${completeSingleRunsSql('$6', '$5', null)}` : ''}
       UPDATE delivery_batches b SET
              sent_count = sent_count + (SELECT coalesce(sum(recipient_count), 0) FROM upd WHERE upd.batch_id = b.id),
              ${FINISH_BATCH_SET_SQL}
       FROM unnest($4::uuid[], $5::boolean[]) AS f(batch_id, finished)
       WHERE b.id = f.batch_id AND (SELECT ${NO_FLUSH_WAIT}) IS NOT NULL
       RETURNING b.run_id, ${completeSingleRuns ? 'b.run_id IN (SELECT id FROM single)' : 'false'} AS run_completed`;
}
const RECORD_ACCEPTED_SQL = { plain: recordAcceptedSql(false), completing: recordAcceptedSql(true) };

/**
 * The statement recording a group's answers ({@link BatchOutcomes} with something to record): the
 * lean one when LINE accepted every request, the full one otherwise.
 */
export function outcomesStatement(
  moving: BatchOutcomes[],
  completeSingleRuns: boolean,
): { text: string; params: unknown[] } {
  const outcomes = moving.flatMap((e) => e.outcomes.map((o) => ({ ...o, batchId: e.batch.id })));
  const requests = [outcomes.map((o) => o.batchId), outcomes.map((o) => o.seq)];
  if (outcomes.every((o) => o.status === RequestStatus.Accepted)) {
    return {
      text: completeSingleRuns ? RECORD_ACCEPTED_SQL.completing : RECORD_ACCEPTED_SQL.plain,
      params: [
        ...requests,
        outcomes.map((o) => o.lineRequestId),
        moving.map((e) => e.batch.id),
        moving.map((e) => e.finished),
        ...(completeSingleRuns ? [moving.map((e) => e.batch.runId)] : []),
      ],
    };
  }
  return {
    text: RECORD_OUTCOMES_SQL,
    params: [
      ...requests,
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.lineRequestId),
      outcomes.map((o) => o.error),
      moving.map((e) => e.batch.id),
      moving.map((e) => e.batch.runId),
      moving.map((e) => e.batch.campaignId),
      moving.map((e) => e.batch.channelId),
      moving.map((e) => e.finished),
      completeSingleRuns,
    ],
  };
}
