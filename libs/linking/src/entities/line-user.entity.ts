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
import { ChannelEntity } from '@app/workspaces';
import { MemberEntity } from '@app/members';

export enum LinkMethod {
  MessagingApi = 'messaging_api',
  LineLogin = 'line_login',
}

/**
 * A LINE user known to a channel (a friend, a former friend, or someone who signed in with LINE
 * Login). Linked means `member_id` is set. Segments and delivery read `following` (false once
 * blocked) and `member_id`; the rich-menu lib keeps the desired/actual menu columns.
 */
@Entity({ name: 'line_users' })
@Index('uq_line_users_channel_user', ['channelId', 'lineUserId'], { unique: true })
@Index('uq_line_users_channel_member', ['channelId', 'memberId'], { unique: true, where: '"member_id" IS NOT NULL' })
@Index('ix_line_users_workspace_member', ['workspaceId', 'memberId'])
// The channels the rich-menu reconciliation visits, one probe per channel (MenuUsersRepository).
@Index('ix_line_users_rich_menu_actual', ['channelId'], { where: '"rich_menu_actual" IS NOT NULL' })
export class LineUserEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  /** LINE's user id (U + 32 hex); only admin-scoped API responses ever show it. */
  @Column({ name: 'line_user_id', type: 'text' })
  lineUserId!: string;

  /** A friend who can receive messages; false after unfollow (block) or before any follow. */
  @Column({ type: 'boolean', default: false })
  following!: boolean;

  @Column({ name: 'followed_at', type: 'timestamptz', nullable: true })
  followedAt!: Date | null;

  /** When the user last blocked the account (unfollow); cleared by an unblock. */
  @Column({ name: 'blocked_at', type: 'timestamptz', nullable: true })
  blockedAt!: Date | null;

  /** The linked member. Erasing a member unlinks (the LINE friend itself stays). */
  @Column({ name: 'member_id', type: 'bigint', nullable: true })
  memberId!: string | null;

  @ManyToOne(() => MemberEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;

  @Column({ name: 'linked_at', type: 'timestamptz', nullable: true })
  linkedAt!: Date | null;

  @Column({ name: 'link_method', type: 'enum', enum: LinkMethod, enumName: 'line_link_method', nullable: true })
  linkMethod!: LinkMethod | null;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName!: string | null;

  @Column({ name: 'picture_url', type: 'text', nullable: true })
  pictureUrl!: string | null;

  @Column({ name: 'status_message', type: 'text', nullable: true })
  statusMessage!: string | null;

  @Column({ type: 'text', nullable: true })
  language!: string | null;

  @Column({ name: 'profile_fetched_at', type: 'timestamptz', nullable: true })
  profileFetchedAt!: Date | null;

  /** LINE rich menu id the rules assign (null: the channel's default menu). */
  @Column({ name: 'rich_menu_desired', type: 'text', nullable: true })
  richMenuDesired!: string | null;

  /** LINE rich menu id last linked on LINE (null: none linked, the default shows). */
  @Column({ name: 'rich_menu_actual', type: 'text', nullable: true })
  richMenuActual!: string | null;

  @Column({ name: 'rich_menu_synced_at', type: 'timestamptz', nullable: true })
  richMenuSyncedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
