import { MigrationInterface, QueryRunner } from 'typeorm';

export class CompactDeliveryLedger1795435918226 implements MigrationInterface {
  name = 'CompactDeliveryLedger1795435918226';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_ledger_cap"`);
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_ledger_batch"`);
    await queryRunner.query(`CREATE TABLE "delivery_recipients" ("run_id" uuid NOT NULL, "member_id" bigint NOT NULL, CONSTRAINT "PK_8452c56b9fef12d4b0fce3924c1" PRIMARY KEY ("run_id", "member_id"))`);
    await queryRunner.query(`ALTER TABLE "delivery_batches" ADD "member_ids" bigint array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "delivery_requests" ADD "member_ids" bigint array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`CREATE INDEX "ix_delivery_requests_accepted" ON "delivery_requests"  ("accepted_at") WHERE status = 'accepted'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_requests_accepted"`);
    await queryRunner.query(`ALTER TABLE "delivery_requests" DROP COLUMN "member_ids"`);
    await queryRunner.query(`ALTER TABLE "delivery_batches" DROP COLUMN "member_ids"`);
    await queryRunner.query(`DROP TABLE "delivery_recipients"`);
    await queryRunner.query(`CREATE INDEX "ix_delivery_ledger_batch" ON "delivery_ledger" USING btree ("run_id", "batch_seq") WHERE (batch_seq IS NOT NULL)`);
    await queryRunner.query(`CREATE INDEX "ix_delivery_ledger_cap" ON "delivery_ledger" USING btree ("channel_id", "line_user_id", "sent_at") WHERE ((status = 'sent'::delivery_ledger_status) AND counts_toward_cap)`);
  }
}
