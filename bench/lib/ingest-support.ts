/** Helpers of bench/ingest.ts: latency percentiles and the opt-in server tuning. */
import { Client } from 'pg';

/** p-th percentile (nearest rank) of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Checkpoint spacing for a bulk load of gigabytes: with the defaults (max_wal_size 1 GB,
 * checkpoint_timeout 5 min) a checkpoint comes every ~1 GB of WAL, and the first change of every
 * page after it writes the whole page to WAL again (full-page writes). lz4 compresses those
 * images. Durability is untouched: fsync, synchronous_commit and full_page_writes stay on.
 */
const TUNED: Array<[name: string, value: string]> = [
  ['max_wal_size', '16GB'],
  ['checkpoint_timeout', '30min'],
  ['wal_compression', 'lz4'],
];

export interface ServerTuning {
  apply(): Promise<void>;
  /** Idempotent: RESETs what apply() set (the server is shared with CI and other benches). */
  reset(): Promise<void>;
}

async function onServer(url: string, statements: string[]): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

/** With `enabled` false both steps do nothing, so the default run leaves the server as it is. */
export function serverTuning(adminUrl: string, enabled: boolean, out: (line: string) => void): ServerTuning {
  let applied = false;
  return {
    async apply() {
      if (!enabled) return;
      applied = true;
      await onServer(adminUrl, [
        ...TUNED.map(([name, value]) => `ALTER SYSTEM SET ${name} = '${value}'`),
        'SELECT pg_reload_conf()',
      ]);
      out(`--tune-server: ALTER SYSTEM SET ${TUNED.map(([n, v]) => `${n} = '${v}'`).join(', ')}; pg_reload_conf()`);
    },
    async reset() {
      if (!applied) return;
      applied = false;
      await onServer(adminUrl, [...TUNED.map(([name]) => `ALTER SYSTEM RESET ${name}`), 'SELECT pg_reload_conf()']);
      out(`--tune-server: ALTER SYSTEM RESET ${TUNED.map(([n]) => n).join(', ')}; pg_reload_conf()`);
    },
  };
}
