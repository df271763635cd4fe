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
import { ChannelEntity, WorkspaceEntity } from '@app/workspaces';
import type { Rule } from '../rules/rule.types';

/**
 * A saved segment: its current rules (a copy of the latest segment_versions row) and the cached
 * count for its channel. Deleting only marks it: snapshots and campaigns keep pointing at it.
 */
@Entity({ name: 'segments' })
@Index('ix_segments_workspace', ['workspaceId', 'createdAt'])
export class SegmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  /** The channel the cached count is for (previews and snapshots may name another). */
  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Increases by one whenever the rules change. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ type: 'jsonb' })
  rules!: Rule;

  /** Cached figures (refreshed by the segment-refresh job). */
  @Column({ name: 'count_matching', type: 'integer', nullable: true })
  countMatching!: number | null;

  @Column({ name: 'count_reachable', type: 'integer', nullable: true })
  countReachable!: number | null;

  @Column({ name: 'count_audience', type: 'integer', nullable: true })
  countAudience!: number | null;

  @Column({ name: 'counted_at', type: 'timestamptz', nullable: true })
  countedAt!: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
