import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Snapshots stored as chunks of up to 10,000 members (member-id and LINE-user arrays) instead of
 * a row per member: a 1M-member snapshot took 8.3 s of a core as rows, 1.6–2.5 s as chunks
 * (SegmentSnapshotChunkEntity). Existing snapshots are carried over, chunked the same way.
 * Erasure keeps its statement-level trigger, now removing the erased members from the chunks
 * that hold them (found through the key: a range probe per snapshot of the workspace).
 */
export class SegmentSnapshotChunks1796100000000 implements MigrationInterface {
  name = 'SegmentSnapshotChunks1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "segment_snapshot_chunks" ("snapshot_id" uuid NOT NULL, "first_member_id" bigint NOT NULL, "last_member_id" bigint NOT NULL, "size" integer NOT NULL, "member_ids" bigint array NOT NULL, "line_user_ids" bigint array NOT NULL, CONSTRAINT "PK_1989f600a88028b06a736e82bf3" PRIMARY KEY ("snapshot_id", "first_member_id"))`,
    );
    // Uncompressed: pglz over 80 KB of ascending ids cost more than the per-member rows saved.
    await queryRunner.query(
      `ALTER TABLE "segment_snapshot_chunks" ALTER "member_ids" SET STORAGE EXTERNAL, ALTER "line_user_ids" SET STORAGE EXTERNAL`,
    );
    await queryRunner.query(`
      INSERT INTO segment_snapshot_chunks (snapshot_id, first_member_id, last_member_id, size, member_ids, line_user_ids)
      SELECT snapshot_id, min(member_id), max(member_id), count(*)::int,
             array_agg(member_id ORDER BY member_id), array_agg(line_user_id ORDER BY member_id)
        FROM (SELECT snapshot_id, member_id, line_user_id,
                     (row_number() OVER (PARTITION BY snapshot_id ORDER BY member_id) - 1) / 10000 AS k
                FROM segment_snapshot_members) s
       GROUP BY snapshot_id, k`);
    await queryRunner.query(`DROP TRIGGER trg_members_erase_snapshot_members ON members`);
    await queryRunner.query(`DROP FUNCTION lse_erase_snapshot_members()`);
    await queryRunner.query(`DROP TABLE "segment_snapshot_members"`);
    await queryRunner.query(`
      CREATE FUNCTION lse_erase_snapshot_members() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE segment_snapshot_chunks c
           SET (member_ids, line_user_ids, size) = (
                 SELECT coalesce(array_agg(u.member_id ORDER BY u.pos), '{}'),
                        coalesce(array_agg(u.line_user_id ORDER BY u.pos), '{}'), count(*)::int
                   FROM unnest(c.member_ids, c.line_user_ids) WITH ORDINALITY AS u(member_id, line_user_id, pos)
                  WHERE u.member_id <> ALL (hit.ids))
          FROM (SELECT h.snapshot_id, h.first_member_id, array_agg(e.id) AS ids
                  FROM erased e
                  JOIN segment_snapshots s ON s.workspace_id = e.workspace_id
                  JOIN segment_snapshot_chunks h ON h.snapshot_id = s.id AND h.first_member_id <= e.id
                   AND h.last_member_id >= e.id AND e.id = ANY (h.member_ids)
                 GROUP BY h.snapshot_id, h.first_member_id) hit
         WHERE c.snapshot_id = hit.snapshot_id AND c.first_member_id = hit.first_member_id;
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
    await queryRunner.query(
      `CREATE TABLE "segment_snapshot_members" ("snapshot_id" uuid NOT NULL, "member_id" bigint NOT NULL, "line_user_id" bigint, CONSTRAINT "PK_1df2fafcc5ced4ea1e9dc63ea1e" PRIMARY KEY ("snapshot_id", "member_id"))`,
    );
    await queryRunner.query(`
      INSERT INTO segment_snapshot_members (snapshot_id, member_id, line_user_id)
      SELECT c.snapshot_id, u.member_id, u.line_user_id
        FROM segment_snapshot_chunks c CROSS JOIN LATERAL unnest(c.member_ids, c.line_user_ids) AS u(member_id, line_user_id)`);
    await queryRunner.query(`DROP TABLE "segment_snapshot_chunks"`);
    await queryRunner.query(`
      CREATE FUNCTION lse_erase_snapshot_members() RETURNS trigger LANGUAGE plpgsql AS $$
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
}
