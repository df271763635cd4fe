import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { LineMessage, MemberRenderFields } from '@app/delivery';
import { BatchStatus, DeliveryBatchEntity } from '../entities/delivery-batch.entity';
import { DeliveryRequestEntity, RequestStatus } from '../entities/delivery-request.entity';

export interface QueuedRecipient {
  ledgerId: string;
  lineUserId: string;
  requestSeq: number | null;
}

export interface RecipientWithMember extends QueuedRecipient {
  member: MemberRenderFields;
}

export interface RequestOutcome {
  seq: number;
  status: RequestStatus.Accepted | RequestStatus.Failed;
  lineRequestId: string | null;
  error: string | null;
}

/** All I/O of sending one batch: claim, recipients, requests, and the after-LINE ledger flip. */
@Injectable()
export class BatchesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Takes the batch for this worker: only when it is due and nobody holds a live lease. Two jobs
   * for one batch (re-enqueued by the reconciler) cannot both send; a dead holder's lease expires.
   */
  async claim(batchId: string, now: Date, leaseMs: number): Promise<DeliveryBatchEntity | null> {
    const rows = await this.dataSource.query<[Array<DeliveryBatchEntity>, number]>(
      `UPDATE delivery_batches SET status = 'sending', lease_until = now() + ($3 || ' milliseconds')::interval,
              attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now())
       WHERE id = $1 AND available_at <= $2
         AND (status = 'pending' OR (status = 'sending' AND lease_until < now()))
       RETURNING id, run_id AS "runId", campaign_id AS "campaignId", workspace_id AS "workspaceId",
                 channel_id AS "channelId", seq, first_attempt_at AS "firstAttemptAt", attempts`,
      [batchId, now, String(leaseMs)],
    );
    return rows[0][0] ?? null;
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

  async queued(runId: string, batchSeq: number): Promise<QueuedRecipient[]> {
    const rows = await this.dataSource.query<Array<{ id: string; line_user_id: string; request_seq: number | null }>>(
      `SELECT id, line_user_id, request_seq FROM delivery_ledger
       WHERE run_id = $1 AND batch_seq = $2 AND status = 'queued' ORDER BY id`,
      [runId, batchSeq],
    );
    return rows.map((r) => ({ ledgerId: r.id, lineUserId: r.line_user_id, requestSeq: r.request_seq }));
  }

  /** Queued recipients with the whitelisted member fields templates may read. */
  async queuedWithMembers(runId: string, batchSeq: number): Promise<RecipientWithMember[]> {
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT l.id, l.line_user_id, l.request_seq, m.external_id, m.first_name, m.last_name, m.points_balance,
              m.membership_tier, m.birth_date::text AS birth_date, m.attributes, lu.display_name
       FROM delivery_ledger l JOIN members m ON m.id = l.member_id
       LEFT JOIN line_users lu ON lu.channel_id = l.channel_id AND lu.line_user_id = l.line_user_id
       WHERE l.run_id = $1 AND l.batch_seq = $2 AND l.status = 'queued' ORDER BY l.id`,
      [runId, batchSeq],
    );
    return rows.map((r) => ({
      ledgerId: String(r.id),
      lineUserId: String(r.line_user_id),
      requestSeq: r.request_seq as number | null,
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

  /** Stores the batch's requests and their retry keys before the first attempt (with the ledger's request_seq). */
  async saveRequests(
    batchId: string,
    requests: Array<{
      seq: number;
      retryKey: string;
      endpoint: 'multicast' | 'push';
      messages: LineMessage[] | null;
      ledgerIds: string[];
    }>,
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.getRepository(DeliveryRequestEntity).insert(
        requests.map((r) => ({
          batchId,
          seq: r.seq,
          retryKey: r.retryKey,
          endpoint: r.endpoint,
          messages: r.messages,
          recipientCount: r.ledgerIds.length,
          status: RequestStatus.Pending,
        })) as never,
      );
      const ids: string[] = [];
      const seqs: number[] = [];
      for (const r of requests)
        for (const id of r.ledgerIds) {
          ids.push(id);
          seqs.push(r.seq);
        }
      if (requests.length > 1 || requests.some((r) => r.messages !== null)) {
        await em.query(
          `UPDATE delivery_ledger l SET request_seq = v.seq
           FROM unnest($1::bigint[], $2::int[]) AS v(id, seq) WHERE l.id = v.id`,
          [ids, seqs],
        );
      }
    });
  }

  /**
   * Records LINE's answers: accepted requests flip their recipients to sent, failed ones to failed
   * with LINE's reason; then the batch is done when no request is left pending. One transaction.
   */
  async recordOutcomes(batch: DeliveryBatchEntity, outcomes: RequestOutcome[], finished: boolean): Promise<void> {
    if (outcomes.length === 0 && !finished) return;
    await this.dataSource.transaction(async (em) => {
      let sent = 0;
      let failed = 0;
      for (const o of outcomes) {
        await em.query(
          `UPDATE delivery_requests SET status = $3::delivery_request_status, line_request_id = $4, error = $5,
                  accepted_at = CASE WHEN $3::delivery_request_status = 'accepted' THEN now() END
           WHERE batch_id = $1 AND seq = $2`,
          [batch.id, o.seq, o.status, o.lineRequestId, o.error],
        );
      }
      const accepted = outcomes.filter((o) => o.status === RequestStatus.Accepted).map((o) => o.seq);
      if (accepted.length > 0) sent = await this.flip(em, batch, accepted, 'sent', null);
      for (const o of outcomes.filter((x) => x.status === RequestStatus.Failed)) {
        failed += await this.flip(em, batch, [o.seq], 'failed', o.error);
      }
      await em.query(
        `UPDATE delivery_batches SET sent_count = sent_count + $2, failed_count = failed_count + $3,
                status = CASE WHEN $4::boolean THEN 'done'::delivery_batch_status ELSE status END,
                finished_at = CASE WHEN $4::boolean THEN now() END,
                lease_until = CASE WHEN $4::boolean THEN NULL ELSE lease_until END
         WHERE id = $1`,
        [batch.id, sent, failed, finished],
      );
    });
  }

  private async flip(
    em: EntityManager,
    batch: DeliveryBatchEntity,
    seqs: number[],
    status: 'sent' | 'failed',
    reason: string | null,
  ): Promise<number> {
    const res = await em.query<[unknown[], number]>(
      `UPDATE delivery_ledger SET status = $4::delivery_ledger_status, reason = $5,
              sent_at = CASE WHEN $4::delivery_ledger_status = 'sent' THEN now() END
       WHERE run_id = $1 AND batch_seq = $2 AND status = 'queued' AND coalesce(request_seq, 0) = ANY($3::int[])`,
      [batch.runId, batch.seq, seqs, status, reason],
    );
    return res[1];
  }

  /** Cancels the batch and skips its queued recipients (campaign cancelled, retry key expired). */
  async abandon(batch: DeliveryBatchEntity, status: 'skipped' | 'failed', reason: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const res = await em.query<[unknown[], number]>(
        `UPDATE delivery_ledger SET status = $3::delivery_ledger_status, reason = $4
         WHERE run_id = $1 AND batch_seq = $2 AND status = 'queued'`,
        [batch.runId, batch.seq, status, reason],
      );
      await em.query(
        `UPDATE delivery_batches SET status = $2::delivery_batch_status, lease_until = NULL, finished_at = now(),
                failed_count = failed_count + $3, last_error = $4 WHERE id = $1`,
        [
          batch.id,
          status === 'skipped' ? BatchStatus.Cancelled : BatchStatus.Done,
          status === 'failed' ? res[1] : 0,
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
