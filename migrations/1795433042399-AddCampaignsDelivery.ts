import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddCampaignsDelivery1795433042399 implements MigrationInterface {
  name = 'AddCampaignsDelivery1795433042399';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."campaign_status" AS ENUM('draft', 'scheduled', 'active', 'running', 'paused', 'completed', 'cancelled', 'refused')`);
    await queryRunner.query(`CREATE TYPE "public"."campaign_category" AS ENUM('marketing', 'transactional')`);
    await queryRunner.query(`CREATE TYPE "public"."campaign_quota_policy" AS ENUM('refuse', 'partial')`);
    await queryRunner.query(`CREATE TABLE "campaigns" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "name" text NOT NULL, "status" "public"."campaign_status" NOT NULL, "status_reason" text, "category" "public"."campaign_category" NOT NULL, "quiet_hours_exempt" boolean NOT NULL DEFAULT false, "quota_policy" "public"."campaign_quota_policy" NOT NULL, "audience" jsonb, "messages" jsonb NOT NULL, "trigger" jsonb NOT NULL, "next_run_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_831e3fcd4fc45b4e4c3f57a9ee4" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_campaigns_due" ON "campaigns"  ("next_run_at") WHERE status IN ('scheduled', 'active') AND next_run_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "ix_campaigns_workspace" ON "campaigns"  ("workspace_id", "created_at") `);
    await queryRunner.query(`CREATE TYPE "public"."campaign_run_status" AS ENUM('scheduled', 'planning', 'sending', 'completed', 'cancelled', 'refused')`);
    await queryRunner.query(`CREATE TABLE "campaign_runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "campaign_id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "run_key" text NOT NULL, "status" "public"."campaign_run_status" NOT NULL, "source" jsonb NOT NULL, "message_index" jsonb, "due_at" TIMESTAMP WITH TIME ZONE NOT NULL, "trigger_member_id" bigint, "trigger_event_id" bigint, "planned_through" bigint, "next_batch_seq" integer NOT NULL DEFAULT '0', "audience_size" integer NOT NULL DEFAULT '0', "queued_count" integer NOT NULL DEFAULT '0', "quota_allowed" integer, "skipped" jsonb NOT NULL DEFAULT '{}', "lease_until" TIMESTAMP WITH TIME ZONE, "status_reason" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_da3eaaf120b4a3a3a599d91ceaa" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_campaign_runs_member" ON "campaign_runs"  ("trigger_member_id") WHERE status = 'scheduled' AND trigger_member_id IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "ix_campaign_runs_due" ON "campaign_runs"  ("due_at") WHERE status IN ('scheduled', 'planning')`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_campaign_runs_key" ON "campaign_runs"  ("campaign_id", "run_key") `);
    await queryRunner.query(`CREATE TYPE "public"."delivery_batch_status" AS ENUM('pending', 'sending', 'done', 'cancelled')`);
    await queryRunner.query(`CREATE TABLE "delivery_batches" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "run_id" uuid NOT NULL, "campaign_id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "seq" integer NOT NULL, "status" "public"."delivery_batch_status" NOT NULL, "recipient_count" integer NOT NULL, "sent_count" integer NOT NULL DEFAULT '0', "failed_count" integer NOT NULL DEFAULT '0', "available_at" TIMESTAMP WITH TIME ZONE NOT NULL, "enqueued_at" TIMESTAMP WITH TIME ZONE, "enqueue_generation" integer NOT NULL DEFAULT '0', "lease_until" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT '0', "first_attempt_at" TIMESTAMP WITH TIME ZONE, "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_76d49fdaa79199c7c0d932c2fd2" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_delivery_batches_open" ON "delivery_batches"  ("available_at") WHERE status IN ('pending', 'sending')`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_delivery_batches_seq" ON "delivery_batches"  ("run_id", "seq") `);
    await queryRunner.query(`CREATE TYPE "public"."delivery_request_status" AS ENUM('pending', 'accepted', 'failed')`);
    await queryRunner.query(`CREATE TABLE "delivery_requests" ("batch_id" uuid NOT NULL, "seq" integer NOT NULL, "retry_key" uuid NOT NULL, "endpoint" text NOT NULL, "messages" jsonb, "recipient_count" integer NOT NULL, "status" "public"."delivery_request_status" NOT NULL, "line_request_id" text, "error" text, "accepted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b96a0c65451e6c8f5adf8090b04" PRIMARY KEY ("batch_id", "seq"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_delivery_requests_retry_key" ON "delivery_requests"  ("retry_key") `);
    await queryRunner.query(`CREATE TYPE "public"."delivery_ledger_status" AS ENUM('queued', 'sent', 'failed', 'skipped')`);
    await queryRunner.query(`CREATE TABLE "delivery_ledger" ("id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL, "run_id" uuid NOT NULL, "campaign_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "member_id" bigint NOT NULL, "line_user_id" text, "status" "public"."delivery_ledger_status" NOT NULL, "reason" text, "batch_seq" integer, "request_seq" integer, "counts_toward_cap" boolean NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_791996dc017d031c9d5c26b8e7c" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_delivery_ledger_cap" ON "delivery_ledger"  ("channel_id", "line_user_id", "sent_at") WHERE status = 'sent' AND counts_toward_cap`);
    await queryRunner.query(`CREATE INDEX "ix_delivery_ledger_batch" ON "delivery_ledger"  ("run_id", "batch_seq") WHERE batch_seq IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_delivery_ledger_recipient" ON "delivery_ledger"  ("run_id", "member_id") `);
    await queryRunner.query(`CREATE TABLE "channel_delivery_settings" ("channel_id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "quiet_start" text NOT NULL DEFAULT '21:00', "quiet_end" text NOT NULL DEFAULT '09:00', "frequency_cap_max" integer NOT NULL DEFAULT '3', "frequency_cap_days" integer NOT NULL DEFAULT '7', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b415fd42630ffcc05a57fa72ddb" PRIMARY KEY ("channel_id"))`);
    await queryRunner.query(`ALTER TABLE "campaigns" ADD CONSTRAINT "FK_5c174886e5ca23d8e7b8ba6d7a5" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "campaigns" ADD CONSTRAINT "FK_0c5c05e9855a8568446660c0fba" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "campaign_runs" ADD CONSTRAINT "FK_f0a2abf1ec7c00c91549ded5b3c" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "delivery_batches" ADD CONSTRAINT "FK_c807082f86d3b9bb42bdc55932c" FOREIGN KEY ("run_id") REFERENCES "campaign_runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "delivery_requests" ADD CONSTRAINT "FK_2da016678f0325df9ce474e1568" FOREIGN KEY ("batch_id") REFERENCES "delivery_batches"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "delivery_ledger" ADD CONSTRAINT "FK_420e374c78ef0154780e7b10704" FOREIGN KEY ("run_id") REFERENCES "campaign_runs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "delivery_ledger" ADD CONSTRAINT "FK_aa8459c864cc7af7a17d41ed002" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "channel_delivery_settings" ADD CONSTRAINT "FK_b415fd42630ffcc05a57fa72ddb" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "channel_delivery_settings" DROP CONSTRAINT "FK_b415fd42630ffcc05a57fa72ddb"`);
    await queryRunner.query(`ALTER TABLE "delivery_ledger" DROP CONSTRAINT "FK_aa8459c864cc7af7a17d41ed002"`);
    await queryRunner.query(`ALTER TABLE "delivery_ledger" DROP CONSTRAINT "FK_420e374c78ef0154780e7b10704"`);
    await queryRunner.query(`ALTER TABLE "delivery_requests" DROP CONSTRAINT "FK_2da016678f0325df9ce474e1568"`);
    await queryRunner.query(`ALTER TABLE "delivery_batches" DROP CONSTRAINT "FK_c807082f86d3b9bb42bdc55932c"`);
    await queryRunner.query(`ALTER TABLE "campaign_runs" DROP CONSTRAINT "FK_f0a2abf1ec7c00c91549ded5b3c"`);
    await queryRunner.query(`ALTER TABLE "campaigns" DROP CONSTRAINT "FK_0c5c05e9855a8568446660c0fba"`);
    await queryRunner.query(`ALTER TABLE "campaigns" DROP CONSTRAINT "FK_5c174886e5ca23d8e7b8ba6d7a5"`);
    await queryRunner.query(`DROP TABLE "channel_delivery_settings"`);
    await queryRunner.query(`DROP INDEX "public"."uq_delivery_ledger_recipient"`);
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_ledger_batch"`);
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_ledger_cap"`);
    await queryRunner.query(`DROP TABLE "delivery_ledger"`);
    await queryRunner.query(`DROP TYPE "public"."delivery_ledger_status"`);
    await queryRunner.query(`DROP INDEX "public"."uq_delivery_requests_retry_key"`);
    await queryRunner.query(`DROP TABLE "delivery_requests"`);
    await queryRunner.query(`DROP TYPE "public"."delivery_request_status"`);
    await queryRunner.query(`DROP INDEX "public"."uq_delivery_batches_seq"`);
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_batches_open"`);
    await queryRunner.query(`DROP TABLE "delivery_batches"`);
    await queryRunner.query(`DROP TYPE "public"."delivery_batch_status"`);
    await queryRunner.query(`DROP INDEX "public"."uq_campaign_runs_key"`);
    await queryRunner.query(`DROP INDEX "public"."ix_campaign_runs_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_campaign_runs_member"`);
    await queryRunner.query(`DROP TABLE "campaign_runs"`);
    await queryRunner.query(`DROP TYPE "public"."campaign_run_status"`);
    await queryRunner.query(`DROP INDEX "public"."ix_campaigns_workspace"`);
    await queryRunner.query(`DROP INDEX "public"."ix_campaigns_due"`);
    await queryRunner.query(`DROP TABLE "campaigns"`);
    await queryRunner.query(`DROP TYPE "public"."campaign_quota_policy"`);
    await queryRunner.query(`DROP TYPE "public"."campaign_category"`);
    await queryRunner.query(`DROP TYPE "public"."campaign_status"`);
  }
}
