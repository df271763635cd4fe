import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CampaignEntity, CampaignStatus } from '../entities/campaign.entity';
import { CampaignRunEntity, RunStatus } from '../entities/campaign-run.entity';
import { ChannelDeliverySettingsEntity } from '../entities/channel-delivery-settings.entity';

export interface RunProgress {
  audienceSize: number;
  queued: number;
  sent: number;
  failed: number;
  skipped: Record<string, number>;
  runs: number;
  runsByStatus: Record<string, number>;
}

/** Campaign rows, their runs and the channel settings; every read takes the workspace. */
@Injectable()
export class CampaignsRepository {
  constructor(
    @InjectRepository(CampaignEntity) private readonly campaigns: Repository<CampaignEntity>,
    @InjectRepository(CampaignRunEntity) private readonly runs: Repository<CampaignRunEntity>,
    @InjectRepository(ChannelDeliverySettingsEntity)
    private readonly settings: Repository<ChannelDeliverySettingsEntity>,
  ) {}

  insert(workspaceId: string, fields: Partial<CampaignEntity>): Promise<CampaignEntity> {
    return this.campaigns.save(this.campaigns.create({ ...fields, workspaceId }));
  }

  find(workspaceId: string, id: string): Promise<CampaignEntity | null> {
    return this.campaigns.findOne({ where: { workspaceId, id } });
  }

  list(workspaceId: string, limit: number): Promise<CampaignEntity[]> {
    return this.campaigns.find({ where: { workspaceId }, order: { createdAt: 'DESC' }, take: limit });
  }

