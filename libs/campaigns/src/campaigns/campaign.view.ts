import type { CampaignEntity } from '../entities/campaign.entity';
import type { RunProgress } from './campaigns.repository';

export interface CampaignView {
  id: string;
  name: string;
  channelId: string;
  status: string;
  statusReason: string | null;
  category: string;
  quietHoursExempt: boolean;
  quotaPolicy: string;
  audience: unknown;
  messages: unknown[];
  trigger: unknown;
  nextRunAt: string | null;
  progress: RunProgress;
  /** GET /campaigns/{id} only: recipients who blocked the channel within `windowDays` of their send. */
  blocks?: { windowDays: number; sent: number; blocked: number; rate: number };
  createdAt: string;
}

export const toCampaignView = (c: CampaignEntity, progress: RunProgress): CampaignView => ({
  id: c.id,
  name: c.name,
  channelId: c.channelId,
  status: c.status,
  statusReason: c.statusReason,
  category: c.category,
  quietHoursExempt: c.quietHoursExempt,
  quotaPolicy: c.quotaPolicy,
  audience: c.audience,
  messages: c.messages,
  trigger: c.trigger,
  nextRunAt: c.nextRunAt?.toISOString() ?? null,
  progress,
  createdAt: c.createdAt.toISOString(),
});
