import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * Runs `work` while holding a PostgreSQL session advisory lock on `key`, taken on a connection
 * opened for it outside the pool. Work that must not run twice at once but lasts through slow
 * calls (LINE requests) cannot hold a transaction, so the lock is a session's. Were that session
 * a pooled connection, `work` (whose queries use the pool) would hold one connection while
 * asking for others, and a waiter would hold one while it waits: enough of them at once and no
 * connection is left for anyone. Outside the pool neither can starve it.
 *
 * Waiting for the lock counts against the statement timeout like any statement, so a holder that
 * never lets go makes the waiter fail (and its job retry) instead of hang. Ending the session
 * releases the lock, also when `work` throws or the process dies.
 */
export async function withSessionLock<T>(dataSource: DataSource, key: string, work: () => Promise<T>): Promise<T> {
  const client = new Client(lockConnectionConfig(dataSource.options));
  await client.connect();
  // Without a listener, the server closing the session during `work` would crash the process
  // with an 'error' event. The lock is gone from then on while `work` goes on, so it suits work
  // whose rare overlap repeats idempotent calls rather than corrupting anything.
  client.on('error', () => undefined);
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
    return await work();
  } finally {
    await client.end();
  }
}

function lockConnectionConfig(options: DataSourceOptions) {
  if (options.type !== 'postgres') throw new Error(`session locks need PostgreSQL, not ${options.type}`);
  const extra = (options.extra ?? {}) as { statement_timeout?: number; application_name?: string };
  return {
    connectionString: options.url,
    statement_timeout: extra.statement_timeout,
    connectionTimeoutMillis: extra.statement_timeout,
    application_name: `${extra.application_name ?? 'line-segment-engine'} lock`,
  };
}
