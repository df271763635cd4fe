import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ChannelEntity } from '@app/workspaces';
import { RichMenuEntity } from './rich-menu.entity';

export enum RichMenuCondition {
  Linked = 'linked',
  Unlinked = 'unlinked',
  /** Linked members of a segment (answered by the SegmentMembershipPort). */
  Segment = 'segment',
  /** Everyone (a catch-all before the default menu). */
  Always = 'always',
}

/** An assignment rule: rules of a channel are evaluated by position; the first match wins. */
@Entity({ name: 'rich_menu_rules' })
@Index('ix_rich_menu_rules_channel_position', ['channelId', 'position'])
export class RichMenuRuleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ type: 'integer' })
  position!: number;

  @Column({ type: 'enum', enum: RichMenuCondition, enumName: 'rich_menu_condition' })
  condition!: RichMenuCondition;

  /** For `segment` rules; no FK: segments live in their own lib and may come later. */
  @Column({ name: 'segment_id', type: 'uuid', nullable: true })
  segmentId!: string | null;

  @Column({ name: 'rich_menu_id', type: 'uuid' })
  richMenuId!: string;

  @ManyToOne(() => RichMenuEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'rich_menu_id' })
  richMenu?: RichMenuEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
