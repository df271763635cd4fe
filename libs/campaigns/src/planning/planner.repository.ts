import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MULTICAST_MAX } from '@app/delivery';
import { RunStatus, type CampaignRunEntity } from '../entities/campaign-run.entity';
import { audienceSql } from './audience-source';

export interface PlanRules {
  channelId: string;
  campaignId: string;
  countsTowardCap: boolean;
  capMax: number;
  capSince: Date;
  /** Recipients that may still be queued under the quota; null = no limit. */
  quotaLeft: number | null;
  availableAt: Date;
  pageSize: number;
}

export interface RunPlanState {
  status: RunStatus;
  plannedThrough: string | null;
  nextBatchSeq: number;
  audienceSize: number;
  queuedCount: number;
  quotaAllowed: number | null;
  skipped: Record<string, number>;
}

export interface PlannedPage {
  read: number;
  lastMemberId: string | null;
  queued: number;
  skipped: Record<string, number>;
  batchIds: string[];
  nextBatchSeq: number;
}

const SKIP_SQL = `
  CASE WHEN lu.line_user_id IS NULL THEN 'not_linked'
       WHEN NOT lu.following OR lu.blocked_at IS NOT NULL THEN 'not_following'
       WHEN $cap AND $capMax > 0 AND (
         SELECT count(*) FROM delivery_ledger d
         WHERE d.channel_id = $ch AND d.line_user_id = lu.line_user_id AND d.status = 'sent'
           AND d.counts_toward_cap AND d.sent_at >= $capSince) >= $capMax THEN 'frequency_cap'
  END`;

