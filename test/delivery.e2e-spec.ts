import { INestApplicationContext } from '@nestjs/common';
import { createTestContext, TestContext } from '@app/testing';
import { CampaignsService, CampaignView } from '@app/campaigns';
import { SegmentsService } from '@app/segments';
import { startEmulator, RunningEmulator } from '../apps/line-emulator/src/server';
import { createWorkerApp } from '../apps/worker/src/worker.factory';
import { createApiApp } from '../apps/api/src/api.factory';
import { lineUserIdOf as lineUserId, seedAudience, spawnWorker, WorkerProcess } from '../bench/lib/delivery-harness';

const LINE_CHANNEL = '2000000777';
const LEASE_MS = '2000';

jest.setTimeout(100_000);
describe('delivery (campaign → outbox → LINE emulator, exactly once)', () => {
  let ctx: TestContext;
  let emu: RunningEmulator;
  const workers: INestApplicationContext[] = [];
  let workspaceId: string;
  let channelId: string;

  const seedMembers = (from: number, count: number): Promise<void> =>
    seedAudience(ctx.sql, workspaceId, channelId, from, count);

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
      DELIVERY_LEASE_MS: LEASE_MS,
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

  const children: WorkerProcess[] = [];
  const apps: INestApplicationContext[] = [];
  afterAll(async () => {
    for (const c of children) await c.kill();
    for (const a of apps) await a.close().catch(() => undefined);
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
      `SELECT l.status, count(*)::int AS n FROM delivery_recipient_ledger l JOIN campaign_runs r ON r.id = l.run_id
       WHERE r.campaign_id = $1 GROUP BY l.status ORDER BY l.status`,
      [created.id],
    );
    expect(rows).toEqual([
      { status: 'sent', n: 1080 },
      { status: 'skipped', n: 120 },
    ]);
  });

  /** The environment of a worker process started from dist/, on this file's database, Redis prefix and emulator. */
  const childEnv = (): Record<string, string> => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: ctx.config.database.url,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: ctx.config.redis.url,
    QUEUE_PREFIX: ctx.redisPrefix,
    LINE_API_BASE_URL: emu.url,
    LINE_DATA_API_BASE_URL: emu.url,
    LINE_REQUEST_TIMEOUT_MS: '700',
    DELIVERY_RECONCILE_INTERVAL_MS: '300',
    DELIVERY_LEASE_MS: LEASE_MS,
    DELIVERY_CONCURRENCY: '8',
    SHUTDOWN_GRACE_MS: '1000',
  });

  const ledgerSent = async (campaignId: string): Promise<number> => {
    const { rows } = await ctx.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM delivery_recipient_ledger WHERE campaign_id = $1 AND status = 'sent'`,
      [campaignId],
    );
    return rows[0].n;
  };

  const waitForSent = async (campaignId: string, atLeast: number): Promise<number> => {
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      const n = await ledgerSent(campaignId);
      if (n >= atLeast) return n;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`never reached ${atLeast} sent`);
  };

  it('delivers every recipient exactly once while LINE fails 10% of requests (500, 429, timeout) and worker processes are SIGKILLed', async () => {
    // Only worker processes started from dist/ send in this test; the in-process apps stop.
    const api = await createApiApp(ctx.config);
    await api.init();
    apps.push(api);
    const svc = api.get(CampaignsService);
    await workers[1].close();
    await seedMembers(5001, 4000);
    emu.context.settings.latencyMs = 30;
    emu.context.faults.configure({ seed: 7, rate500: 0.04, rate429: 0.03, rateTimeout: 0.03 });
    const a = spawnWorker(childEnv());
    const b = spawnWorker(childEnv());
    children.push(a, b);
    await workers[0].close();
    // Personalised: even members get their own push (~1,800 requests), odd ones share multicasts.
    const created = await svc.create(workspaceId, {
      name: 'faults',
      channelId,
      audience: { type: 'members', externalIds: Array.from({ length: 4000 }, (_, i) => `m${5001 + i}`) },
      messages: [{ type: 'text', text: '{{ member.firstName | default: "お客様" }}さん、こんにちは' }],
      trigger: { type: 'now' },
    });
    const followers = Array.from({ length: 4000 }, (_, i) => 5001 + i).filter((i) => i % 10 !== 9);
    await waitForSent(created.id, 1);
    await a.kill('SIGKILL');
    const c = spawnWorker(childEnv());
    children.push(c);
    const half = await waitForSent(created.id, followers.length / 2);
    await b.kill('SIGKILL');
    expect(half).toBeLessThan(followers.length);
    const done = await waitFor(svc, created.id, (v) => v.status === 'completed', 90_000);
    emu.context.faults.configure({ seed: 7, rate500: 0, rate429: 0, rateTimeout: 0 });
    emu.context.settings.latencyMs = 5;
    expect(done.progress.sent).toBe(followers.length);
    // From the emulator's records: every follower got exactly one message, nobody else any.
    const got = new Map<string, number>();
    for (const r of emu.recorder.query({ channelId: LINE_CHANNEL, limit: 1_000_000 })) {
      for (const to of r.to) if (to >= lineUserId(5001)) got.set(to, (got.get(to) ?? 0) + 1);
    }
    const expected = new Set(followers.map(lineUserId));
    const wrong = [...got.entries()].filter(([u, n]) => n !== 1 || !expected.has(u));
    expect(wrong).toEqual([]);
    expect(got.size).toBe(followers.length);
  });

  it('plans a segment scattered over member ids in bounded id ranges, each member once', async () => {
    // Runs on the api and the worker process of the test before. Two groups of the segment far
    // apart in member ids and a member far beyond both: the first page reads ids up to 100,000
    // (four first pages' worth) and finds group A alone; the next, wider, finds group B; the run
    // ends once a page reaches past the workspace's last member.
    const groups = [50_001, 3_000_001];
    for (const from of groups) {
      await ctx.sql.query(
        `INSERT INTO members (id, workspace_id, external_id, points_balance)
         SELECT g, $1, 'sp' || g, -1 FROM generate_series($2::bigint, $2::bigint + 299) g`,
        [workspaceId, from],
      );
      await ctx.sql.query(
        `INSERT INTO line_users (workspace_id, channel_id, line_user_id, following, member_id)
         SELECT $1, $2, 'U' || lpad(to_hex(g), 32, '0'), true, g FROM generate_series($3::bigint, $3::bigint + 299) g`,
        [workspaceId, channelId, from],
      );
    }
    await ctx.sql.query(
      `INSERT INTO members (id, workspace_id, external_id, points_balance) VALUES (9000000, $1, 'sp-last', 5)`,
      [workspaceId],
    );
    const api = apps[0];
    const segment = await api.get(SegmentsService).create(workspaceId, {
      name: 'scattered',
      channelId,
      rules: { attr: 'pointsBalance', op: 'lt', value: 0 },
    });
    const svc = api.get(CampaignsService);
    const created = await svc.create(workspaceId, {
      name: 'scattered',
      channelId,
      audience: { type: 'segment', segmentId: segment.id },
      messages: [{ type: 'text', text: 'セール' }],
      trigger: { type: 'now' },
    });
    const done = await waitFor(svc, created.id, (v) => v.status === 'completed');
    expect(done.progress.sent).toBe(600);
    for (const from of groups) {
      for (let g = from; g < from + 300; g++) expect(received(lineUserId(g))).toBe(1);
    }
    const { rows } = await ctx.sql.query(
      `SELECT b.recipient_count AS n FROM delivery_batches b JOIN campaign_runs r ON r.id = b.run_id
       WHERE r.campaign_id = $1 ORDER BY b.seq`,
      [created.id],
    );
    // One page per group: a page that read on past group A would have cut them 500 + 100.
    expect(rows).toEqual([{ n: 300 }, { n: 300 }]);
  });
});
