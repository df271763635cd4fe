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

/** The rules every send obeys, read from the channel's settings (defaults when none). */
@Injectable()
export class DeliveryPolicyService {
  private readonly cache = new Map<string, { at: number; quiet: Omit<QuietHours, 'timezone'>; cap: FrequencyCap }>();

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

  /** A one-off campaign is complete with its run; recurring and event campaigns stay active. */
  async onRunCompleted(workspaceId: string, c: CampaignEntity): Promise<void> {
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

  /** The channel's monthly quota from LINE (GET /v2/bot/message/quota and /quota/consumption). */
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
