// npm run bench:triggers [-- --rate 500 --seconds 10 --warmup 10 --workers 1 --drain 30 --timeout 180 --cpu-prof DIR --timeline]
// Event-triggered latency: from POST /events (purchase) to the thank-you at the emulator, at a
// steady rate. The emulator runs in a worker thread; the api in a process of its own; the engine's
// workers are processes started from dist/. Latency = emulator's record time − the moment the POST
// was sent, broken down by stage: the api's answer (event committed), then from PostgreSQL's
// timestamps: event committed (received_at) → run created (the worker's stream relay matched it) →
// batch written (planned) → batch claimed → request accepted. Also the CPU each process spent per
// measured event (/proc) and a timed loop before and after (the machine's speed). Bounded: deliveries are awaited at most --drain s, the whole run --timeout s
// (a watchdog prints what it has and SIGKILLs the workers), every HTTP call has a timeout.
// The first --warmup seconds run at the same rate but are not measured: a deployed engine is warm
// (JIT-compiled paths, pooled connections, prepared statements, keep-alive sockets to LINE), and
// the measured seconds follow them without a pause, as steady traffic would. Ten seconds, because
// with three the first measured seconds were still draining the backlog that the cold processes
// built in the warm-up (p50 126–164 ms in seconds 0–3, 42–75 ms after them).
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { Client } from 'pg';
import { ApiKeyScope, ApiKeysService } from '@app/workspaces';
import { CampaignsService } from '@app/campaigns';
import { startEmulator } from '../apps/line-emulator/src/server';
import { createApiApp } from '../apps/api/src/api.factory';
import { BENCH_DATABASE_TRANSPORT, killChildrenOnExit, prepareBenchEngine } from './lib/bench-engine';
import { lineUserIdOf, ROOT, seedAudience, spawnWorker, WorkerProcess } from './lib/delivery-harness';
import { RawHttpPoster } from './lib/raw-http';
import { cpuLoopSeconds, cpuSpent, CpuReading, isOneOf, isPostgres, isRedis, readCpu } from './lib/cpu-account';

