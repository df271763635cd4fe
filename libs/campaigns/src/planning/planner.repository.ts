import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MULTICAST_MAX } from '@app/delivery';
import { RunStatus, type CampaignRunEntity } from '../entities/campaign-run.entity';
import type { SnapshotFiller } from './audience-snapshotter';
import { audienceSql } from './audience-source';
import {
  FILLED_PAGE_STATS_SQL,
  GUARD_RETURNING,
  INSERT_BATCH_SQL,
  INSERT_SKIP_SQL,
  PAGE_STATS_SQL,
  insertGuardsSql,
  runUpdateSql,
} from './planner.sql';
import { PageRules, PlanRules, candidatesSql, pageResultSql } from './page-sql';
import { alignedNextSeq } from '../outbox/job-groups';

export type { PageRules, PlanRules } from './page-sql';

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
  /** Rows of the raw keyset page. */
  read: number;
  /** No member after this page can be in the audience: planning is over. */
  exhausted: boolean;
  /** Members of the page that still exist (the audience size counts these). */
  audience: number;
  lastMemberId: string | null;
  queued: number;
  skipped: Record<string, number>;
  batchIds: string[];
  nextBatchSeq: number;
}

interface PageRow {
  read: number;
  audience: number;
  last_member_id: string | null;
  queued: number;
  skipped: Record<string, number>;
  batch_ids: string[];
  max_seq: number | null;
  /** Bounded pages only (planFilledPage); otherwise a short page is the last. */
  exhausted?: boolean;
}

