import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The exactly-once guard moves from one delivery_recipients row per (run, member) to an exclusion
 * constraint on the member-id ranges of a run's batches (one gist entry per batch of 500). The
 * extension is trusted, so the migration user needs no superuser.
 */
export class DeliveryBatchRangeGuard1796056978246 implements MigrationInterface {
  name = 'DeliveryBatchRangeGuard1796056978246';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await queryRunner.query(`CREATE INDEX "ix_delivery_batches_run_open" ON "delivery_batches"  ("run_id") WHERE status IN ('pending', 'sending')`);
    await queryRunner.query(`ALTER TABLE "delivery_batches" ADD CONSTRAINT "xcl_delivery_batches_members" EXCLUDE USING gist ("run_id" WITH =, int8range("member_ids"[1], "member_ids"[cardinality("member_ids")], '[]') WITH &&) WHERE (cardinality("member_ids") > 0)`);
    await queryRunner.query(`DROP TABLE "delivery_recipients"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "delivery_batches" DROP CONSTRAINT "xcl_delivery_batches_members"`);
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_batches_run_open"`);
    await queryRunner.query(`CREATE TABLE "delivery_recipients" ("run_id" uuid NOT NULL, "member_id" bigint NOT NULL, CONSTRAINT "PK_8452c56b9fef12d4b0fce3924c1" PRIMARY KEY ("run_id", "member_id"))`);
    await queryRunner.query(
      `INSERT INTO delivery_recipients (run_id, member_id) SELECT b.run_id, u.member_id FROM delivery_batches b CROSS JOIN LATERAL unnest(b.member_ids) AS u(member_id) UNION SELECT run_id, member_id FROM delivery_ledger`,
    );
  }
}
