import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { LineUserEntity } from './line-user.entity';

export enum FriendshipEventType {
  Follow = 'follow',
  Unblock = 'unblock',
  /** LINE's `unfollow`: the user blocked the account. */
  Block = 'block',
}

/**
 * Friendship changes with LINE's event time, so that delivery can count blocks that followed a
 * campaign (block rate) with a range scan on (channel_id, type, occurred_at).
 */
@Entity({ name: 'line_friendship_events' })
@Index('ix_line_friendship_events_channel_type_time', ['channelId', 'type', 'occurredAt'])
@Index('ix_line_friendship_events_user', ['lineUserRowId', 'occurredAt'])
export class FriendshipEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  /** line_users.id */
  @Column({ name: 'line_user_row_id', type: 'bigint' })
  lineUserRowId!: string;

  @ManyToOne(() => LineUserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'line_user_row_id' })
  lineUser?: LineUserEntity;

  @Column({ type: 'enum', enum: FriendshipEventType, enumName: 'line_friendship_event_type' })
  type!: FriendshipEventType;

  /** LINE's event timestamp. */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
