import { createTestContext, genericPlanReads, primaryKeyIndex, TestContext } from '@app/testing';
import { PLAN_ONE_MEMBER_RUNS_SQL } from './event-runs.sql';

describe('PLAN_ONE_MEMBER_RUNS_SQL', () => {
  let ctx: TestContext;
  let ids: { workspace: string; channel: string; campaign: string };

  beforeAll(async () => {
    ctx = await createTestContext();
    const { rows } = await ctx.sql.query<{ workspace: string; channel: string; campaign: string }>(
      `WITH w AS (INSERT INTO workspaces (name) VALUES ('launches') RETURNING id),
       ch AS (INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
              SELECT id, 'main', '1', 's', 't' FROM w RETURNING id, workspace_id),
       c AS (INSERT INTO campaigns (workspace_id, channel_id, name, status, category, quota_policy, messages, trigger)
             SELECT workspace_id, id, 'reminders', 'active', 'marketing', 'refuse', '[]', '{}' FROM ch
             RETURNING id, workspace_id, channel_id)
       SELECT workspace_id::text AS workspace, channel_id::text AS channel, id::text AS campaign FROM c`,
    );
    ids = rows[0];
    // An hour of cart reminders, scheduled for later: the runs a launch must not read.
    await ctx.sql.query(
      `INSERT INTO campaign_runs (campaign_id, workspace_id, run_key, status, source, due_at)
       SELECT $1, $2, 'cart-' || g, 'scheduled', jsonb_build_object('kind', 'member', 'memberId', g::text),
              now() + interval '1 hour'
       FROM generate_series(1, 3000) g`,
      [ids.campaign, ids.workspace],
    );
  });
  afterAll(async () => ctx?.close());

  it('locks its runs by key in the cached generic plan, however many runs are scheduled', async () => {
    const plans: string[][] = [];
    for (const analyzed of [false, true]) {
      if (analyzed) await ctx.sql.query(`ANALYZE campaign_runs`);
      const runs = await ctx.sql.query<{ ids: string[] }>(
        `SELECT array_agg(id::text) AS ids FROM (SELECT id FROM campaign_runs LIMIT 3) x`,
      );
      const lit = (v: string): string => ctx.sql.escapeLiteral(v);
      // workspace, run ids, lease ms, campaign, channel, counts toward the cap, available at, send now
      const args = [
        lit(ids.workspace),
        lit(`{${runs.rows[0].ids.join(',')}}`),
        `'60000'`,
        lit(ids.campaign),
        lit(ids.channel),
        'true',
        'now()',
        'true',
      ];
      plans.push(await genericPlanReads(ctx.sql, PLAN_ONE_MEMBER_RUNS_SQL, args, 'campaign_runs'));
    }
    const byKey = `Index Scan ${await primaryKeyIndex(ctx.sql, 'campaign_runs')}`;
    expect(plans).toEqual([[byKey], [byKey]]);
  });
});
