// Redis restarted in the middle of a campaign. Redis keeps nothing on disk here, so a restart is a
// flush: every queued and delayed job, every lock and the rate limiter's state are gone. The
// campaign must still complete, every recipient exactly once (PostgreSQL is the truth: the
// reconciler puts back what Redis lost), and an event accepted while Redis is away still triggers
// its message once Redis is back. A private redis-server on its own port, so that killing it
// touches no other test file.
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestContext, TestContext } from '@app/testing';
import { CampaignsService } from '@app/campaigns';
import { ApiKeyScope, ApiKeysService } from '@app/workspaces';
import { startEmulator, RunningEmulator } from '../apps/line-emulator/src/server';
import { createApiApp } from '../apps/api/src/api.factory';
import { lineUserIdOf, seedAudience, spawnWorker, waitUntil, WorkerProcess } from '../bench/lib/delivery-harness';
import { sleep } from './campaigns-support';
import { notExactlyOnce, PrivateRedis, seedChannel, startPrivateRedis, waitForCampaign } from './recovery-support';

const LINE_CHANNEL = '2000000551';
const TOKEN = 'token-551';
const AUDIENCE = 4000;

jest.setTimeout(90_000);
describe('delivery survives a Redis restart mid-campaign (exactly once, from the emulator)', () => {
  let redis: PrivateRedis;
  let emu: RunningEmulator;
  let ctx: TestContext;
  const workers: WorkerProcess[] = [];
  let workspaceId: string;
  let channelId: string;
  // Creates the campaigns and takes events; the worker processes do the rest.
  let api: NestFastifyApplication;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    emu = await startEmulator({
      channels: [{ channelId: LINE_CHANNEL, channelSecret: 'secret', accessToken: TOKEN, monthlyQuota: null }],
      settings: { latencyMs: 30, timeoutHangMs: 1_500 },
    });
    ctx = await createTestContext({ REDIS_URL: redis.url, LINE_API_BASE_URL: emu.url });
    ({ workspaceId, channelId } = await seedChannel(ctx.sql, LINE_CHANNEL, TOKEN));
    api = await createApiApp(ctx.config);
    await api.init();
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await api?.close();
    await ctx?.close();
    await emu?.close();
    await redis?.stop();
  });

  it('completes the campaign with every follower exactly once after Redis is killed and restarted empty, twice', async () => {
    await seedAudience(ctx.sql, workspaceId, channelId, 1, AUDIENCE);
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      DATABASE_URL: ctx.config.database.url,
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: ctx.redisPrefix,
      LINE_API_BASE_URL: emu.url,
      LINE_DATA_API_BASE_URL: emu.url,
      LINE_REQUEST_TIMEOUT_MS: '700',
      DELIVERY_RECONCILE_INTERVAL_MS: '300',
      DELIVERY_LEASE_MS: '2000',
      DELIVERY_CONCURRENCY: '4',
      SHUTDOWN_GRACE_MS: '1000',
    };
    workers.push(spawnWorker(env), spawnWorker(env));
    const created = await api.get(CampaignsService).create(workspaceId, {
      name: 'redis restart',
      channelId,
      audience: { type: 'members', externalIds: Array.from({ length: AUDIENCE }, (_, i) => `m${i + 1}`) },
      // One push per member (points differ): progress is steady, so both kills land mid-campaign.
      messages: [{ type: 'text', text: '{{ member.points }} ポイントあります' }],
      trigger: { type: 'now' },
    });
    const followers = Array.from({ length: AUDIENCE }, (_, i) => i + 1).filter((i) => i % 10 !== 9);
    const url = ctx.config.database.url;

    // Each kill lands mid-campaign: LINE has received part of the audience, short of everyone
    // (pushes reach the emulator one by one; the engine's ledger moves a batch at a time).
    const delivered = (): number => emu.recorder.counts.recipientsDelivered;
    const restartAt = async (fraction: number): Promise<number> => {
      for (const end = Date.now() + 60_000; delivered() < followers.length * fraction; await sleep(10)) {
        if (Date.now() > end) throw new Error(`only ${delivered()} delivered`);
      }
      await redis.kill();
      const atKill = delivered();
      await sleep(500);
      await redis.start();
      return atKill;
    };
    expect(await restartAt(1 / 4)).toBeLessThan(followers.length);
    expect(await restartAt(2 / 3)).toBeLessThan(followers.length);

    const done = await waitForCampaign(url, created.id, (s) => s.status === 'completed', 60_000);
    expect(done.sent).toBe(followers.length);
    const records = emu.recorder.query({ channelId: LINE_CHANNEL, limit: 1_000_000 });
    const { wrong, reached } = notExactlyOnce(records, new Set(followers.map(lineUserIdOf)));
    expect(wrong).toEqual([]);
    expect(reached).toBe(followers.length);
  });

  it('thanks a purchase accepted while Redis is down once Redis is back, exactly once', async () => {
    await seedAudience(ctx.sql, workspaceId, channelId, 9001, 2, { prefix: 'p', someNotFollowing: false });
    const { key } = await api.get(ApiKeysService).create(workspaceId, ApiKeyScope.Admin, 'test');
    await api.get(CampaignsService).create(workspaceId, {
      name: 'thanks',
      channelId,
      category: 'transactional',
      messages: [{ type: 'text', text: 'thank you' }],
      trigger: { type: 'event', event: 'purchase' },
    });
    const purchase = (member: string): Promise<number> =>
      api
        .inject({
          method: 'POST',
          url: '/events',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          payload: JSON.stringify({
            eventId: `buy-${member}`,
            memberId: member,
            type: 'purchase',
            occurredAt: new Date().toISOString(),
            properties: { orderId: `o-${member}`, totalAmount: 100 },
          }),
        })
        .then((r) => r.statusCode);
    const thanked = (i: number): number =>
      emu.recorder.query({ channelId: LINE_CHANNEL, userId: lineUserIdOf(i) }).length;
    // The trigger path caches a workspace's event campaigns for a second.
    await sleep(1_100);
    expect(await purchase('p9001')).toBe(201);
    await waitUntil(() => Promise.resolve(thanked(9001) === 1), 30_000);
    // PostgreSQL takes the event while Redis is away; the trigger comes when Redis is back.
    await redis.kill();
    expect(await purchase('p9002')).toBe(201);
    await sleep(500);
    await redis.start();
    await waitUntil(() => Promise.resolve(thanked(9002) === 1), 30_000);
    await sleep(1_500);
    expect([thanked(9001), thanked(9002)]).toEqual([1, 1]);
  });
});
