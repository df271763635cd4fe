import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { Rule } from '../rules/rule.types';
import { SegmentEntity } from './segment.entity';

/** Every version of a segment's rules, so an old snapshot or campaign can say what it meant. */
@Entity({ name: 'segment_versions' })
@Index('uq_segment_versions_segment_version', ['segmentId', 'version'], { unique: true })
export class SegmentVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'segment_id', type: 'uuid' })
  segmentId!: string;

  @ManyToOne(() => SegmentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'segment_id' })
  segment?: SegmentEntity;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'jsonb' })
  rules!: Rule;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
