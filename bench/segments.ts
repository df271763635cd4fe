/**
 * `npm run bench:segments [-- --members N --events N --runs N --reload]`: the example segments
 * of the issue on the ingestion data set (1M members / 10M events by default), loaded by COPY
 * into a kept database `lse_bench_segments` (reloaded only if missing, of another size, or with
 * --reload; `--only name,name` for a subset, `--explain` for the plans). Prints per example: preview median, snapshot time and size, and the compiled
 * audience query against a hand-written one (same rows, time ratio).
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { loadConfig } from '@app/common';
import {
  SegmentPreviewsService,
  SegmentSnapshotsService,
  SegmentsService,
  audienceSql,
  countByProbeSql,
  countSql,
  sampleSql,
  snapshotInsertSql,
} from '@app/segments';
import { createApiApp } from '../apps/api/src/api.factory';
import { applyMigrations } from '../migrations/data-source';
import { BENCH_NOW, loadSegmentsDataset } from './lib/segments-data';
import { EXAMPLES, HAND_WRITTEN } from './lib/segments-examples';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MEMBERS = arg('members', 1_000_000);
const EVENTS = arg('events', 10_000_000);
const RUNS = arg('runs', 7);
const RELOAD = process.argv.includes('--reload');
/** `--only a,b`: just these examples; `--explain`: print EXPLAIN (ANALYZE, BUFFERS) of each statement. */
const ONLY = ((i) => (i > 0 ? new Set(process.argv[i + 1].split(',')) : null))(process.argv.indexOf('--only'));
const EXPLAIN = process.argv.includes('--explain');
const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const DB = process.env.BENCH_SEGMENTS_DB ?? 'lse_bench_segments';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e6;

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${SERVER}/postgres` });
  await c.connect();
  await c.query(sql);
  await c.end();
}

async function loaded(sql: Client): Promise<{ workspaceId: string; channelId: string } | null> {
  const meta = await sql
    .query<{ members: number; events: number; workspace_id: string; channel_id: string }>(
      `SELECT members, events, workspace_id, channel_id FROM bench_segments_meta`,
    )
    .catch(() => null);
  const row = meta?.rows[0];
  if (row === undefined || row.members !== MEMBERS || row.events !== EVENTS) return null;
  return { workspaceId: row.workspace_id, channelId: row.channel_id };
}

async function main(): Promise<void> {
  const url = `${SERVER}/${DB}`;
  const exists = await (async () => {
    const c = new Client({ connectionString: `${SERVER}/postgres` });
    await c.connect();
    const r = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DB]);
    await c.end();
    return r.rowCount === 1;
  })();
  let ids: { workspaceId: string; channelId: string } | null = null;
  if (exists && !RELOAD) {
    const probe = new Client({ connectionString: url });
    await probe.connect();
    ids = await loaded(probe);
    await probe.end();
  }
  const config = loadConfig(
    {},
    {
      NODE_ENV: 'production',
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
      QUEUE_PREFIX: 'lse-bench-segments',
      DATABASE_POOL_SIZE: '4',
      DATABASE_STATEMENT_TIMEOUT_MS: '600000',
    },
    '/nonexistent/.env',
  );
  if (ids === null) {
    out(`loading ${MEMBERS} members / ${EVENTS} events into ${DB} by COPY (kept for later runs; --reload to redo)`);
    await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB}`);
  }
  // Pending migrations (e.g. new indexes) apply to a kept database too.
  await applyMigrations(config);
  const sql = new Client({ connectionString: url });
  await sql.connect();
  if (ids === null) {
    ids = await loadSegmentsDataset(sql, MEMBERS, EVENTS, out);
    await sql.query(
      `CREATE TABLE bench_segments_meta AS SELECT $1::int AS members, $2::int AS events, $3::uuid AS workspace_id, $4::uuid AS channel_id`,
      [MEMBERS, EVENTS, ids.workspaceId, ids.channelId],
    );
  }
  const { workspaceId, channelId } = ids;
  const api = await createApiApp(config);
  await api.init();
  const segments = api.get(SegmentsService);
  const segmentPreviews = api.get(SegmentPreviewsService);
  const segmentSnapshots = api.get(SegmentSnapshotsService);
  // The settings SegmentsRepository.guarded gives segment queries, for the compiled/hand timings.
  await sql.query(`SET work_mem = '128MB'`);
  await sql.query(`SET jit = off`);
  await sql.query(`SET random_page_cost = 1.1`);
  await sql.query(`SET max_parallel_workers_per_gather = 0`);

  out(`segments bench: ${MEMBERS} members, ${EVENTS} events, now = ${BENCH_NOW.toISOString()}, ${RUNS} runs each`);
  out(
    ['example', 'audience', 'matching', 'preview med ms', 'snapshot ms', 'compiled ms', 'hand ms', 'ratio', 'same']
      .map((h, i) => (i === 0 ? h.padEnd(34) : h.padStart(i === 8 ? 5 : 14)))
      .join(''),
  );
  for (const [name, rules] of Object.entries(EXAMPLES)) {
    if (ONLY !== null && !ONLY.has(name)) continue;
    if (EXPLAIN) await explain(sql, segments, workspaceId, channelId, name, rules);
    await segmentPreviews.preview(workspaceId, channelId, rules, { now: BENCH_NOW }); // warm
    const previews: number[] = [];
    let last = { audience: 0, matching: 0 };
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      last = await segmentPreviews.preview(workspaceId, channelId, rules, { now: BENCH_NOW, sampleSize: 10 });
      previews.push(ms(t));
    }
    const saved = await segments.create(workspaceId, { name, channelId, rules });
    const ts = process.hrtime.bigint();
    const snap = await segmentSnapshots.snapshot(workspaceId, channelId, saved.id, BENCH_NOW);
    const snapshotMs = ms(ts);

    const prepared = await segments.prepare(workspaceId, rules);
    const compiled = segments.compile(prepared, workspaceId, channelId, BENCH_NOW);
    const compiledSql = audienceSql(compiled, prepared.restrictToReachable);
    const hand = HAND_WRITTEN[name];
    const compiledTimes: number[] = [];
    const handTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = process.hrtime.bigint();
      await sql.query(`SELECT count(*) FROM (${compiledSql}) x`, compiled.params.values);
      compiledTimes.push(ms(t));
      t = process.hrtime.bigint();
      await sql.query(`SELECT count(*) FROM (${hand}) x`, [workspaceId, channelId]);
      handTimes.push(ms(t));
    }
    // Same audience: nothing in one and not the other (parameters of the hand query appended).
    const n = compiled.params.values.length;
    const handShifted = hand.replace(/\$([12])\b/g, (_, d: string) => `$${n + Number(d)}`);
    const diff = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (((SELECT member_id FROM (${compiledSql}) c) EXCEPT (SELECT member_id FROM (${handShifted}) h))
         UNION ALL ((SELECT member_id FROM (${handShifted}) h) EXCEPT (SELECT member_id FROM (${compiledSql}) c))) d`,
      [...compiled.params.values, workspaceId, channelId],
    );
    const c = median(compiledTimes);
    const h = median(handTimes);
    out(
      [
        name.padEnd(34),
        String(last.audience).padStart(14),
        String(last.matching).padStart(14),
        median(previews).toFixed(1).padStart(14),
        `${snapshotMs.toFixed(0)} (${snap.size})`.padStart(14),
        c.toFixed(1).padStart(14),
        h.toFixed(1).padStart(14),
        (c / h).toFixed(2).padStart(14),
        (diff.rows[0].n === 0 ? 'yes' : `NO ${diff.rows[0].n}`).padStart(5),
      ].join(''),
    );
    await sql.query(`DELETE FROM segment_snapshot_chunks WHERE snapshot_id = $1`, [snap.snapshotId]);
    await sql.query(`DELETE FROM segment_snapshots WHERE id = $1`, [snap.snapshotId]);
    // Every example writes into a table as a kept database has it, not one full of dead rows.
    await sql.query(`VACUUM segment_snapshot_chunks`);
  }
  await sql.query(`DELETE FROM segments WHERE workspace_id = $1`, [workspaceId]);
  await api.close();
  await sql.end();
}

/** The plans of the preview's count and sample and of the snapshot insert (rolled back). */
async function explain(
  sql: Client,
  segments: SegmentsService,
  workspaceId: string,
  channelId: string,
  name: string,
  rules: unknown,
): Promise<void> {
  const prepared = await segments.prepare(workspaceId, rules);
  const c = segments.compile(prepared, workspaceId, channelId, BENCH_NOW);
  const values = [...c.params.values];
  const snapshotRef = c.params.add('00000000-0000-4000-8000-000000000000', 'uuid');
  const statements: Array<[string, string, unknown[]]> = [
    ['count (merge)', countSql(c), values],
    ['count (probe)', countByProbeSql(c), values],
    ['sample', sampleSql(c, prepared.restrictToReachable, 10), values],
    ['snapshot', snapshotInsertSql(c, prepared.restrictToReachable, snapshotRef), c.params.values],
  ];
  for (const [what, text, params] of statements) {
    await sql.query('BEGIN');
    const plan = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
    await sql.query('ROLLBACK');
    out(`--- ${name} ${what}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
