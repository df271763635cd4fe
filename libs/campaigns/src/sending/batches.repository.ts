import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BatchStatus, DeliveryBatchEntity } from '../entities/delivery-batch.entity';
import { DeliveryRequestEntity, RequestStatus } from '../entities/delivery-request.entity';
import type { CampaignStatus } from '../entities/campaign.entity';
import {
  BatchOutcomes,
  BatchRecipient,
  BatchRef,
  BatchRequests,
  ClaimedBatch,
  NewRequest,
  RecipientWithMember,
  RequestOutcome,
} from './batches.types';
import { CLAIM_SQL, SAVE_REQUESTS_ONLY_SQL, SAVE_REQUESTS_SQL, outcomesStatement } from './batches.sql';
import { ClaimLists, recipientsOf } from './claim-lists';
import { Coalescer, preparedRows, unpreparedRows } from '@app/common';

/**
 * Single-batch calls of concurrent senders share statements (see Coalescer): at most this many
 * batches per statement, and this many such statements of a kind at once per process.
 */
const GROUP_MAX = 32;
const GROUP_CONCURRENCY = 2;

export type {
  BatchOutcomes,
  BatchRecipient,
  BatchRequests,
  ClaimedBatch,
  NewRequest,
  RecipientWithMember,
  RequestOutcome,
};

