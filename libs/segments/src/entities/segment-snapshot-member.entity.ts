import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MemberEntity } from '@app/members';
import { SegmentSnapshotEntity } from './segment-snapshot.entity';

/**
 * One member of a snapshot, with the LINE user (line_users.id) to send to on the snapshot's
 * channel. Written set-based (INSERT … SELECT); read by keyset pagination on member_id.
 */
@Entity({ name: 'segment_snapshot_members' })
export class SegmentSnapshotMemberEntity {
  @PrimaryColumn({ name: 'snapshot_id', type: 'uuid' })
  snapshotId!: string;

  @ManyToOne(() => SegmentSnapshotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'snapshot_id' })
  snapshot?: SegmentSnapshotEntity;

  @PrimaryColumn({ name: 'member_id', type: 'bigint' })
  memberId!: string;

  /** Erasing a member removes it from every snapshot. */
  @ManyToOne(() => MemberEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'member_id' })
  member?: MemberEntity;

  /** line_users.id on the snapshot's channel; null when the rule allowed unreachable members. */
  @Column({ name: 'line_user_id', type: 'bigint', nullable: true })
  lineUserId!: string | null;
}
