import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The batches' exclusion constraint moves to an insert-only table of their member-id ranges
 * (DeliveryBatchRangeEntity): on delivery_batches it was checked again on every status change of
 * a batch (claimed, done), walking the gist index each time. Existing batches keep their guard.
 */
export class DeliveryBatchRanges1796100000200 implements MigrationInterface {
  name = 'DeliveryBatchRanges1796100000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "delivery_batch_ranges" ("batch_id" uuid NOT NULL, "run_id" uuid NOT NULL, "members" int8range NOT NULL, CONSTRAINT "xcl_delivery_batch_ranges_members" EXCLUDE USING gist ("run_id" WITH =, "members" WITH &&), CONSTRAINT "PK_5ae1cc7a9fe266b657fc05472fb" PRIMARY KEY ("batch_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "delivery_batch_ranges" ADD CONSTRAINT "FK_5ae1cc7a9fe266b657fc05472fb" FOREIGN KEY ("batch_id") REFERENCES "delivery_batches"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`
      INSERT INTO delivery_batch_ranges (batch_id, run_id, members)
      SELECT id, run_id, int8range(member_ids[1], member_ids[cardinality(member_ids)], '[]')
        FROM delivery_batches WHERE cardinality(member_ids) > 0`);
    await queryRunner.query(`ALTER TABLE "delivery_batches" DROP CONSTRAINT "xcl_delivery_batches_members"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "delivery_batches" ADD CONSTRAINT "xcl_delivery_batches_members" EXCLUDE USING gist ("run_id" WITH =, int8range("member_ids"[1], "member_ids"[cardinality("member_ids")], '[]') WITH &&) WHERE (cardinality("member_ids") > 0)`,
    );
    await queryRunner.query(`DROP TABLE "delivery_batch_ranges"`);
  }
}
