// npm run bench:delivery [-- --sizes 100000,1000000 --seed N --push-max 100000 --workers 1 --warmup 2000 --repeat 1 --timeline]
// Campaigns to 100k / 1M recipients through the emulator answering after 30 ms, with LINE's rate
// limits on (target: ≤ 1.05 × the time the limits allow, no 429) and off (the engine's ceiling,
// target ≥ 300,000 recipients/s), for multicast and personalised push. The emulator runs in a worker
// thread (its own event loop); the engine's workers are processes started from dist/ whose RSS is
// sampled. Audiences are seeded with generate_series straight into members/line_users. Each run
// also prints the CPU PostgreSQL, the workers, this process and Redis spent on it (/proc), and a
// timed loop at the start and the end gives the machine's speed.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Client } from 'pg';
import { messagingApi } from '@line/bot-sdk';
import { CampaignsService } from '@app/campaigns';
import { SegmentAudienceService, SegmentsService } from '@app/segments';
import { startEmulator } from '../apps/line-emulator/src/server';
import { createApiApp } from '../apps/api/src/api.factory';
import { BENCH_DATABASE_TRANSPORT, prepareBenchEngine, killChildrenOnExit } from './lib/bench-engine';
import { lineUserIdOf, spawnWorker, WorkerProcess } from './lib/delivery-harness';
import { cpuLoopSeconds, cpuSpent, isOneOf, isPostgres, isRedis, readCpu } from './lib/cpu-account';

const CHANNEL = { channelId: '1999999998', channelSecret: 'bench-secret', accessToken: 'bench-delivery-token' };
const DB = 'lse_bench_delivery';
const PREFIX = 'lse-bench-delivery';
const LATENCY_MS = 30;

