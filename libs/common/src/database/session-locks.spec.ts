import { DataSource } from 'typeorm';
import { createTestContext, TestContext } from '@app/testing';
import { SessionLocks } from './session-locks';

describe('SessionLocks', () => {
  let ctx: TestContext;
  let db: DataSource;
  /** Two processes' worth: each has its lock connection. */
  let a: SessionLocks;
  let b: SessionLocks;

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const lockSessions = async (): Promise<number> =>
    (
      await ctx.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'lse-spec locks'`,
      )
    ).rows[0].n;
  const heldLocks = async (): Promise<number> =>
    (
      await ctx.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
          WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()`,
      )
    ).rows[0].n;

  beforeAll(async () => {
    ctx = await createTestContext();
    // One pooled connection: a lock held on a pooled connection would leave the work none.
    db = new DataSource({
      type: 'postgres',
      url: ctx.config.database.url,
      extra: { max: 1, connectionTimeoutMillis: 2_000, statement_timeout: 5_000, application_name: 'lse-spec' },
    });
    await db.initialize();
    a = new SessionLocks(db);
    b = new SessionLocks(db);
  });
  afterAll(async () => {
    await a?.onApplicationShutdown();
    await b?.onApplicationShutdown();
    await db?.destroy();
    await ctx?.close();
  });

  /** Runs holders at once and returns their [start, end] spans, in start order. */
  const spansOf = async (holders: Array<(record: () => Promise<void>) => Promise<unknown>>) => {
    const spans: Array<[number, number]> = [];
    await Promise.all(
      holders.map((h) =>
        h(async () => {
          const start = performance.now();
          await db.query(`SELECT pg_sleep(0.05)`);
          spans.push([start, performance.now()]);
        }),
      ),
    );
    return spans.sort((x, y) => x[0] - y[0]);
  };
  const overlapping = (spans: Array<[number, number]>): boolean =>
    spans.some((s, i) => i > 0 && s[0] < spans[i - 1][1]);

  it('runs the holders of a key in turn, in one process and across two, while their work uses the whole pool', async () => {
    const spans = await spansOf([
      (w) => a.withLock('spec:one', w),
      (w) => a.withLock('spec:one', w),
      (w) => b.withLock('spec:one', w),
      (w) => b.withLock('spec:one', w),
    ]);
    expect(spans).toHaveLength(4);
    expect(overlapping(spans)).toBe(false);
    // One lock connection per process, kept; nothing left held.
    expect(await lockSessions()).toBe(2);
    expect(await heldLocks()).toBe(0);
  });

  it('lets holders of different keys run at once', async () => {
    const spans = await spansOf([
      (w) => a.withLock('spec:x', () => sleep(100).then(w)),
      (w) => b.withLock('spec:y', () => sleep(100).then(w)),
    ]);
    expect(spans[1][0]).toBeLessThan(spans[0][1]);
  });

  it('releases the lock when the work throws', async () => {
    await expect(a.withLock('spec:fail', () => Promise.reject(new Error('work failed')))).rejects.toThrow(
      'work failed',
    );
    expect(await heldLocks()).toBe(0);
    await expect(b.withLock('spec:fail', () => Promise.resolve('taken'), 200)).resolves.toBe('taken');
  });

  it('fails a waiter after its timeout while another process holds the key', async () => {
    let release = (): void => undefined;
    const holding = a.withLock('spec:long', () => new Promise<void>((r) => (release = r)));
    await sleep(50);
    await expect(b.withLock('spec:long', () => Promise.resolve(), 150)).rejects.toThrow(
      'lock spec:long still held elsewhere after 150 ms',
    );
    release();
    await holding;
    await expect(b.withLock('spec:long', () => Promise.resolve('after'), 150)).resolves.toBe('after');
  });

  it('fails a waiter after its timeout behind a holder of its own process; the holders after it still go in turn', async () => {
    let release = (): void => undefined;
    const order: string[] = [];
    const holding = a.withLock('spec:queue', async () => {
      await new Promise<void>((r) => (release = r));
      order.push('first');
    });
    const impatient = a.withLock('spec:queue', () => Promise.resolve(order.push('impatient')), 100);
    const patient = a.withLock('spec:queue', () => Promise.resolve(void order.push('patient')));
    await expect(impatient).rejects.toThrow('lock spec:queue still held in this process after 100 ms');
    release();
    await Promise.all([holding, patient]);
    expect(order).toEqual(['first', 'patient']);
  });

  it('opens a new lock connection after the old one was closed by the server', async () => {
    await ctx.sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'lse-spec locks'`,
    );
    await sleep(100);
    await expect(a.withLock('spec:again', () => Promise.resolve(1))).resolves.toBe(1);
    await expect(b.withLock('spec:again', () => Promise.resolve(2))).resolves.toBe(2);
    expect(await lockSessions()).toBe(2);
  });
});
