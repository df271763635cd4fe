// Private servers for the recovery specs: a redis-server and a PostgreSQL cluster of their own
// that a test may kill -9 and restart without touching the shared ones other test files use.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import Redis from 'ioredis';
import { loadConfig } from '@app/common';
import { applyMigrations } from '../migrations/data-source';
import { sleep } from './campaigns-support';

const run = promisify(execFile);

/** A TCP port nobody listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * Each private server lives in `lse-private-<pid of the jest worker>-*` under the temp directory.
 * A worker killed before its afterAll leaves its servers running: the next start of any private
 * server stops those of dead workers (their pid files say which process) and removes their files.
 */
const OWNED = /^lse-private-(\d+)-/;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const pidIn = (file: string): number | null => {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
};

/** The command line of a process (a recycled pid must not be killed for a server). */
const commandOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

function privateDir(): string {
  for (const name of readdirSync(tmpdir())) {
    const owner = OWNED.exec(name)?.[1];
    if (owner === undefined || alive(Number(owner))) continue;
    const dir = join(tmpdir(), name);
    for (const file of [join(dir, 'redis.pid'), join(dir, 'data', 'postmaster.pid')]) {
      const pid = pidIn(file);
      if (pid !== null && alive(pid) && /redis-server|postgres/.test(commandOf(pid))) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return mkdtempSync(join(tmpdir(), `lse-private-${process.pid}-`));
}

export interface PrivateRedis {
  url: string;
  /** SIGKILL: what a crash or an OOM kill does (nothing is kept: no RDB, no AOF). */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Kills it and removes its files. */
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = privateDir();
  const port = await freePort();
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const r: PrivateRedis = {
    url,
    async start() {
      child = spawn('redis-server', [...args, '--dir', dir, '--pidfile', join(dir, 'redis.pid')], { stdio: 'ignore' });
      for (let i = 0; ; i++) {
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await probe.connect();
          await probe.ping();
          return;
        } catch (e) {
          if (i > 100) throw e;
          await sleep(50);
        } finally {
          probe.disconnect();
        }
      }
    },
    kill() {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    async stop() {
      await r.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await r.start();
  return r;
}

export interface PrivatePostgres {
  /** The URL of a database of this cluster. */
  url(database: string): string;
  /**
   * `pg_ctl stop -m immediate` (every backend killed at once, no checkpoint), down for `downMs`,
   * then started again, which runs crash recovery.
   */
  crashRestart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throwaway cluster in a temp directory. initdb and postgres refuse to run as root, so as root
 * (this machine and its CI) they run as the `postgres` user through runuser; otherwise as the
 * current user. fsync and full-page writes off: the data is disposable and the crash is of the
 * server, not of the machine (the OS keeps what was written). Commits stay synchronous, as in
 * production: a committed transaction survives the crash.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = privateDir();
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(uid.trim()), Number(gid.trim()));
  }
  const pg = (cmd: string, args: string[]): Promise<unknown> =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
  const data = join(dir, 'data');
  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;
  const start = (): Promise<unknown> =>
    pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start']);
  const stop = (): Promise<unknown> => pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  await start();
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async crashRestart(downMs) {
      await stop();
      await sleep(downMs);
      await start();
    },
    async stop() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `database` on the cluster and applies every migration (as the global setup does for the shared template). */
export async function migratedDatabase(serverUrl: (db: string) => string, database: string): Promise<void> {
  const admin = new Client({ connectionString: serverUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const config = loadConfig(
    {},
    { NODE_ENV: 'test', DATABASE_URL: serverUrl(database), LOG_LEVEL: 'silent' },
    '/nonexistent/.env',
  );
  await applyMigrations(config);
}

/** A workspace and one channel without quiet hours or frequency cap (the rules have their own tests). */
export async function seedChannel(
  sql: Client,
  lineChannelId: string,
  accessToken: string,
): Promise<{ workspaceId: string; channelId: string }> {
  const ws = await sql.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('recovery') RETURNING id`);
  const workspaceId = ws.rows[0].id;
  const ch = await sql.query<{ id: string }>(
    `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
     VALUES ($1, 'c', $2, 'secret', $3) RETURNING id`,
    [workspaceId, lineChannelId, accessToken],
  );
  const channelId = ch.rows[0].id;
  await sql.query(
    `INSERT INTO channel_delivery_settings (channel_id, workspace_id, quiet_start, quiet_end, frequency_cap_max)
     VALUES ($1, $2, '00:00', '00:00', 0)`,
    [channelId, workspaceId],
  );
  return { workspaceId, channelId };
}

/**
 * The campaign's state from PostgreSQL, on a fresh connection each time (a test that restarts
 * the server must not depend on a connection that survived it); null while the server is away.
 */
export async function campaignState(
  databaseUrl: string,
  campaignId: string,
): Promise<{ status: string; sent: number } | null> {
  const sql = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
  try {
    await sql.connect();
    const { rows } = await sql.query<{ status: string; sent: number }>(
      `SELECT c.status, (SELECT count(*)::int FROM delivery_recipient_ledger l WHERE l.campaign_id = c.id AND l.status = 'sent') AS sent
       FROM campaigns c WHERE c.id = $1`,
      [campaignId],
    );
    return rows[0] ?? null;
  } catch {
    return null;
  } finally {
    await sql.end().catch(() => undefined);
  }
}

/** Polls until the campaign has at least `sent` recipients sent (or is `status`), or throws after `ms`. */
export async function waitForCampaign(
  databaseUrl: string,
  campaignId: string,
  done: (s: { status: string; sent: number }) => boolean,
  ms: number,
): Promise<{ status: string; sent: number }> {
  let last: { status: string; sent: number } | null = null;
  for (const end = Date.now() + ms; Date.now() < end;) {
    last = (await campaignState(databaseUrl, campaignId)) ?? last;
    if (last !== null && done(last)) return last;
    await sleep(100);
  }
  throw new Error(`campaign ${campaignId} not there after ${ms} ms: ${JSON.stringify(last)}`);
}

/**
 * From the emulator's records (not the engine's): the LINE users that did not get exactly one
 * message, and those that got one without being expected.
 */
export function notExactlyOnce(
  records: ReadonlyArray<{ to: readonly string[] }>,
  expected: Set<string>,
): { wrong: Array<[string, number]>; reached: number } {
  const got = new Map<string, number>();
  for (const r of records) for (const to of r.to) got.set(to, (got.get(to) ?? 0) + 1);
  for (const u of expected) if (!got.has(u)) got.set(u, 0);
  const wrong = [...got.entries()].filter(([u, n]) => n !== 1 || !expected.has(u));
  return { wrong, reached: [...got.values()].filter((n) => n > 0).length };
}