/** All I/O of sending one batch: claim, recipients, requests, and the after-LINE outcomes. */
@Injectable()
export class BatchesRepository {
  private readonly claims: Coalescer<{ batchId: string; now: Date; leaseMs: number }, ClaimedBatch | null>;
  private readonly saves: Coalescer<BatchRequests, undefined>;
  private readonly outcomes: Coalescer<BatchOutcomes, undefined>;
  private readonly completions: Coalescer<string, boolean>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    const options = { maxGroup: GROUP_MAX, concurrency: GROUP_CONCURRENCY };
    this.claims = new Coalescer(
      async (items) => {
        // The earliest instant of the group: nobody's batch is claimed before it is due for them.
        const now = new Date(Math.min(...items.map((i) => i.now.getTime())));
        const byId = new Map(
          (
            await this.claimMany(
              items.map((i) => i.batchId),
              now,
              items[0].leaseMs,
            )
          ).map((b) => [b.id, b]),
        );
        return items.map((i) => byId.get(i.batchId) ?? null);
      },
      { ...options, key: (i) => i.batchId },
    );
    this.saves = new Coalescer(
      async (items) => {
        await this.saveRequestsMany(items);
        return items.map(() => undefined);
      },
      { ...options, key: (i) => i.batch.id },
    );
    this.outcomes = new Coalescer(
      async (items) => {
        await this.recordOutcomesMany(items);
        return items.map(() => undefined);
      },
      { ...options, key: (i) => i.batch.id },
    );
    // A run's batches all ask when they finish, hundreds per second for one run: a call whose run
    // is already queued joins that check (which has not started, so it sees the caller's outcome)
    // instead of queueing behind it. Only the first caller hears "completed", so the run's
    // completion is acted on once. One check at a time per run had held each batch ~0.1–0.25 s.
    this.completions = new Coalescer(
      async (runIds) => {
        const done = new Set(await this.completeRunsIfDone(runIds));
        return runIds.map((id) => done.has(id));
      },
      { ...options, key: (id) => id, join: () => false },
    );
  }

  /**
   * Takes the batch for this worker: only when it is due and nobody holds a live lease. Two jobs
   * for one batch (re-enqueued by the reconciler) cannot both send; a dead holder's lease expires.
   * The same statement returns what sending needs that may change meanwhile (the campaign's
   * status, the run's key) and each recipient's LINE user as of now: one round trip, not four.
   */
  claim(batchId: string, now: Date, leaseMs: number): Promise<ClaimedBatch | null> {
    return this.claims.run({ batchId, now, leaseMs });
  }

  /** {@link claim} for many batches in one statement (a launch's one-member event batches). */
  async claimMany(batchIds: string[], now: Date, leaseMs: number): Promise<ClaimedBatch[]> {
    if (batchIds.length === 0) return [];
    const rows = await preparedRows<
      Omit<DeliveryBatchEntity, 'memberIds'> &
        ClaimLists & { runKey: string; messageIndex: number[] | null; campaignStatus: CampaignStatus }
    >(this.dataSource, CLAIM_SQL, [batchIds, now, String(leaseMs)]);
    return rows.map(
      ({ memberIdList, dense, lineUserIdList, skipList, rangeMemberList, rangeLineUserList, ...batch }) => ({
        ...batch,
        ...recipientsOf({ memberIdList, dense, lineUserIdList, skipList, rangeMemberList, rangeLineUserList }),
      }),
    );
  }

  /** Gives the batch back (paused, quiet hours, transient failure): pending again from `availableAt`. */
  async release(batchId: string, availableAt: Date | null, error: string | null): Promise<void> {
    await this.releaseMany([batchId], availableAt, error);
  }

  async releaseMany(batchIds: string[], availableAt: Date | null, error: string | null): Promise<void> {
    if (batchIds.length === 0) return;
    await this.dataSource.query(
      `UPDATE delivery_batches SET status = 'pending', lease_until = NULL, enqueued_at = now(),
              available_at = coalesce($2, available_at), last_error = coalesce($3, last_error)
       WHERE id = ANY($1::uuid[]) AND status = 'sending'`,
      [batchIds, availableAt, error],
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
    await this.saves.run({ batch, requests, skipped });
    return requests.map((r): DeliveryRequestEntity => ({
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
    }));
  }

  /** {@link saveRequests} of many batches in one statement (synchronous commit: see NO_FLUSH_WAIT). */
  async saveRequestsMany(entries: BatchRequests[]): Promise<void> {
    const requests = entries.flatMap((e) => e.requests.map((r) => ({ ...r, batchId: e.batch.id })));
    const skips = entries.flatMap((e) => e.skipped.map((x) => ({ ...x, batch: e.batch })));
    if (requests.length === 0 && skips.length === 0) return;
    const records = JSON.stringify(
      requests.map((r) => ({
        batch_id: r.batchId,
        seq: r.seq,
        retry_key: r.retryKey,
        endpoint: r.endpoint,
        messages: r.messages,
        member_ids: r.memberIds.join(','),
        recipient_count: r.memberIds.length,
      })),
    );
    if (skips.length === 0) {
      await preparedRows(this.dataSource, SAVE_REQUESTS_ONLY_SQL, [records]);
      return;
    }
    await preparedRows(this.dataSource, SAVE_REQUESTS_SQL, [
      records,
      skips.map((x) => x.batch.runId),
      skips.map((x) => x.batch.campaignId),
      skips.map((x) => x.batch.channelId),
      skips.map((x) => x.memberId),
      skips.map((x) => x.reason),
    ]);
  }

  /**
   * Records LINE's answers in one statement (atomic without a transaction's round trips): an
   * accepted request is its recipients' "sent" (one row update, not one per recipient); a failed
   * one writes ledger rows with LINE's reason. Only pending requests move, so an overlapping
   * holder never counts a request twice. Then the batch is done when no request is left pending.
   */
  async recordOutcomes(batch: BatchRef, outcomes: RequestOutcome[], finished: boolean): Promise<void> {
    await this.outcomes.run({ batch, outcomes, finished });
  }

  /**
   * {@link recordOutcomes} of many batches in one statement. With `completeSingleRuns`, the runs
   * of one batch that it finishes are completed by the same statement; returns those runs.
   */
  async recordOutcomesMany(entries: BatchOutcomes[], completeSingleRuns = false): Promise<string[]> {
    const moving = entries.filter((e) => e.outcomes.length > 0 || e.finished);
    if (moving.length === 0) return [];
    // Unprepared: its joins to requests and batches are planned on the tables' current sizes.
    const { text, params } = outcomesStatement(moving, completeSingleRuns);
    const rows = await unpreparedRows<{ run_id: string; run_completed: boolean }>(this.dataSource, text, params);
    return [...new Set(rows.filter((r) => r.run_completed).map((r) => r.run_id))];
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
  completeRunIfDone(runId: string): Promise<boolean> {
    return this.completions.run(runId);
  }

  /**
   * Runs still marked sending although none of their batches is open: their last batch's sender
   * died between recording LINE's answers and the completion check (its job's retry finds the
   * batch done and has nothing to check). Found by ix_campaign_runs_sending: runs sending now.
   */
  async strandedRuns(limit: number): Promise<Array<{ id: string; workspaceId: string; campaignId: string }>> {
    return this.dataSource.query(
      `SELECT r.id, r.workspace_id AS "workspaceId", r.campaign_id AS "campaignId" FROM campaign_runs r
       WHERE r.status = 'sending'
         AND NOT EXISTS (SELECT 1 FROM delivery_batches b WHERE b.run_id = r.id AND b.status IN ('pending', 'sending'))
       LIMIT $1`,
      [limit],
    );
  }

  /** {@link completeRunIfDone} for many runs in one statement; returns the runs it completed. */
  async completeRunsIfDone(runIds: string[]): Promise<string[]> {
    if (runIds.length === 0) return [];
    const rows = await preparedRows<{ id: string }>(
      this.dataSource,
      `UPDATE campaign_runs r SET status = 'completed', finished_at = now()
       FROM unnest($1::uuid[]) AS k(id)
       WHERE r.id = k.id AND r.status = 'sending'
         AND NOT EXISTS (SELECT 1 FROM delivery_batches b WHERE b.run_id = r.id AND b.status IN ('pending', 'sending'))
       RETURNING r.id`,
      [runIds],
    );
    return rows.map((r) => r.id);
  }
}
