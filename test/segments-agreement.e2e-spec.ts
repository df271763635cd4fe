import fc from 'fast-check';
import { createTestContext, TestContext } from '@app/testing';
import {
  CustomAttributeTypes,
  MemberFacts,
  Rule,
  RuleCompiler,
  RuleValidator,
  audienceSql,
  evaluate,
} from '@app/segments';
import { loadPopulation, person } from './segments.fixtures';

/**
 * The in-memory evaluator and the SQL compiler must agree on every member for every rule:
 * fast-check generates random rule trees and random members/events, loads the members into
 * PostgreSQL and compares both answers member by member.
 */
const NOW = new Date('2026-06-15T14:30:00Z'); // 23:30 in Tokyo: local date ≠ UTC date
const TZ = 'Asia/Tokyo';
const DAY = 86_400_000;
const CUSTOM: CustomAttributeTypes = {
  shop: 'string',
  score: 'number',
  vip: 'boolean',
  since: 'date',
  tags: 'string_list',
};

const date = (from: number, to: number) =>
  fc.integer({ min: from, max: to }).map((d) => new Date(Date.UTC(1940, 0, 1) + d * DAY).toISOString().slice(0, 10));
const recent = fc.integer({ min: -400 * 24, max: 30 * 24 }).map((h) => new Date(NOW.getTime() - h * 3_600_000));
const skus = fc.constantFrom('A', 'B', 'C');
const shopNames = fc.constantFrom('ebisu', 'shibuya', "o'neil", '東京店', 'eb');

const event = fc.record({
  type: fc.constantFrom('purchase', 'cart_add', 'favorite', 'page_view', 'custom'),
  name: fc.constantFrom(null, 'webinar'),
  occurredAt: recent,
  amount: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null }),
  sku: fc.option(skus, { nil: null }),
  properties: fc.record(
    {
      channel: fc.constantFrom('web', 'app', 5),
      items: fc.array(fc.record({ sku: skus, price: fc.integer({ min: 0, max: 30_000 }), quantity: fc.constant(1) }), {
        maxLength: 3,
      }),
    },
    { requiredKeys: [] },
  ),
});

