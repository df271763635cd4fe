import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written, second round of plan tuning (docs/segments.md):
 * - line_users reachable on a channel, (channel_id, member_id) INCLUDE (id) for following and
 *   unblocked users only: the default audience filter and the snapshot's line user come from
 *   this small index instead of the whole table.
 * - purchases with an item of ≥ 10,000 yen ("1万円以上", the threshold of the source documents):
 *   a partial index whose predicate implies the query's, so the planner can answer from the index
 *   alone (PostgreSQL never does an index-only scan on the expression index itself, since the
 *   query mentions `properties`). Other thresholds use ix_events_purchase_max_item_price.
 */
export class SegmentsReachabilityIndexes1795435000000 implements MigrationInterface {
  name = 'SegmentsReachabilityIndexes1795435000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS ix_line_users_reachable ON line_users (channel_id, member_id) INCLUDE (id) WHERE following AND blocked_at IS NULL AND member_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS ix_events_purchase_item_10000 ON events (workspace_id, member_id, occurred_at) WHERE type = 'purchase' AND lse_max_item_number(properties, 'price') >= 10000`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_events_purchase_item_10000`);
    await queryRunner.query(`DROP INDEX ix_line_users_reachable`);
  }
}
