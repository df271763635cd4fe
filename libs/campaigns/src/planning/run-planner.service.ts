import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelsService } from '@app/workspaces';
import { DeliveryClock, capWindowStart, nextAllowedSendTime, quotaFit } from '@app/delivery';
import { CampaignCategory, CampaignEntity, CampaignStatus, QuotaPolicy } from '../entities/campaign.entity';
import { CampaignRunEntity, RunStatus } from '../entities/campaign-run.entity';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { DeliveryPolicyService, QuotaView } from '../campaigns/delivery-policy.service';
import { AudienceSnapshotter, SnapshotFiller } from './audience-snapshotter';
import { PlanRules, PlannedPage, PlannerRepository } from './planner.repository';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { RunGuards } from './run-guards';
import { RunStateRepository } from './run-state.repository';
import { BatchesRepository } from '../sending/batches.repository';
import { withLease } from '../core/lease';

const PAGE_SIZE = 50_000;
/**
 * Pages of 50,000: a page costs a transaction and several round trips on a worker whose event
 * loop is busy sending, besides its statements; with 20,000 a 1M run finished planning at 9.1 s,
 * with 50,000 at 6.6–8.2 s.
 *
 * The first page is 25,000 recipients: the 50 multicasts that LINE's burst (a quarter second of
 * its rate, 49 requests at 99 %) lets go at once. With a first page of 2,500 the first 5 requests
 * went early and the bucket then refilled unused while the next page was planned; the burst went
 * out ~0.4 s after the campaign started, and 100k took 1.19–1.31 × the time LINE allows, against
 * 1.06–1.17 × now. Growing pages (2,500, 5,000, 15,000, 45,000, …, and 2,500, 25,000, 50,000)
 * measured worse.
 */
const FIRST_PAGE_SIZE = 25_000;

/**
 * Plans one run: snapshot, quota check, then keyset pages of the audience, each in one
 * transaction that writes the ledger, the outbox batches and the run's cursor. After each commit
 * the relay enqueues the page's batches, so sending starts while a 10M audience is still planned.
 */
@Injectable()
export class RunPlannerService {
  private readonly logger = new Logger(RunPlannerService.name);

