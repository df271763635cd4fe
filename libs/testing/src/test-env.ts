import { randomBytes } from 'node:crypto';
import { AppConfig, loadConfig } from '@app/common';

/** The database and Redis the test run talks to (default: the machine's local servers). */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Per jest run (set by global-setup), so that concurrent runs on one server never collide. */
export const templateDatabase = (): string => process.env.LSE_TEST_TEMPLATE ?? 'lse_test_template';

export const databaseUrl = (name: string): string => `${TEST_SERVER_URL.replace(/\/$/, '')}/${name}`;

export const uniqueSuffix = (): string => `${process.pid}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

/** A config for one test file: its own database and Redis prefix, quiet logs, random ports. */
export function testConfig(
  databaseName: string,
  redisPrefix: string,
  overrides: Record<string, string> = {},
): AppConfig {
  return loadConfig(
    {},
    {
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl(databaseName),
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: redisPrefix,
      LOG_LEVEL: 'silent',
      API_PORT: '0',
      WORKER_HEARTBEAT_INTERVAL_MS: '1000',
      SHUTDOWN_GRACE_MS: '5000',
      ...overrides,
    },
    '/nonexistent/.env',
  );
}
