import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written: erasing a member also removes it from every snapshot. segment_snapshot_members has
 * no foreign key to members (its per-row checks tripled the time of a 100k-member snapshot), so a
 * statement-level AFTER DELETE trigger on members does it once per DELETE statement, from the
 * transition table. It reaches the rows through the primary key (snapshot_id, member_id): one
 * probe per snapshot of the member's workspace, so no index on member_id is needed (measured: such
 * an index made a 146k-member snapshot insert 3.5× slower, since member ids of a new snapshot land
 * all over it instead of appending).
 */
export class SegmentSnapshotMembersErasure1795436297873 implements MigrationInterface {
  name = 'SegmentSnapshotMembersErasure1795436297873';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION lse_erase_snapshot_members() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM segment_snapshot_members sm
         USING erased e, segment_snapshots s
         WHERE s.workspace_id = e.workspace_id AND sm.snapshot_id = s.id AND sm.member_id = e.id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_members_erase_snapshot_members AFTER DELETE ON members
         REFERENCING OLD TABLE AS erased FOR EACH STATEMENT EXECUTE FUNCTION lse_erase_snapshot_members()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER trg_members_erase_snapshot_members ON members`);
    await queryRunner.query(`DROP FUNCTION lse_erase_snapshot_members()`);
  }
}
