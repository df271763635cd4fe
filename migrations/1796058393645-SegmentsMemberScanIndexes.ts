import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written, third round of plan tuning (docs/segments.md, "Plans tuned" 12–13):
 * - members (workspace_id, id) INCLUDE the attributes rules test most: an attribute rule reads
 *   an 84 MB index instead of the 149 MB heap (1M members), in member id order, so snapshots and
 *   samples merge it with ix_line_users_reachable and with other member-ordered inputs without
 *   touching the heap. Updates of other columns (points, attributes, names) stay HOT.
 * - member_aggregates "buyers": the member ids whose first purchase is recorded. "Never bought" /
 *   "bought" is a merge (anti-)join of member ids with this 13 MB index instead of a read of the
 *   131 MB aggregates. first_purchase_at changes only at a member's first purchase, so ingest's
 *   per-purchase aggregate update stays HOT (an index on purchase_count would not).
 */
export class SegmentsMemberScanIndexes1796058393645 implements MigrationInterface {
  name = 'SegmentsMemberScanIndexes1796058393645';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS ix_members_segment_attrs ON members (workspace_id, id) INCLUDE (gender, birth_date, prefecture_code, occupation, membership_tier, registered_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS ix_member_aggregates_buyers ON member_aggregates (member_id) WHERE first_purchase_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_member_aggregates_buyers`);
    await queryRunner.query(`DROP INDEX ix_members_segment_attrs`);
  }
}
