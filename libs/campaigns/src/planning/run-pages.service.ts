import { Injectable } from '@nestjs/common';
import { DeliveryClock } from '@app/delivery';
import { CampaignRunEntity, RunStatus } from '../entities/campaign-run.entity';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { SnapshotFiller } from './audience-snapshotter';
import { PageRules, PlanRules, PlannedPage, PlannerRepository } from './planner.repository';
import { firstRangeWidth, nextRangeWidth } from './page-range';
import { OutboxBatchRef, pageBatchRefs } from '../outbox/job-groups';

/**
 * Pages of 50,000: a page costs a transaction and several round trips on a worker whose event
 * loop is busy sending, besides its statements; with 20,000 a 1M run finished planning at 9.1 s,
 * with 50,000 at 6.6–8.2 s.
 */
export const PAGE_SIZE = 50_000;
/**
 * The first page is 25,000 recipients: 50 multicasts, which the limiter's burst (half a second of
 * LINE's rate, 99 requests at 99 %) lets go at once; measured when the burst was a quarter second.
 * With a first page of 2,500 the first 5 requests went early and the bucket then refilled unused
 * while the next page was planned; the burst went out ~0.4 s after the campaign started, and 100k took 1.19–1.31 × the time LINE allows, against
 * 1.06–1.17 × with 25,000. Growing pages (2,500, 5,000, 15,000, 45,000, …, and 2,500, 25,000,
 * 50,000) measured worse, and so did sending the first page from the planning process itself
 * instead of through the queue (1.07–1.32 ×): its claims then competed for the two cores with the
 * next page's statement.
 */
const FIRST_PAGE_SIZE = 25_000;

export interface PagesOptions {
  /** The run's snapshot to fill, each page added in the transaction that plans it. */
  filler: SnapshotFiller | null;
  /**
   * Awaited before the first page commits; when it throws, that page is rolled back. Its locks
   * (the run row; a capped campaign's channel cap) are held meanwhile: the quota's answer from
   * LINE, tens of milliseconds, or the request timeout at worst.
   */
  gate?: () => Promise<void>;
}

/**
 * The keyset pages of one run, each in one transaction that writes the ledger, the outbox batches
 * and the run's cursor. After each commit the relay enqueues the page's batches, so sending starts
 * while a 10M audience is still planned.
 */
@Injectable()
export class RunPagesService {
  constructor(
    private readonly planner: PlannerRepository,
    private readonly relay: OutboxRelay,
    private readonly clock: DeliveryClock,
  ) {}

  /**
   * Plans the run's pages from its cursor. Each page locks the run row and reads its cursor from
   * it, so that a planner that lost its lease (a stalled worker) and the one that took over never
   * plan the same page twice; returns false when another planner finished the run meanwhile.
   * The ids of the batches due now are added to `dueNow` (already enqueued).
   */
  async plan(
    workspaceId: string,
    run: CampaignRunEntity,
    rules: PlanRules,
    leaseMs: number,
    options: PagesOptions,
    dueNow: string[],
  ): Promise<boolean> {
    // A page's jobs are enqueued while the next page is planned (see OutboxRelay.pipeline).
    const relay = this.relay.pipeline(workspaceId, rules.availableAt);
    let result: boolean;
    try {
      result = await this.pages(run, rules, leaseMs, options, (batches) => {
        relay.enqueue(batches);
        if (rules.availableAt <= this.clock.now()) dueNow.push(...batches.map((b) => b.id));
      });
    } catch (e) {
      await relay.drain().catch(() => undefined);
      throw e;
    }
    await relay.drain();
    return result;
  }

  private async pages(
    run: CampaignRunEntity,
    rules: PlanRules,
    leaseMs: number,
    { filler, gate: firstPageGate }: PagesOptions,
    enqueue: (batches: OutboxBatchRef[]) => void,
  ): Promise<boolean> {
    let gate = firstPageGate;
    // The id range of the next filled page (page-range.ts); a resumed run starts from the first width.
    let width: bigint | null = null;
    for (;;) {
      const page = await this.planner.transaction(async (em) => {
        const cur = await this.planner.lockRun(em, run.id);
        if (cur === null || cur.status !== RunStatus.Planning) return null;
        const firstSeq = cur.nextBatchSeq;
        const quotaLeft = cur.quotaAllowed === null ? null : Math.max(0, cur.quotaAllowed - cur.queuedCount);
        run.nextBatchSeq = cur.nextBatchSeq;
        const pageSize = cur.plannedThrough === null ? FIRST_PAGE_SIZE : PAGE_SIZE;
        if (rules.countsTowardCap && rules.capMax > 0) await this.planner.lockChannelCap(em, rules.channelId);
        const cursor = cur.plannedThrough ?? '0';
        const pageRules: PageRules = { ...rules, quotaLeft, pageSize };
        let p: PlannedPage;
        let range: { width: bigint; cursor: string } | null = null;
        if (filler !== null && this.planner.plainPage(run, pageRules)) {
          range = { width: width ?? firstRangeWidth(pageSize), cursor };
          const until = (BigInt(cursor) + range.width).toString();
          p = await this.planner.planFilledPage(em, run, pageRules, cursor, until, leaseMs, filler);
        } else {
          if (filler !== null) await filler.fill(em, cursor, pageSize);
          p = await this.planner.planPage(em, run, pageRules, cursor, leaseMs);
        }
        if (gate !== undefined) await gate();
        run.audienceSize = cur.audienceSize + p.audience;
        run.queuedCount = cur.queuedCount + p.queued;
        return { ...p, range, pageSize, firstSeq };
      });
      if (page === null) return false;
      gate = undefined;
      if (page.range !== null) {
        const spanned = page.lastMemberId === null ? 0n : BigInt(page.lastMemberId) - BigInt(page.range.cursor);
        width = nextRangeWidth(
          { pageSize: page.pageSize, width: page.range.width, read: page.read, spanned },
          PAGE_SIZE,
        );
      }
      enqueue(pageBatchRefs(run.id, page.firstSeq, page.batchIds));
      if (page.exhausted) return true;
    }
  }
}
