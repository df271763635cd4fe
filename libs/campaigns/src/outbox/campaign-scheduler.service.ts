import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeliveryClock } from '@app/delivery';
import { CampaignEntity } from '../entities/campaign.entity';
import { RunSource, RunStatus } from '../entities/campaign-run.entity';
import { nextCronOccurrence, scheduledRunKey } from '../core/schedule';

export const sourceOf = (c: CampaignEntity): RunSource => {
  if (c.audience === null) throw new Error(`campaign ${c.id} has no audience`);
  return c.audience.type === 'segment'
    ? { kind: 'segment', segmentId: c.audience.segmentId }
    : { kind: 'members', externalIds: c.audience.externalIds };
};

/**
 * The recurring scheduler, from PostgreSQL rows (Redis is disposable, so no BullMQ job
 * scheduler holds the truth): each due campaign gets the run of its occurrence — keyed by the
 * occurrence's instant, so two workers or a replay make one run — and its cursor moves to the
 * next occurrence of the cron expression in its time zone.
 */
@Injectable()
export class CampaignSchedulerService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: DeliveryClock,
  ) {}

  async tick(): Promise<number> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (em) => {
      const due = await em
        .getRepository(CampaignEntity)
        .createQueryBuilder('c')
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .where("c.status = 'active' AND c.next_run_at IS NOT NULL AND c.next_run_at <= :now", { now })
        .limit(100)
        .getMany();
      for (const c of due) {
        if (c.trigger.type !== 'recurring' || c.nextRunAt === null) continue;
        await em.query(
          `INSERT INTO campaign_runs (campaign_id, workspace_id, run_key, status, source, due_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campaign_id, run_key) DO NOTHING`,
          [
            c.id,
            c.workspaceId,
            scheduledRunKey(c.nextRunAt),
            RunStatus.Scheduled,
            JSON.stringify(sourceOf(c)),
            c.nextRunAt,
          ],
        );
        let next = nextCronOccurrence(c.trigger.cron, c.trigger.timezone, c.nextRunAt);
        // After downtime, skip missed occurrences instead of sending a burst of stale runs.
        while (next <= now) next = nextCronOccurrence(c.trigger.cron, c.trigger.timezone, next);
        await em.query(`UPDATE campaigns SET next_run_at = $2 WHERE id = $1`, [c.id, next]);
      }
      return due.length;
    });
  }
}
