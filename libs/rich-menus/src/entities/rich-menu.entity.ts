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

/** A rich menu created on LINE through the engine, with its LINE id and definition. */
@Entity({ name: 'rich_menus' })
@Index('uq_rich_menus_line_id', ['channelId', 'lineRichMenuId'], { unique: true })
@Index('uq_rich_menus_default', ['channelId'], { unique: true, where: '"is_default"' })
export class RichMenuEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ name: 'line_rich_menu_id', type: 'text' })
  lineRichMenuId!: string;

  @Column({ type: 'text' })
  name!: string;

  /** The LINE rich menu object as sent to LINE. */
  @Column({ type: 'jsonb' })
  definition!: Record<string, unknown>;

  /** Set once the image is uploaded: LINE refuses to show (or link) a menu without one. */
  @Column({ name: 'image_content_type', type: 'text', nullable: true })
  imageContentType!: string | null;

  @Column({ name: 'image_uploaded_at', type: 'timestamptz', nullable: true })
  imageUploadedAt!: Date | null;

  /** The channel's default menu on LINE (what users without a per-user menu see). */
  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
