import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { MemberEntity } from './member.entity';

/**
 * Per-member figures kept current at ingest, so that everyday segment rules ("bought in the last
 * 30 days", "left a cart open") need not scan events. Order-independent: counts add up and times
 * merge with GREATEST/LEAST, so out-of-order events give the same row.
 */
@Entity({ name: 'member_aggregates' })
export class MemberAggregateEntity {
  @PrimaryColumn({ name: 'member_id', type: 'bigint' })
  memberId!: string;

  @OneToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'event_count', type: 'integer', default: 0 })
  eventCount!: number;

  @Column({ name: 'purchase_count', type: 'integer', default: 0 })
  purchaseCount!: number;

  /** Yen, sum of purchase totalAmount. */
  @Column({ name: 'total_spent', type: 'bigint', default: 0 })
  totalSpent!: string;

  @Column({ name: 'first_purchase_at', type: 'timestamptz', nullable: true })
  firstPurchaseAt!: Date | null;

  @Column({ name: 'last_purchase_at', type: 'timestamptz', nullable: true })
  lastPurchaseAt!: Date | null;

  @Column({ name: 'last_cart_add_at', type: 'timestamptz', nullable: true })
  lastCartAddAt!: Date | null;

  /** Latest cart_add, cart_remove or checkout_start. */
  @Column({ name: 'last_cart_activity_at', type: 'timestamptz', nullable: true })
  lastCartActivityAt!: Date | null;

  /** A cart_add later than the last purchase (an abandoned-cart candidate). */
  @Column({ name: 'cart_open', type: 'boolean', default: false })
  cartOpen!: boolean;

  @Column({ name: 'last_page_view_at', type: 'timestamptz', nullable: true })
  lastPageViewAt!: Date | null;

  @Column({ name: 'last_favorite_at', type: 'timestamptz', nullable: true })
  lastFavoriteAt!: Date | null;

  @Column({ name: 'first_event_at', type: 'timestamptz', nullable: true })
  firstEventAt!: Date | null;

  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