/** The set-based SQL of planning: rules, ledger and outbox in one statement per keyset page. */
@Injectable()
export class PlannerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  /** Locks the run row for one page and returns its planning state (the truth, not the caller's copy). */
  async lockRun(em: EntityManager, runId: string): Promise<RunPlanState | null> {
    const rows = await em.query<
      Array<{
        status: RunStatus;
        planned_through: string | null;
        next_batch_seq: number;
        audience_size: number;
        queued_count: number;
        quota_allowed: number | null;
        skipped: Record<string, number>;
      }>
    >(
      `SELECT status, planned_through::text, next_batch_seq, audience_size, queued_count, quota_allowed, skipped
       FROM campaign_runs WHERE id = $1 FOR UPDATE`,
      [runId],
    );
    const r = rows[0];
    if (r === undefined) return null;
    return {
      status: r.status,
      plannedThrough: r.planned_through,
      nextBatchSeq: r.next_batch_seq,
      audienceSize: r.audience_size,
      queuedCount: r.queued_count,
      quotaAllowed: r.quota_allowed,
      skipped: r.skipped,
    };
  }

  async extendLease(runId: string, leaseMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE campaign_runs SET lease_until = now() + ($2 || ' milliseconds')::interval
       WHERE id = $1 AND status = 'planning'`,
      [runId, String(leaseMs)],
    );
  }

  private candidates(run: CampaignRunEntity, rules: PlanRules, params: unknown[]): string {
    const source = audienceSql(run.source, params);
    const n = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const skip = SKIP_SQL.replace(/\$capMax/g, n(rules.capMax))
      .replace(/\$capSince/g, n(rules.capSince))
      .replace(/\$cap\b/g, n(rules.countsTowardCap))
      .replace(/\$ch\b/g, n(rules.channelId));
    return `src AS (${source}),
      cand AS (
        SELECT s.member_id, lu.line_user_id, ${skip} AS skip
        FROM src s LEFT JOIN line_users lu ON lu.channel_id = ${n(rules.channelId)} AND lu.member_id = s.member_id
      )`;
  }

  /**
   * Writes one keyset page of the audience into the ledger (queued, or skipped with the rule) and
   * the outbox batches of the queued ones, in the caller's transaction. ON CONFLICT DO NOTHING on
   * (run, member): a page planned twice adds nothing.
   */
  async planPage(em: EntityManager, run: CampaignRunEntity, rules: PlanRules, cursor: string): Promise<PlannedPage> {
    const params: unknown[] = [run.workspaceId, cursor, rules.pageSize];
    const cte = this.candidates(run, rules, params);
    const n = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const [row] = await em.query<
      Array<{
        read: number;
        last_member_id: string | null;
        queued: number;
        skipped: Record<string, number>;
        batch_ids: string[];
        max_seq: number | null;
      }>
    >(
      `WITH ${cte},
      num AS (
        SELECT c.*, row_number() OVER (PARTITION BY c.skip IS NULL ORDER BY c.member_id) AS rn FROM cand c
      ),
      fin AS (
        SELECT member_id, line_user_id, rn,
          CASE WHEN skip IS NOT NULL THEN skip
               WHEN ${n(rules.quotaLeft)}::int IS NOT NULL AND rn > ${n(rules.quotaLeft)}::int THEN 'quota' END AS skip
        FROM num
      ),
      ins AS (
        INSERT INTO delivery_ledger
          (run_id, campaign_id, channel_id, member_id, line_user_id, status, reason, batch_seq, counts_toward_cap)
        SELECT ${n(run.id)}::uuid, ${n(rules.campaignId)}::uuid, ${n(rules.channelId)}::uuid, member_id, line_user_id,
          (CASE WHEN skip IS NULL THEN 'queued' ELSE 'skipped' END)::delivery_ledger_status, skip,
          CASE WHEN skip IS NULL THEN ${n(run.nextBatchSeq)}::int + ((rn - 1) / ${MULTICAST_MAX})::int END,
          ${n(rules.countsTowardCap)}::boolean
        FROM fin
        ON CONFLICT (run_id, member_id) DO NOTHING
        RETURNING status, reason, batch_seq
      ),
      batches AS (
        INSERT INTO delivery_batches
          (run_id, campaign_id, workspace_id, channel_id, seq, status, recipient_count, available_at, enqueued_at)
        SELECT ${n(run.id)}::uuid, ${n(rules.campaignId)}::uuid, $1::uuid, ${n(rules.channelId)}::uuid, batch_seq,
          'pending', count(*), ${n(rules.availableAt)}, now()
        FROM ins WHERE status = 'queued' GROUP BY batch_seq
        RETURNING id, seq
      )
      SELECT (SELECT count(*) FROM src)::int AS read,
             (SELECT max(member_id)::text FROM src) AS last_member_id,
             (SELECT count(*) FROM ins WHERE status = 'queued')::int AS queued,
             (SELECT coalesce(json_object_agg(reason, n), '{}') FROM
                (SELECT reason, count(*)::int AS n FROM ins WHERE status = 'skipped' GROUP BY reason) r) AS skipped,
             (SELECT coalesce(json_agg(id ORDER BY seq), '[]') FROM batches) AS batch_ids,
             (SELECT max(seq) FROM batches) AS max_seq`,
      params,
    );
    return {
      read: row.read,
      lastMemberId: row.last_member_id,
      queued: row.queued,
      skipped: row.skipped,
      batchIds: row.batch_ids,
      nextBatchSeq: row.max_seq === null ? run.nextBatchSeq : row.max_seq + 1,
    };
  }

  /** The preview: the whole audience counted by the rule that would skip it, nothing written. */
  async countByRule(
    run: CampaignRunEntity,
    rules: PlanRules,
  ): Promise<{ total: number; byRule: Record<string, number> }> {
    const params: unknown[] = [run.workspaceId, '0', 2_000_000_000];
    const cte = this.candidates(run, rules, params);
    const rows = await this.dataSource.query<Array<{ rule: string; n: number }>>(
      `WITH ${cte} SELECT coalesce(skip, 'reachable') AS rule, count(*)::int AS n FROM cand GROUP BY 1`,
      params,
    );
    const byRule = Object.fromEntries(rows.map((r) => [r.rule, r.n]));
    return { total: rows.reduce((a, r) => a + r.n, 0), byRule };
  }
}
