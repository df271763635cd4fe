import { body, MembersHarness, startMembersHarness } from './members-support';

interface ImportView {
  id: string;
  status: string;
  rowsRead: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  rejections: Array<{ line: number; field: string; reason: string }>;
  error: string | null;
}

describe('imports and catalog (through the worker)', () => {
  let h: MembersHarness;
  const finished = async (id: string): Promise<ImportView> => {
    for (let i = 0; i < 200; i++) {
      const view = await body<ImportView>(await h.call(`/imports/${id}`));
      if (view.status === 'completed' || view.status === 'failed') return view;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`import ${id} did not finish`);
  };

  beforeAll(async () => {
    h = await startMembersHarness({ worker: true });
    await h.call('/attribute-definitions/rank', { method: 'PUT', json: { type: 'number' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('streams a CSV of members, reports progress and the bad lines by number', async () => {
    const good = Array.from({ length: 12_000 }, (_, i) => `c-${i},名${i},female,1985-06-15,${(i % 47) + 1},true,${i}`);
    const csv = [
      'externalId,firstName,gender,birthDate,prefecture,marketingConsent,attributes.rank',
      ...good.slice(0, 5),
      'c-bad,名,robot,1985-13-01,99,maybe,x', // line 7
      'c-short,only two', // line 8
      ...good.slice(5),
    ].join('\n');
    const res = await h.call('/imports?kind=members', {
      method: 'POST',
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(202);
    const view = await finished((await body<ImportView>(res)).id);
    expect(view).toMatchObject({ status: 'completed', rowsRead: 12_002, accepted: 12_000, rejected: 2, error: null });
    expect(
      view.rejections
        .filter((r) => r.line === 7)
        .map((r) => r.field)
        .sort(),
    ).toEqual(['attributes.rank', 'birthDate', 'gender', 'marketingConsent', 'prefecture']);
    expect(view.rejections.find((r) => r.line === 8)?.reason).toContain('cells');
    expect(await body(await h.call('/members/c-11999'))).toMatchObject({
      firstName: '名11999',
      attributes: { rank: 11999 },
      marketingConsent: true,
    });
    expect((await h.ctx.sql.query(`SELECT 1 FROM import_chunks`)).rowCount).toBe(0);
    // The planner knows the members table grew: its statistics were refreshed when the import ended.
    const { rows } = await h.ctx.sql.query<{ n: string }>(
      `SELECT reltuples::bigint::text AS n FROM pg_class WHERE relname = 'members' AND relkind = 'r'`,
    );
    expect(Number(rows[0].n)).toBeGreaterThanOrEqual(12_000);
  });

  it('fails an import whose header names an unknown column', async () => {
    const res = await h.call('/imports?kind=members', {
      method: 'POST',
      body: 'externalId,shoe\n1,2\n',
      headers: { 'content-type': 'text/csv' },
    });
    const view = await finished((await body<ImportView>(res)).id);
    expect(view).toMatchObject({ status: 'failed', error: 'line 1: unknown column "shoe"' });
  });

  it('imports NDJSON events sent as a stream, duplicates counted', async () => {
    const lines = [
      JSON.stringify({ eventId: 'ie-1', memberId: 'c-1', type: 'signup', occurredAt: '2026-01-01T00:00:00Z' }),
      JSON.stringify({ eventId: 'ie-1', memberId: 'c-1', type: 'signup', occurredAt: '2026-01-01T00:00:00Z' }),
      '{oops',
      JSON.stringify({
        eventId: 'ie-2',
        memberId: 'c-2',
        type: 'page_view',
        occurredAt: '2026-01-01T00:00:00Z',
        properties: {},
      }),
    ];
    const res = await h.call('/imports?kind=events&format=ndjson', {
      method: 'POST',
      body: lines.join('\n'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const view = await finished((await body<ImportView>(res)).id);
    expect(view).toMatchObject({ status: 'completed', rowsRead: 4, accepted: 1, duplicates: 1, rejected: 2 });
    expect(view.rejections.map((r) => `${r.line}:${r.field}`).sort()).toEqual(['3:', '4:properties.url']);
  });

  it('publishes a catalog event when a product is back in stock or cheaper', async () => {
    const put = (json: unknown): Promise<Response> => h.call('/products/SKU-9', { method: 'PUT', json });
    expect(await body(await put({ name: 'Sneaker', category: 'shoes', price: 12000, inStock: false }))).toMatchObject({
      catalogEvents: 0,
    });
    expect(await body(await put({ name: 'Sneaker', inStock: true }))).toMatchObject({
      catalogEvents: 1,
      product: { price: 12000, inStock: true },
    });
    expect(await body(await put({ name: 'Sneaker', price: 9800 }))).toMatchObject({ catalogEvents: 1 });
    expect(await body(await put({ name: 'Sneaker', price: 9900 }))).toMatchObject({ catalogEvents: 0 });
    const bulk = await h.call('/products:bulk', {
      method: 'POST',
      json: {
        records: [
          { sku: 'SKU-9', name: 'Sneaker', price: 5000 },
          { sku: 'SKU-10', price: -1 },
        ],
      },
    });
    expect(bulk.status).toBe(207);
    expect(await body(bulk)).toMatchObject({
      accepted: 1,
      catalogEvents: 1,
      rejected: [
        { index: 1, field: 'name' },
        { index: 1, field: 'price' },
      ],
    });
    const { rows } = await h.ctx.sql.query<{ kind: string; previous_price: string; price: string }>(
      `SELECT kind, previous_price, price FROM catalog_events ORDER BY id`,
    );
    expect(rows.map((r) => `${r.kind}:${r.previous_price}→${r.price}`)).toEqual([
      'back_in_stock:12000→12000',
      'price_drop:12000→9800',
      'price_drop:9900→5000',
    ]);
  });
});
