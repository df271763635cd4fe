import { Injectable } from '@nestjs/common';
import { ChannelEntity } from '@app/workspaces';
import { LineClientFactory, LineEndpoint } from '@app/line';
import { DEFAULT_FREQUENCY_CAP, DEFAULT_QUIET_HOURS, FrequencyCap, LineMessage, QuietHours } from '@app/delivery';
import { CampaignCategory, CampaignEntity, CampaignStatus } from '../entities/campaign.entity';
import { CampaignsRepository } from './campaigns.repository';

export interface QuotaView {
  /** null = no monthly limit. */
  limit: number | null;
  used: number;
  remaining: number | null;
}

/**
 * How long a channel LINE said has no monthly limit is believed to have none by event-triggered
 * launches. A channel's plan changes rarely, and a limit set meanwhile is still caught: LINE
 * answers the push with the monthly-limit 429, which pauses the campaign. Asking on every launch
 * cost two LINE round trips (~30 ms each) per campaign and relay read, on the path whose latency
 * is the product. Planned runs (segments, lists) ask LINE every time: once per run.
 */
const UNLIMITED_QUOTA_MS = 60_000;

/** The rules every send obeys, read from the channel's settings (defaults when none). */
@Injectable()
export class DeliveryPolicyService {
  private readonly cache = new Map<string, { at: number; quiet: Omit<QuietHours, 'timezone'>; cap: FrequencyCap }>();
  private readonly unlimitedAt = new Map<string, number>();

  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly lineClients: LineClientFactory,
  ) {}

  private async settings(channelId: string): Promise<{ quiet: Omit<QuietHours, 'timezone'>; cap: FrequencyCap }> {
    const hit = this.cache.get(channelId);
    if (hit !== undefined && Date.now() - hit.at < 2_000) return hit;
    const s = await this.campaigns.settingsOf(channelId);
    const value = {
      at: Date.now(),
      quiet: s === null ? DEFAULT_QUIET_HOURS : { start: s.quietStart, end: s.quietEnd },
      cap: s === null ? DEFAULT_FREQUENCY_CAP : { max: s.frequencyCapMax, windowDays: s.frequencyCapDays },
    };
    this.cache.set(channelId, value);
    return value;
  }

  forget(channelId: string): void {
    this.cache.delete(channelId);
  }

  async quietHours(channel: ChannelEntity): Promise<QuietHours> {
    return { ...(await this.settings(channel.id)).quiet, timezone: channel.timezone };
  }

  async frequencyCap(channelId: string): Promise<FrequencyCap> {
    return (await this.settings(channelId)).cap;
  }

  /** Marketing always waits out quiet hours; transactional only when not marked exempt. */
  quietHoursApply(c: CampaignEntity): boolean {
    return c.category === CampaignCategory.Marketing || !c.quietHoursExempt;
  }

  runMessages(c: CampaignEntity, index: number[] | null): LineMessage[] {
    return index === null ? c.messages : index.map((i) => c.messages[i]).filter((m) => m !== undefined);
  }

  /**
   * A one-off campaign is complete with its run; recurring and event campaigns stay active. Read
   * fresh: a copy taken before the run may predate the status reason its planning set (partial
   * quota), which completing must keep.
   */
  async onRunCompleted(workspaceId: string, campaignId: string): Promise<void> {
    const c = await this.campaigns.find(workspaceId, campaignId);
    if (c === null) return;
    if (c.trigger.type === 'now' || c.trigger.type === 'once') {
      await this.campaigns.setStatus(
        workspaceId,
        c.id,
        [CampaignStatus.Running, CampaignStatus.Scheduled],
        CampaignStatus.Completed,
        c.statusReason,
      );
    }
  }

  /**
   * The quota as an event-triggered launch needs it: whether the channel has a monthly limit and,
   * if it has one, what is left now. "No limit" is remembered for UNLIMITED_QUOTA_MS (`used` is
   * then not known: 0); a limited channel is asked every time.
   */
  async eventLaunchQuota(channel: ChannelEntity): Promise<QuotaView> {
    const at = this.unlimitedAt.get(channel.id);
    if (at !== undefined && Date.now() - at < UNLIMITED_QUOTA_MS) return { limit: null, used: 0, remaining: null };
    const quota = await this.quota(channel);
    if (quota.limit === null) {
      if (this.unlimitedAt.size >= 10_000) this.unlimitedAt.clear();
      this.unlimitedAt.set(channel.id, Date.now());
    } else this.unlimitedAt.delete(channel.id);
    return quota;
  }

  /**
   * LINE answered a send with the monthly-limit 429: this process no longer believes the channel
   * unlimited, so its next launches ask LINE and refuse or trim by the campaign's policy instead of
   * each sending into the same 429 until the minute is up.
   */
  forgetUnlimited(channelId: string): void {
    this.unlimitedAt.delete(channelId);
  }

  /** The channel's monthly quota from LINE now (GET /v2/bot/message/quota and /quota/consumption). */
  async quota(channel: ChannelEntity): Promise<QuotaView> {
    const client = this.lineClients.forChannel(channel);
    const [quota, consumption] = await Promise.all([
      client.call(LineEndpoint.Other, 'get message quota', () => client.messaging.getMessageQuota()),
      client.call(LineEndpoint.Other, 'get quota consumption', () => client.messaging.getMessageQuotaConsumption()),
    ]);
    const limit = quota.type === 'limited' ? (quota.value ?? 0) : null;
    const used = consumption.totalUsage;
    return { limit, used, remaining: limit === null ? null : Math.max(0, limit - used) };
  }
}
