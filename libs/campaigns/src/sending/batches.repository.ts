import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BatchStatus, DeliveryBatchEntity } from '../entities/delivery-batch.entity';
import { DeliveryRequestEntity, RequestStatus } from '../entities/delivery-request.entity';
import type { CampaignStatus } from '../entities/campaign.entity';
import {
  BatchRecipient,
  BatchRef,
  ClaimedBatch,
  NewRequest,
  REACHABLE,
  RecipientWithMember,
  RequestOutcome,
  SEND_SKIP,
} from './batches.types';

export type { BatchRecipient, ClaimedBatch, NewRequest, RecipientWithMember, RequestOutcome };

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
const NO_FLUSH_WAIT = `set_config('synchronous_commit', 'off', true)`;

/** All I/O of sending one batch: claim, recipients, requests, and the after-LINE outcomes. */
@Injectable()
export class BatchesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Takes the batch for this worker: only when it is due and nobody holds a live lease. Two jobs
   * for one batch (re-enqueued by the reconciler) cannot both send; a dead holder's lease expires.
   * The same statement returns what sending needs that may change meanwhile (the campaign's
   * status, the run's key) and each recipient's LINE user as of now: one round trip, not four.
   */
  async claim(batchId: string, now: Date, leaseMs: number): Promise<ClaimedBatch | null> {
    const rows = await this.dataSource.query<
      Array<
        DeliveryBatchEntity & {
          runKey: string;
          messageIndex: number[] | null;
          campaignStatus: CampaignStatus;
          lineUserIds: Array<string | null>;
          skips: Array<string | null>;
        }
      >
    >(
      `WITH b AS (
         UPDATE delivery_batches SET status = 'sending', lease_until = now() + ($3 || ' milliseconds')::interval,
                attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now())
         WHERE id = $1 AND available_at <= $2
           AND (status = 'pending' OR (status = 'sending' AND lease_until < now()))
         RETURNING id, run_id, campaign_id, workspace_id, channel_id, seq, first_attempt_at, attempts, member_ids
       )
       SELECT b.id, b.run_id AS "runId", b.campaign_id AS "campaignId", b.workspace_id AS "workspaceId",
              b.channel_id AS "channelId", b.seq, b.first_attempt_at AS "firstAttemptAt", b.attempts,
              b.member_ids::text[] AS "memberIds", r.run_key AS "runKey", r.message_index AS "messageIndex",
              c.status AS "campaignStatus", x.line_user_ids AS "lineUserIds", x.skips
       FROM b JOIN campaign_runs r ON r.id = b.run_id JOIN campaigns c ON c.id = b.campaign_id
       CROSS JOIN (SELECT ${NO_FLUSH_WAIT}) AS lazy
       CROSS JOIN LATERAL (
         SELECT array_agg(CASE WHEN ${REACHABLE} THEN lu.line_user_id END ORDER BY u.i) AS line_user_ids,
                array_agg(${SEND_SKIP} ORDER BY u.i) AS skips
         FROM unnest(b.member_ids) WITH ORDINALITY AS u(member_id, i)
         LEFT JOIN line_users lu ON lu.channel_id = b.channel_id AND lu.member_id = u.member_id) x`,
      [batchId, now, String(leaseMs)],
    );
    const row = rows[0];
    if (row === undefined) return null;
    const { lineUserIds, skips, ...batch } = row;
    return {
      ...batch,
      recipients: batch.memberIds.map((memberId, i) => ({
        memberId,
        lineUserId: lineUserIds?.[i] ?? null,
        skip: skips?.[i] ?? null,
      })),
    };
  }

  /** Gives the batch back (paused, quiet hours, transient failure): pending again from `availableAt`. */
  async release(batchId: string, availableAt: Date | null, error: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE delivery_batches SET status = 'pending', lease_until = NULL, enqueued_at = now(),
              available_at = coalesce($2, available_at), last_error = coalesce($3, last_error)
       WHERE id = $1 AND status = 'sending'`,
      [batchId, availableAt, error],
    );
  }

  async extendLease(batchId: string, leaseMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE delivery_batches SET lease_until = now() + ($2 || ' milliseconds')::interval
       WHERE id = $1 AND status = 'sending'`,
      [batchId, String(leaseMs)],
    );
  }

  requests(batchId: string): Promise<DeliveryRequestEntity[]> {
    return this.dataSource.getRepository(DeliveryRequestEntity).find({ where: { batchId }, order: { seq: 'ASC' } });
  }

  /** Recipients with the whitelisted member fields templates may read. */
  async recipientsWithMembers(batch: BatchRef): Promise<RecipientWithMember[]> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT u.member_id::text AS member_id, CASE WHEN ${REACHABLE} THEN lu.line_user_id END AS line_user_id,
              ${SEND_SKIP} AS skip, m.external_id, m.first_name, m.last_name,
              m.points_balance, m.membership_tier, m.birth_date::text AS birth_date, m.attributes, lu.display_name
       FROM delivery_batches b CROSS JOIN LATERAL unnest(b.member_ids) WITH ORDINALITY AS u(member_id, i)
       JOIN members m ON m.id = u.member_id
       LEFT JOIN line_users lu ON lu.channel_id = b.channel_id AND lu.member_id = u.member_id
       WHERE b.id = $1 ORDER BY u.i`,
      [batch.id],
    );
    return rows.map((r) => ({
      memberId: String(r.member_id),
      lineUserId: r.line_user_id as string | null,
      skip: r.skip as string | null,
      member: {
        externalId: String(r.external_id),
        firstName: r.first_name as string | null,
        lastName: r.last_name as string | null,
        points: r.points_balance as number | null,
        tier: r.membership_tier as string | null,
        birthDate: r.birth_date as string | null,
        displayName: r.display_name as string | null,
        attributes: r.attributes as Record<string, unknown>,
      },
    }));
  }

  /**
   * Stores the batch's requests, their recipients and retry keys before the first attempt, and
   * the skips found at send time (unlinked, unfollowed, blocked or erased since planning) as ledger
   * rows counted into the run's skips (once: only rows the ledger did not have): one statement, so
   * atomic without a transaction's extra round trips.
   */
  async saveRequests(
    batch: BatchRef,
    requests: NewRequest[],
    skipped: Array<{ memberId: string; reason: string }>,
  ): Promise<DeliveryRequestEntity[]> {
    const rows = requests.map((r) => ({
      batchId: batch.id,
      seq: r.seq,
      retryKey: r.retryKey,
      endpoint: r.endpoint,
      messages: r.messages,
      memberIds: r.memberIds,
      recipientCount: r.memberIds.length,
      status: RequestStatus.Pending,
      lineRequestId: null,
      error: null,
      acceptedAt: null,
    })) as DeliveryRequestEntity[];
    if (rows.length === 0 && skipped.length === 0) return rows;
    await this.dataSource.query(
      `WITH req AS (
         INSERT INTO delivery_requests (batch_id, seq, retry_key, endpoint, messages, member_ids, recipient_count, status)
         SELECT $1, r.seq, r.retry_key, r.endpoint, r.messages,
                ARRAY(SELECT jsonb_array_elements_text(r.member_ids)::bigint), jsonb_array_length(r.member_ids), 'pending'
         FROM jsonb_to_recordset($2::jsonb) AS r(seq int, retry_key uuid, endpoint text, messages jsonb, member_ids jsonb)
       ), skip AS (
         INSERT INTO delivery_ledger (run_id, campaign_id, channel_id, member_id, status, reason, counts_toward_cap)
         SELECT $3, $4, $5, v.member_id, 'skipped', v.reason, false
         FROM unnest($6::bigint[], $7::text[]) AS v(member_id, reason)
         ON CONFLICT (run_id, member_id) DO NOTHING
         RETURNING reason
       ), counted AS (
         SELECT reason, count(*)::int AS n FROM skip GROUP BY reason
       )
       UPDATE campaign_runs r SET skipped = (
         SELECT jsonb_object_agg(k, coalesce((r.skipped ->> k)::int, 0) + coalesce(c.n, 0))
         FROM (SELECT jsonb_object_keys(r.skipped) AS k UNION SELECT reason FROM counted) keys
         LEFT JOIN counted c ON c.reason = keys.k)
       WHERE r.id = $3 AND EXISTS (SELECT 1 FROM counted)`,
      [
        batch.id,
        JSON.stringify(
          requests.map((r) => ({
            seq: r.seq,
            retry_key: r.retryKey,
            endpoint: r.endpoint,
            messages: r.messages,
            member_ids: r.memberIds,
          })),
        ),
        batch.runId,
        batch.campaignId,
        batch.channelId,
        skipped.map((x) => x.memberId),
        skipped.map((x) => x.reason),
      ],
    );
    return rows;
  }

  /**
   * Records LINE's answers in one statement (atomic without a transaction's round trips): an
   * accepted request is its recipients' "sent" (one row update, not one per recipient); a failed
   * one writes ledger rows with LINE's reason. Only pending requests move, so an overlapping
   * holder never counts a request twice. Then the batch is done when no request is left pending.
   */
  async recordOutcomes(batch: BatchRef, outcomes: RequestOutcome[], finished: boolean): Promise<void> {
    if (outcomes.length === 0 && !finished) return;
    await this.dataSource.query(
      `WITH o AS (
         SELECT * FROM unnest($2::int[], $3::delivery_request_status[], $4::text[], $5::text[])
           AS o(seq, status, line_request_id, error)
       ), upd AS (
         UPDATE delivery_requests q SET status = o.status, line_request_id = o.line_request_id, error = o.error,
                accepted_at = CASE WHEN o.status = 'accepted' THEN now() END
         FROM o WHERE q.batch_id = $1 AND q.seq = o.seq AND q.status = 'pending'
         RETURNING q.status, q.recipient_count, q.member_ids, q.error
       ), led AS (
         INSERT INTO delivery_ledger (run_id, campaign_id, channel_id, member_id, status, reason, counts_toward_cap)
         SELECT $6, $7, $8, u.member_id, 'failed', upd.error, false
         FROM upd CROSS JOIN LATERAL unnest(upd.member_ids) AS u(member_id)
         WHERE upd.status = 'failed'
         ON CONFLICT (run_id, member_id) DO NOTHING
       )
       UPDATE delivery_batches SET
              sent_count = sent_count + (SELECT coalesce(sum(recipient_count), 0) FROM upd WHERE status = 'accepted'),
              failed_count = failed_count + (SELECT coalesce(sum(recipient_count), 0) FROM upd WHERE status = 'failed'),
              status = CASE WHEN $9::boolean THEN 'done'::delivery_batch_status ELSE status END,
              finished_at = CASE WHEN $9::boolean THEN now() END,
              lease_until = CASE WHEN $9::boolean THEN NULL ELSE lease_until END
       WHERE id = $1 AND (SELECT ${NO_FLUSH_WAIT}) IS NOT NULL`,
      [
        batch.id,
        outcomes.map((o) => o.seq),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.lineRequestId),
        outcomes.map((o) => o.error),
        batch.runId,
        batch.campaignId,
        batch.channelId,
        finished,
      ],
    );
  }

  /**
   * Cancels the batch (campaign cancelled, retry key expired): its recipients that no accepted
   * request carried get ledger rows with the status and reason, pending requests fail.
   */
  async abandon(batch: BatchRef, status: 'skipped' | 'failed', reason: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const inserted = await em.query<unknown[]>(
        `INSERT INTO delivery_ledger (run_id, campaign_id, channel_id, member_id, status, reason, counts_toward_cap)
         SELECT b.run_id, b.campaign_id, b.channel_id, u.member_id, $2::delivery_ledger_status, $3, false
         FROM delivery_batches b CROSS JOIN LATERAL unnest(b.member_ids) AS u(member_id)
         WHERE b.id = $1 AND NOT EXISTS (
           SELECT 1 FROM delivery_requests q
           WHERE q.batch_id = b.id AND q.status = 'accepted' AND u.member_id = ANY(q.member_ids))
         ON CONFLICT (run_id, member_id) DO NOTHING RETURNING 1`,
        [batch.id, status, reason],
      );
      await em.query(
        `UPDATE delivery_requests SET status = 'failed', error = $2 WHERE batch_id = $1 AND status = 'pending'`,
        [batch.id, reason],
      );
      await em.query(
        `UPDATE delivery_batches SET status = $2::delivery_batch_status, lease_until = NULL, finished_at = now(),
                failed_count = failed_count + $3, last_error = $4 WHERE id = $1`,
        [
          batch.id,
          status === 'skipped' ? BatchStatus.Cancelled : BatchStatus.Done,
          status === 'failed' ? inserted.length : 0,
          reason,
        ],
      );
    });
  }

  /** Completes the run when its planning is over and no batch is open; returns true when it did. */
  async completeRunIfDone(runId: string): Promise<boolean> {
    const res = await this.dataSource.query<[unknown[], number]>(
      `UPDATE campaign_runs SET status = 'completed', finished_at = now()
       WHERE id = $1 AND status = 'sending'
         AND NOT EXISTS (SELECT 1 FROM delivery_batches WHERE run_id = $1 AND status IN ('pending', 'sending'))`,
      [runId],
    );
    return res[1] > 0;
  }
}
