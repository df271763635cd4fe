// PostgreSQL restarted in the middle of a campaign. A real restart, not a simulation: a private
// cluster (initdb into a temp dir, its own port) stopped with `pg_ctl stop -m immediate` (every
// backend killed at once, open transactions lost, no checkpoint: the next start runs crash
// recovery) and kept down for 1.5 s, so that the workers see broken connections, then refused
// ones, then a recovered server. Chosen over pg_terminate_backend + ALLOW_CONNECTIONS false on
// the shared server because it is the real event, and it proved robust here: initdb takes about
// half a second and needs no privilege (as root, which this machine and its CI run as, through
// `runuser -u postgres`: initdb refuses root). Redis is private too, so nothing here touches the
// servers other test files use.
import { Client } from 'pg';
import { testConfig } from '@app/testing';
import { CampaignsService } from '@app/campaigns';
import { startEmulator, RunningEmulator } from '../apps/line-emulator/src/server';
import { createApiApp } from '../apps/api/src/api.factory';
import { lineUserIdOf, seedAudience, spawnWorker, WorkerProcess } from '../bench/lib/delivery-harness';
import { sleep } from './campaigns-support';
import {
  migratedDatabase,
  notExactlyOnce,
  PrivatePostgres,
  PrivateRedis,
  seedChannel,
  startPrivatePostgres,
  startPrivateRedis,
  waitForCampaign,
} from './recovery-support';

const LINE_CHANNEL = '2000000552';
const TOKEN = 'token-552';
const AUDIENCE = 4000;
const DATABASE = 'lse_recovery';

jest.setTimeout(120_000);
describe('delivery survives a PostgreSQL crash restart mid-campaign (exactly once, from the emulator)', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let emu: RunningEmulator;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    emu = await startEmulator({
      channels: [{ channelId: LINE_CHANNEL, channelSecret: 'secret', accessToken: TOKEN, monthlyQuota: null }],
      settings: { latencyMs: 150, timeoutHangMs: 1_500 },
    });
    await migratedDatabase(pg.url, DATABASE);
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await emu?.close();
    await redis?.stop();
    await pg?.stop();
  });

  it('completes the campaign with every follower exactly once after PostgreSQL crashes and restarts, twice', async () => {
    const url = pg.url(DATABASE);
    const sql = new Client({ connectionString: url });
    await sql.connect();
    const { workspaceId, channelId } = await seedChannel(sql, LINE_CHANNEL, TOKEN);
    await seedAudience(sql, workspaceId, channelId, 1, AUDIENCE);
    await sql.end();
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'error',
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: 'lse-pg-restart',
      LINE_API_BASE_URL: emu.url,
      LINE_DATA_API_BASE_URL: emu.url,
      LINE_REQUEST_TIMEOUT_MS: '700',
      DELIVERY_RECONCILE_INTERVAL_MS: '300',
      DELIVERY_LEASE_MS: '2000',
      // One batch at a time per process, LINE answering in 150 ms: a batch of ~450 pushes takes
      // about a second, so the batches are claimed one after the other across the crashes (a
      // claimed batch's stored requests keep going to LINE while PostgreSQL is down).
      DELIVERY_CONCURRENCY: '1',
      SHUTDOWN_GRACE_MS: '1000',
    };
    workers.push(spawnWorker(env), spawnWorker(env));
    // The api only creates the campaign; the worker processes do the rest.
    const api = await createApiApp(
      testConfig(DATABASE, env.QUEUE_PREFIX, { DATABASE_URL: url, REDIS_URL: redis.url, LINE_API_BASE_URL: emu.url }),
    );
    await api.init();
    const created = await api.get(CampaignsService).create(workspaceId, {
      name: 'postgres restart',
      channelId,
      audience: { type: 'members', externalIds: Array.from({ length: AUDIENCE }, (_, i) => `m${i + 1}`) },
      // One push per member (points differ): progress is steady, so both crashes land mid-campaign.
      messages: [{ type: 'text', text: '{{ member.points }} ポイントあります' }],
      trigger: { type: 'now' },
    });
    await api.close();
    const followers = Array.from({ length: AUDIENCE }, (_, i) => i + 1).filter((i) => i % 10 !== 9);

    // Each crash lands mid-campaign: LINE has received part of the audience, short of everyone.
    const delivered = (): number => emu.recorder.counts.recipientsDelivered;
    const crashAt = async (fraction: number): Promise<number> => {
      for (const end = Date.now() + 60_000; delivered() < followers.length * fraction; await sleep(10)) {
        if (Date.now() > end) throw new Error(`only ${delivered()} delivered`);
      }
      const atCrash = delivered();
      await pg.crashRestart(1_500);
      return atCrash;
    };
    expect(await crashAt(1 / 4)).toBeLessThan(followers.length);
    expect(await crashAt(2 / 3)).toBeLessThan(followers.length);

    const done = await waitForCampaign(url, created.id, (s) => s.status === 'completed', 90_000);
    expect(done.sent).toBe(followers.length);
    const records = emu.recorder.query({ channelId: LINE_CHANNEL, limit: 1_000_000 });
    const { wrong, reached } = notExactlyOnce(records, new Set(followers.map(lineUserIdOf)));
    expect(wrong).toEqual([]);
    expect(reached).toBe(followers.length);
    // Both worker processes lived through it (a crash of theirs would be a bug of its own).
    expect(workers.map((w) => w.child.exitCode)).toEqual([null, null]);
  });
});