const CHANNEL = { channelId: '1999999997', channelSecret: 'bench-secret', accessToken: 'bench-trigger-token' };
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
      warmup: { type: 'string', default: '10' },
      // One worker process, as `npm start` runs the engine: on this 2-core machine a second one only
      // adds an event loop competing for the cores (10 s runs at 500/s: p99 73–214 ms with two,
      // 73–93 ms with one).
      workers: { type: 'string', default: '1' },
      drain: { type: 'string', default: '30' },
      timeout: { type: 'string', default: '180' },
      // V8 CPU profiles of the api and the workers (written when they stop, so they get SIGTERM).
      'cpu-prof': { type: 'string' },
      // p50/p99/max per second of the measured run, to tell steady tails from stalls.
      timeline: { type: 'boolean', default: false },
    },
  });
  const workerProcs: WorkerProcess[] = [];
  const children: ChildProcess[] = [];
  killChildrenOnExit(() => [...workerProcs.map((w) => w.child), ...children]);
  const watchdog = setTimeout(
    () => {
      process.stderr.write(`triggers bench: timed out after ${values.timeout} s, stopping\n`);
      process.exit(2); // the children go with it (killChildrenOnExit)
    },
    Number(values.timeout) * 1000,
  );
  watchdog.unref();
  const rate = Number(values.rate);
  const total = rate * Number(values.seconds);
  const warm = Math.round(rate * Number(values.warmup));
  const thread = new Worker(__filename);
  const emuUrl = await new Promise<string>((resolve) => thread.once('message', (m: string) => resolve(m)));

  const prepared = await prepareBenchEngine({ database: DB, prefix: PREFIX, emulatorUrl: emuUrl });
  const { config, redis } = prepared;
  const profileDir = values['cpu-prof'];
  const env =
    profileDir === undefined
      ? prepared.env
      : { ...prepared.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` };

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
  // Members 1…total are measured; total+1…total+warm are the warm-up's.
  await seedAudience(sql, workspaceId, channelId, 1, total + warm, { prefix: 't', someNotFollowing: false });
  // As a deployed engine finds its tables: analysed (autovacuum's next round would do it).
  await sql.query(`ANALYZE members; ANALYZE line_users`);

  // The api answering the POSTs is a process of its own (as deployed): in this process it would
  // share one event loop with the load generator, which then cannot keep the offered rate.
  const api = await createApiApp(config);
  await api.init();
  const apiPort = String(4100 + (process.pid % 800));
  const apiProc = spawn(process.execPath, [join(ROOT, 'dist/apps/api/src/main.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, API_PORT: apiPort, API_HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(apiProc);
  const base = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) break;
    if (i > 60) throw new Error('api process did not start');
    await sleep(500);
  }
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
  workerProcs.push(...workers);
  await sleep(5000);

  const sentAt = new Map<string, number>();
  // Not fetch (undici's web streams), nor node:http's client: the load generator shares the
  // machine's two cores with what it measures, and fetch cost it about twice the CPU per request of
  // node:http, which itself cost ~0.4 ms per POST (bench/lib/raw-http.ts).
  const poster = new RawHttpPoster('127.0.0.1', Number(apiPort), { authorization: `Bearer ${key}` });
  const postJson = (path: string, json: unknown): Promise<number> => poster.post(path, json);
  // How long the api took to answer each measured POST (its event committed): the first stage.
  const answered: number[] = [];
  const post = async (i: number): Promise<void> => {
    const sent = Date.now();
    if (i <= total) sentAt.set(lineUserIdOf(i), sent);
    const status = await postJson('/events', {
      eventId: `p${i}`,
      memberId: `t${i}`,
      type: 'purchase',
      occurredAt: new Date().toISOString(),
      properties: { orderId: `o${i}`, totalAmount: 1000, items: [{ sku: 'S', price: 1000, quantity: 1 }] },
    });
    if (status !== 201) throw new Error(`POST /events ${status}`);
    if (i <= total) answered.push(Date.now() - sent);
  };
  process.stdout.write(
    `triggers bench: ${total} purchases at ${rate}/s after ${warm} unmeasured (warm-up), ${workers.length} worker processes, PostgreSQL ${BENCH_DATABASE_TRANSPORT}\n`,
  );
  // Paced in 10 ms ticks (a timer per event cannot fire every 2 ms on a loaded machine): the
  // warm-up's events first, then the measured ones, one steady stream.
  const order = [
    ...Array.from({ length: warm }, (_, k) => total + 1 + k),
    ...Array.from({ length: total }, (_, k) => k + 1),
  ];
  const inflight: Array<Promise<void>> = [];
  // CPU of each part over the measured events (from the first measured POST to the last delivery):
  // the work per event, steadier than the latencies on a machine whose speed drifts.
  const cpuGroups = {
    api: isOneOf(() => [apiProc.pid]),
    workers: isOneOf(() => workers.map((w) => w.child.pid)),
    pg: isPostgres,
    bench: isOneOf(() => [process.pid]),
    redis: isRedis,
  };
  let cpuBefore: CpuReading = readCpu(cpuGroups);
  const speedBefore = cpuLoopSeconds();
  let t0 = Date.now();
  let measuredFrom = new Date(t0);
  const paceStart = Date.now();
  for (let n = 0; n < order.length;) {
    const dueNow = Math.min(order.length, Math.floor(((Date.now() - paceStart) * rate) / 1000) + 1);
    for (; n < dueNow; n++) {
      if (n === warm) {
        cpuBefore = readCpu(cpuGroups);
        t0 = Date.now();
        measuredFrom = new Date(t0);
      }
      const p = post(order[n]);
      // Handled at once (a failure is counted from `inflight` after the pacing): a rejection with
      // no handler yet would end the process.
      p.catch(() => undefined);
      if (order[n] <= total) inflight.push(p);
    }
    if (n < order.length) await sleep(10);
  }
  const posted = await Promise.allSettled(inflight);
  const rejected = posted.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  const postFailures = rejected.length;
  if (postFailures > 0) process.stdout.write(`first POST failure: ${String(rejected[0].reason)}\n`);
  const offered = total / ((Date.now() - t0) / 1000);
  const latencies: number[] = [];
  let list: Array<{ to: string[]; at: number }> = [];
  for (const until = Date.now() + Number(values.drain) * 1000; Date.now() < until;) {
    const res = await fetch(`${emuUrl}/_emulator/messages?channelId=${CHANNEL.channelId}&limit=${(total + warm) * 2}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const records = (await res.json()) as { messages?: Array<{ to: string[]; at: number }> };
    list = (records.messages ?? []).filter((m) => m.to.some((to) => sentAt.has(to)));
    if (list.length >= total - postFailures) break;
    await sleep(500);
  }
  const cpu = cpuSpent(cpuBefore, readCpu(cpuGroups));
  const bySecond = new Map<number, number[]>();
  for (const r of list)
    for (const to of r.to) {
      const sent = sentAt.get(to);
      if (sent === undefined) continue;
      latencies.push(r.at - sent);
      const second = Math.floor((sent - t0) / 1000);
      bySecond.set(second, [...(bySecond.get(second) ?? []), r.at - sent]);
    }
  if (values.timeline) {
    for (const [second, xs] of [...bySecond].sort((a, b) => a[0] - b[0])) {
      xs.sort((a, b) => a - b);
      process.stdout.write(
        `  second ${second}: ${xs.length} events, p50 ${pct(xs, 0.5)} ms, p99 ${pct(xs, 0.99)} ms, max ${xs[xs.length - 1]} ms\n`,
      );
    }
  }
  latencies.sort((a, b) => a - b);
  const fmt = (xs: number[]): string =>
    xs.length === 0
      ? 'n/a'
      : `p50 ${pct(xs, 0.5)} ms, p95 ${pct(xs, 0.95)} ms, p99 ${pct(xs, 0.99)} ms, max ${xs[xs.length - 1]} ms`;
  process.stdout.write(
    `offered ${offered.toFixed(0)} events/s; POST failures ${postFailures}; delivered ${latencies.length}/${total}; ` +
      `POST /events → message at the emulator: ${fmt(latencies)}\n`,
  );
  // Stages, from PostgreSQL's clock (same host; each stamp is its transaction's start): ingest →
  // trigger run created (stream relay read + match) → batch written (planning) → batch claimed by
  // the sender → LINE accepted (the answer recorded).
  const stages = await sql.query<{ relay: number; plan: number; claim: number; send: number }>(
    `SELECT extract(epoch FROM (r.created_at - e.received_at)) * 1000 AS relay,
            extract(epoch FROM (b.created_at - r.created_at)) * 1000 AS plan,
            extract(epoch FROM (b.first_attempt_at - b.created_at)) * 1000 AS claim,
            extract(epoch FROM (q.accepted_at - b.first_attempt_at)) * 1000 AS send
     FROM events e JOIN campaign_runs r ON r.run_key = 'event:' || e.id
     JOIN delivery_batches b ON b.run_id = r.id JOIN delivery_requests q ON q.batch_id = b.id
     WHERE e.workspace_id = $1 AND q.status = 'accepted' AND e.received_at >= $2`,
    [workspaceId, measuredFrom],
  );
  const stage = (k: 'relay' | 'plan' | 'claim' | 'send'): number[] =>
    stages.rows.map((r) => Math.round(Number(r[k]))).sort((a, b) => a - b);
  answered.sort((a, b) => a - b);
  process.stdout.write(`  POST /events answered (event committed): ${fmt(answered)}\n`);
  process.stdout.write(`  event committed → run created (stream relay + match): ${fmt(stage('relay'))}\n`);
  process.stdout.write(`  run created → batch written (planning): ${fmt(stage('plan'))}\n`);
  process.stdout.write(`  batch written → claimed by the sender: ${fmt(stage('claim'))}\n`);
  process.stdout.write(`  claimed → LINE accepted (render, request stored, push, answer): ${fmt(stage('send'))}\n`);
  const perEvent = (k: string): string => ((cpu[k] * 1000) / total).toFixed(2);
  process.stdout.write(
    `  CPU per measured event: api ${perEvent('api')} ms, workers ${perEvent('workers')} ms, PostgreSQL ${perEvent('pg')} ms, ` +
      `bench (load generator, emulator) ${perEvent('bench')} ms, Redis ${perEvent('redis')} ms; ` +
      `machine speed: a 3·10⁸-step loop took ${speedBefore.toFixed(2)} s before, ${cpuLoopSeconds().toFixed(2)} s after\n`,
  );
  const stop = (w: WorkerProcess): Promise<void> =>
    Promise.race([w.kill('SIGTERM'), sleep(10_000).then(() => w.kill('SIGKILL'))]);
  poster.close();
  await Promise.all(workers.map(stop));
  if (profileDir !== undefined) {
    const exited = new Promise((r) => apiProc.once('exit', r));
    apiProc.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
  apiProc.kill('SIGKILL');
  await Promise.race([api.close(), sleep(10_000)]);
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
