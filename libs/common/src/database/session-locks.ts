import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client, ClientConfig } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

/** How long a taken key is polled for again, at first and at most. */
const POLL_FIRST_MS = 20;
const POLL_MAX_MS = 250;

/**
 * PostgreSQL session advisory locks for work that must not run twice at once in any process but
 * lasts through slow calls (LINE requests), so that no transaction can hold its lock.
 *
 * The locks live on one connection per process, opened for them outside the pool and kept. On a
 * pooled connection, the holder's work (whose queries use the pool) would hold one connection
 * while asking for others, and a waiter would hold one while it waits: enough of them at once and
 * no connection is left for anyone. A connection of its own per lock instead cost 26 ms to open
 * and close on the 2-core machine, for every rich-menu sync of a follow or a link.
 *
 * Taking a lock never blocks that connection: `pg_try_advisory_lock`, polled while another
 * process holds the key. Within the process, holders of a key queue in turn (a session may take
 * its own lock again, so PostgreSQL would let them both in). Waiting longer than `timeoutMs`, in
 * the queue or for another process, fails the caller (its job retries). If the lock connection breaks, PostgreSQL releases its locks
 * at once: the work going on then may overlap another's, so this suits work whose rare overlap
 * only repeats idempotent calls.
 */
@Injectable()
export class SessionLocks implements OnApplicationShutdown {
  private readonly logger = new Logger(SessionLocks.name);
  /** The lock connection, once asked for; forgotten when it breaks (its locks went with it). */
  private current: { client: Client; ready: Promise<Client> } | null = null;
  /** The last holder's turn per key in this process: a new holder waits for it. */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async withLock<T>(key: string, work: () => Promise<T>, timeoutMs = this.statementTimeoutMs()): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    const before = this.turns.get(key) ?? Promise.resolve();
    let leave = (): void => undefined;
    const left = new Promise<void>((resolve) => (leave = resolve));
    // The next holder goes once the one before this one and this one are both gone, also when
    // this one gave up waiting.
    const turn = Promise.all([before, left]).then(() => undefined);
    this.turns.set(key, turn);
    try {
      await this.until(
        before,
        deadline,
        () => new Error(`lock ${key} still held in this process after ${timeoutMs} ms`),
      );
      const holder = await this.acquire(key, deadline, timeoutMs);
      try {
        return await work();
      } finally {
        await this.release(holder, key);
      }
    } finally {
      leave();
      if (this.turns.get(key) === turn) this.turns.delete(key);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const current = this.current;
    this.current = null;
    if (current !== null && (await current.ready.then(() => true).catch(() => false))) await current.client.end();
  }

  private async acquire(key: string, deadline: number, timeoutMs: number): Promise<Client> {
    for (let wait = POLL_FIRST_MS; ; wait = Math.min(POLL_MAX_MS, wait * 2)) {
      const client = await this.client();
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
        [key],
      );
      if (rows[0].ok) return client;
      if (Date.now() + wait > deadline) throw new Error(`lock ${key} still held elsewhere after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Waits for `p`, or fails at `deadline`. */
  private async until(p: Promise<void>, deadline: number, timedOut: () => Error): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(timedOut()), Math.max(0, deadline - Date.now()));
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async release(holder: Client, key: string): Promise<void> {
    // A lock connection replaced since: the old session's end released the lock.
    if (this.current?.client !== holder) return;
    try {
      await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
    } catch (e) {
      // The session is broken, and its end releases the lock; the next taker opens a new one.
      this.logger.warn(`lock connection lost while releasing ${key}: ${e instanceof Error ? e.message : String(e)}`);
      this.forget(holder);
    }
  }

  private client(): Promise<Client> {
    if (this.current === null) {
      const client = new Client(lockConnectionConfig(this.dataSource.options));
      // Without a listener an 'error' (the server closing the session) would crash the process;
      // the next lock opens a new connection.
      client.on('error', (e) => {
        this.logger.warn(`lock connection lost: ${e.message}`);
        this.forget(client);
      });
      client.on('end', () => this.forget(client));
      const ready = client.connect().then(
        () => client,
        (e: unknown) => {
          this.forget(client);
          throw e;
        },
      );
      this.current = { client, ready };
    }
    return this.current.ready;
  }

  private forget(client: Client): void {
    if (this.current?.client === client) this.current = null;
  }

  private statementTimeoutMs(): number {
    return lockConnectionConfig(this.dataSource.options).statement_timeout || 30_000;
  }
}

function lockConnectionConfig(options: DataSourceOptions): ClientConfig & { statement_timeout: number } {
  if (options.type !== 'postgres') throw new Error(`session locks need PostgreSQL, not ${options.type}`);
  const extra = (options.extra ?? {}) as { statement_timeout?: number; application_name?: string };
  return {
    connectionString: options.url,
    statement_timeout: extra.statement_timeout ?? 0,
    connectionTimeoutMillis: extra.statement_timeout,
    application_name: `${extra.application_name ?? 'line-segment-engine'} locks`,
  };
}