  /** Compare-and-set on status, so that concurrent pause/cancel/complete cannot undo each other. */
  async setStatus(
    workspaceId: string,
    id: string,
    from: CampaignStatus[],
    to: CampaignStatus,
    reason: string | null,
    extra: Partial<Pick<CampaignEntity, 'nextRunAt'>> = {},
  ): Promise<boolean> {
    const res = await this.campaigns
      .createQueryBuilder()
      .update()
      .set({ status: to, statusReason: reason, ...extra })
      .where('workspace_id = :workspaceId AND id = :id AND status IN (:...from)', { workspaceId, id, from })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  async setReason(workspaceId: string, id: string, reason: string): Promise<void> {
    await this.campaigns.update({ workspaceId, id }, { statusReason: reason });
  }

  /** Event-triggered campaigns of a workspace that are live. */
  activeEventCampaigns(workspaceId: string): Promise<CampaignEntity[]> {
    return this.campaigns
      .createQueryBuilder('c')
      .where("c.workspace_id = :workspaceId AND c.status = 'active' AND c.trigger->>'type' = 'event'", { workspaceId })
      .getMany();
  }

  /** Inserts a run unless (campaign, run key) exists; returns it only when new. */
  async insertRun(fields: Partial<CampaignRunEntity>): Promise<CampaignRunEntity | null> {
    const res = await this.runs
      .createQueryBuilder()
      .insert()
      .values(fields as never)
      .orIgnore()
      .returning('*')
      .execute();
    const raw = res.raw as Array<{ id: string }>;
    if (raw.length === 0) return null;
    return this.runs.findOneByOrFail({ id: raw[0].id });
  }

  findRun(workspaceId: string, runId: string): Promise<CampaignRunEntity | null> {
    return this.runs.findOne({ where: { workspaceId, id: runId } });
  }

  listRuns(workspaceId: string, campaignId: string, limit = 50): Promise<CampaignRunEntity[]> {
    return this.runs.find({ where: { workspaceId, campaignId }, order: { createdAt: 'DESC' }, take: limit });
  }

  /** Cancels a campaign's runs that have not started sending. */
  async cancelOpenRuns(workspaceId: string, campaignId: string, reason: string): Promise<void> {
    await this.runs
      .createQueryBuilder()
      .update()
      .set({ status: RunStatus.Cancelled, statusReason: reason, finishedAt: () => 'now()' })
      .where("workspace_id = :workspaceId AND campaign_id = :campaignId AND status IN ('scheduled', 'planning')", {
        workspaceId,
        campaignId,
      })
      .execute();
  }

  /**
   * Progress from the runs (audience, skipped) and the outbox (queued, sent, failed: one pass over
   * the batches of the campaign's runs, reached by run through the (run_id, seq) key).
   */
  async progress(workspaceId: string, campaignId: string): Promise<RunProgress> {
    const [row] = await this.runs.query<
      Array<{
        audience: number;
        runs: number;
        by_status: Record<string, number>;
        skipped: Record<string, number>;
        sent: number;
        failed: number;
        queued: number;
      }>
    >(
      `WITH b AS (
         SELECT coalesce(sum(b.sent_count), 0)::int AS sent, coalesce(sum(b.failed_count), 0)::int AS failed,
                coalesce(sum(b.recipient_count - b.sent_count - b.failed_count)
                  FILTER (WHERE b.status IN ('pending', 'sending')), 0)::int AS queued
           FROM campaign_runs r JOIN delivery_batches b ON b.run_id = r.id
          WHERE r.campaign_id = $2 AND r.workspace_id = $1)
       SELECT coalesce(sum(r.audience_size), 0)::int AS audience,
              count(*)::int AS runs,
              coalesce((SELECT json_object_agg(status, n) FROM (SELECT status, count(*)::int n FROM campaign_runs
                 WHERE campaign_id = $2 AND workspace_id = $1 GROUP BY status) s), '{}') AS by_status,
              coalesce((SELECT json_object_agg(k, n) FROM (SELECT k, sum(v::int)::int n FROM campaign_runs r2,
                 jsonb_each_text(r2.skipped) AS e(k, v) WHERE r2.campaign_id = $2 AND r2.workspace_id = $1 GROUP BY k) x), '{}')
                 AS skipped,
              (SELECT sent FROM b) AS sent, (SELECT failed FROM b) AS failed, (SELECT queued FROM b) AS queued
       FROM campaign_runs r WHERE r.workspace_id = $1 AND r.campaign_id = $2`,
      [workspaceId, campaignId],
    );
    return {
      audienceSize: row.audience,
      queued: row.queued,
      sent: row.sent,
      failed: row.failed,
      skipped: row.skipped,
      runs: row.runs,
      runsByStatus: row.by_status,
    };
  }

  /**
   * Recipients who blocked the channel within `days` after their send (the first block each):
   * the campaign's sent members (accepted requests' arrays) hash-joined with the channel's block
   * events inside the campaign's send window. One campaign at a time: for GET /campaigns/{id}.
   */
  async blocks(workspaceId: string, campaignId: string, days: number): Promise<{ sent: number; blocked: number }> {
    const [row] = await this.runs.query<Array<{ sent: number; blocked: number }>>(
      `WITH sent AS (
         SELECT u.member_id, b.channel_id, min(q.accepted_at) AS at
         FROM delivery_batches b JOIN delivery_requests q ON q.batch_id = b.id AND q.status = 'accepted'
         CROSS JOIN LATERAL unnest(q.member_ids) AS u(member_id)
         WHERE b.campaign_id = $2 AND b.workspace_id = $1
         GROUP BY u.member_id, b.channel_id
       ), span AS (SELECT min(at) AS lo, max(at) + make_interval(days => $3) AS hi, min(channel_id::text)::uuid AS ch FROM sent),
       blocks AS (
         SELECT DISTINCT lu.member_id FROM span
         JOIN line_friendship_events e ON e.channel_id = span.ch AND e.type = 'block'
           AND e.occurred_at >= span.lo AND e.occurred_at < span.hi
         JOIN line_users lu ON lu.id = e.line_user_row_id
         JOIN sent s ON s.member_id = lu.member_id
           AND e.occurred_at >= s.at AND e.occurred_at < s.at + make_interval(days => $3)
       )
       SELECT (SELECT count(*) FROM sent)::int AS sent, (SELECT count(*) FROM blocks)::int AS blocked`,
      [workspaceId, campaignId, days],
    );
    return row;
  }

  settingsOf(channelId: string): Promise<ChannelDeliverySettingsEntity | null> {
    return this.settings.findOne({ where: { channelId } });
  }

  async saveSettings(
    workspaceId: string,
    channelId: string,
    fields: Partial<ChannelDeliverySettingsEntity>,
  ): Promise<void> {
    await this.settings.upsert({ ...fields, channelId, workspaceId }, ['channelId']);
  }
}
