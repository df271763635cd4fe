import { createTestContext, TestContext } from '@app/testing';
import { createDataSource } from '../migrations/data-source';

describe('schema', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx?.close());

  it('has no difference between the entities and the migrations', async () => {
    const dataSource = await createDataSource(ctx.config).initialize();
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('lse_max_item_number (the item-price indexes) takes the largest numeric value of the key among the items', async () => {
    const cases: Array<[unknown, string | null]> = [
      [{ items: [{ price: 1200 }, { price: 15000.5 }, { price: 300 }] }, '15000.5'],
      // Non-numeric values are ignored, whatever their text says.
      [{ items: [{ price: '99999' }, { price: 500 }, { sku: 'no-price' }] }, '500'],
      [{ items: [{ price: -10 }] }, '-10'],
      [{ items: [1, 'x', null, [2], { price: 7 }] }, '7'],
      [{ items: [{ price: 1e3 }, { price: 999.999 }] }, '1000'],
      [{ items: [] }, null],
      [{ items: { price: 100 } }, null],
      [{ totalAmount: 1000 }, null],
    ];
    for (const [properties, expected] of cases) {
      const { rows } = await ctx.sql.query<{ max: string | null }>(
        `SELECT lse_max_item_number($1::jsonb, 'price')::text AS max`,
        [JSON.stringify(properties)],
      );
      expect({ properties, max: rows[0].max }).toEqual({ properties, max: expected });
    }
    const { rows } = await ctx.sql.query<{ lang: string; volatility: string }>(
      `SELECT l.lanname AS lang, p.provolatile AS volatility FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
       WHERE p.proname = 'lse_max_item_number'`,
    );
    // Immutable, or the expression indexes could not use it; PL/pgSQL, or every statement that
    // inserts a purchase plans it again (see the migration MaxItemNumberLoop).
    expect(rows).toEqual([{ lang: 'plpgsql', volatility: 'i' }]);
  });
});
