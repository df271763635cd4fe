import { Client } from 'pg';
import Redis from 'ioredis';
import { AppConfig, redisOptions } from '@app/common';
import { databaseUrl, templateDatabase, testConfig, uniqueSuffix, TEST_REDIS_URL } from './test-env';

export interface TestContext {
  config: AppConfig;
  databaseName: string;
  redisPrefix: string;
  /** A plain pg client on the file's database, for assertions. */
  sql: Client;
  /** A Redis client, for assertions on the file's keys. */
  redis: Redis;
  close(): Promise<void>;
}

async function withAdmin<T>(fn: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Gives a test file its own migrated database (a clone of the template) and Redis key prefix,
 * and removes both afterwards. Call in beforeAll, close in afterAll.
 */
export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const suffix = uniqueSuffix();
  const databaseName = `lse_t_${suffix}`;
  const redisPrefix = `lse-t-${suffix}`;
  await withAdmin(async (admin) => {
    // Two files cloning at once both need the template idle; PostgreSQL says so with 55006.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${databaseName}" TEMPLATE ${templateDatabase()}`);
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== '55006' || attempt > 50) throw e;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  const config = testConfig(databaseName, redisPrefix, overrides);
  const sql = new Client({ connectionString: config.database.url });
  await sql.connect();
  const redis = new Redis(redisOptions(TEST_REDIS_URL));
  return {
    config,
    databaseName,
    redisPrefix,
    sql,
    redis,
    async close() {
      await sql.end().catch(() => undefined);
      const keys = await redis.keys(`${redisPrefix}:*`);
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
    },
  };
}
