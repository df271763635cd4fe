import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSegments1795433224523 implements MigrationInterface {
  name = 'AddSegments1795433224523';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "segments" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "name" text NOT NULL, "description" text, "version" integer NOT NULL DEFAULT '1', "rules" jsonb NOT NULL, "count_matching" integer, "count_reachable" integer, "count_audience" integer, "counted_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_beff1eec19679fe8ad4f291f04e" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_segments_workspace" ON "segments"  ("workspace_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "segment_versions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "segment_id" uuid NOT NULL, "version" integer NOT NULL, "name" text NOT NULL, "rules" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1fe6d37f3ee28b9c5dd33a6cf06" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_segment_versions_segment_version" ON "segment_versions"  ("segment_id", "version") `);
    await queryRunner.query(`CREATE TABLE "segment_snapshots" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "segment_id" uuid NOT NULL, "segment_version" integer NOT NULL, "channel_id" uuid NOT NULL, "rules" jsonb NOT NULL, "size" integer NOT NULL, "evaluated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1c8419d2a06c65eec3f9e091a47" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_segment_snapshots_segment" ON "segment_snapshots"  ("workspace_id", "segment_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "segment_snapshot_members" ("snapshot_id" uuid NOT NULL, "member_id" bigint NOT NULL, "line_user_id" bigint, CONSTRAINT "PK_1df2fafcc5ced4ea1e9dc63ea1e" PRIMARY KEY ("snapshot_id", "member_id"))`);
    await queryRunner.query(`ALTER TABLE "segments" ADD CONSTRAINT "FK_c60223aa4d7f7f7a935379d955a" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "segments" ADD CONSTRAINT "FK_027f4f6cf2e99bbc591f9bdb16b" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "segment_versions" ADD CONSTRAINT "FK_59b84970ea6d229b7fed1dadcfe" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "segment_snapshots" ADD CONSTRAINT "FK_20d7dd5bf539a439f0b423ad3b6" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "segment_snapshot_members" ADD CONSTRAINT "FK_bd2407a1128912cca50f539ddb1" FOREIGN KEY ("snapshot_id") REFERENCES "segment_snapshots"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "segment_snapshot_members" ADD CONSTRAINT "FK_b34b84415594314e1999ec19ca6" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "segment_snapshot_members" DROP CONSTRAINT "FK_b34b84415594314e1999ec19ca6"`);
    await queryRunner.query(`ALTER TABLE "segment_snapshot_members" DROP CONSTRAINT "FK_bd2407a1128912cca50f539ddb1"`);
    await queryRunner.query(`ALTER TABLE "segment_snapshots" DROP CONSTRAINT "FK_20d7dd5bf539a439f0b423ad3b6"`);
    await queryRunner.query(`ALTER TABLE "segment_versions" DROP CONSTRAINT "FK_59b84970ea6d229b7fed1dadcfe"`);
    await queryRunner.query(`ALTER TABLE "segments" DROP CONSTRAINT "FK_027f4f6cf2e99bbc591f9bdb16b"`);
    await queryRunner.query(`ALTER TABLE "segments" DROP CONSTRAINT "FK_c60223aa4d7f7f7a935379d955a"`);
    await queryRunner.query(`DROP TABLE "segment_snapshot_members"`);
    await queryRunner.query(`DROP INDEX "public"."ix_segment_snapshots_segment"`);
    await queryRunner.query(`DROP TABLE "segment_snapshots"`);
    await queryRunner.query(`DROP INDEX "public"."uq_segment_versions_segment_version"`);
    await queryRunner.query(`DROP TABLE "segment_versions"`);
    await queryRunner.query(`DROP INDEX "public"."ix_segments_workspace"`);
    await queryRunner.query(`DROP TABLE "segments"`);
  }
}
