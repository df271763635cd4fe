import { createTestContext, genericPlanReads, insertCampaignFixture, primaryKeyIndex, TestContext } from '@app/testing';
import { CLAIM_SQL } from './batches.sql';

describe('CLAIM_SQL', () => {
  let ctx: TestContext;
  let runId: string;

  const batch = async (
    seq: number,
    status: string,
    availableAt: string,
    leaseUntil: string | null,
  ): Promise<string> => {
    const { rows } = await ctx.sql.query<{ id: string }>(
      `INSERT INTO delivery_batches (run_id, campaign_id, workspace_id, channel_id, seq, status, recipient_count,
                                     member_ids, available_at, lease_until)
       SELECT r.id, r.campaign_id, r.workspace_id, c.channel_id, $2, $3, 2, ARRAY[$2 * 10 + 1, $2 * 10 + 2]::bigint[],
              $4::timestamptz, $5::timestamptz
       FROM campaign_runs r JOIN campaigns c ON c.id = r.campaign_id WHERE r.id = $1 RETURNING id::text AS id`,
      [runId, seq, status, availableAt, leaseUntil],
    );
    return rows[0].id;
  };

  beforeAll(async () => {
    ctx = await createTestContext();
    const { workspace, campaign } = await insertCampaignFixture(ctx.sql, 'claims', 'running');
    const { rows } = await ctx.sql.query<{ id: string }>(
      `INSERT INTO campaign_runs (campaign_id, workspace_id, run_key, status, source, due_at)
       VALUES ($1, $2, 'once', 'sending', '{"kind":"members","externalIds":[]}', now()) RETURNING id::text AS id`,
      [campaign, workspace],
    );
    runId = rows[0].id;
  });
  afterAll(async () => ctx?.close());

  it('claims the due, unheld batches it is given, and only those', async () => {
    const due = await batch(1, 'pending', '2000-01-01', null);
    const later = await batch(2, 'pending', '2100-01-01', null);
    const held = await batch(3, 'sending', '2000-01-01', '2100-01-01');
    const expired = await batch(4, 'sending', '2000-01-01', '2000-01-01');
    const done = await batch(5, 'done', '2000-01-01', null);
    const notAsked = await batch(6, 'pending', '2000-01-01', null);
    const { rows } = await ctx.sql.query<{ id: string; attempts: number; memberIdList: string }>(CLAIM_SQL, [
      [due, later, held, expired, done],
      new Date(),
      '60000',
    ]);
    expect(rows.map((r) => [r.id, r.attempts, r.memberIdList]).sort()).toEqual(
      [
        [due, 1, '11,12'],
        [expired, 1, '41,42'],
      ].sort(),
    );
    const status = await ctx.sql.query<{ id: string; status: string }>(
      `SELECT id::text, status FROM delivery_batches WHERE id = ANY($1::uuid[])`,
      [[due, later, held, expired, done, notAsked]],
    );
    expect(Object.fromEntries(status.rows.map((r) => [r.id, r.status]))).toEqual({
      [due]: 'sending',
      [later]: 'pending',
      [held]: 'sending',
      [expired]: 'sending',
      [done]: 'done',
      [notAsked]: 'pending',
    });
  });

  it('finds its batches by key in the cached generic plan, however many batches are open', async () => {
    await ctx.sql.query(
      `INSERT INTO delivery_batches (run_id, campaign_id, workspace_id, channel_id, seq, status, recipient_count,
                                     member_ids, available_at)
       SELECT r.id, r.campaign_id, r.workspace_id, c.channel_id, 100 + g, 'pending', 1, ARRAY[1000000 + g]::bigint[],
              now() - interval '1 minute'
       FROM campaign_runs r JOIN campaigns c ON c.id = r.campaign_id CROSS JOIN generate_series(1, 3000) g
       WHERE r.id = $1`,
      [runId],
    );
    const plans: string[][] = [];
    for (const analyzed of [false, true]) {
      if (analyzed) await ctx.sql.query(`ANALYZE delivery_batches`);
      const ids = await ctx.sql.query<{ ids: string[] }>(
        `SELECT array_agg(id::text) AS ids FROM (SELECT id FROM delivery_batches WHERE seq > 100 LIMIT 3) x`,
      );
      const args = [ctx.sql.escapeLiteral(`{${ids.rows[0].ids.join(',')}}`), 'now()', `'60000'`];
      plans.push(await genericPlanReads(ctx.sql, CLAIM_SQL, args, 'delivery_batches'));
    }
    const byKey = `Index Scan ${await primaryKeyIndex(ctx.sql, 'delivery_batches')}`;
    expect(plans).toEqual([[byKey], [byKey]]);
  });
});
