import fc from 'fast-check';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestContext, TestContext } from '@app/testing';
import { ApiKeyScope, ApiKeysService, ChannelsService, WorkspacesService } from '@app/workspaces';
import { createApiApp } from '../apps/api/src/api.factory';

/**
 * Thousands of random and hostile rule trees through the HTTP API: each must get a 200 or a
 * 400 (never a 500), and the database must still be there afterwards.
 */
const hostileStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    "'; DROP TABLE members; --",
    '" OR 1=1 --',
    '$1',
    '%_\\',
    '\u0000',
    'm.id) OR (1=1',
    '東京都',
    '🚀👩‍👩‍👧',
    '\ud800',
    'x'.repeat(5000),
    'custom:',
    'custom:\u0000',
    'ever',
    '2026-02-30',
    '99999-01-01',
  ),
);
const hostileNumbers = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e308, -1e308, 2 ** 63, -(2 ** 63), 1e12, 1e12 + 1, 0.1, -0, 36_500, 36_501, 200, 201),
);
const scalar = fc.oneof(hostileStrings, hostileNumbers, fc.boolean(), fc.constant(null));
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }));
const attr = fc.oneof(
  fc.constantFrom('gender', 'age', 'birthMonth', 'region', 'prefecture', 'registeredAt', 'birthDate', 'pointsBalance'),
  fc.constantFrom('custom.x', 'custom.', "custom.a'b", 'daysSinceRegistration', 'monthsSinceRegistration'),
  hostileStrings,
);
const op = fc.oneof(
  fc.constantFrom('eq', 'neq', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'notExists'),
  fc.constantFrom('startsWith', 'contains', 'before', 'after', 'withinLastDays'),
  hostileStrings,
);
const window = fc.oneof(
  fc.constant('ever'),
  fc.record({ lastDays: hostileNumbers }),
  fc.record({ from: hostileStrings, to: hostileStrings }),
  value,
);
const eventName = fc.oneof(fc.constantFrom('purchase', 'cart_add', 'favorite', 'custom:x'), hostileStrings);
const filter = fc.record({
  field: fc.oneof(fc.constantFrom('amount', 'sku', 'item.price', 'properties.x'), hostileStrings),
  op,
  value,
});

const leaf = fc.oneof(
  fc.record({ attr, op, value }, { requiredKeys: ['attr', 'op'] }),
  fc.record(
    {
      event: eventName,
      did: fc.oneof(fc.boolean(), scalar),
      where: fc.oneof(fc.array(filter, { maxLength: 3 }), value),
      count: fc.record({ op, value: hostileNumbers }),
      sum: fc.record({ op, value: hostileNumbers }),
      within: window,
    },
    { requiredKeys: ['event'] },
  ),
  fc.record({
    sequence: fc.record({
      first: fc.record({ event: eventName, within: window }, { requiredKeys: ['event'] }),
      then: fc.record({ event: eventName, did: fc.boolean(), withinHours: hostileNumbers }),
    }),
  }),
  fc.record({ link: fc.oneof(fc.constantFrom('linked', 'following', 'method', 'richMenu'), hostileStrings), value }),
  fc.record({ segment: fc.oneof(fc.uuid(), hostileStrings) }),
  fc.record({ favouriteChanged: fc.record({ changes: value, within: window }) }),
  fc.jsonValue({ maxDepth: 3 }),
);
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.record({ all: fc.array(tie('tree'), { maxLength: 4 }) }),
    fc.record({ any: fc.array(tie('tree'), { maxLength: 4 }) }),
    fc.record({ not: tie('tree') }),
  ),
}));
const deep = fc.integer({ min: 1, max: 200 }).map((n) => {
  let r: unknown = { attr: 'gender', op: 'eq', value: 'male' };
  for (let i = 0; i < n; i++) r = i % 2 === 0 ? { not: r } : { all: [r, { attr: 'age', op: 'gte', value: 1 }] };
  return r;
});
const wide = fc.integer({ min: 50, max: 2000 }).map((n) => ({
  any: Array.from({ length: n }, (_, i) => ({ attr: 'pointsBalance', op: 'eq', value: i })),
}));
const body = (channelId: string) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ rules: fc.oneof(tree, deep, wide) }).map((b) => ({ channelId, ...b })) },
    {
      weight: 1,
      arbitrary: fc.record(
        { channelId: fc.oneof(fc.constant(channelId), hostileStrings), rules: tree, sampleSize: value, now: value },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );

describe('segments fuzz: hostile rule trees never make a 500', () => {
  let ctx: TestContext;
  let api: NestFastifyApplication;
  let base: string;
  let key: string;
  let channelId: string;

  beforeAll(async () => {
    ctx = await createTestContext();
    api = await createApiApp(ctx.config);
    await api.listen({ port: 0, host: '127.0.0.1' });
    base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
    const ws = await api.get(WorkspacesService).ensureDefault();
    key = (await api.get(ApiKeysService).create(ws.id, ApiKeyScope.Admin, 'fuzz')).key;
    const channel = await api.get(ChannelsService).create(ws.id, {
      name: 'c',
      lineChannelId: 'fuzz',
      channelSecret: 's',
      accessToken: 't',
      timezone: 'Asia/Tokyo',
    });
    channelId = channel.id;
    await ctx.sql.query(
      `INSERT INTO members (workspace_id, external_id, gender, birth_date, prefecture_code, attributes)
       SELECT $1, 'm' || i, 'male', DATE '1980-01-01' + i, 1 + i % 47, '{"x": 1}'::jsonb FROM generate_series(1, 200) i`,
      [ws.id],
    );
    await ctx.sql.query(
      `INSERT INTO events (workspace_id, member_id, event_id, type, occurred_at, amount, properties)
       SELECT $1, m.id, 'e' || m.id, 'purchase', now() - interval '3 days', 12000, '{"items":[{"price":12000}]}'
         FROM members m`,
      [ws.id],
    );
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.close();
  });

  it('answers 200 or 400 to thousands of random and hostile trees', async () => {
    const statuses = new Map<number, number>();
    const bodies = fc.sample(body(channelId), { numRuns: 3000, seed: 4242 });
    const post = async (b: unknown, path: string): Promise<void> => {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(b),
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 200 && res.status !== 400) {
        throw new Error(`${res.status} for ${JSON.stringify(b).slice(0, 2000)}: ${await res.text()}`);
      }
    };
    for (let i = 0; i < bodies.length; i += 8) {
      await Promise.all(
        bodies.slice(i, i + 8).map((b, j) => post(b, (i + j) % 5 === 0 ? '/segments/sql' : '/segments/preview')),
      );
    }
    expect((statuses.get(200) ?? 0) + (statuses.get(400) ?? 0)).toBe(3000);
    // Enough of them are valid to reach the database.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(150);
    const { rows } = await ctx.sql.query('SELECT count(*)::int AS n FROM members');
    expect(rows[0].n).toBe(200);
    // Thousands of HTTP round trips: seconds on an idle machine, more on a loaded CI runner.
  }, 240_000);
});