/** The set-based SQL of planning: rules, ledger and outbox in one statement per keyset page. */
@Injectable()
export class PlannerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  /**
   * Locks the run row for one page and returns its planning state (the truth, not the caller's
   * copy). The same statement sets the page transaction's settings, each of which was a round trip
   * of its own (three per page, as many as the page's real statements):
   * - no wait for the WAL flush at commit: a page lost in a PostgreSQL crash is planned again from
   *   the durable cursor, and nothing of it reaches LINE before a batch's requests are stored with a
   *   synchronous commit, which flushes this one first;
   * - no bitmap scans: a fresh snapshot has no statistics (estimated a few hundred rows), so the
   *   planner would read the whole snapshot by bitmap and sort it for every page (quadratic in the
   *   audience); without them it takes the (snapshot_id, member_id) key range in order and stops at
   *   the LIMIT;
   * - no JIT, as the segments lib's statements: compiling a page's rule costs more than the page;
   * - 32 MB of work_mem: a page's sorts (50,000 members) spilled to disk at the default 4 MB.
   */
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
      `SELECT status, planned_through::text, next_batch_seq, audience_size, queued_count, quota_allowed, skipped,
              set_config('synchronous_commit', 'off', true), set_config('enable_bitmapscan', 'off', true),
              set_config('jit', 'off', true), set_config('work_mem', '32MB', true)
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

  /**
   * Serialises frequency-capped planning on a channel for the caller's transaction: the cap check
   * and the batches it lets through must be one step, or two campaigns planned at once both pass
   * the cap for the same member. Taken only when the cap applies, so other planning runs in parallel.
   */
  async lockChannelCap(em: EntityManager, channelId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('delivery-cap:' || $1, 0))`, [channelId]);
  }

  /**
   * Plans one keyset page in the caller's transaction (after {@link lockRun}, whose settings it
   * relies on), in one statement: ledger rows for the
   * skipped only, and the outbox batches of the queued with their member-id arrays (≤ 500 each,
   * ascending). The exactly-once guard is the exclusion constraint on the batches' member-id ranges
   * of one run's batches never overlap, so no member is in two batches of a run (a page planned
   * twice fails instead of sending twice). Per queued recipient that is no row and no index entry.
   * Segment pages skip the members/line_users probes (see candidates): that was ~2/3 of a page.
   */
  async planPage(
    em: EntityManager,
    run: CampaignRunEntity,
    rules: PageRules,
    cursor: string,
    leaseMs: number,
  ): Promise<PlannedPage> {
    const params: unknown[] = [run.workspaceId, cursor, rules.pageSize];
    const n = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const trusted = run.source.kind === 'segment';
    if (this.plainPage(run, rules)) {
      // Nothing to skip (no probes, no cap, no quota): the page's key order numbers the batches
      // straight off the index scan, without the sorts of the general statement (~1/3 of its time).
      const source = audienceSql(run.source, params);
      const [fast] = await em.query<PageRow[]>(
        `WITH page AS MATERIALIZED (
           SELECT member_id, (row_number() OVER (ORDER BY member_id) - 1) / ${MULTICAST_MAX} AS b FROM (${source}) src
         ),
         batches AS (
           ${INSERT_BATCH_SQL}
           SELECT ${n(run.id)}::uuid, ${n(rules.campaignId)}::uuid, $1::uuid, ${n(rules.channelId)}::uuid,
             ${n(run.nextBatchSeq)}::int + b::int, 'pending', count(*), array_agg(member_id ORDER BY member_id),
             ${n(rules.availableAt)}, now()
           FROM page GROUP BY b
           RETURNING ${GUARD_RETURNING}, seq, recipient_count
         ),
         guards AS (${insertGuardsSql('batches')}),
         ${PAGE_STATS_SQL},
         ${runUpdateSql(n(run.id), n(String(leaseMs)), 'page', null)}
         SELECT ${pageResultSql('page', null)}`,
        params,
      );
      return this.toPage(fast, run.nextBatchSeq, rules.pageSize);
    }
    const cte = candidatesSql(run, rules, params, trusted);
    const runId = n(run.id);
    const campaignId = n(rules.campaignId);
    const channelId = n(rules.channelId);
    const [row] = await em.query<PageRow[]>(
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
      skips AS (
        ${INSERT_SKIP_SQL}
        SELECT ${runId}::uuid, ${campaignId}::uuid, ${channelId}::uuid, member_id, line_user_id,
          'skipped', skip, ${n(rules.countsTowardCap)}::boolean
        FROM fin WHERE skip IS NOT NULL
        ON CONFLICT (run_id, member_id) DO NOTHING
        RETURNING reason
      ),
      batches AS (
        ${INSERT_BATCH_SQL}
        SELECT ${runId}::uuid, ${campaignId}::uuid, $1::uuid, ${channelId}::uuid,
          ${n(run.nextBatchSeq)}::int + ((rn - 1) / ${MULTICAST_MAX})::int, 'pending', count(*),
          array_agg(member_id ORDER BY member_id), ${n(rules.availableAt)}, now()
        FROM fin WHERE skip IS NULL GROUP BY 5
        RETURNING ${GUARD_RETURNING}, seq, recipient_count
      ),
      guards AS (${insertGuardsSql('batches')}),
      ${PAGE_STATS_SQL},
      ${runUpdateSql(runId, n(String(leaseMs)), 'cand', 'skips')}
      SELECT ${pageResultSql('cand', 'skips')}`,
      params,
    );
    return this.toPage(row, run.nextBatchSeq, rules.pageSize);
  }

  /**
   * Whether a page of the run plans without rules to apply (a segment's audience, no quota, no
   * cap): its batches are then cut straight from the page in member order.
   */
  plainPage(run: CampaignRunEntity, rules: PlanRules): boolean {
    return run.source.kind === 'segment' && rules.quotaLeft === null && !(rules.countsTowardCap && rules.capMax > 0);
  }

  /**
   * A {@link plainPage} of a run that fills its snapshot: the page added to the snapshot and
   * planned in one statement (the batches sliced from the page's member-id array, 500 each), instead
   * of adding it and then reading it back from the snapshot to number and group it (~0.1 s of a
   * 50,000-member page). The caller's transaction and settings are those of {@link planPage}.
   *
   * The page reads members up to id `until` only (see page-range.ts). Short, it moves the cursor to
   * `until`, not to its last member, and the audience is exhausted only once `until` is past the
   * workspace's last member: the members between are still to be read.
   */
  async planFilledPage(
    em: EntityManager,
    run: CampaignRunEntity,
    rules: PageRules,
    cursor: string,
    until: string,
    leaseMs: number,
    filler: SnapshotFiller,
  ): Promise<PlannedPage> {
    const limit = String(Math.trunc(rules.pageSize));
    const row = await filler.fillWith<PageRow>(
      em,
      cursor,
      rules.pageSize,
      (params) => {
        const runRef = params.add(run.id, 'uuid');
        const wsRef = params.add(run.workspaceId, 'uuid');
        const untilRef = params.add(until, 'bigint');
        const bounded = {
          cursor: `CASE WHEN (SELECT short FROM ends) THEN ${untilRef} ELSE (SELECT last FROM page_stats) END`,
          exhausted: `(SELECT short AND past_last FROM ends)`,
        };
        return {
          ctes: `batches AS (
            ${INSERT_BATCH_SQL}
            SELECT ${runRef}, ${params.add(rules.campaignId, 'uuid')}, ${wsRef},
              ${params.add(rules.channelId, 'uuid')}, ${params.add(run.nextBatchSeq, 'int')} + j, 'pending',
              least(${MULTICAST_MAX}, w.n - j * ${MULTICAST_MAX}),
              w.ids[j * ${MULTICAST_MAX} + 1 : (j + 1) * ${MULTICAST_MAX}], ${params.add(rules.availableAt, 'timestamptz')}, now()
            FROM whole w CROSS JOIN LATERAL generate_series(0, (w.n - 1) / ${MULTICAST_MAX}) AS j
            WHERE w.n > 0
            RETURNING ${GUARD_RETURNING}, seq, recipient_count
          ),
          guards AS (${insertGuardsSql('batches')}),
          ${FILLED_PAGE_STATS_SQL},
          ends AS (
            SELECT (SELECT n FROM page_stats) < ${limit} AS short,
              ${untilRef} >= (SELECT coalesce(max(id), 0) FROM members WHERE workspace_id = ${wsRef}) AS past_last
          ),
          ${runUpdateSql(runRef, params.add(String(leaseMs), 'text'), 'page', null, limit, bounded)}`,
          select: `${pageResultSql('page', null)}, ${bounded.exhausted} AS exhausted`,
        };
      },
      until,
    );
    return this.toPage(row, run.nextBatchSeq, rules.pageSize);
  }

  private toPage(row: PageRow, nextBatchSeq: number, pageSize: number): PlannedPage {
    return {
      read: row.read,
      exhausted: row.exhausted ?? row.read < pageSize,
      audience: row.audience,
      lastMemberId: row.last_member_id,
      queued: row.queued,
      skipped: row.skipped,
      batchIds: row.batch_ids,
      nextBatchSeq: row.max_seq === null ? nextBatchSeq : alignedNextSeq(row.max_seq),
    };
  }

  /** The preview: the whole audience counted by the rule that would skip it, nothing written. */
  async countByRule(
    run: CampaignRunEntity,
    rules: PlanRules,
  ): Promise<{ total: number; byRule: Record<string, number> }> {
    const params: unknown[] = [run.workspaceId, '0', 2_000_000_000];
    const cte = candidatesSql(run, rules, params);
    const rows = await this.dataSource.query<Array<{ rule: string; n: number }>>(
      `WITH ${cte} SELECT coalesce(skip, 'reachable') AS rule, count(*)::int AS n FROM cand GROUP BY 1`,
      params,
    );
    const byRule = Object.fromEntries(rows.map((r) => [r.rule, r.n]));
    return { total: rows.reduce((a, r) => a + r.n, 0), byRule };
  }
}
