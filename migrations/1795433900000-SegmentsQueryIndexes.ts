import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written (TypeORM cannot express them): what the segment queries' plans needed on the
 * events table of the members lib (see docs/segments.md for the EXPLAIN ANALYZE before/after).
 * - lse_max_item_number(properties, key): the largest numeric `key` of `properties.items`;
 *   "an item of ≥ X yen" ⇔ max item price ≥ X, so the expression index turns that filter into an
 *   index range scan instead of parsing every purchase's JSON.
 * - events (workspace_id, type, member_id, occurred_at): event conditions read one type of event
 *   grouped by member (count/sum, did not, "then B within N hours") from the index alone.
 */
export class SegmentsQueryIndexes1795433900000 implements MigrationInterface {
  name = 'SegmentsQueryIndexes1795433900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION lse_max_item_number(properties jsonb, key text) RETURNS numeric
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT max((it.v ->> key)::numeric)
          FROM jsonb_array_elements(
                 CASE WHEN jsonb_typeof(properties -> 'items') = 'array' THEN properties -> 'items' ELSE '[]'::jsonb END
               ) AS it(v)
         WHERE jsonb_typeof(it.v -> key) = 'number'
      $$`);
    await queryRunner.query(
      `CREATE INDEX ix_events_purchase_max_item_price ON events (workspace_id, lse_max_item_number(properties, 'price'), member_id) WHERE type = 'purchase'`,
    );
    await queryRunner.query(`CREATE INDEX ix_events_type_member_time ON events (workspace_id, type, member_id, occurred_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_events_type_member_time`);
    await queryRunner.query(`DROP INDEX ix_events_purchase_max_item_price`);
    await queryRunner.query(`DROP FUNCTION lse_max_item_number(jsonb, text)`);
  }
}
