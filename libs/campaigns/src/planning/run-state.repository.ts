import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CampaignRunEntity, RunSource, RunStatus } from '../entities/campaign-run.entity';

/** The run row's transitions around planning: claim (lease), finish, source and quota allowance. */
@Injectable()
export class RunStateRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Takes the run for planning: scheduled, or planning under an expired lease (a dead planner). */
  claim(runId: string, leaseMs: number): Promise<CampaignRunEntity | null> {
    return this.dataSource.transaction(async (em) => {
      const res = await em.query<[Array<{ id: string }>, number]>(
        `UPDATE campaign_runs SET status = 'planning', lease_until = now() + ($2 || ' milliseconds')::interval,
                started_at = coalesce(started_at, now())
         WHERE id = $1 AND (status = 'scheduled' OR (status = 'planning' AND (lease_until IS NULL OR lease_until < now())))
         RETURNING id`,
        [runId, String(leaseMs)],
      );
      if (res[0].length === 0) return null;
      return em.getRepository(CampaignRunEntity).findOneByOrFail({ id: runId });
    });
  }

  async finish(runId: string, status: RunStatus, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE campaign_runs SET status = $2, status_reason = $3, finished_at = now(), lease_until = NULL WHERE id = $1`,
      [runId, status, reason],
    );
  }

  /** The campaign is paused: the run waits, scheduled again, for the resume. */
  async reschedule(runId: string): Promise<void> {
    await this.dataSource.query(`UPDATE campaign_runs SET status = 'scheduled', lease_until = NULL WHERE id = $1`, [
      runId,
    ]);
  }

  async setSource(runId: string, source: RunSource): Promise<void> {
    await this.dataSource.query(`UPDATE campaign_runs SET source = $2 WHERE id = $1`, [runId, JSON.stringify(source)]);
  }

  async setQuotaAllowed(runId: string, allowed: number | null): Promise<void> {
    await this.dataSource.query(`UPDATE campaign_runs SET quota_allowed = $2 WHERE id = $1`, [runId, allowed]);
  }
}
