import { DataSource } from 'typeorm';
import { createTestContext, TestContext } from '@app/testing';
import { preparedRows, statementName, unpreparedRows } from './prepared-query';

describe('preparedRows', () => {
  let ctx: TestContext;
  let db: DataSource;

  beforeAll(async () => {
    ctx = await createTestContext();
    db = new DataSource({ type: 'postgres', url: ctx.config.database.url, poolSize: 1 });
    await db.initialize();
    await db.query(`CREATE TABLE prepared_spec (n int)`);
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx?.close();
  });

  it('runs a statement prepared once per connection under a name made from its text', async () => {
    const text = `SELECT $1::int + 1 AS n`;
    expect(await preparedRows<{ n: number }>(db, text, [1])).toEqual([{ n: 2 }]);
    expect(await preparedRows<{ n: number }>(db, text, [41])).toEqual([{ n: 42 }]);
    const prepared = await db.query<Array<{ name: string }>>(`SELECT name FROM pg_prepared_statements`);
    expect(prepared.map((p) => p.name)).toEqual([statementName(text)]);
    expect(statementName(text)).toMatch(/^lse_[0-9a-f]{24}$/);
    expect(statementName(`${text} `)).not.toBe(statementName(text));
  });

  it('answers with rows whatever the command, also through a manager outside a transaction', async () => {
    await db.query(`INSERT INTO prepared_spec (n) VALUES (1)`);
    expect(await preparedRows(db.manager, `UPDATE prepared_spec SET n = n + $1 RETURNING n`, [1])).toEqual([{ n: 2 }]);
    expect(await unpreparedRows(db.manager, `DELETE FROM prepared_spec RETURNING n`, [])).toEqual([{ n: 2 }]);
  });

  it("runs on the transaction's own connection: a rollback undoes it", async () => {
    await expect(
      db.transaction(async (em) => {
        await preparedRows(em, `INSERT INTO prepared_spec (n) VALUES ($1)`, [7]);
        expect(await preparedRows(em, `SELECT n FROM prepared_spec`, [])).toEqual([{ n: 7 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.query(`SELECT n FROM prepared_spec`)).toEqual([]);
  });
});
