import { INestApplicationContext } from '@nestjs/common';
import { createTestContext, TestContext } from '@app/testing';
import { CampaignsService, CampaignView } from '@app/campaigns';
import { startEmulator, RunningEmulator } from '../apps/line-emulator/src/server';
import { createWorkerApp } from '../apps/worker/src/worker.factory';

const LINE_CHANNEL = '2000000777';
const lineUserId = (i: number): string => `U${i.toString(16).padStart(32, '0')}`;

jest.setTimeout(100_000);
describe('delivery (campaign → outbox → LINE emulator, exactly once)', () => {
  let ctx: TestContext;
  let emu: RunningEmulator;
  const workers: INestApplicationContext[] = [];
  let workspaceId: string;
  let channelId: string;

  const seedMembers = async (from: number, count: number, linked = true): Promise<void> => {
    await ctx.sql.query(
      `INSERT INTO members (workspace_id, external_id, first_name, points_balance, attributes)
       SELECT $1, 'm' || g, CASE WHEN g % 2 = 0 THEN '花子' || g END, g, jsonb_build_object('color', 'red')
       FROM generate_series($2::int, $3::int) g`,
      [workspaceId, from, from + count - 1],
    );
    if (!linked) return;
    await ctx.sql.query(
      `INSERT INTO line_users (workspace_id, channel_id, line_user_id, following, member_id)
       SELECT $1, $2, 'U' || lpad(to_hex(g), 32, '0'), g % 10 <> 9, m.id
       FROM generate_series($3::int, $4::int) g JOIN members m ON m.workspace_id = $1 AND m.external_id = 'm' || g`,
      [workspaceId, channelId, from, from + count - 1],
    );
  };

  const waitFor = async (
    svc: CampaignsService,
    id: string,
    done: (v: CampaignView) => boolean,
    ms = 60_000,
  ): Promise<CampaignView> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = await svc.get(workspaceId, id);
      if (done(v)) return v;
      if (Date.now() > until) throw new Error(`timed out: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const received = (userId: string): number =>
    emu.recorder.query({ channelId: LINE_CHANNEL, userId, limit: 100_000 }).length;

  beforeAll(async () => {
    emu = await startEmulator({
      channels: [{ channelId: LINE_CHANNEL, channelSecret: 'secret', accessToken: 'token-777', monthlyQuota: null }],
      settings: { latencyMs: 5, timeoutHangMs: 1_500 },
    });
    ctx = await createTestContext({
      LINE_API_BASE_URL: emu.url,
      LINE_DATA_API_BASE_URL: emu.url,
      LINE_REQUEST_TIMEOUT_MS: '700',
      DELIVERY_RECONCILE_INTERVAL_MS: '300',
    });
    const ws = await ctx.sql.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('t') RETURNING id`);
    workspaceId = ws.rows[0].id;
    const ch = await ctx.sql.query<{ id: string }>(
      `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
       VALUES ($1, 'c', $2, 'secret', 'token-777') RETURNING id`,
      [workspaceId, LINE_CHANNEL],
    );
    channelId = ch.rows[0].id;
    // No quiet hours, no cap, for the exactly-once runs (the rules have their own tests).
    await ctx.sql.query(
      `INSERT INTO channel_delivery_settings (channel_id, workspace_id, quiet_start, quiet_end, frequency_cap_max)
       VALUES ($1, $2, '00:00', '00:00', 0)`,
      [channelId, workspaceId],
    );
    for (let i = 0; i < 2; i++) {
      const w = await createWorkerApp(ctx.config);
      await w.init();
      workers.push(w);
    }
  });

  afterAll(async () => {
    for (const w of workers) await w.close().catch(() => undefined);
    await ctx?.close();
    await emu?.close();
  });

  it('sends a personalised one-off campaign once to every linked follower, grouping identical messages', async () => {
    await seedMembers(1, 1200);
    const svc = workers[0].get(CampaignsService);
    const created = await svc.create(workspaceId, {
      name: 'spring',
      channelId,
      audience: { type: 'members', externalIds: Array.from({ length: 1205 }, (_, i) => `m${i + 1}`) },
      messages: [{ type: 'text', text: '{{ member.firstName | default: "お客様" }}さん、{{ member.color }}のセール' }],
      trigger: { type: 'now' },
    });
    const done = await waitFor(svc, created.id, (v) => v.status === 'completed');
    // i % 10 === 9 are not following; m1201..m1205 do not exist.
    const followers = Array.from({ length: 1200 }, (_, i) => i + 1).filter((i) => i % 10 !== 9);
    expect(done.progress.sent).toBe(followers.length);
    expect(done.progress.skipped).toEqual({ not_following: 120 });
    for (const i of followers) expect(received(lineUserId(i))).toBe(1);
    expect(received(lineUserId(9))).toBe(0);
    const odd = emu.recorder.query({ channelId: LINE_CHANNEL, userId: lineUserId(1) })[0];
    expect(odd.kind).toBe('multicast');
    expect((odd.messages[0] as { text: string }).text).toBe('お客様さん、redのセール');
    const even = emu.recorder.query({ channelId: LINE_CHANNEL, userId: lineUserId(2) })[0];
    expect(even.kind).toBe('push');
    expect((even.messages[0] as { text: string }).text).toBe('花子2さん、redのセール');
    const { rows } = await ctx.sql.query(
      `SELECT status, count(*)::int AS n FROM delivery_ledger l JOIN campaign_runs r ON r.id = l.run_id
       WHERE r.campaign_id = $1 GROUP BY status ORDER BY status`,
      [created.id],
    );
    expect(rows).toEqual([
      { status: 'sent', n: 1080 },
      { status: 'skipped', n: 120 },
    ]);
  });

  it('delivers every recipient exactly once while LINE fails 10% of requests (500, 429, timeout) and a worker dies', async () => {
    await seedMembers(5001, 3000);
    emu.context.faults.configure({ seed: 7, rate500: 0.04, rate429: 0.03, rateTimeout: 0.03 });
    const svc = workers[1].get(CampaignsService);
    const created = await svc.create(workspaceId, {
      name: 'faults',
      channelId,
      audience: { type: 'members', externalIds: Array.from({ length: 3000 }, (_, i) => `m${5001 + i}`) },
      messages: [{ type: 'text', text: 'hello' }],
      trigger: { type: 'now' },
    });
    await new Promise((r) => setTimeout(r, 150));
    await workers[0].close();
    const done = await waitFor(svc, created.id, (v) => v.status === 'completed', 90_000);
    emu.context.faults.configure({ seed: 7, rate500: 0, rate429: 0, rateTimeout: 0 });
    const followers = Array.from({ length: 3000 }, (_, i) => 5001 + i).filter((i) => i % 10 !== 9);
    expect(done.progress.sent).toBe(followers.length);
    const counts = new Map<number, number>();
    for (const i of followers) counts.set(received(lineUserId(i)), (counts.get(received(lineUserId(i))) ?? 0) + 1);
    expect([...counts.entries()]).toEqual([[1, followers.length]]);
  });
});
