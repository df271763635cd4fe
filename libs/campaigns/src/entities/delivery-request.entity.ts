import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { LineMessage } from '@app/delivery';
import { DeliveryBatchEntity } from './delivery-batch.entity';

export enum RequestStatus {
  Pending = 'pending',
  Accepted = 'accepted',
  Failed = 'failed',
}

/**
 * One LINE request of a batch (a multicast, or a push for a recipient whose rendered message is
 * unique), with its X-Line-Retry-Key, written before the first attempt so that every retry, by
 * any worker, sends the same key.
 */
@Entity({ name: 'delivery_requests' })
@Index('uq_delivery_requests_retry_key', ['retryKey'], { unique: true })
@Index('ix_delivery_requests_accepted', ['acceptedAt'], { where: "status = 'accepted'" })
export class DeliveryRequestEntity {
  @PrimaryColumn({ name: 'batch_id', type: 'uuid' })
  batchId!: string;

  @ManyToOne(() => DeliveryBatchEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'batch_id' })
  batch?: DeliveryBatchEntity;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'retry_key', type: 'uuid' })
  retryKey!: string;

  @Column({ type: 'text' })
  endpoint!: 'multicast' | 'push';

  /** Rendered messages; null when the campaign's messages go verbatim. */
  @Column({ type: 'jsonb', nullable: true })
  messages!: LineMessage[] | null;

  @Column({ name: 'recipient_count', type: 'integer' })
  recipientCount!: number;

  /** The request's recipients (member ids), fixed before the first attempt; sent = this request accepted. */
  @Column({ name: 'member_ids', type: 'bigint', array: true, default: () => "'{}'" })
  memberIds!: string[];

  @Column({ type: 'enum', enum: RequestStatus, enumName: 'delivery_request_status' })
  status!: RequestStatus;

  @Column({ name: 'line_request_id', type: 'text', nullable: true })
  lineRequestId!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true })
  acceptedAt!: Date | null;
}
