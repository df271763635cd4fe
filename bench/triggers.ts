// npm run bench:triggers [-- --rate 500 --seconds 10 --workers 2]
// Event-triggered latency: from POST /events (purchase) to the thank-you at the emulator, at a
// steady rate. The emulator runs in a worker thread; the api in this process; the engine's workers
// are processes started from dist/. Latency = emulator's record time − the moment the POST was sent.
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { Client } from 'pg';
import Redis from 'ioredis';
import { loadConfig } from '@app/common';
import { ApiKeyScope, ApiKeysService } from '@app/workspaces';
import { CampaignsService } from '@app/campaigns';
import { startEmulator } from '../apps/line-emulator/src/server';
import { createApiApp } from '../apps/api/src/api.factory';
import { createDataSource } from '../migrations/data-source';
import { lineUserIdOf, seedAudience, spawnWorker } from './lib/delivery-harness';

const CHANNEL = { channelId: '1999999997', channelSecret: 'bench-secret', accessToken: 'bench-trigger-token' };
const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB = 'lse_bench_triggers';
const PREFIX = 'lse-bench-triggers';

async function serveEmulator(): Promise<void> {
  const emulator = await startEmulator({ channels: [{ ...CHANNEL, monthlyQuota: null }] });
  parentPort?.postMessage(emulator.url);
  parentPort?.on('message', (m) => {
    if (m === 'stop') void emulator.close().then(() => process.exit(0));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '500' },
      seconds: { type: 'string', default: '10' },
      workers: { type: 'string', default: '2' },
    },
  });
  const rate = Number(values.rate);
  const total = rate * Number(values.seconds);
  const thread = new Worker(__filename);
  const emuUrl = await new Promise<string>((resolve) => thread.once('message', (m: string) => resolve(m)));

  const admin = new Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `${SERVER}/${DB}`,
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    DATABASE_POOL_SIZE: '10',
    LINE_API_BASE_URL: emuUrl,
    LINE_DATA_API_BASE_URL: emuUrl,
  };
  const config = loadConfig({}, { ...env, LOG_LEVEL: 'silent', API_PORT: '0' }, '/nonexistent/.env');
  const ds = await createDataSource(config).initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);

  const sql = new Client({ connectionString: config.database.url });
  await sql.connect();
  const workspaceId = (await sql.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('b') RETURNING id`))
    .rows[0].id;
  const channelId = (
    await sql.query<{ id: string }>(
      `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
       VALUES ($1, 'b', $2, $3, $4) RETURNING id`,
      [workspaceId, CHANNEL.channelId, CHANNEL.channelSecret, CHANNEL.accessToken],
    )
  ).rows[0].id;
  await seedAudience(sql, workspaceId, channelId, 1, total, { prefix: 't', someNotFollowing: false });

  const api = await createApiApp(config);
  await api.listen({ port: 0, host: '127.0.0.1' });
  const base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  const { key } = await api.get(ApiKeysService).create(workspaceId, ApiKeyScope.Admin, 'bench');
  await api.get(CampaignsService).create(workspaceId, {
    name: 'thanks',
    channelId,
    category: 'transactional',
    quietHoursExempt: true,
    messages: [{ type: 'text', text: '{{ member.externalId }}さん、ありがとうございます' }],
    trigger: { type: 'event', event: 'purchase', timezone: 'Asia/Tokyo' },
  });
  const workers = Array.from({ length: Number(values.workers) }, () => spawnWorker(env));
  await sleep(5000);

  const sentAt = new Map<string, number>();
  const post = async (i: number): Promise<void> => {
    const started = Date.now();
    sentAt.set(lineUserIdOf(i), started);
    const res = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        eventId: `p${i}`,
        memberId: `t${i}`,
        type: 'purchase',
        occurredAt: new Date().toISOString(),
        properties: { orderId: `o${i}`, totalAmount: 1000, items: [{ sku: 'S', price: 1000, quantity: 1 }] },
      }),
    });
    if (res.status !== 201) throw new Error(`POST /events ${res.status}`);
  };
  process.stdout.write(`triggers bench: ${total} purchases at ${rate}/s, ${workers.length} worker processes\n`);
  const t0 = Date.now();
  const inflight: Array<Promise<void>> = [];
  for (let i = 1; i <= total; i++) {
    const due = t0 + ((i - 1) * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    inflight.push(post(i));
  }
  await Promise.all(inflight);
  const offered = total / ((Date.now() - t0) / 1000);
  const latencies: number[] = [];
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    const res = await fetch(`${emuUrl}/_emulator/messages?channelId=${CHANNEL.channelId}&limit=${total * 2}`);
    const records = (await res.json()) as
      { messages?: Array<{ to: string[]; at: number }> } | Array<{ to: string[]; at: number }>;
    const list = Array.isArray(records) ? records : (records.messages ?? []);
    if (list.length >= total) {
      for (const r of list) for (const to of r.to) latencies.push(r.at - (sentAt.get(to) ?? r.at));
      break;
    }
    await sleep(500);
  }
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `offered ${offered.toFixed(0)} events/s; delivered ${latencies.length}/${total}; POST /events → message at the emulator: ` +
      `p50 ${pct(latencies, 0.5)} ms, p95 ${pct(latencies, 0.95)} ms, p99 ${pct(latencies, 0.99)} ms, max ${latencies[latencies.length - 1]} ms\n`,
  );
  for (const w of workers) await w.kill('SIGTERM');
  await api.close();
  await sql.end();
  redis.disconnect();
  thread.postMessage('stop');
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
} else {
  void serveEmulator();
}
