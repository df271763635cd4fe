import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { FrozenRule } from '../rules/frozen-rule';
import { SegmentEntity } from './segment.entity';

/**
 * The audience of a send, frozen: which members (and LINE users) a segment version matched on a
 * channel at `evaluated_at`. `rules` holds the tree with referenced segments inlined, so the
 * snapshot says exactly what was evaluated even after those segments change.
 */
@Entity({ name: 'segment_snapshots' })
@Index('ix_segment_snapshots_segment', ['workspaceId', 'segmentId', 'createdAt'])
export class SegmentSnapshotEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId!: string;

  @Column({ name: 'segment_id', type: 'uuid' })
  segmentId!: string;

  @ManyToOne(() => SegmentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'segment_id' })
  segment?: SegmentEntity;

  @Column({ name: 'segment_version', type: 'integer' })
  segmentVersion!: number;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ type: 'jsonb' })
  rules!: FrozenRule;

  @Column({ type: 'integer' })
  size!: number;

  /** The `now` the rules were evaluated at. */
  @Column({ name: 'evaluated_at', type: 'timestamptz' })
  evaluatedAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
