import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { LineMessage, MemberRenderFields } from '@app/delivery';

/** A claimed batch of one member, with what sending it needs. */
export interface OneMemberBatch {
  batchId: string;
  runId: string;
  runKey: string;
  memberId: string;
  /** null: the member was erased since planning. */
  member: MemberRenderFields | null;
  /** null: no longer linked to the channel. */
  lineUserId: string | null;
}

export interface OneMemberRequest {
  batchId: string;
  retryKey: string;
  /** Rendered messages (personalised), or null: the campaign's messages as they are. */
  messages: LineMessage[] | null;
  memberId: string;
}

export interface OneMemberOutcome {
  batchId: string;
  status: 'accepted' | 'failed';
  lineRequestId: string | null;
  error: string | null;
}

/**
 * All I/O of sending many one-member batches of one campaign at once: the same rows the batch
 * sender writes for each (claim and lease, the request with its retry key stored before the call,
 * skips at send time, the answers), a statement for all of them at each step.
 */
@Injectable()
export class EventBatchesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Claims the batches still pending and due (as BatchesRepository.claim) with their member and LINE user. */
  async claim(batchIds: string[], now: Date, leaseMs: number): Promise<OneMemberBatch[]> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `WITH c AS (
         UPDATE delivery_batches SET status = 'sending', lease_until = now() + ($3 || ' milliseconds')::interval,
                attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now())
         WHERE id = ANY($1::uuid[]) AND available_at <= $2 AND status = 'pending' AND cardinality(member_ids) = 1
         RETURNING id, run_id, channel_id, member_ids[1] AS member_id
       )
       SELECT c.id AS batch_id, c.run_id, r.run_key, c.member_id::text AS member_id, m.id IS NOT NULL AS present,
              lu.line_user_id, m.external_id, m.first_name, m.last_name, m.points_balance, m.membership_tier,
              m.birth_date::text AS birth_date, m.attributes, lu.display_name
       FROM c JOIN campaign_runs r ON r.id = c.run_id
       LEFT JOIN members m ON m.id = c.member_id
       LEFT JOIN line_users lu ON lu.channel_id = c.channel_id AND lu.member_id = c.member_id`,
      [batchIds, now, String(leaseMs)],
    );
    return rows.map((r) => ({
      batchId: String(r.batch_id),
      runId: String(r.run_id),
      runKey: String(r.run_key),
      memberId: String(r.member_id),
      lineUserId: r.present === true ? (r.line_user_id as string | null) : null,
      member:
        r.present === true
          ? {
              externalId: String(r.external_id),
              firstName: r.first_name as string | null,
              lastName: r.last_name as string | null,
              points: r.points_balance as number | null,
              tier: r.membership_tier as string | null,
              birthDate: r.birth_date as string | null,
              displayName: r.display_name as string | null,
              attributes: r.attributes as Record<string, unknown>,
            }
          : null,
    }));
  }

  /**
   * Stores the requests (one push each, retry key derived by the caller) before any call, and the
   * skips found at send time, in one transaction; a batch with nothing to send is done here.
   */
  async saveRequests(
    campaignId: string,
    channelId: string,
    requests: OneMemberRequest[],
    skipped: Array<{ batch: OneMemberBatch; reason: string }>,
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      if (requests.length > 0) {
        await em.query(
          `INSERT INTO delivery_requests
             (batch_id, seq, retry_key, endpoint, messages, member_ids, recipient_count, status)
           SELECT t.batch_id, 0, t.retry_key, 'push', t.messages, ARRAY[t.member_id], 1, 'pending'
           FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::bigint[]) AS t(batch_id, retry_key, messages, member_id)`,
          [
            requests.map((q) => q.batchId),
            requests.map((q) => q.retryKey),
            requests.map((q) => (q.messages === null ? null : JSON.stringify(q.messages))),
            requests.map((q) => q.memberId),
          ],
        );
      }
      if (skipped.length > 0) {
        await em.query(
          `WITH s AS (SELECT * FROM unnest($3::uuid[], $4::uuid[], $5::bigint[], $6::text[]) AS s(batch_id, run_id, member_id, reason)),
           led AS (
             INSERT INTO delivery_ledger (run_id, campaign_id, channel_id, member_id, status, reason, counts_toward_cap)
             SELECT s.run_id, $1::uuid, $2::uuid, s.member_id, 'skipped', s.reason, false FROM s
             ON CONFLICT (run_id, member_id) DO NOTHING
           )
           UPDATE delivery_batches b SET status = 'done', finished_at = now(), lease_until = NULL
           FROM s WHERE b.id = s.batch_id`,
          [
            campaignId,
            channelId,
            skipped.map((x) => x.batch.batchId),
            skipped.map((x) => x.batch.runId),
            skipped.map((x) => x.batch.memberId),
            skipped.map((x) => x.reason),
          ],
        );
      }
    });
  }

  /**
   * Records LINE's answers (as BatchesRepository.recordOutcomes: only pending requests move, a
   * failure writes the member's ledger row), finishes those batches and completes their runs,
   * and the runs of batches skipped at send time, in one transaction.
   */
  async recordOutcomes(
    campaignId: string,
    channelId: string,
    outcomes: OneMemberOutcome[],
    runIds: string[],
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      if (outcomes.length > 0) {
        await em.query(
          `WITH o AS (
             SELECT * FROM unnest($1::uuid[], $2::delivery_request_status[], $3::text[], $4::text[])
               AS o(batch_id, status, line_request_id, error)
           ), upd AS (
             UPDATE delivery_requests q SET status = o.status, line_request_id = o.line_request_id, error = o.error,
                    accepted_at = CASE WHEN o.status = 'accepted' THEN now() END
             FROM o WHERE q.batch_id = o.batch_id AND q.seq = 0 AND q.status = 'pending'
             RETURNING q.batch_id, q.status, q.recipient_count, q.member_ids, q.error
           ), led AS (
             INSERT INTO delivery_ledger (run_id, campaign_id, channel_id, member_id, status, reason, counts_toward_cap)
             SELECT b.run_id, $5::uuid, $6::uuid, u.member_id, 'failed', upd.error, false
             FROM upd JOIN delivery_batches b ON b.id = upd.batch_id
             CROSS JOIN LATERAL unnest(upd.member_ids) AS u(member_id)
             WHERE upd.status = 'failed'
             ON CONFLICT (run_id, member_id) DO NOTHING
           )
           UPDATE delivery_batches b SET
             sent_count = sent_count + CASE WHEN upd.status = 'accepted' THEN upd.recipient_count ELSE 0 END,
             failed_count = failed_count + CASE WHEN upd.status = 'failed' THEN upd.recipient_count ELSE 0 END,
             status = 'done', finished_at = now(), lease_until = NULL
           FROM upd WHERE b.id = upd.batch_id`,
          [
            outcomes.map((o) => o.batchId),
            outcomes.map((o) => o.status),
            outcomes.map((o) => o.lineRequestId),
            outcomes.map((o) => o.error),
            campaignId,
            channelId,
          ],
        );
      }
      if (runIds.length > 0) {
        await em.query(
          `UPDATE campaign_runs r SET status = 'completed', finished_at = now()
           WHERE r.id = ANY($1::uuid[]) AND r.status = 'sending'
             AND NOT EXISTS (SELECT 1 FROM delivery_batches b WHERE b.run_id = r.id AND b.status IN ('pending', 'sending'))`,
          [runIds],
        );
      }
    });
  }

  /** Gives batches back (pending, no lease) for the batch sender to take over at once. */
  async release(batchIds: string[]): Promise<void> {
    if (batchIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE delivery_batches SET status = 'pending', lease_until = NULL
       WHERE id = ANY($1::uuid[]) AND status = 'sending'`,
      [batchIds],
    );
  }
}
