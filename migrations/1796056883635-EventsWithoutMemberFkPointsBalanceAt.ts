import { MigrationInterface, QueryRunner } from 'typeorm';

export class EventsWithoutMemberFkPointsBalanceAt1796056883635 implements MigrationInterface {
  name = 'EventsWithoutMemberFkPointsBalanceAt1796056883635';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "events" DROP CONSTRAINT "FK_3bae21ff3c6111e78dfba5c3b93"`);
    await queryRunner.query(`ALTER TABLE "members" ADD "points_balance_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "members" DROP COLUMN "points_balance_at"`);
    await queryRunner.query(`ALTER TABLE "events" ADD CONSTRAINT "FK_3bae21ff3c6111e78dfba5c3b93" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }
}
