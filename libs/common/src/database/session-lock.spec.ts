import { DataSource } from 'typeorm';
import { createTestContext, TestContext } from '@app/testing';
import { withSessionLock } from './session-lock';

describe('withSessionLock', () => {
  let ctx: TestContext;
  let db: DataSource;

  beforeAll(async () => {
    ctx = await createTestContext();
    // One pooled connection: a lock held on a pooled connection would leave the work none.
    db = new DataSource({
      type: 'postgres',
      url: ctx.config.database.url,
      extra: { max: 1, connectionTimeoutMillis: 2_000, statement_timeout: 5_000 },
    });
    await db.initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx?.close();
  });

  it('runs holders of one key in turn while their work uses the whole pool', async () => {
    const spans: Array<[number, number]> = [];
    const holder = () =>
      withSessionLock(db, 'spec:a', async () => {
        const start = performance.now();
        await db.query(`SELECT pg_sleep(0.1)`);
        spans.push([start, performance.now()]);
        return spans.length;
      });
    expect((await Promise.all([holder(), holder(), holder()])).sort()).toEqual([1, 2, 3]);
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });

  it('lets holders of other keys run at once', async () => {
    let inside = 0;
    let most = 0;
    const holder = (key: string) =>
      withSessionLock(db, key, async () => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 100));
        inside--;
      });
    await Promise.all([holder('spec:b'), holder('spec:c')]);
    expect(most).toBe(2);
  });

  it('releases the lock when the work throws, and leaves no session behind', async () => {
    await expect(withSessionLock(db, 'spec:d', () => Promise.reject(new Error('work failed')))).rejects.toThrow(
      'work failed',
    );
    await expect(withSessionLock(db, 'spec:d', () => Promise.resolve('again'))).resolves.toBe('again');
    const [{ n }] = await ctx.sql
      .query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
        WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
      )
      .then((r) => r.rows);
    expect(Number(n)).toBe(0);
  });

  it('names its session after the pool it stands beside', async () => {
    const named = new DataSource({
      type: 'postgres',
      url: ctx.config.database.url,
      extra: { max: 1, application_name: 'lse-spec' },
    });
    await named.initialize();
    try {
      const seen = await withSessionLock(named, 'spec:e', () =>
        ctx.sql
          .query<{ name: string }>(
            `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
              WHERE l.locktype = 'advisory' AND a.datname = current_database()`,
          )
          .then((r) => r.rows.map((row) => row.name)),
      );
      expect(seen).toEqual(['lse-spec lock']);
    } finally {
      await named.destroy();
    }
  });
});
