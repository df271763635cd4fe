import type { CampaignRunEntity } from '../entities/campaign-run.entity';
import { audienceSql } from './audience-source';
import { CAPPED_SQL, SKIP_SQL, pageAudienceCountSql } from './planner.sql';

/** The rules a planning page applies, decided once per run by RunPlannerService. */
export interface PlanRules {
  channelId: string;
  campaignId: string;
  countsTowardCap: boolean;
  capMax: number;
  capSince: Date;
  /** Recipients that may still be queued under the quota; null = no limit. */
  quotaLeft: number | null;
  availableAt: Date;
}

/** The rules of one keyset page: the run's, with the page's size. */
export interface PageRules extends PlanRules {
  pageSize: number;
}

/**
 * The page statement's one row (PageRow of PlannerRepository): `audience` is the CTE of the members
 * counted, `skips` the CTE of the ledger rows written (or null: none). Reads `page_stats`.
 */
export function pageResultSql(audience: string, skips: string | null): string {
  const skipped =
    skips === null
      ? `'{}'::json`
      : `(SELECT coalesce(json_object_agg(reason, n), '{}') FROM (SELECT reason, count(*)::int AS n FROM ${skips} GROUP BY reason) r)`;
  return `(SELECT n FROM page_stats) AS read, ${pageAudienceCountSql(audience)}::int AS audience,
    (SELECT last::text FROM page_stats) AS last_member_id,
    (SELECT coalesce(sum(recipient_count), 0) FROM batches)::int AS queued, ${skipped} AS skipped,
    (SELECT coalesce(json_agg(id ORDER BY seq), '[]') FROM batches) AS batch_ids,
    (SELECT max(seq) FROM batches) AS max_seq`;
}

/**
 * `page`: the raw keyset page (its size and last id drive the cursor); `cand`: its members that
 * still exist in the workspace, with their LINE user and the rule that skips them (if any).
 */
export function candidatesSql(run: CampaignRunEntity, rules: PlanRules, params: unknown[], trusted = false): string {
  const n = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const source = audienceSql(run.source, params);
  const ch = n(rules.channelId);
  const capped = CAPPED_SQL.replace(/\$capMax/g, n(rules.capMax))
    .replace(/\$capSince/g, n(rules.capSince))
    .replace(/\$cap\b/g, n(rules.countsTowardCap))
    .replace(/\$ch\b/g, ch);
  if (trusted) {
    // The page is a segment's audience taken seconds ago in this workspace, with reachability
    // (the snapshot joins line_users; erasure removes members from snapshots): no
    // per-member probes here. What changed since — unlinked, unfollowed, blocked, erased — is
    // skipped at send time, where the claim looks every recipient up anyway.
    return `page AS MATERIALIZED (${source}),
    capped AS (${capped}),
    cand AS (
      SELECT s.member_id, NULL::text AS line_user_id,
        CASE WHEN cap.member_id IS NOT NULL THEN 'frequency_cap' END AS skip
      FROM page s LEFT JOIN capped cap ON cap.member_id = s.member_id
    )`;
  }
  return `page AS MATERIALIZED (${source}),
    capped AS (${capped}),
    cand AS (
      SELECT s.member_id, lu.line_user_id, ${SKIP_SQL} AS skip
      FROM page s JOIN members m ON m.id = s.member_id AND m.workspace_id = $1
      LEFT JOIN line_users lu ON lu.channel_id = ${ch} AND lu.member_id = s.member_id
      LEFT JOIN capped cap ON cap.member_id = s.member_id
    )`;
}
