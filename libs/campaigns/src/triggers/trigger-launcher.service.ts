import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelEntity, ChannelsService } from '@app/workspaces';
import { DeliveryClock, nextAllowedSendTime } from '@app/delivery';
import { CampaignCategory, CampaignEntity, CampaignStatus } from '../entities/campaign.entity';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { DeliveryPolicyService } from '../campaigns/delivery-policy.service';
import { RunPlannerService } from '../planning/run-planner.service';
import { BatchSenderService } from '../sending/batch-sender.service';
import { OutboxRelay } from '../outbox/outbox-relay.service';
import { ExpiringCache } from '../sending/send-slots';
import { EventRunRules, EventRunsRepository } from './event-runs.repository';
import { EventBatchesSender } from './event-batches.sender';
import type { NewRun } from './trigger-matcher.service';

/** Sends (or regular plannings) of one launch running at once. */
const LAUNCH_CONCURRENCY = 32;
/**
 * A launch reads the campaign and channel of every relay read: two round trips on the path whose
 * latency is the product. A status changed meanwhile is still obeyed: the planning statement claims
 * nothing unless the campaign is active at that instant (the runs then take the keyset planner).
 */
const CAMPAIGN_CACHE_MS = 1_000;
const CHANNEL_CACHE_MS = 5_000;

/** Runs `tasks` with at most `size` at once; every task handles its own errors. */
async function inPool(tasks: Array<() => Promise<void>>, size: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(size, tasks.length) }, lane));
}

/**
 * Starts the runs events created that are due now: plans them at once and sends a run of one
 * batch (a member's event) right here, without a queue hop on the way to LINE. Later runs wait in
 * PostgreSQL for the reconciler, which also takes over whatever fails here: a due run still
 * scheduled or planning with an expired lease, a batch left pending or with an expired lease.
 */
@Injectable()
export class TriggerLauncherService {
  private readonly logger = new Logger(TriggerLauncherService.name);
  private readonly campaignCache = new ExpiringCache<CampaignEntity | null>(CAMPAIGN_CACHE_MS);
  private readonly channelCache = new ExpiringCache<ChannelEntity>(CHANNEL_CACHE_MS);

  constructor(
    private readonly planner: RunPlannerService,
    private readonly sender: BatchSenderService,
    private readonly clock: DeliveryClock,
    private readonly campaigns: CampaignsRepository,
    private readonly channels: ChannelsService,
    private readonly policy: DeliveryPolicyService,
    private readonly eventRuns: EventRunsRepository,
    private readonly relay: OutboxRelay,
    private readonly eventBatches: EventBatchesSender,
    private readonly config: AppConfig,
  ) {}

  /** The runs due now, one after the other; a planning error is thrown (the job retries). */
  async launch(workspaceId: string, runs: NewRun[]): Promise<void> {
    for (const run of this.dueNow(runs)) await this.launchOne(workspaceId, run.runId);
  }

  dueNow(runs: NewRun[]): NewRun[] {
    const now = this.clock.now();
    return runs.filter((r) => r.dueAt <= now);
  }

  /**
   * Many runs at once (the stream relay's batch): per campaign, the one-member runs are planned
   * set-based in one transaction when no per-run rule needs the keyset planner (see
   * {@link fastRules}), then their batches are sent together (EventBatchesSender; a batch needing
   * a retry goes on to BatchSenderService); other runs take the keyset planner each. The batches
   * sent here get no job: the reconciler enqueues any this process fails to finish.
   */
  async launchMany(workspaceId: string, runs: NewRun[]): Promise<void> {
    const byCampaign = new Map<string, string[]>();
    for (const r of this.dueNow(runs)) byCampaign.set(r.campaignId, [...(byCampaign.get(r.campaignId) ?? []), r.runId]);
    // Campaigns side by side; one failing (LINE's quota call, a statement) leaves only its runs.
    await Promise.all(
      [...byCampaign].map(([campaignId, runIds]) =>
        this.launchCampaign(workspaceId, campaignId, runIds).catch((e: unknown) =>
          this.leave(`${runIds.length} runs of campaign ${campaignId}`, e),
        ),
      ),
    );
  }

