import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One member of a snapshot, with the LINE user (line_users.id) to send to on the snapshot's
 * channel. Written set-based (INSERT … SELECT); read by keyset pagination on member_id.
 * No foreign keys: their per-row checks tripled the time of a 100k-member snapshot. Rows go with
 * their snapshot (SegmentsRepository deletes both); see docs/segments.md on erasure.
 */
@Entity({ name: 'segment_snapshot_members' })
export class SegmentSnapshotMemberEntity {
  @PrimaryColumn({ name: 'snapshot_id', type: 'uuid' })
  snapshotId!: string;

  @PrimaryColumn({ name: 'member_id', type: 'bigint' })
  memberId!: string;

  /** line_users.id on the snapshot's channel; null when the rule allowed unreachable members. */
  @Column({ name: 'line_user_id', type: 'bigint', nullable: true })
  lineUserId!: string | null;
}
