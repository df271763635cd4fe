import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A run of up to SNAPSHOT_CHUNK consecutive members of a snapshot (ascending member id), with the
 * LINE user (line_users.id on the snapshot's channel, null when the rule allowed unreachable
 * members) of each at the same position. Chunks of one snapshot never overlap, and pages are read
 * by keyset on member id across them (snapshotPageSql).
 *
 * Arrays rather than a row per member: a 1M-member snapshot was 1M heap tuples and 1M primary-key
 * entries, 8.3 s of a core on the bench machine while the campaign it fed was sending; as 100
 * chunks it takes 1.6–2.5 s, and a planning page unnests two or three of them instead of walking
 * 20,000 index entries. The arrays are stored uncompressed (STORAGE EXTERNAL, set by the
 * migration): pglz compressing them cost more than the rows did.
 *
 * No foreign keys (rows go with their snapshot: SegmentMaintenanceRepository deletes both);
 * erasing a member removes it from its chunks by trigger (docs/segments.md on erasure).
 */
@Entity({ name: 'segment_snapshot_chunks' })
export class SegmentSnapshotChunkEntity {
  @PrimaryColumn({ name: 'snapshot_id', type: 'uuid' })
  snapshotId!: string;

  /** The lowest member id the chunk was written with (its key; kept when that member is erased). */
  @PrimaryColumn({ name: 'first_member_id', type: 'bigint' })
  firstMemberId!: string;

  @Column({ name: 'last_member_id', type: 'bigint' })
  lastMemberId!: string;

  /** cardinality(member_ids): the page reader sums it to know how many chunks a page needs. */
  @Column({ type: 'int' })
  size!: number;

  @Column({ name: 'member_ids', type: 'bigint', array: true })
  memberIds!: string[];

  @Column({ name: 'line_user_ids', type: 'bigint', array: true })
  lineUserIds!: Array<string | null>;
}