const memberArb = (i: number, channelId: string, otherChannel: string) =>
  fc
    .record({
      gender: fc.constantFrom(null, 'male', 'female', 'other'),
      birthDate: fc.option(date(0, 30_000), { nil: null }),
      prefectureCode: fc.option(fc.integer({ min: 1, max: 47 }), { nil: null }),
      occupation: fc.constantFrom(null, 'company_employee', 'part_time', 'student'),
      membershipTier: fc.constantFrom(null, 'gold', 'silver'),
      pointsBalance: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
      registeredAt: fc.option(recent, { nil: null }),
      marketingConsent: fc.option(fc.boolean(), { nil: null }),
      attributes: fc.record(
        {
          shop: fc.oneof(shopNames, fc.integer()),
          score: fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constant('high')),
          vip: fc.boolean(),
          since: fc.oneof(date(20_000, 31_000), fc.constant('not a date')),
          tags: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
      aggregates: fc.option(
        fc.record({
          purchaseCount: fc.integer({ min: 0, max: 5 }),
          totalSpent: fc.integer({ min: 0, max: 100_000 }),
          firstPurchaseAt: fc.option(recent, { nil: null }),
          lastPurchaseAt: fc.option(recent, { nil: null }),
          lastCartAddAt: fc.option(recent, { nil: null }),
          lastCartActivityAt: fc.option(recent, { nil: null }),
          cartOpen: fc.boolean(),
          eventCount: fc.integer({ min: 0, max: 9 }),
          lastEventAt: fc.option(recent, { nil: null }),
        }),
        { nil: null },
      ),
      events: fc.array(event, { maxLength: 6 }),
      link: fc.option(
        fc.record({
          channelId: fc.constantFrom(channelId, otherChannel),
          following: fc.boolean(),
          blockedAt: fc.option(recent, { nil: null }),
          linkMethod: fc.constantFrom(null, 'messaging_api', 'line_login'),
          richMenuId: fc.constantFrom(null, 'richmenu-1'),
        }),
        { nil: null },
      ),
    })
    .map(({ aggregates, events, link, ...m }): MemberFacts => {
      const p = person(`p${i}`, m);
      p.aggregates = aggregates;
      p.events = events;
      if (link !== null) p.lineUsers.push({ id: '', ...link });
      return p;
    });

const num = (min: number, max: number) => fc.integer({ min, max });
const window = fc.oneof(
  fc.constant('ever' as const),
  fc.record({ lastDays: num(1, 400) }),
  fc.tuple(date(31_000, 31_950), num(0, 200)).map(([from, len]) => ({
    from,
    to: new Date(Date.parse(from) + len * DAY).toISOString().slice(0, 10),
  })),
);
const filter = fc.oneof(
  fc.record({ field: fc.constant('amount'), op: fc.constantFrom('gte', 'lte', 'eq'), value: num(0, 30_000) }),
  fc.record({ field: fc.constant('sku'), op: fc.constantFrom('eq', 'neq'), value: skus }),
  fc.record({ field: fc.constant('item.price'), op: fc.constantFrom('gte', 'lt'), value: num(0, 30_000) }),
  fc.record({ field: fc.constant('item.sku'), op: fc.constant('in'), value: fc.array(skus, { minLength: 1 }) }),
  fc.record({
    field: fc.constant('properties.channel'),
    op: fc.constantFrom('eq', 'neq'),
    value: fc.constantFrom('web', 'app'),
  }),
  fc.record({ field: fc.constant('properties.channel'), op: fc.constantFrom('exists', 'notExists') }),
);
const eventType = fc.constantFrom('purchase', 'cart_add', 'favorite', 'custom:webinar', 'custom');
const countOp = fc.constantFrom('gte' as const, 'lte' as const, 'eq' as const);

const leaf = fc.oneof<fc.Arbitrary<Rule>[]>(
  fc.record({
    attr: fc.constant('gender'),
    op: fc.constantFrom('eq', 'neq'),
    value: fc.constantFrom('male', 'female'),
  }),
  fc.record({ attr: fc.constant('gender'), op: fc.constantFrom('exists', 'notExists') }),
  fc.record({
    attr: fc.constant('age'),
    op: fc.constantFrom('gte', 'gt', 'lte', 'lt', 'eq', 'neq'),
    value: num(0, 90),
  }),
  fc.tuple(num(0, 90), num(0, 20)).map(([a, d]) => ({ attr: 'age', op: 'between', value: [a, a + d] })),
  fc.record({
    attr: fc.constant('age'),
    op: fc.constantFrom('in', 'notIn'),
    value: fc.array(num(0, 90), { minLength: 1 }),
  }),
  fc.record({ attr: fc.constant('birthMonth'), op: fc.constantFrom('eq', 'neq', 'gte'), value: num(1, 12) }),
  fc
    .record({
      attr: fc.constant('region'),
      op: fc.constantFrom('eq', 'neq', 'in', 'notIn'),
      value: fc.constantFrom('tokyo_area', 'kansai_area', 'kanto', 'hokkaido', 'kyushu_okinawa').map((r) => r),
    })
    .map((r) => ({ ...r, value: r.op === 'in' || r.op === 'notIn' ? [r.value] : r.value })),
  fc
    .record({
      attr: fc.constant('prefecture'),
      op: fc.constantFrom('eq', 'in'),
      value: fc.constantFrom(13, 'osaka', '北海道'),
    })
    .map((r) => ({ ...r, value: r.op === 'in' ? [r.value] : r.value })),
  fc.record({ attr: fc.constant('region'), op: fc.constantFrom('exists', 'notExists') }),
  fc.record({
    attr: fc.constant('occupation'),
    op: fc.constantFrom('in', 'notIn'),
    value: fc.subarray(['company_employee', 'part_time', 'student'], { minLength: 1 }),
  }),
  fc.record({
    attr: fc.constant('occupation'),
    op: fc.constantFrom('startsWith', 'contains'),
    value: fc.constantFrom('comp', 'time', 'x'),
  }),
  fc.record({ attr: fc.constant('pointsBalance'), op: fc.constantFrom('gt', 'lte', 'eq'), value: num(0, 10_000) }),
  fc.record({ attr: fc.constant('marketingConsent'), op: fc.constantFrom('eq', 'neq'), value: fc.boolean() }),
  fc.record({
    attr: fc.constantFrom('registeredAt', 'lastPurchaseAt'),
    op: fc.constantFrom('before', 'after'),
    value: date(31_000, 31_950),
  }),
  fc.record({
    attr: fc.constantFrom('registeredAt', 'lastCartAddAt'),
    op: fc.constant('withinLastDays'),
    value: num(0, 100),
  }),
  fc.record({ attr: fc.constant('birthDate'), op: fc.constantFrom('before', 'after', 'eq'), value: date(0, 30_000) }),
  fc.record({
    attr: fc.constantFrom('daysSinceRegistration', 'daysSinceFirstPurchase', 'monthsSinceRegistration'),
    op: fc.constantFrom('gte', 'lte', 'eq'),
    value: num(0, 400),
  }),
  fc.record({
    attr: fc.constantFrom('purchaseCount', 'totalSpent', 'eventCount'),
    op: fc.constantFrom('eq', 'gte', 'lt'),
    value: num(0, 50_000),
  }),
  fc.record({ attr: fc.constant('cartOpen'), op: fc.constant('eq'), value: fc.boolean() }),
  fc.record({
    attr: fc.constant('custom.shop'),
    op: fc.constantFrom('eq', 'neq', 'startsWith', 'contains'),
    value: shopNames,
  }),
  fc.record({ attr: fc.constant('custom.score'), op: fc.constantFrom('gte', 'lt', 'eq'), value: num(-5, 100) }),
  fc
    .record({ attr: fc.constant('custom.vip'), op: fc.constantFrom('eq', 'exists', 'notExists') })
    .map((r) => (r.op === 'eq' ? { ...r, value: true } : r) as Rule),
  fc
    .record({ attr: fc.constant('custom.since'), op: fc.constantFrom('before', 'after', 'withinLastDays') })
    .chain((r) => (r.op === 'withinLastDays' ? num(0, 2000) : date(20_000, 31_000)).map((value) => ({ ...r, value }))),
  fc.record({ attr: fc.constant('custom.tags'), op: fc.constant('contains'), value: fc.constantFrom('a', 'b') }),
  fc.record({
    attr: fc.constant('custom.tags'),
    op: fc.constant('in'),
    value: fc.subarray(['a', 'c'], { minLength: 1 }),
  }),
  fc.record(
    {
      event: eventType,
      where: fc.array(filter, { maxLength: 2 }),
      count: fc.record({ op: countOp, value: num(0, 3) }),
      sum: fc.record({ op: countOp, value: num(0, 40_000) }),
      within: window,
    },
    { requiredKeys: ['event'] },
  ) as fc.Arbitrary<Rule>,
  fc.record({ event: eventType, did: fc.constant(false), within: window }) as fc.Arbitrary<Rule>,
  fc.record({
    sequence: fc.record({
      first: fc.record({ event: eventType, within: window }, { requiredKeys: ['event'] }),
      then: fc.record({ event: eventType, did: fc.boolean(), withinHours: num(1, 24 * 30) }),
    }),
  }) as fc.Arbitrary<Rule>,
  fc.record({ link: fc.constantFrom('linked', 'following', 'blocked') }) as fc.Arbitrary<Rule>,
  fc.record({
    link: fc.constant('method'),
    value: fc.constantFrom('line_login', ['messaging_api']),
  }) as fc.Arbitrary<Rule>,
  fc.record({ link: fc.constant('richMenu'), value: fc.constant('richmenu-1') }) as fc.Arbitrary<Rule>,
  fc.record({
    favouriteChanged: fc.record({
      changes: fc.subarray(['back_in_stock', 'price_drop'], { minLength: 1 }),
      within: window,
    }),
  }) as fc.Arbitrary<Rule>,
);

const { tree } = fc.letrec<{ tree: Rule }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('tree') }),
  ),
}));

