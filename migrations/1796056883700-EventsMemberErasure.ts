import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written: events.member_id has no foreign key any more (its per-row check cost 8–25% of a
 * bulk batch), so erasing a member deletes its events here, once per DELETE statement on
 * members (erasure, or a workspace deleted with its members), from the transition table through
 * ix_events_member_time. Ingestion locks the members it resolves FOR KEY SHARE in the statement
 * that inserts their events, so a concurrent DELETE waits for that batch to commit and this
 * trigger (a new snapshot per statement) then sees and deletes its events; a batch that comes
 * after the DELETE finds the member gone.
 */
export class EventsMemberErasure1796056883700 implements MigrationInterface {
  name = 'EventsMemberErasure1796056883700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION lse_erase_member_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM events ev USING erased e WHERE ev.workspace_id = e.workspace_id AND ev.member_id = e.id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER trg_members_erase_events AFTER DELETE ON members
         REFERENCING OLD TABLE AS erased FOR EACH STATEMENT EXECUTE FUNCTION lse_erase_member_events()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER trg_members_erase_events ON members`);
    await queryRunner.query(`DROP FUNCTION lse_erase_member_events()`);
  }
}
