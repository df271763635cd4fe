import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ChannelEntity } from '@app/workspaces';

export enum WebhookEventStatus {
  Pending = 'pending',
  Processed = 'processed',
  /** Processing threw past its retries; the error is kept. */
  Failed = 'failed',
}

/**
 * Every webhook event as LINE sent it. Unique on (channel, webhookEventId): a redelivery
 * inserts nothing and enqueues nothing, so each event is processed once.
 */
@Entity({ name: 'webhook_events' })
@Index('uq_webhook_events_channel_event', ['channelId', 'webhookEventId'], { unique: true })
@Index('ix_webhook_events_pending', ['receivedAt'], { where: `"status" = 'pending'` })
export class WebhookEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ name: 'webhook_event_id', type: 'text' })
  webhookEventId!: string;

  @Column({ type: 'text' })
  type!: string;

  /** source.userId, when the event has one (accountLink `failed` has none). */
  @Column({ name: 'line_user_id', type: 'text', nullable: true })
  lineUserId!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'is_redelivery', type: 'boolean', default: false })
  isRedelivery!: boolean;

  /** The event object exactly as LINE sent it. */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({
    type: 'enum',
    enum: WebhookEventStatus,
    enumName: 'webhook_event_status',
    default: WebhookEventStatus.Pending,
  })
  status!: WebhookEventStatus;

  /** What the engine did or why it did nothing (e.g. "nonce replayed"). */
  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
