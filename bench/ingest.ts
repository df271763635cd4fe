/**
 * `npm run bench:ingest [-- --members N --events N --concurrency N --single N --tune-server]`:
 * loads the seeded data set through the HTTP bulk API (api in-process, 10,000 records per request,
 * several requests in flight) into a fresh database, then COPYs the same rows into same-shaped
 * tables as the floor. Bodies are built before each timed round, so the figures are the server's,
 * not the generator's. `--single N` then sends N events one by one to POST /events
 * (`--single-concurrency` in flight) and prints req/s and latency percentiles. `--tune-server`
 * raises the checkpoint distance for the run (ALTER SYSTEM, printed) and resets it at the end.
 * The whole run stops after `--max-minutes` (default 25), printing what it measured so far;
 * `--floor-only` then times the COPY floor alone, into the database that run left. The events floor
 * is timed twice: one COPY stream, and `--floor-streams` (default 2) streams at once.
 */
import 'reflect-metadata';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { Client } from 'pg';
import { loadavg } from 'node:os';
import { QueueName, REDIS, loadConfig, redisOptions } from '@app/common';
import { TriggerPublisher, TriggerRelay } from '@app/members';
import { ApiKeyScope, ApiKeysService, WorkspacesService } from '@app/workspaces';
import { createApiApp } from '../apps/api/src/api.factory';
import { applyMigrations } from '../migrations/data-source';
import { event, member } from './lib/dataset';
import { percentile, serverTuning } from './lib/ingest-support';
import {
  EVENT_COPY_COLUMNS,
  MEMBER_COPY_COLUMNS,
  copyRows,
  copyRowsParallel,
  eventCopyLine,
  memberCopyFields,
  tsvLine,
} from './lib/copy-rows';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const MEMBERS = arg('members', 1_000_000);
const EVENTS = arg('events', 10_000_000);
const CONCURRENCY = arg('concurrency', 4);
/** Outbox rows (batches) the trigger relay is timed on; its jobs are then removed from Redis. */
const RELAY_BATCHES = arg('relay-batches', 20);
const SINGLE = arg('single', 0);
const SINGLE_CONCURRENCY = arg('single-concurrency', 16);
const MAX_MINUTES = arg('max-minutes', 25);
const TUNE_SERVER = flag('tune-server');
const FLOOR = !flag('no-floor');
/** Only the COPY floor, into the database an earlier run left (when that run's time limit cut it). */
const FLOOR_ONLY = flag('floor-only');
/** The events floor is also timed over this many COPY streams at once (0: only the single stream). */
const FLOOR_STREAMS = arg('floor-streams', 2);
const BATCH = 10_000;
const ROUND = 40; // batches prepared per timed round
const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DB = 'lse_bench_ingest';

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${SERVER}/postgres` });
  await c.connect();
  await c.query(sql);
  await c.end();
}

async function send(base: string, key: string, path: string, bodies: string[]): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    }
  });
  await Promise.all(workers);
}

/** Sends `total` records made by `make`, in rounds; returns seconds spent sending. */
async function load(
  base: string,
  key: string,
  path: string,
  total: number,
  make: (i: number) => unknown,
): Promise<number> {
  let seconds = 0;
  for (let start = 0; start < total; start += BATCH * ROUND) {
    const bodies: string[] = [];
    for (let b = start; b < Math.min(total, start + BATCH * ROUND); b += BATCH) {
      const records = [];
      for (let i = b; i < Math.min(total, b + BATCH); i++) records.push(make(i));
      bodies.push(JSON.stringify({ records }));
    }
    const t = process.hrtime.bigint();
    await send(base, key, path, bodies);
    seconds += Number(process.hrtime.bigint() - t) / 1e9;
    process.stderr.write(`  ${path} ${Math.min(total, start + BATCH * ROUND)}/${total}\r`);
  }
  process.stderr.write('\n');
  return seconds;
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * POST /events one event at a time, `SINGLE_CONCURRENCY` in flight; the events follow the data set
 * (existing members) with ids beyond the bulk load's. Latency is measured by the client, in this
 * same process as the api, so it includes the client's own share of the event loop.
 */
async function single(base: string, key: string): Promise<void> {
  const bodies = Array.from({ length: SINGLE }, (_, k) => JSON.stringify(event(EVENTS + k, MEMBERS)));
  const latencies: number[] = [];
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: SINGLE_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const t = process.hrtime.bigint();
        const res = await fetch(`${base}/events`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        });
        const text = await res.text();
        if (res.status !== 201) throw new Error(`/events: HTTP ${res.status} ${text.slice(0, 300)}`);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  out(
    `single POST /events: ${Math.round(SINGLE / seconds).toLocaleString('en')} req/s (${SINGLE} in ${seconds.toFixed(1)} s, ${SINGLE_CONCURRENCY} in flight)   latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`,
  );
}

const load1 = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const tuning = serverTuning(`${SERVER}/postgres`, TUNE_SERVER, out);
  const watchdog = setTimeout(() => {
    out(`stopped after --max-minutes ${MAX_MINUTES}: the figures above are all this run measured`);
    void tuning.reset().finally(() => process.exit(2));
  }, MAX_MINUTES * 60_000);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void tuning.reset().finally(() => process.exit(130)));
  }
  try {
    await tuning.apply();
    await (FLOOR_ONLY ? floorOnly() : run());
  } finally {
    await tuning.reset();
  }
  process.stderr.write(`  load average at the end: ${load1()}\n`);
  process.exit(0);
}

async function run(): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DB}`);
  const config = loadConfig(
    {},
    {
      NODE_ENV: 'production',
      DATABASE_URL: `${SERVER}/${DB}`,
      LOG_LEVEL: 'silent',
      QUEUE_PREFIX: 'lse-bench-ingest',
      DATABASE_POOL_SIZE: '8',
    },
    '/nonexistent/.env',
  );
  await applyMigrations(config);

  const api = await createApiApp(config);
  await api.listen({ port: 0, host: '127.0.0.1' });
  const base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  const workspace = await api.get(WorkspacesService).ensureDefault();
  const { key } = await api.get(ApiKeysService).create(workspace.id, ApiKeyScope.Admin, 'bench');

  // A fresh start in Redis too: no stream entries or jobs of an earlier run under this prefix.
  const { host, port, username, password, db, tls } = redisOptions(config.redis.url);
  const queue = new Queue(QueueName.TriggerEvents, {
    connection: { host, port, username, password, db, tls, maxRetriesPerRequest: null },
    prefix: config.queue.prefix,
  });
  await queue.obliterate({ force: true });
  await api.get<Redis>(REDIS).del(api.get(TriggerPublisher).streamKey);

  out(`ingest bench: ${MEMBERS} members, ${EVENTS} events, ${CONCURRENCY} requests in flight, ${BATCH}/request`);
  const rate = (n: number, s: number): string => `${Math.round(n / s).toLocaleString('en')}/s`;
  out(`  load average at the start: ${load1()}`);
  const memberSeconds = await load(base, key, '/members:bulk', MEMBERS, (i) => member(i));
  out(`members: ${rate(MEMBERS, memberSeconds)} (${memberSeconds.toFixed(1)} s)   load ${load1()}`);
  const eventSeconds = await load(base, key, '/events:bulk', EVENTS, (j) => event(j, MEMBERS));
  if (EVENTS > 0) out(`events:  ${rate(EVENTS, eventSeconds)} (${eventSeconds.toFixed(1)} s)   load ${load1()}`);
  if (SINGLE > 0) await single(base, key);

  // Publication for triggers is the worker's stream relay, off the request path: timed apart, on
  // the first batches, then its jobs are dropped (nothing consumes them here).
  const relay = api.get(TriggerRelay);
  await relay.ensureGroup();
  const conn = api.get<Redis>(REDIS).duplicate();
  const relayStart = process.hrtime.bigint();
  for (let n = 0; n < RELAY_BATCHES;) {
    const taken = await relay.relayNew(conn, 'bench', 100, Math.min(10, RELAY_BATCHES - n));
    if (taken === 0) break;
    n += taken;
  }
  const relaySeconds = Number(process.hrtime.bigint() - relayStart) / 1e9;
  const relayedJobs = Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);
  await queue.obliterate({ force: true });
  await queue.close();
  conn.disconnect();

  const sql = new Client({ connectionString: config.database.url });
  await sql.connect();
  const outbox = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM trigger_outbox`);
  const size = await sql.query<{ db: string; events: string; members: string; aggregates: string }>(
    `SELECT pg_size_pretty(pg_database_size(current_database())) AS db, pg_size_pretty(pg_total_relation_size('events')) AS events,
            pg_size_pretty(pg_total_relation_size('members')) AS members, pg_size_pretty(pg_total_relation_size('member_aggregates')) AS aggregates`,
  );
  await api.close();

  out(
    `database: ${size.rows[0].db} (events ${size.rows[0].events}, members ${size.rows[0].members}, member_aggregates ${size.rows[0].aggregates}); trigger_outbox rows left: ${outbox.rows[0].n}`,
  );
  out(
    `trigger relay (worker, after commit): ${rate(relayedJobs, relaySeconds)} (${relayedJobs} jobs from the stream in ${relaySeconds.toFixed(1)} s)`,
  );
  if (!FLOOR) {
    await sql.end();
    return;
  }

  await floor(sql, workspace.id, memberSeconds, eventSeconds);
  await sql.end();
  out('(the database lse_bench_ingest is kept for the segment benchmarks; COPY tables are extra)');
}

/**
 * The floor: the same rows COPYed into tables of the same shape and indexes (no aggregates). The
 * API/floor ratio is printed when the API seconds of the same run are known.
 */
async function floor(
  sql: Client,
  ws: string,
  memberSeconds: number | null,
  eventSeconds: number | null,
): Promise<void> {
  const rate = (n: number, s: number): string => `${Math.round(n / s).toLocaleString('en')}/s`;
  const ratio = (api: number | null, copy: number): string =>
    api === null ? '' : `   API/floor time ratio ${(api / copy).toFixed(2)}×`;
  await sql.query(`DROP TABLE IF EXISTS copy_members, copy_events`);
  await sql.query(`CREATE TABLE copy_members (LIKE members INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING IDENTITY)`);
  await sql.query(`CREATE TABLE copy_events (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING IDENTITY)`);
  const copyMembers = await copyRows(sql, `COPY copy_members (${MEMBER_COPY_COLUMNS}) FROM STDIN`, MEMBERS, (i) =>
    tsvLine(memberCopyFields(ws, member(i))),
  );
  out(
    `members COPY floor ${rate(MEMBERS, copyMembers)} (${copyMembers.toFixed(1)} s)${ratio(memberSeconds, copyMembers)}   load ${load1()}`,
  );
  if (EVENTS > 0) {
    const copyEvents = await copyRows(sql, `COPY copy_events (${EVENT_COPY_COLUMNS}) FROM STDIN`, EVENTS, (j) =>
      eventCopyLine(ws, event(j, MEMBERS)),
    );
    out(
      `events COPY floor ${rate(EVENTS, copyEvents)} (${copyEvents.toFixed(1)} s)${ratio(eventSeconds, copyEvents)}   load ${load1()}`,
    );
    if (FLOOR_STREAMS > 1) {
      await sql.query(`TRUNCATE copy_events`);
      const parallel = await copyRowsParallel(
        `${SERVER}/${DB}`,
        `COPY copy_events (${EVENT_COPY_COLUMNS}) FROM STDIN`,
        EVENTS,
        FLOOR_STREAMS,
        (j) => eventCopyLine(ws, event(j, MEMBERS)),
      );
      out(
        `events COPY floor, ${FLOOR_STREAMS} streams at once ${rate(EVENTS, parallel)} (${parallel.toFixed(1)} s)${ratio(eventSeconds, parallel)}   load ${load1()}`,
      );
    }
  }
}

async function floorOnly(): Promise<void> {
  const sql = new Client({ connectionString: `${SERVER}/${DB}` });
  await sql.connect();
  const ws = await sql.query<{ id: string }>(`SELECT id FROM workspaces ORDER BY created_at LIMIT 1`);
  out(`ingest bench, COPY floor only (into ${DB}): ${MEMBERS} members, ${EVENTS} events`);
  out(`  load average at the start: ${load1()}`);
  await floor(sql, ws.rows[0].id, null, null);
  await sql.end();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
