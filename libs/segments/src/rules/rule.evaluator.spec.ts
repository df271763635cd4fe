import { evaluate } from './rule.evaluator';
import { MemberFacts } from './member-facts';
import { Rule } from './rule.types';

const NOW = new Date('2026-06-15T03:00:00Z');
const ctx = { now: NOW, timeZone: 'Asia/Tokyo', channelId: 'ch' };
const facts = (over: Partial<MemberFacts['member']> = {}, rest: Partial<MemberFacts> = {}): MemberFacts => ({
  member: {
    id: '1',
    externalId: 'm1',
    gender: null,
    birthDate: null,
    prefectureCode: null,
    occupation: null,
    membershipTier: null,
    pointsBalance: null,
    registeredAt: null,
    marketingConsent: null,
    attributes: {},
    ...over,
  },
  aggregates: null,
  events: [],
  lineUsers: [],
  catalogEvents: [],
  ...rest,
});
const ev = (type: string, hoursAgo: number, properties: Record<string, unknown> = {}) => ({
  type,
  name: null,
  occurredAt: new Date(NOW.getTime() - hoursAgo * 3_600_000),
  amount: null,
  sku: null,
  properties,
});

describe('evaluate', () => {
  it('computes age in the workspace time zone, birthdays included', () => {
    const rule: Rule = { attr: 'age', op: 'between', value: [30, 40] };
    expect(evaluate(rule, facts({ birthDate: '1985-06-16' }), ctx)).toBe(true); // 40, 41 tomorrow
    expect(evaluate(rule, facts({ birthDate: '1985-06-15' }), ctx)).toBe(false); // 41 today
    // 23:30 UTC on the 14th is already the 15th in Tokyo.
    const late = { ...ctx, now: new Date('2026-06-14T15:30:00Z') };
    expect(evaluate({ attr: 'age', op: 'gte', value: 41 }, facts({ birthDate: '1985-06-15' }), late)).toBe(true);
  });

  it('maps region groups to prefectures', () => {
    const rule: Rule = { attr: 'region', op: 'eq', value: 'tokyo_area' };
    expect([11, 12, 13, 14, 15].map((c) => evaluate(rule, facts({ prefectureCode: c }), ctx))).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(evaluate({ not: rule }, facts(), ctx)).toBe(true);
    expect(evaluate({ attr: 'region', op: 'neq', value: 'tokyo_area' }, facts(), ctx)).toBe(false);
  });

  it('finds cart abandoners only once the 24 hours are over', () => {
    const rule: Rule = {
      sequence: {
        first: { event: 'cart_add', within: { lastDays: 7 } },
        then: { event: 'purchase', did: false, withinHours: 24 },
      },
    };
    expect(evaluate(rule, facts({}, { events: [ev('cart_add', 30)] }), ctx)).toBe(true);
    expect(evaluate(rule, facts({}, { events: [ev('cart_add', 30), ev('purchase', 20)] }), ctx)).toBe(false);
    expect(evaluate(rule, facts({}, { events: [ev('cart_add', 2)] }), ctx)).toBe(false);
  });

  it('counts events with item filters', () => {
    const rule: Rule = {
      event: 'purchase',
      where: [{ field: 'item.price', op: 'gte', value: 10000 }],
      count: { op: 'gte', value: 3 },
    };
    const big = (h: number) => ev('purchase', h, { items: [{ price: 500 }, { price: 12000 }] });
    expect(evaluate(rule, facts({}, { events: [big(1), big(2), big(3)] }), ctx)).toBe(true);
    expect(
      evaluate(rule, facts({}, { events: [big(1), big(2), ev('purchase', 3, { items: [{ price: 9999 }] })] }), ctx),
    ).toBe(false);
  });

  it('answers "purchase ever" (no filters, no window) from the aggregates, as the SQL does', () => {
    // As ingest keeps them: the first purchase is recorded exactly when there is one.
    const agg = (purchaseCount: number, totalSpent: number): MemberFacts['aggregates'] => ({
      purchaseCount,
      totalSpent,
      firstPurchaseAt: purchaseCount > 0 ? new Date('2026-01-01T00:00:00Z') : null,
      lastPurchaseAt: null,
      lastCartAddAt: null,
      lastCartActivityAt: null,
      cartOpen: false,
      eventCount: purchaseCount,
      lastEventAt: null,
    });
    const never: Rule = { event: 'purchase', did: false };
    expect(evaluate(never, facts(), ctx)).toBe(true); // no aggregates row: 0 purchases
    expect(evaluate(never, facts({}, { aggregates: agg(0, 0) }), ctx)).toBe(true);
    expect(evaluate(never, facts({}, { aggregates: agg(2, 5000) }), ctx)).toBe(false);
    const bought: Rule = { event: 'purchase' };
    expect(evaluate(bought, facts({}, { aggregates: agg(1, 100) }), ctx)).toBe(true);
    expect(evaluate(bought, facts(), ctx)).toBe(false);
    const twice: Rule = { event: 'purchase', count: { op: 'gte', value: 2 }, sum: { op: 'gte', value: 5000 } };
    expect(evaluate(twice, facts({}, { aggregates: agg(2, 5000) }), ctx)).toBe(true);
    expect(evaluate(twice, facts({}, { aggregates: agg(2, 4999) }), ctx)).toBe(false);
    // A window or a filter needs the events themselves.
    const recent: Rule = { event: 'purchase', did: false, within: { lastDays: 30 } };
    expect(evaluate(recent, facts({}, { aggregates: agg(2, 5000) }), ctx)).toBe(true);
  });
});
