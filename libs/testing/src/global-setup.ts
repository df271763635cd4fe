import { Client } from 'pg';
import { loadConfig } from '@app/common';
import { applyMigrations } from '../../../migrations/data-source';
import { TEST_SERVER_URL, databaseUrl } from './test-env';

/**
 * Runs the migrations once into a template database; each test file then clones it
 * (CREATE DATABASE … TEMPLATE), which takes a fraction of a second.
 */
export default async function globalSetup(): Promise<void> {
  const TEMPLATE_DATABASE = `lse_tpl_${process.pid}`;
  // Test workers are forked after this runs and inherit the variable.
  process.env.LSE_TEST_TEMPLATE = TEMPLATE_DATABASE;
  const admin = new Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
    // Databases of crashed earlier runs (their pid is in the name and no longer alive).
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^lse_(t|tpl)_[0-9]+' AND datname <> $1`,
      [TEMPLATE_DATABASE],
    );
    for (const { datname } of rows) {
      const pid = Number(/^lse_(?:t|tpl)_(\d+)/.exec(datname)?.[1]);
      if (!Number.isFinite(pid) || !processAlive(pid)) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
  } finally {
    await admin.end();
  }
  const config = loadConfig(
    {},
    { NODE_ENV: 'test', DATABASE_URL: databaseUrl(TEMPLATE_DATABASE), LOG_LEVEL: 'silent' },
    '/nonexistent/.env',
  );
  await applyMigrations(config);
  process.env.TEST_DATABASE_SERVER_URL = TEST_SERVER_URL;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
