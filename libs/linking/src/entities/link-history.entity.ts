import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { MemberEntity } from '@app/members';

export enum LinkAction {
  Link = 'link',
  Unlink = 'unlink',
  /** A link attempt that linked nothing (replayed/expired/unknown nonce, conflict, failed). */
  Refused = 'refused',
}

export enum LinkActor {
  /** The LINE user (account-link dialog, rich menu, keyword). */
  User = 'user',
  /** The company through the API. */
  Company = 'company',
  System = 'system',
}

/**
 * Audit trail of linking and unlinking. No foreign key to line_users (the trail outlives the
 * row); erasing a member erases its trail (ON DELETE CASCADE), like every table about a member.
 */
@Entity({ name: 'link_history' })
@Index('ix_link_history_channel_time', ['channelId', 'createdAt'])
@Index('ix_link_history_member', ['workspaceId', 'memberId'])
export class LinkHistoryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ name: 'line_user_row_id', type: 'bigint', nullable: true })
  lineUserRowId!: string | null;

  @Column({ name: 'member_id', type: 'bigint', nullable: true })
  memberId!: string | null;

  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;

  @Column({ type: 'enum', enum: LinkAction, enumName: 'link_action' })
  action!: LinkAction;

  @Column({ type: 'enum', enum: LinkActor, enumName: 'link_actor' })
  actor!: LinkActor;

  /** messaging_api | line_login for links; rich_menu | keyword | api for unlinks. */
  @Column({ type: 'text' })
  via!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
