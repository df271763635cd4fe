import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The runs sending now, for the reconciler's look for runs whose batches are all done but that
 * nobody completed (a sender that died between recording LINE's answers and the completion
 * check). Partial: a run is in it only while it sends, so the look costs nothing per finished run.
 */
export class CampaignRunsSendingIndex1796400000000 implements MigrationInterface {
  name = 'CampaignRunsSendingIndex1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_campaign_runs_sending" ON "campaign_runs" ("id") WHERE status = 'sending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_campaign_runs_sending"`);
  }
}