  private async launchCampaign(workspaceId: string, campaignId: string, runIds: string[]): Promise<void> {
    const fast = await this.fastRules(workspaceId, campaignId);
    if (fast === null) {
      const plans = runIds.map(
        (runId) => () => this.launchOne(workspaceId, runId).catch((e: unknown) => this.leave(`run ${runId}`, e)),
      );
      return inPool(plans, LAUNCH_CONCURRENCY);
    }
    const { rules, campaign, channel } = fast;
    const sendNow = rules.availableAt <= this.clock.now();
    const planned = await this.eventRuns.planOneMemberRuns(rules, runIds, sendNow);
    if (!sendNow) {
      return this.relay.enqueueBatches(
        workspaceId,
        planned.map((b) => ({ id: b.batchId, runId: b.runId, seq: 0 })),
        rules.availableAt,
      );
    }
    const messages = this.policy.runMessages(campaign, null);
    const left = await this.eventBatches.sendPlanned(campaign, channel, messages, planned);
    await inPool(
      left.map((batchId) => () => this.sendInline(workspaceId, batchId)),
      LAUNCH_CONCURRENCY,
    );
  }

  /** Plans one run with the keyset planner and sends it here when it is one batch. */
  async launchOne(workspaceId: string, runId: string): Promise<void> {
    const batches = await this.planner.plan(workspaceId, runId);
    if (batches.length === 1) await this.sendInline(workspaceId, batches[0]);
  }

  /** A shortcut, not the owner: on failure the batch's job (or the reconciler) retries it. */
  private async sendInline(workspaceId: string, batchId: string): Promise<void> {
    await this.sender.send(workspaceId, batchId).catch((e: unknown) => {
      this.logger.warn(`inline send of batch ${batchId} failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /** The reconciler owns what failed here (due runs still scheduled, batches pending or with an expired lease). */
  private leave(what: string, e: unknown): void {
    this.logger.warn(`${what} left to the reconciler: ${e instanceof Error ? e.message : String(e)}`);
  }

  /**
   * The rules of a campaign whose one-member runs need nothing the keyset planner does per run:
   * live, no cancellation check (cart reminders and sequences are checked when due), no
   * frequency cap to count, and no monthly limit on the channel (refuse/partial decide per run
   * from the current quota; LINE is asked once per campaign and launch, or remembered as unlimited for a minute). Null when
   * the runs must take the keyset planner.
   */
  private async fastRules(
    workspaceId: string,
    campaignId: string,
  ): Promise<{ rules: EventRunRules; campaign: CampaignEntity; channel: ChannelEntity } | null> {
    const campaign = await this.campaignCache.get(`${workspaceId}:${campaignId}`, () =>
      this.campaigns.find(workspaceId, campaignId),
    );
    if (campaign === null || campaign.status !== CampaignStatus.Active || campaign.trigger.type !== 'event')
      return null;
    if (campaign.trigger.event === 'cart_abandoned' || campaign.trigger.event === 'signup_sequence') return null;
    const channel = await this.channelCache.get(`${workspaceId}:${campaign.channelId}`, () =>
      this.channels.get(workspaceId, campaign.channelId),
    );
    const marketing = campaign.category === CampaignCategory.Marketing;
    if (marketing && (await this.policy.frequencyCap(channel.id)).max > 0) return null;
    if ((await this.policy.eventLaunchQuota(channel)).remaining !== null) return null;
    const now = this.clock.now();
    const rules: EventRunRules = {
      workspaceId,
      campaignId,
      channelId: channel.id,
      countsTowardCap: marketing,
      availableAt: this.policy.quietHoursApply(campaign)
        ? nextAllowedSendTime(now, await this.policy.quietHours(channel))
        : now,
      leaseMs: this.config.delivery.leaseMs,
    };
    return { rules, campaign, channel };
  }
}
