import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelsService } from '@app/workspaces';
import { DeliveryClock, capWindowStart, nextAllowedSendTime, quotaFit } from '@app/delivery';
import { CampaignCategory, CampaignEntity, CampaignStatus, QuotaPolicy } from '../entities/campaign.entity';
import { CampaignRunEntity, RunStatus } from '../entities/campaign-run.entity';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { DeliveryPolicyService, QuotaView } from '../campaigns/delivery-policy.service';
import { AudienceSnapshotter } from './audience-snapshotter';
import { PlanRules, PlannerRepository } from './planner.repository';
import { RunPagesService } from './run-pages.service';
import { RunGuards } from './run-guards';
import { RunStateRepository } from './run-state.repository';
import { BatchesRepository } from '../sending/batches.repository';
import { withLease } from '../core/lease';

/** The first page's gate: LINE says the channel has a monthly limit, so the audience is counted first. */
class QuotaLimited extends Error {}

/**
 * Plans one run: the campaign's guards, the audience's source (a snapshot), the monthly quota,
 * then the keyset pages of the audience (RunPagesService).
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
    private readonly pages: RunPagesService,
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
    // LINE's answer is tens of milliseconds away: asked first, it comes while the first page is
    // planned (see planFirst). Handled here so that an early return leaves no unhandled rejection.
    const quota = run.plannedThrough === null ? this.policy.quota(channel) : null;
    if (quota !== null) void quota.catch(() => undefined);
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
    };
    let planned: boolean;
    if (quota !== null) {
      const first = await this.planFirst(workspaceId, campaign, run, rules, leaseMs, dueNow, quota, now);
      if (first === 'refused') return;
      planned = first;
    } else {
      if (run.source.kind === 'segment' && run.source.snapshotId === undefined) {
        // Planned from live pages by an earlier version and resumed: take the snapshot, go on from the cursor.
        await this.takeSnapshot(workspaceId, channel.id, run.source.segmentId, run, now);
      }
      planned = await this.planSource(workspaceId, run, rules, leaseMs, dueNow);
    }
    if (!planned) return;
    // A run with nothing to send completes here; otherwise the last batch completes it.
    if (await this.batches.completeRunIfDone(run.id)) await this.policy.onRunCompleted(workspaceId, campaign.id);
    this.logger.log(`run ${run.id} planned: ${run.audienceSize} in audience, ${run.queuedCount} queued`);
  }

  /**
   * The first planning of a run, while the channel's monthly quota is on its way from LINE. Most
   * channels have no monthly limit, and then nothing needs counting first: planning opens the
   * snapshot to fill and plans the first page meanwhile, and that page commits only once LINE
   * said so. Told of a limit (or with one recorded by an earlier attempt), it rolls that page
   * back and counts first: the whole snapshot, also when one was opened to fill.
   */
  private async planFirst(
    workspaceId: string,
    campaign: CampaignEntity,
    run: CampaignRunEntity,
    rules: PlanRules,
    leaseMs: number,
    dueNow: string[],
    quota: Promise<QuotaView>,
    now: Date,
  ): Promise<boolean | 'refused'> {
    if (run.quotaAllowed === null) {
      if (run.source.kind === 'segment' && run.source.snapshotId === undefined) {
        await this.openSnapshot(workspaceId, rules.channelId, run.source.segmentId, run, now);
      }
      const unlimited = async (): Promise<void> => {
        if ((await quota).remaining !== null) throw new QuotaLimited();
      };
      try {
        return await this.planSource(workspaceId, run, rules, leaseMs, dueNow, unlimited);
      } catch (e) {
        if (!(e instanceof QuotaLimited)) throw e;
      }
    }
    const known = await quota;
    const source = run.source;
    if (source.kind === 'segment' && known.remaining !== null && (source.snapshotId === undefined || source.filling)) {
      await this.takeSnapshot(workspaceId, rules.channelId, source.segmentId, run, now);
    } else if (source.kind === 'segment' && source.snapshotId === undefined) {
      await this.openSnapshot(workspaceId, rules.channelId, source.segmentId, run, now);
    }
    const allowed = await this.checkQuota(workspaceId, campaign, run, rules, known);
    if (allowed === 'refused') return 'refused';
    if (allowed !== run.quotaAllowed) await this.runs.setQuotaAllowed(run.id, allowed);
    run.quotaAllowed = allowed;
    return this.planSource(workspaceId, run, rules, leaseMs, dueNow);
  }

  /** Plans the pages from the run's source; a snapshot filled on the way is marked full at the end. */
  private async planSource(
    workspaceId: string,
    run: CampaignRunEntity,
    rules: PlanRules,
    leaseMs: number,
    dueNow: string[],
    gate?: () => Promise<void>,
  ): Promise<boolean> {
    const filled = run.source.kind === 'segment' && run.source.filling === true ? run.source : null;
    const filler =
      filled?.snapshotId === undefined ? null : await this.snapshotter.filler(workspaceId, filled.snapshotId);
    const planned = await this.pages.plan(workspaceId, run, rules, leaseMs, { filler, gate }, dueNow);
    if (planned && filled !== null) {
      run.source = { kind: 'segment', segmentId: filled.segmentId, snapshotId: filled.snapshotId };
      await this.runs.setSource(run.id, run.source);
    }
    return planned;
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
