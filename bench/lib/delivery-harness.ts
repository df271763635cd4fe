// Shared by the delivery e2e specs and the delivery/trigger benchmarks: set-based audience seeding
// straight into members/line_users (never through HTTP: the subject is delivery, not ingestion),
// and worker processes started from dist/ that can be SIGKILLed and whose RSS can be sampled.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';

export const ROOT = join(__dirname, existsSync(join(__dirname, '../../package.json')) ? '../..' : '../../..');
export const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');

/** The LINE user id of simulated member number `i` (U + 32 hex). */
export const lineUserIdOf = (i: number): string => `U${i.toString(16).padStart(32, '0')}`;

export interface SeedOptions {
  /** External ids are `${prefix}${i}`. */
  prefix?: string;
  /** Link every member to a LINE user of the channel (default true). */
  linked?: boolean;
  /** Members with `i % 10 === 9` do not follow (default true: 10 % unreachable). */
  someNotFollowing?: boolean;
}

/** Seeds members `from..from+count-1` (first name on even ones) and their LINE users, in two statements. */
export async function seedAudience(
  sql: Client,
  workspaceId: string,
  channelId: string,
  from: number,
  count: number,
  opts: SeedOptions = {},
): Promise<void> {
  const prefix = opts.prefix ?? 'm';
  await sql.query(
    `INSERT INTO members (workspace_id, external_id, first_name, points_balance, attributes)
     SELECT $1, $4 || g, CASE WHEN g % 2 = 0 THEN '花子' || g END, g, jsonb_build_object('color', 'red')
     FROM generate_series($2::int, $3::int) g`,
    [workspaceId, from, from + count - 1, prefix],
  );
  if (opts.linked === false) return;
  await sql.query(
    `INSERT INTO line_users (workspace_id, channel_id, line_user_id, following, member_id)
     SELECT $1, $2, 'U' || lpad(to_hex(g), 32, '0'), ${opts.someNotFollowing === false ? 'true' : 'g % 10 <> 9'}, m.id
     FROM generate_series($3::int, $4::int) g JOIN members m ON m.workspace_id = $1 AND m.external_id = $5 || g`,
    [workspaceId, channelId, from, from + count - 1, prefix],
  );
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Peak resident set size seen by `sample()`, in bytes. */
  peakRss: number;
  sample(): number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const rssOf = (pid: number): number => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
};

/**
 * Starts `node dist/apps/worker/src/main.js` with exactly the given environment (plus PATH), so a
 * test can SIGKILL it at any moment as an orchestrator or the OOM killer would.
 */
export function spawnWorker(env: Record<string, string>, log = false): WorkerProcess {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run npm run build first`);
  const child = spawn(process.execPath, [WORKER_MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', log ? 'inherit' : 'ignore', 'inherit'],
  });
  const w: WorkerProcess = {
    child,
    peakRss: 0,
    sample() {
      const rss = child.pid === undefined ? 0 : rssOf(child.pid);
      if (rss > w.peakRss) w.peakRss = rss;
      return rss;
    },
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
  return w;
}

/** Waits until `check` holds (polling), or throws with `describe()` after `ms`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  ms: number,
  describe: () => Promise<string> = () => Promise.resolve(''),
  everyMs = 100,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms ${await describe()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