  constructor(
    private readonly planner: PlannerRepository,
    private readonly runs: RunStateRepository,
    private readonly campaigns: CampaignsRepository,
    private readonly channels: ChannelsService,
    private readonly policy: DeliveryPolicyService,
    private readonly clock: DeliveryClock,
    private readonly relay: OutboxRelay,
    private readonly snapshotter: AudienceSnapshotter,
    private readonly guards: RunGuards,
    private readonly batches: BatchesRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * Plans the run; returns the ids of the batches it wrote that are due now (already enqueued),
   * so that a caller planning a one-member event run can send its batch without a queue hop.
   */
  async plan(workspaceId: string, runId: string): Promise<string[]> {
    const run = await this.runs.claim(runId, this.config.delivery.leaseMs);
    if (run === null) return [];
    const leaseMs = this.config.delivery.leaseMs;
    const dueNow: string[] = [];
    await withLease(
      leaseMs,
      () => this.planner.extendLease(run.id, leaseMs),
      () => this.planClaimed(workspaceId, run, leaseMs, dueNow),
    );
    return dueNow;
  }

  private async planClaimed(
    workspaceId: string,
    run: CampaignRunEntity,
    leaseMs: number,
    dueNow: string[],
  ): Promise<void> {
    const campaign = await this.campaigns.find(workspaceId, run.campaignId);
    if (campaign === null || campaign.status === CampaignStatus.Cancelled) {
      return this.finish(run, RunStatus.Cancelled, 'campaign cancelled');
    }
    if (campaign.status === CampaignStatus.Paused) {
      return this.runs.reschedule(run.id);
    }
    const stop = await this.guards.cancelReason(run, campaign);
    if (stop !== null) return this.finish(run, RunStatus.Cancelled, stop);

    const channel = await this.channels.get(workspaceId, campaign.channelId);
    const now = this.clock.now();
    const cap = await this.policy.frequencyCap(channel.id);
    const due = run.dueAt > now ? run.dueAt : now;
    const rules: PlanRules = {
      channelId: channel.id,
      campaignId: campaign.id,
      countsTowardCap: campaign.category === CampaignCategory.Marketing,
      capMax: campaign.category === CampaignCategory.Marketing ? cap.max : 0,
      capSince: capWindowStart(now, cap),
      quotaLeft: null,
      availableAt: this.policy.quietHoursApply(campaign)
        ? nextAllowedSendTime(due, await this.policy.quietHours(channel))
        : due,
      pageSize: PAGE_SIZE,
    };
    const source = run.source;
    if (run.plannedThrough === null) {
      const quota = await this.policy.quota(channel);
      // Without a monthly limit nothing needs the audience counted first: planning fills the
      // snapshot page by page. With one, the count (and so the whole snapshot) comes first, also
      // when an earlier attempt opened one to fill and a limit was set since.
      if (
        source.kind === 'segment' &&
        quota.remaining !== null &&
        (source.snapshotId === undefined || source.filling)
      ) {
        await this.takeSnapshot(workspaceId, channel.id, source.segmentId, run, now);
      } else if (source.kind === 'segment' && source.snapshotId === undefined) {
        await this.openSnapshot(workspaceId, channel.id, source.segmentId, run, now);
      }
      const allowed = await this.checkQuota(workspaceId, campaign, run, rules, quota);
      if (allowed === 'refused') return;
      // Usually null (no limit) and null already: no round trip for the common case.
      if (allowed !== run.quotaAllowed) {
        await this.runs.setQuotaAllowed(run.id, allowed);
      }
      run.quotaAllowed = allowed;
    } else if (source.kind === 'segment' && source.snapshotId === undefined) {
      // Planned from live pages by an earlier version and resumed: take the snapshot, go on from the cursor.
      await this.takeSnapshot(workspaceId, channel.id, source.segmentId, run, now);
    }
    const filled = run.source.kind === 'segment' && run.source.filling === true ? run.source : null;
    const filler =
      filled?.snapshotId === undefined ? null : await this.snapshotter.filler(workspaceId, filled.snapshotId);
    const planned = await this.planPages(workspaceId, run, rules, leaseMs, dueNow, filler);
    if (planned && filled !== null) {
      run.source = { kind: 'segment', segmentId: filled.segmentId, snapshotId: filled.snapshotId };
      await this.runs.setSource(run.id, run.source);
    }
    if (!planned) return;
    // A run with nothing to send completes here; otherwise the last batch completes it.
    if (await this.batches.completeRunIfDone(run.id)) await this.policy.onRunCompleted(workspaceId, campaign);
    this.logger.log(`run ${run.id} planned: ${run.audienceSize} in audience, ${run.queuedCount} queued`);
  }

  /**
   * The keyset pages of one run. Each page locks the run row and reads its cursor from it, so
   * that a planner that lost its lease (a stalled worker) and the one that took over never plan
   * the same page twice; returns false when another planner finished the run meanwhile.
   */
  private async planPages(
    workspaceId: string,
    run: CampaignRunEntity,
    rules: PlanRules,
    leaseMs: number,
    dueNow: string[],
    filler: SnapshotFiller | null,
  ): Promise<boolean> {
    // A page's jobs are enqueued while the next page is planned (see OutboxRelay.pipeline).
    const relay = this.relay.pipeline(workspaceId, rules.availableAt);
    let result: boolean;
    try {
      result = await this.pages(run, rules, leaseMs, dueNow, filler, (ids) => relay.enqueue(ids));
    } catch (e) {
      await relay.drain().catch(() => undefined);
      throw e;
    }
    await relay.drain();
    return result;
  }

  /**
   * `filler`: the run's snapshot is filled here, each page added in the transaction that plans it
   * and moves the cursor, so the snapshot and the batches never disagree, also after a crash.
   */
  private async pages(
    run: CampaignRunEntity,
    rules: PlanRules,
    leaseMs: number,
    dueNow: string[],
    filler: SnapshotFiller | null,
    enqueue: (batchIds: string[]) => void,
  ): Promise<boolean> {
    for (;;) {
      const page = await this.planner.transaction(async (em) => {
        const cur = await this.planner.lockRun(em, run.id);
        if (cur === null || cur.status !== RunStatus.Planning) return null;
        const quotaLeft = cur.quotaAllowed === null ? null : Math.max(0, cur.quotaAllowed - cur.queuedCount);
        run.nextBatchSeq = cur.nextBatchSeq;
        const pageSize = cur.plannedThrough === null ? FIRST_PAGE_SIZE : PAGE_SIZE;
        if (rules.countsTowardCap && rules.capMax > 0) await this.planner.lockChannelCap(em, rules.channelId);
        const cursor = cur.plannedThrough ?? '0';
        const pageRules = { ...rules, quotaLeft, pageSize };
        let p: PlannedPage;
        if (filler !== null && this.planner.plainPage(run, pageRules)) {
          p = await this.planner.planFilledPage(em, run, pageRules, cursor, leaseMs, filler);
        } else {
          if (filler !== null) await filler.fill(em, cursor, pageSize);
          p = await this.planner.planPage(em, run, pageRules, cursor, leaseMs);
        }
        const done = p.read < pageSize;
        run.audienceSize = cur.audienceSize + p.audience;
        run.queuedCount = cur.queuedCount + p.queued;
        return { ...p, done };
      });
      if (page === null) return false;
      enqueue(page.batchIds);
      if (rules.availableAt <= this.clock.now()) dueNow.push(...page.batchIds);
      if (page.done) return true;
    }
  }

  private async takeSnapshot(
    workspaceId: string,
    channelId: string,
    segmentId: string,
    run: CampaignRunEntity,
    now: Date,
  ): Promise<void> {
    const snapshotId = await this.snapshotter.snapshot(workspaceId, channelId, segmentId, now);
    run.source = { kind: 'segment', segmentId, snapshotId };
    await this.runs.setSource(run.id, run.source);
  }

  /** An empty snapshot, stored on the run, that planning fills page by page. */
  private async openSnapshot(
    workspaceId: string,
    channelId: string,
    segmentId: string,
    run: CampaignRunEntity,
    now: Date,
  ): Promise<void> {
    const snapshotId = await this.snapshotter.open(workspaceId, channelId, segmentId, now);
    run.source = { kind: 'segment', segmentId, snapshotId, filling: true };
    await this.runs.setSource(run.id, run.source);
  }

  private finish(run: CampaignRunEntity, status: RunStatus, reason: string): Promise<void> {
    return this.runs.finish(run.id, status, reason);
  }

  /**
   * Checks the messages the run will consume against the channel's remaining monthly quota:
   * refuse (say so, send nothing) or send to as many as fit (say so). Returns the recipients
   * allowed (null = all) or 'refused'.
   */
  private async checkQuota(
    workspaceId: string,
    campaign: CampaignEntity,
    run: CampaignRunEntity,
    rules: PlanRules,
    quota: QuotaView,
  ): Promise<number | null | 'refused'> {
    if (quota.remaining === null) return null;
    const perRecipient = this.policy.runMessages(campaign, run.messageIndex).length;
    const { byRule } = await this.planner.countByRule(run, rules);
    const reachable = byRule.reachable ?? 0;
    const fit = quotaFit(reachable, perRecipient, quota.remaining);
    if (fit.fits) return null;
    const says = `needs ${fit.needed} messages for ${reachable} recipients; ${quota.remaining} of ${quota.limit} left this month`;
    if (campaign.quotaPolicy === QuotaPolicy.Refuse) {
      const reason = `Refused: the monthly quota is insufficient (${says})`;
      await this.finish(run, RunStatus.Refused, reason);
      await this.campaigns.setStatus(
        workspaceId,
        campaign.id,
        [CampaignStatus.Running, CampaignStatus.Scheduled],
        CampaignStatus.Refused,
        reason,
      );
      if (campaign.trigger.type === 'recurring' || campaign.trigger.type === 'event')
        await this.campaigns.setReason(workspaceId, campaign.id, reason);
      return 'refused';
    }
    await this.campaigns.setReason(
      workspaceId,
      campaign.id,
      `Partial: sending to ${fit.allowed} of ${reachable} recipients (${says})`,
    );
    return fit.allowed;
  }
}
