import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, InjectTypedQueue, QueueName, TypedQueue } from '@app/common';
import { DeliveryClock } from '@app/delivery';
import { OutboxBatchRef, groupIntoJobs, jobIdOfBatch, retryJobId } from './job-groups';

const runJobId = (runId: string, generation: number): string => `r-${runId}-${generation}`;

/**
 * Puts PostgreSQL's decisions on the queues. The relay enqueues right after each commit; the
 * reconciler (every second, from every worker, one at a time through an advisory lock) finds
 * what Redis does not hold — lost in a crash between commit and enqueue, in a Redis restart, or
 * held by a dead worker's expired lease — and enqueues it again under a new job id. Batches go in
 * jobs of up to BATCHES_PER_JOB (job-groups.ts); one the reconciler puts back goes alone.
 */
@Injectable()
export class OutboxRelay {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectTypedQueue(QueueName.DeliveryBatches) private readonly batches: TypedQueue<QueueName.DeliveryBatches>,
    @InjectTypedQueue(QueueName.CampaignRuns) private readonly runs: TypedQueue<QueueName.CampaignRuns>,
    private readonly clock: DeliveryClock,
    private readonly config: AppConfig,
  ) {}

  /** How old an enqueue must be before the reconciler looks at it again (a throttle, not a guard). */
  private get staleMs(): number {
    return Math.min(10_000, this.config.delivery.leaseMs);
  }

  /** Enqueues batches (gen 0) in jobs of up to BATCHES_PER_JOB of the same run (job-groups.ts). */
  async enqueueBatches(workspaceId: string, batches: OutboxBatchRef[], availableAt: Date): Promise<void> {
    if (batches.length === 0) return;
    const delay = this.delayUntil(availableAt);
    await this.batches.addBulk(
      groupIntoJobs(batches).map(({ jobId, batchIds }) => ({
        name: 'send',
        data: { workspaceId, batchIds },
        opts: { jobId, delay },
      })),
    );
  }

  private delayUntil(availableAt: Date): number {
    return Math.max(0, availableAt.getTime() - this.clock.now().getTime());
  }

  /**
   * Enqueues pages of batches in order, one call at a time, without the caller waiting: planning
   * goes on with the next page meanwhile. A failed enqueue loses nothing (the batches are in the
   * outbox and the reconciler enqueues them) but `drain` still reports it, after the rest.
   */
  pipeline(
    workspaceId: string,
    availableAt: Date,
  ): { enqueue(batches: OutboxBatchRef[]): void; drain(): Promise<void> } {
    let chain: Promise<Error | null> = Promise.resolve(null);
    return {
      enqueue: (batches) => {
        chain = chain.then((failed) =>
          this.enqueueBatches(workspaceId, batches, availableAt).then(
            () => failed,
            (e: unknown) => failed ?? (e instanceof Error ? e : new Error(String(e))),
          ),
        );
      },
      drain: async () => {
        const failed = await chain;
        if (failed !== null) throw failed;
      },
    };
  }

  async enqueueRun(workspaceId: string, campaignId: string, runId: string, delayMs = 0, generation = 0): Promise<void> {
    await this.runs.add(
      'plan',
      { workspaceId, campaignId, runId },
      { jobId: runJobId(runId, generation), delay: Math.max(0, delayMs) },
    );
  }

  /** One reconciliation pass; returns how many items it re-enqueued. */
  async reconcile(): Promise<number> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (em) => {
      const [{ locked }] = await em.query<Array<{ locked: boolean }>>(
        `SELECT pg_try_advisory_xact_lock(hashtext('lse-delivery-reconciler')) AS locked`,
      );
      if (!locked) return 0;
      let count = 0;
      const stale = await em.query<
        Array<{ id: string; workspace_id: string; run_id: string; seq: number; gen: number; status: string }>
      >(
        `SELECT b.id, b.workspace_id, b.run_id, b.seq, b.enqueue_generation AS gen, b.status FROM delivery_batches b
         JOIN campaigns c ON c.id = b.campaign_id AND c.status <> 'paused'
         WHERE b.status IN ('pending', 'sending') AND b.available_at <= $1
           AND (b.enqueued_at IS NULL OR b.enqueued_at < now() - interval '${this.staleMs} milliseconds')
           AND (b.status = 'pending' OR b.lease_until < now())
         ORDER BY b.available_at LIMIT 1000`,
        [now],
      );
      // A group's batches share a job: one look per job and pass.
      const jobs = new Map<string, { state: string; activeSince: number | null; promote(): Promise<void> } | null>();
      for (const b of stale) {
        const jobId = jobIdOfBatch({ id: b.id, runId: b.run_id, seq: b.seq }, b.gen);
        let job = jobs.get(jobId);
        if (job === undefined) {
          const found = await this.batches.getJob(jobId);
          job =
            found === undefined
              ? null
              : {
                  state: await found.getState(),
                  activeSince: found.processedOn ?? null,
                  promote: () => found.promote(),
                };
          jobs.set(jobId, job);
        }
        const state = job?.state ?? 'missing';
        if (state === 'waiting' || state === 'prioritized') continue;
        // A batch not yet claimed in a job a worker took within the lease waits for one of that
        // worker's in-flight slots; a dead worker's job is given up after the lease, like a claim.
        if (
          state === 'active' &&
          b.status === 'pending' &&
          job?.activeSince != null &&
          Date.now() - job.activeSince < this.config.delivery.leaseMs
        )
          continue;
        if (state === 'delayed' && job !== null) {
          // Due by PostgreSQL's (and the delivery clock's) account: send now, not at BullMQ's timer.
          await job.promote();
          job.state = 'waiting';
          count++;
          continue;
        }
        await em.query(
          `UPDATE delivery_batches SET enqueue_generation = enqueue_generation + 1, enqueued_at = now() WHERE id = $1`,
          [b.id],
        );
        await this.batches.add(
          'send',
          { workspaceId: b.workspace_id, batchIds: [b.id] },
          { jobId: retryJobId(b.id, b.gen + 1) },
        );
        count++;
      }
      const runs = await em.query<Array<{ id: string; workspace_id: string; campaign_id: string }>>(
        `SELECT r.id, r.workspace_id, r.campaign_id, r.status FROM campaign_runs r
         JOIN campaigns c ON c.id = r.campaign_id AND c.status NOT IN ('paused', 'cancelled')
         WHERE ((r.status = 'scheduled' AND r.due_at <= $1)
            OR (r.status = 'planning' AND (r.lease_until IS NULL OR r.lease_until < now())))
         LIMIT 500`,
        [now],
      );
      for (const r of runs) {
        const gen = Math.floor(Date.now() / this.staleMs);
        await this.enqueueRun(r.workspace_id, r.campaign_id, r.id, 0, gen);
        count++;
      }
      return count;
    });
  }
}
