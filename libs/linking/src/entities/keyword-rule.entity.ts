import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ChannelEntity } from '@app/workspaces';

export enum KeywordMatch {
  Exact = 'exact',
  Contains = 'contains',
}

export enum KeywordAction {
  /** Reply with the rendered template. */
  Reply = 'reply',
  /** Start linking: issue a link token and reply with the login URL. */
  Link = 'link',
  Unlink = 'unlink',
  MemberCard = 'member_card',
}

/** A keyword that answers a text message; the first matching rule (by position) wins. */
@Entity({ name: 'keyword_rules' })
@Index('ix_keyword_rules_channel_position', ['channelId', 'position'])
export class KeywordRuleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ type: 'integer', default: 0 })
  position!: number;

  @Column({ type: 'text' })
  keyword!: string;

  @Column({ type: 'enum', enum: KeywordMatch, enumName: 'keyword_match', default: KeywordMatch.Exact })
  match!: KeywordMatch;

  @Column({ type: 'enum', enum: KeywordAction, enumName: 'keyword_action', default: KeywordAction.Reply })
  action!: KeywordAction;

  /** Liquid template for linked users; `member` holds the member's fields. */
  @Column({ name: 'linked_template', type: 'text', nullable: true })
  linkedTemplate!: string | null;

  /** Template for users not linked (e.g. "link your account to see your points"). */
  @Column({ name: 'unlinked_template', type: 'text', nullable: true })
  unlinkedTemplate!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
