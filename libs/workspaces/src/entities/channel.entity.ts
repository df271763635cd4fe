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
import { WorkspaceEntity } from './workspace.entity';

/** A LINE Official Account channel (Messaging API) of a workspace. */
@Entity({ name: 'channels' })
@Index('uq_channels_line_channel_id', ['lineChannelId'], { unique: true })
export class ChannelEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  @Index('ix_channels_workspace')
  workspaceId!: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  @Column({ type: 'text' })
  name!: string;

  /** LINE's channel id: the `{channelId}` of the webhook URL. */
  @Column({ name: 'line_channel_id', type: 'text' })
  lineChannelId!: string;

  @Column({ name: 'channel_secret', type: 'text' })
  channelSecret!: string;

  @Column({ name: 'access_token', type: 'text' })
  accessToken!: string;

  /** The bot's own user id (`destination` of webhooks), learnt from LINE. */
  @Column({ name: 'bot_user_id', type: 'text', nullable: true })
  botUserId!: string | null;

  @Column({ type: 'text', default: 'Asia/Tokyo' })
  timezone!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
