import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { CampaignRunEntity } from './campaign-run.entity';

export enum BatchStatus {
  Pending = 'pending',
  Sending = 'sending',
  Done = 'done',
  Cancelled = 'cancelled',
}

/**
 * The outbox: one row per batch of up to 500 recipients to send, written in the planning
 * transaction that decided them. The relay enqueues a job (ids only) right after commit; the
 * reconciler re-enqueues what Redis lost (restart, crash between commit and enqueue) or what a
 * dead worker held (expired lease).
 *
 * The exactly-once guard is each batch's member-id range in delivery_batch_ranges, written with
 * it (DeliveryBatchRangeEntity). member_ids is ascending.
 */
@Entity({ name: 'delivery_batches' })
@Index('uq_delivery_batches_seq', ['runId', 'seq'], { unique: true })
@Index('ix_delivery_batches_open', ['availableAt'], { where: "status IN ('pending', 'sending')" })
// "Is the run done?" is asked after every batch: only the open batches of the run, not all of them.
@Index('ix_delivery_batches_run_open', ['runId'], { where: "status IN ('pending', 'sending')" })
export class DeliveryBatchEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @ManyToOne(() => CampaignRunEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: CampaignRunEntity;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'enum', enum: BatchStatus, enumName: 'delivery_batch_status' })
  status!: BatchStatus;

  @Column({ name: 'recipient_count', type: 'integer' })
  recipientCount!: number;

  /** The recipients (member ids, ascending), written by planning: the batch's part of the ledger. */
  @Column({ name: 'member_ids', type: 'bigint', array: true, default: () => "'{}'" })
  memberIds!: string[];

  @Column({ name: 'sent_count', type: 'integer', default: 0 })
  sentCount!: number;

  @Column({ name: 'failed_count', type: 'integer', default: 0 })
  failedCount!: number;

  /** Not before (quiet hours, back-off). */
  @Column({ name: 'available_at', type: 'timestamptz' })
  availableAt!: Date;

  @Column({ name: 'enqueued_at', type: 'timestamptz', nullable: true })
  enqueuedAt!: Date | null;

  /** Bumped on each re-enqueue, so that the job id is new (BullMQ ignores a known id). */
  @Column({ name: 'enqueue_generation', type: 'integer', default: 0 })
  enqueueGeneration!: number;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** Retry keys are valid for 24 h at LINE: past that a retry could deliver twice. */
  @Column({ name: 'first_attempt_at', type: 'timestamptz', nullable: true })
  firstAttemptAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
