import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { ChannelEntity, WorkspaceEntity } from '@app/workspaces';
import type { LineMessage } from '@app/delivery';

export enum CampaignStatus {
  Draft = 'draft',
  /** One-off, waiting for its time. */
  Scheduled = 'scheduled',
  /** Recurring or event-triggered: waiting for occurrences or events. */
  Active = 'active',
  Running = 'running',
  Paused = 'paused',
  Completed = 'completed',
  Cancelled = 'cancelled',
  /** Refused before sending (e.g. quota), with the reason in status_reason. */
  Refused = 'refused',
}

export enum CampaignCategory {
  /** Counts toward the frequency cap and respects quiet hours. */
  Marketing = 'marketing',
  /** Event-triggered service messages (thank-you, reminders): no cap; quiet hours optional. */
  Transactional = 'transactional',
}

export enum QuotaPolicy {
  Refuse = 'refuse',
  Partial = 'partial',
}

export type CampaignAudience = { type: 'segment'; segmentId: string } | { type: 'members'; externalIds: string[] };

export type EventTriggerKind = 'purchase' | 'reservation' | 'cart_abandoned' | 'signup_sequence' | 'catalog';

export type CampaignTrigger =
  | { type: 'now' }
  | { type: 'once'; at: string; timezone: string }
  | { type: 'recurring'; cron: string; timezone: string }
  | {
      type: 'event';
      event: EventTriggerKind;
      /** cart_abandoned: minutes after the cart add (default 60). */
      delayMinutes?: number;
      /** reservation: days before and local time (default 1 day, 18:00). */
      daysBefore?: number;
      atTime?: string;
      /** signup_sequence: the day of each step (e.g. [0, 3, 7]); messagesPerStep splits messages. */
      stepDays?: number[];
      /** catalog: which changes (default both). */
      catalogKinds?: Array<'back_in_stock' | 'price_drop'>;
      /** Optional in-memory segment rule the member must match at the time of the event. */
      condition?: Record<string, unknown>;
      /** Optional saved segment the member must be in at the time of the event. */
      segmentId?: string;
      timezone: string;
    };

@Entity({ name: 'campaigns' })
@Index('ix_campaigns_workspace', ['workspaceId', 'createdAt'])
@Index('ix_campaigns_due', ['nextRunAt'], { where: "status IN ('scheduled', 'active') AND next_run_at IS NOT NULL" })
export class CampaignEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'enum', enum: CampaignStatus, enumName: 'campaign_status' })
  status!: CampaignStatus;

  /** Why the campaign is paused, refused or sent partially (said to the marketer). */
  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason!: string | null;

  @Column({ type: 'enum', enum: CampaignCategory, enumName: 'campaign_category' })
  category!: CampaignCategory;

  @Column({ name: 'quiet_hours_exempt', type: 'boolean', default: false })
  quietHoursExempt!: boolean;

  @Column({ name: 'quota_policy', type: 'enum', enum: QuotaPolicy, enumName: 'campaign_quota_policy' })
  quotaPolicy!: QuotaPolicy;

  /** Event-triggered campaigns have none (each event is its audience). */
  @Column({ type: 'jsonb', nullable: true })
  audience!: CampaignAudience | null;

  @Column({ type: 'jsonb' })
  messages!: LineMessage[];

  @Column({ type: 'jsonb' })
  trigger!: CampaignTrigger;

  /** Scheduled and recurring campaigns: when the next run is due (the scheduler's cursor). */
  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true })
  nextRunAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