describe('evaluator ≡ SQL compiler (fast-check against PostgreSQL)', () => {
  let ctx: TestContext;
  let workspaceId: string;
  let channelId: string;
  let otherChannel: string;

  beforeAll(async () => {
    ctx = await createTestContext();
    const ws = await ctx.sql.query(`INSERT INTO workspaces (name, timezone) VALUES ('w', $1) RETURNING id`, [TZ]);
    workspaceId = ws.rows[0].id;
    const ch = await ctx.sql.query(
      `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
       VALUES ($1, 'a', '1', 's', 't'), ($1, 'b', '2', 's', 't') RETURNING id`,
      [workspaceId],
    );
    [channelId, otherChannel] = ch.rows.map((r) => r.id as string);
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('agrees on every member for random rule trees and populations', async () => {
    const population = fc.tuple(...Array.from({ length: 14 }, (_, i) => memberArb(i, channelId, otherChannel)));
    const catalog = fc.array(
      fc.record({ sku: skus, kind: fc.constantFrom('back_in_stock', 'price_drop'), occurredAt: recent }),
      { maxLength: 4 },
    );
    let compared = 0;
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(
        population,
        catalog,
        fc.array(tree, { minLength: 8, maxLength: 8 }),
        async (people, cat, rules) => {
          await ctx.sql.query('TRUNCATE members, products CASCADE');
          const ids = await loadPopulation(ctx.sql, workspaceId, people, cat);
          const catalogFacts = cat.map((c, i) => ({ ...c, occurredAt: new Date(c.occurredAt.getTime() + i) }));
          for (const rule of rules) {
            const checked = RuleValidator.validate(rule, CUSTOM);
            if (!checked.ok) throw new Error(`generator produced an invalid rule: ${JSON.stringify(checked.errors)}`);
            const options = { workspaceId, channelId, now: NOW, timeZone: TZ, customTypes: CUSTOM };
            const compiled = RuleCompiler.compile(rule, options);
            const { rows } = await ctx.sql.query(audienceSql(compiled, false), compiled.params.values);
            const inSql = new Set(rows.map((r) => String(r.member_id)));
            for (const p of people) {
              const id = ids.get(p.member.externalId ?? '') ?? '';
              const facts: MemberFacts = {
                ...p,
                member: { ...p.member, id },
                lineUsers: p.lineUsers.map((u) => ({ ...u, id: 'x' })),
                catalogEvents: catalogFacts,
              };
              const inMemory = evaluate(rule, facts, { ...options });
              if (inMemory !== inSql.has(id)) {
                throw new Error(
                  `disagreement on ${p.member.externalId}: evaluator ${inMemory}, SQL ${inSql.has(id)}\n` +
                    `rule ${JSON.stringify(rule)}\nmember ${JSON.stringify(p)}`,
                );
              }
              compared++;
              if (inMemory) hits++;
            }
          }
        },
      ),
      { numRuns: 60, seed: Number(process.env.SEGMENTS_SEED ?? 20261115) },
    );
    expect(compared).toBe(60 * 8 * 14);
    // Both answers occur often: the generators aim at values the population actually has.
    expect(hits / compared).toBeGreaterThan(0.15);
    expect(hits / compared).toBeLessThan(0.85);
  }, 300_000);
});
