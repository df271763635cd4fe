import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { MemberEntity } from '@app/members';
import { CampaignRunEntity } from './campaign-run.entity';

export enum LedgerStatus {
  /** Decided, in a batch of the outbox, not yet accepted by LINE (only in delivery_recipient_ledger). */
  Queued = 'queued',
  Sent = 'sent',
  Failed = 'failed',
  Skipped = 'skipped',
}

/**
 * The per-recipient exceptions of the ledger: one row per (run, member) that was skipped (the
 * rule) or failed (LINE's reason). Queued and sent recipients are not materialised per row: they
 * are the member-id arrays of the outbox batches and of the requests LINE accepted (see
 * docs/campaigns.md); the view `delivery_recipient_ledger` expands the whole ledger per recipient.
 * The exactly-once guard is the exclusion constraint of `delivery_batch_ranges`; the unique index here
 * keeps one outcome each.
 */
@Entity({ name: 'delivery_ledger' })
@Index('uq_delivery_ledger_recipient', ['runId', 'memberId'], { unique: true })
export class DeliveryLedgerEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @ManyToOne(() => CampaignRunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: CampaignRunEntity;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ name: 'member_id', type: 'bigint' })
  memberId!: string;

  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;

  @Column({ name: 'line_user_id', type: 'text', nullable: true })
  lineUserId!: string | null;

  @Column({ type: 'enum', enum: LedgerStatus, enumName: 'delivery_ledger_status' })
  status!: LedgerStatus;

  /** The rule that skipped (not_linked, not_following, frequency_cap, quota, converted, …) or LINE's reason. */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'batch_seq', type: 'integer', nullable: true })
  batchSeq!: number | null;

  @Column({ name: 'request_seq', type: 'integer', nullable: true })
  requestSeq!: number | null;

  @Column({ name: 'counts_toward_cap', type: 'boolean' })
  countsTowardCap!: boolean;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
