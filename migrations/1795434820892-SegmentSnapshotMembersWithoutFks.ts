import { MigrationInterface, QueryRunner } from 'typeorm';

export class SegmentSnapshotMembersWithoutFks1795434820892 implements MigrationInterface {
  name = 'SegmentSnapshotMembersWithoutFks1795434820892';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "segment_snapshot_members" DROP CONSTRAINT "FK_bd2407a1128912cca50f539ddb1"`);
    await queryRunner.query(`ALTER TABLE "segment_snapshot_members" DROP CONSTRAINT "FK_b34b84415594314e1999ec19ca6"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "segment_snapshot_members" ADD CONSTRAINT "FK_b34b84415594314e1999ec19ca6" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "segment_snapshot_members" ADD CONSTRAINT "FK_bd2407a1128912cca50f539ddb1" FOREIGN KEY ("snapshot_id") REFERENCES "segment_snapshots"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }
}