async function serveEmulator(): Promise<void> {
  const emulator = await startEmulator({
    channels: [{ ...CHANNEL, monthlyQuota: null }],
    settings: { latencyMs: LATENCY_MS },
    maxRecipientsRetained: 100_000,
  });
  // The sending span is taken where LINE sees it: the arrival of the first accepted send request
  // and the answer to the last one (the emulator answers LATENCY_MS after arrival).
  let first: number | null = null;
  let last: number | null = null;
  const arrivals: number[] = [];
  const record = emulator.recorder.send.bind(emulator.recorder);
  emulator.recorder.send = (r) => {
    if (r.kind === 'multicast' || r.kind === 'push') {
      arrivals.push(r.at);
      first ??= r.at;
      last = Date.now();
    }
    record(r);
  };
  parentPort?.postMessage(emulator.url);
  parentPort?.on('message', (m) => {
    if (m === 'stop') void emulator.close().then(() => process.exit(0));
    if (m === 'span-reset') {
      first = null;
      last = null;
      arrivals.length = 0;
    }
    if (m === 'span') parentPort?.postMessage({ first, last, arrivals });
  });
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Counts {
  requests: Record<string, number>;
  recipientsDelivered: number;
  rejected: Record<string, number>;
}

/** `A=1,B=2` → { A: '1', B: '2' }. */
function parseEnvList(list: string): Record<string, string> {
  return Object.fromEntries(
    list.split(',').map((pair) => {
      const i = pair.indexOf('=');
      if (i <= 0) throw new Error(`--alternate-env takes NAME=value pairs, not "${pair}"`);
      return [pair.slice(0, i), pair.slice(i + 1)];
    }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100000,1000000' },
      // Members to seed (default: the largest size), e.g. --sizes 100000 --seed 1000000 measures a
      // 100k campaign in a 1M workspace without the 1M runs.
      seed: { type: 'string' },
      'push-max': { type: 'string', default: '100000' },
      // One, as `npm start` runs. On the 2-core machine PostgreSQL needs about one core to plan and
      // claim: a second worker process made multicasts slower (1M limits off 107–136k recipients/s
      // against 138–160k/s with one), though personalised push, bound by the workers' own CPU, gains
      // from it (100k limits off 3,484/s against 2,782/s).
      workers: { type: 'string', default: '1' },
      'sdk-sample': { type: 'string', default: '200' },
      // e.g. --only multicast-on,push-off (default: all four)
      only: { type: 'string', default: 'multicast-on,push-on,multicast-off,push-off' },
      // Where the time goes: V8 CPU profiles of the workers (written on their exit) into this directory,
      // and PostgreSQL's sessions sampled every 50 ms (state, wait event, statement) while sending.
      'cpu-prof': { type: 'string' },
      'pg-sample': { type: 'boolean', default: false },
      // Extra Node options for the worker processes (e.g. heap flags), added to --cpu-prof's.
      'worker-node-options': { type: 'string', default: '' },
      // A campaign of this many recipients (same kind and message) on the freshly started workers
      // before each measured one, as a deployed engine's workers are warm; 0: none.
      warmup: { type: 'string', default: '2000' },
      // Each measured run this many times in a row (each on new workers): run-to-run spread.
      repeat: { type: 'string', default: '1' },
      // The send requests LINE received in each 100 ms after the campaign was created: where the
      // time LINE allows went unused (a late start, gaps between planning pages).
      timeline: { type: 'boolean', default: false },
      // A/B on one seeded database: measured runs cycle through the defaults and each variant
      // (';'-separated lists of NAME=value pairs for the workers' environment), e.g.
      // --alternate-env 'DELIVERY_CONCURRENCY=64;DELIVERY_CONCURRENCY=128' --repeat 6, so that
      // settings are compared in the same minutes of a drifting machine.
      'alternate-env': { type: 'string' },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  const pushMax = Number(values['push-max']);
  const workerCount = Number(values.workers);
  const repeat = Math.max(1, Number(values.repeat));
  const variants = (values['alternate-env'] ?? '').split(';').filter((v) => v !== '');
  const variantEnvs = [null, ...variants.map(parseEnvList)];
  const spawned: WorkerProcess[] = [];
  killChildrenOnExit(() => spawned.map((w) => w.child));

  const thread = new Worker(__filename);
  const emuUrl = await new Promise<string>((resolve, reject) => {
    thread.once('message', (m: string) => resolve(m));
    thread.once('error', reject);
  });
  const span = async (): Promise<{ first: number | null; last: number | null; arrivals: number[] }> =>
    new Promise((resolve) => {
      thread.once('message', resolve);
      thread.postMessage('span');
    });
  const emu = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${emuUrl}/_emulator${path}`, {
      ...init,
      headers: { 'content-type': 'application/json' },
    });
    return (await res.json()) as T;
  };

  const { env, config, redis, flushPrefix } = await prepareBenchEngine({
    database: DB,
    prefix: PREFIX,
    emulatorUrl: emuUrl,
    extraEnv: { DELIVERY_RECONCILE_INTERVAL_MS: '1000' },
  });

  const sql = new Client({ connectionString: config.database.url });
  await sql.connect();
  const ws = await sql.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('bench') RETURNING id`);
  const workspaceId = ws.rows[0].id;
  const ch = await sql.query<{ id: string }>(
    `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
     VALUES ($1, 'bench', $2, $3, $4) RETURNING id`,
    [workspaceId, CHANNEL.channelId, CHANNEL.channelSecret, CHANNEL.accessToken],
  );
  const channelId = ch.rows[0].id;
  await sql.query(
    `INSERT INTO channel_delivery_settings (channel_id, workspace_id, quiet_start, quiet_end, frequency_cap_max)
     VALUES ($1, $2, '00:00', '00:00', 0)`,
    [channelId, workspaceId],
  );
  const total = Math.max(...sizes, Number(values.seed ?? 0));
  let t0 = Date.now();
  // Member g has points_balance = g: a segment "pointsBalance < N" is an audience of N. Without
  // the foreign-key triggers (consistent by construction): the checks, one per LINE user, took
  // 31 s of a 1M seed instead of 13 s.
  await sql.query('BEGIN');
  await sql.query(`SET LOCAL session_replication_role = replica`);
  await sql.query(
    `INSERT INTO members (workspace_id, external_id, first_name, points_balance, attributes)
     SELECT $1, 'b' || g, 'name' || g, g, '{}'::jsonb FROM generate_series(0, $2::int - 1) g`,
    [workspaceId, total],
  );
  await sql.query(
    `INSERT INTO line_users (workspace_id, channel_id, line_user_id, following, member_id)
     SELECT $1, $2, 'U' || lpad(to_hex(m.points_balance), 32, '0'), true, m.id FROM members m WHERE m.workspace_id = $1`,
    [workspaceId, channelId],
  );
  await sql.query('COMMIT');
  // As autovacuum leaves the tables some time after a bulk load (statistics, and the visibility
  // map that lets the reachable-users index answer without the heap), not as the load left them.
  await sql.query(`VACUUM ANALYZE members, line_users`);
  out(`seeded ${total.toLocaleString()} members + LINE users with generate_series in ${(Date.now() - t0) / 1000} s`);

  const api = await createApiApp(config);
  await api.init();
  const campaigns = api.get(CampaignsService);
  const segments = api.get(SegmentsService);
  const audience = api.get(SegmentAudienceService);
  const segmentOf = new Map<number, string>();
  const warmup = Number(values.warmup);
  for (const n of warmup > 0 ? [...sizes, warmup] : sizes) {
    const s = await segments.create(workspaceId, {
      name: `first ${n}`,
      channelId,
      rules: { attr: 'pointsBalance', op: 'lt', value: n },
    });
    segmentOf.set(n, s.id);
    // Counted now, as the periodic refresh would have done long before a campaign uses a saved
    // segment: otherwise the workers' refresh sweep counted it (1 s of a core at 1M) during the run.
    await audience.refreshCount(workspaceId, s.id);
  }

  out(
    `\nemulator latency ${LATENCY_MS} ms; ${workerCount} worker processes (DELIVERY_CONCURRENCY ${config.delivery.concurrency}, ` +
      `${config.database.poolSize} PostgreSQL connections each, ${BENCH_DATABASE_TRANSPORT}); ` +
      `limits off = emulator buckets off and LINE_RATE_PERCENT=1000; ` +
      (warmup > 0
        ? `each measured campaign follows a ${warmup.toLocaleString()}-recipient warm-up campaign on the same new workers and a 1.5 s pause`
        : 'no warm-up: each campaign runs on newly started workers'),
  );
  out(
    'end to end = campaign created → last request answered; sending = first LINE request → last answered; ' +
      'first request = campaign created → first LINE request; recipients/s over the end-to-end time',
  );
  out(
    'CPU = core-seconds per 1M recipients spent from the campaign to its end by PostgreSQL / the workers / this process (emulator thread, in-process api) / Redis, read from /proc: the work, steadier than the rates on a machine whose speed drifts',
  );
  out(`machine speed: a 3·10⁸-step loop took ${cpuLoopSeconds().toFixed(2)} s`);
  out(
    '| audience | kind | LINE limits | recipients/s | LINE requests/s | 429s | end to end | sending | first request | planned (±0.2 s) | time LINE allows | end-to-end ratio | sending ratio (off: recipients/s while sending) | worker peak RSS | CPU: PG / workers / bench / Redis | load 1/5 min |',
  );
  out('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const results: Array<{ n: number; kind: string; limits: boolean; perSec: number }> = [];
  for (const limits of [true, false]) {
    await emu('/settings', { method: 'PUT', body: JSON.stringify({ rateLimits: limits }) });
    for (const kind of ['multicast', 'push'] as const) {
      if (!values.only.split(',').includes(`${kind}-${limits ? 'on' : 'off'}`)) continue;
      let run = 0;
      for (const n of sizes.flatMap((size) => Array<number>(repeat).fill(size))) {
        const variant = run++ % variantEnvs.length;
        if (kind === 'push' && n > pushMax) {
          const ideal = n / 2000;
          out(
            `| ${n.toLocaleString()} | push | ${limits ? 'on' : 'off'} | not run (--push-max ${pushMax}) | | | | | | | ${ideal.toFixed(1)} s | | | | |`,
          );
          continue;
        }
        await flushPrefix();
        const workers: WorkerProcess[] = Array.from({ length: workerCount }, () =>
          spawnWorker({
            ...env,
            LINE_RATE_PERCENT: limits ? '99' : '1000',
            ...(variantEnvs[variant] ?? {}),
            NODE_OPTIONS: [
              values['cpu-prof'] === undefined ? '' : `--cpu-prof --cpu-prof-dir=${values['cpu-prof']}`,
              values['worker-node-options'],
            ]
              .join(' ')
              .trim(),
          }),
        );
        spawned.push(...workers);
        await sleep(4000); // boot
        const name = `${kind} ${n} ${limits ? 'on' : 'off'}`;
        // The measured campaign and its warm-up send the same message (personalised for push).
        const campaignOf = (campaignName: string, size: number) => ({
          name: campaignName,
          channelId,
          audience: { type: 'segment' as const, segmentId: segmentOf.get(size) ?? '' },
          messages: [{ type: 'text', text: kind === 'push' ? '{{ member.firstName }}さん、セールです' : 'セールです' }],
          trigger: { type: 'now' as const },
        });
        if (warmup > 0) {
          // Compiled code paths, pooled connections to PostgreSQL, keep-alive sockets to LINE: the
          // first campaign of a new worker process paid for them (first batch claimed 0.22 s after
          // the campaign, first answer from LINE 0.69 s). Then a pause for the rate buckets (ours
          // and LINE's) to refill, so the measured campaign starts as on an idle channel.
          const w = await campaigns.create(workspaceId, campaignOf(`warm-up ${name}`, warmup));
          const warmStart = Date.now();
          while ((await campaigns.get(workspaceId, w.id)).status !== 'completed') {
            if (Date.now() - warmStart > 120_000) throw new Error('warm-up campaign did not complete');
            await sleep(100);
          }
          await sleep(1500);
        }
        const before = await emu<Counts>('/counts');
        const cpuGroups = {
          pg: isPostgres,
          workers: isOneOf(() => workers.map((w) => w.child.pid)),
          bench: isOneOf(() => [process.pid]),
          redis: isRedis,
        };
        const cpuBefore = readCpu(cpuGroups);
        thread.postMessage('span-reset');
        t0 = Date.now();
        const created = await campaigns.create(workspaceId, campaignOf(name, n));
        let view = await campaigns.get(workspaceId, created.id);
        const sessions = new Map<string, number>();
        let samples = 0;
        let plannedAt: number | null = null;
        while (view.status !== 'completed') {
          for (const w of workers) w.sample();
          if (values['pg-sample']) {
            for (let i = 0; i < 4; i++) {
              const act = await sql.query<{ what: string }>(
                `SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu') || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS what
                 FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
                [DB],
              );
              samples++;
              for (const r of act.rows) sessions.set(r.what, (sessions.get(r.what) ?? 0) + 1);
              await sleep(50);
            }
          } else await sleep(200);
          view = await campaigns.get(workspaceId, created.id);
          const planning = (view.progress.runsByStatus.planning ?? 0) + (view.progress.runsByStatus.scheduled ?? 0);
          if (plannedAt === null && planning === 0) plannedAt = Date.now();
          if (Date.now() - t0 > 1_800_000) throw new Error(`stuck: ${JSON.stringify(view.progress)}`);
        }
        const { first, last, arrivals } = await span();
        // End to end stops at LINE's answer to the last request, not at our next poll (200 ms).
        const secs = ((last ?? Date.now()) - t0) / 1000;
        const sending = first === null || last === null ? 0 : (last - first) / 1000;
        const firstAfter = first === null ? 0 : (first - t0) / 1000;
        const plannedIn = ((plannedAt ?? Date.now()) - t0) / 1000;
        const after = await emu<Counts>('/counts');
        const reqs = after.requests.multicast + after.requests.push - before.requests.multicast - before.requests.push;
        const r429 = (after.rejected['429'] ?? 0) - (before.rejected['429'] ?? 0);
        const ideal = kind === 'multicast' ? Math.ceil(n / 500) / 200 : n / 2000;
        const peak = Math.max(...workers.map((w) => w.peakRss));
        const cpu = cpuSpent(cpuBefore, readCpu(cpuGroups));
        const perM = (k: string): string => ((cpu[k] * 1_000_000) / n).toFixed(1);
        for (const w of workers) await w.kill('SIGTERM');
        const perSec = Math.round(view.progress.sent / secs);
        results.push({ n, kind, limits, perSec });
        out(
          `| ${n.toLocaleString()} | ${kind} | ${limits ? 'on' : 'off'} | ${perSec.toLocaleString()} | ${Math.round(reqs / secs).toLocaleString()} | ${r429} | ${secs.toFixed(2)} s | ${sending.toFixed(2)} s | ${firstAfter.toFixed(2)} s | ${plannedIn.toFixed(1)} s | ${limits ? `${ideal.toFixed(1)} s` : '–'} | ${limits ? `${(secs / ideal).toFixed(3)} ×` : '–'} | ${limits ? `${(sending / ideal).toFixed(3)} ×` : `${Math.round(view.progress.sent / Math.max(sending, 0.001)).toLocaleString()}/s`} | ${(peak / 1048576).toFixed(0)} MB | ${perM('pg')} / ${perM('workers')} / ${perM('bench')} / ${perM('redis')} | ${loadavg()
            .slice(0, 2)
            .map((l) => l.toFixed(1))
            .join(' / ')} |`,
        );
        if (variant > 0) out(`  ↑ with ${variants[variant - 1]}`);
        if (view.progress.sent !== n) out(`  !! sent ${view.progress.sent} of ${n}`);
        if (values.timeline) {
          const per = new Map<number, number>();
          for (const a of arrivals) per.set(Math.floor((a - t0) / 100), (per.get(Math.floor((a - t0) / 100)) ?? 0) + 1);
          const last100 = Math.max(0, ...per.keys());
          out(
            `  LINE requests per 100 ms after the campaign was created: ${Array.from({ length: last100 + 1 }, (_, i) => per.get(i) ?? 0).join(' ')}`,
          );
        }
        if (samples > 0) {
          out(`  active PostgreSQL sessions, mean over ${samples} samples (wait event or cpu, statement):`);
          for (const [what, k] of [...sessions].sort((x, y) => y[1] - x[1]).slice(0, 8)) {
            out(`    ${(k / samples).toFixed(2)}  ${what}`);
          }
        }
      }
    }
  }

  // A plain @line/bot-sdk loop: one awaited push per user (limits on, 30 ms). Extrapolated from a sample.
  await emu('/settings', { method: 'PUT', body: JSON.stringify({ rateLimits: true }) });
  const sample = Number(values['sdk-sample']);
  const client = new messagingApi.MessagingApiClient({ channelAccessToken: CHANNEL.accessToken, baseURL: emuUrl });
  t0 = Date.now();
  for (let i = 0; i < sample; i++) {
    await client.pushMessage({ to: lineUserIdOf(i), messages: [{ type: 'text', text: `name${i}さん、セールです` }] });
  }
  const sdkPerSec = sample / ((Date.now() - t0) / 1000);
  out(`\nmachine speed at the end: a 3·10⁸-step loop took ${cpuLoopSeconds().toFixed(2)} s`);
  out(
    `\n@line/bot-sdk loop (one awaited push per user): ${sdkPerSec.toFixed(1)} recipients/s, measured on ${sample} users and extrapolated:`,
  );
  for (const r of results) {
    out(
      `  ${r.n.toLocaleString()} ${r.kind} limits ${r.limits ? 'on' : 'off'}: engine ${r.perSec.toLocaleString()}/s vs loop ${sdkPerSec.toFixed(0)}/s = ${(r.perSec / sdkPerSec).toFixed(0)} × faster (loop would take ${(r.n / sdkPerSec / 3600).toFixed(1)} h)`,
    );
  }

  await api.close();
  await sql.end();
  await flushPrefix();
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
  void workerData;
  void serveEmulator();
}
