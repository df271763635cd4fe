import {
  CampaignFixture,
  createTestContext,
  genericPlanReads,
  insertCampaignFixture,
  primaryKeyIndex,
  TestContext,
} from '@app/testing';
import { PLAN_ONE_MEMBER_RUNS_SQL } from './event-runs.sql';

describe('PLAN_ONE_MEMBER_RUNS_SQL', () => {
  let ctx: TestContext;
  let ids: CampaignFixture;

  beforeAll(async () => {
    ctx = await createTestContext();
    ids = await insertCampaignFixture(ctx.sql, 'reminders', 'active');
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
