// Shared by the delivery and trigger benchmarks: a fresh scratch database with the engine's
// migrations, the environment the engine's processes get for it (api in-process, workers spawned),
// and the bench's Redis prefix emptied before and after.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import Redis from 'ioredis';
import { AppConfig, loadConfig } from '@app/common';
import { applyMigrations } from '../../migrations/data-source';

/** Where Debian's PostgreSQL puts its socket. */
const LOCAL_SOCKET_DIR = '/var/run/postgresql';
/**
 * The server's local socket when it runs on this machine, as an engine deployed beside its
 * database would connect (DATABASE_URL `postgres://postgres@%2Fvar%2Frun%2Fpostgresql/NAME`);
 * TCP over loopback otherwise. Loopback TCP cost PostgreSQL and the workers about a tenth more
 * CPU per recipient: 1M multicast limits off 140–161k recipients/s against 165–186k/s.
 */
const GIVEN_SERVER = process.env.BENCH_DATABASE_SERVER_URL;
const LOCAL_SOCKET = GIVEN_SERVER === undefined && existsSync(`${LOCAL_SOCKET_DIR}/.s.PGSQL.5432`);
export const BENCH_DATABASE_SERVER =
  GIVEN_SERVER ??
  (LOCAL_SOCKET ? `postgres://postgres@${encodeURIComponent(LOCAL_SOCKET_DIR)}` : 'postgres://postgres@127.0.0.1:5432');
/** How the benches reach PostgreSQL, for their headers ("PostgreSQL over its local socket"). */
export const BENCH_DATABASE_TRANSPORT =
  GIVEN_SERVER !== undefined
    ? 'at BENCH_DATABASE_SERVER_URL'
    : LOCAL_SOCKET
      ? 'over its local socket'
      : 'over loopback TCP';
export const BENCH_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchEngine {
  /** Environment of the engine's processes (workers, a spawned api). */
  env: Record<string, string>;
  /** The same, for the api running in the bench's own process. */
  config: AppConfig;
  redis: Redis;
  /** Deletes every Redis key under the bench's prefix. */
  flushPrefix(): Promise<void>;
}

export async function prepareBenchEngine(options: {
  database: string;
  prefix: string;
  emulatorUrl: string;
  extraEnv?: Record<string, string>;
}): Promise<BenchEngine> {
  const admin = new Client({ connectionString: `${BENCH_DATABASE_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${options.database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${options.database}`);
  await admin.end();
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `${BENCH_DATABASE_SERVER}/${options.database}`,
    REDIS_URL: BENCH_REDIS_URL,
    QUEUE_PREFIX: options.prefix,
    LINE_API_BASE_URL: options.emulatorUrl,
    LINE_DATA_API_BASE_URL: options.emulatorUrl,
    ...options.extraEnv,
  };
  const config = loadConfig({}, { ...env, LOG_LEVEL: 'silent', API_PORT: '0' }, '/nonexistent/.env');
  await applyMigrations(config);
  const redis = new Redis(BENCH_REDIS_URL);
  const flushPrefix = async (): Promise<void> => {
    const keys = await redis.keys(`${options.prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  };
  await flushPrefix();
  return { env, config, redis, flushPrefix };
}

/**
 * Kills the bench's child processes (workers, a spawned api) when the bench ends however it
 * ends: Ctrl-C, a `timeout` around `npm run`, an uncaught error. Without it they outlived the
 * bench, kept retrying a LINE emulator that had gone with it, and loaded the machine for the next
 * measurement.
 */
export function killChildrenOnExit(
  children: () => Array<Pick<ChildProcess, 'exitCode' | 'signalCode' | 'kill'>>,
): void {
  const reap = (): void => {
    for (const c of children()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.on('exit', reap);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      reap();
      process.exit(code);
    });
  }
}
