import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum EventType {
  Purchase = 'purchase',
  CartAdd = 'cart_add',
  CartRemove = 'cart_remove',
  CheckoutStart = 'checkout_start',
  PageView = 'page_view',
  Favorite = 'favorite',
  PointChange = 'point_change',
  Reservation = 'reservation',
  Signup = 'signup',
  /** A workspace-defined event: `name` says which. */
  Custom = 'custom',
}

/**
 * What a member did. Built for ~10M rows: bigint ids, no workspace FK (members carries it),
 * the columns segment rules filter on (`type`, `occurred_at`, `amount`, `sku`) as real columns,
 * the rest (purchase items, url, …) in `properties`.
 */
@Entity({ name: 'events' })
@Index('uq_events_event_id', ['workspaceId', 'eventId'], { unique: true })
@Index('ix_events_member_time', ['workspaceId', 'memberId', 'occurredAt'])
@Index('ix_events_type_time', ['workspaceId', 'type', 'occurredAt'])
@Index('ix_events_sku', ['workspaceId', 'sku', 'type'], { where: 'sku IS NOT NULL' })
export class MemberEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  /**
   * members.id, without a foreign key: its per-row check was 8–25% of a bulk batch. The same
   * guarantee is set-based: ingestion resolves members with FOR KEY SHARE in the inserting
   * statement (an erasure waits for the batch to commit), and erasure deletes the member's events
   * from a statement trigger on members (migration EventsMemberWithoutFk).
   */
  @Column({ name: 'member_id', type: 'bigint' })
  memberId!: string;

  /** The sender's id of the event: a repeat is ignored, so senders may retry safely. */
  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ type: 'enum', enum: EventType, enumName: 'event_type' })
  type!: EventType;

  /** Name of a custom event; null for the built-in types. */
  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  /**
   * Yen (or points) the event is about: purchase → totalAmount, cart_add/cart_remove → price ×
   * quantity when the price is known, point_change → delta. Null otherwise.
   */
  @Column({ type: 'bigint', nullable: true })
  amount!: string | null;

  /** cart_add, cart_remove, favorite: the product. */
  @Column({ type: 'text', nullable: true })
  sku!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  properties!: Record<string, unknown>;
}
