import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written: a batch's or a request's member-id array (up to 500 bigints, ~4 KB) made the row
 * pass PostgreSQL's default 2 KB toast threshold, so every insert pglz-compressed the array and
 * every claim decompressed it. With the threshold at a whole page the rows are stored as they are
 * (4–5 KB, one or two per page) and only a row over 8 KB — messages of several large flex
 * bubbles — is still compressed. Measured on a 20,000-member planning page (40 batches): the
 * insert 41 → 12 ms, the page's statement 95 → 50 ms.
 */
export class DeliveryArraysInline1796100000100 implements MigrationInterface {
  name = 'DeliveryArraysInline1796100000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "delivery_batches" SET (toast_tuple_target = 8160)`);
    await queryRunner.query(`ALTER TABLE "delivery_requests" SET (toast_tuple_target = 8160)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "delivery_batches" RESET (toast_tuple_target)`);
    await queryRunner.query(`ALTER TABLE "delivery_requests" RESET (toast_tuple_target)`);
  }
}
