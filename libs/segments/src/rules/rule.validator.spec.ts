import { RuleValidator } from './rule.validator';

describe('RuleValidator', () => {
  it('accepts the examples of the issue', () => {
    const rules = [
      {
        all: [
          { attr: 'gender', op: 'eq', value: 'male' },
          { attr: 'age', op: 'between', value: [30, 40] },
        ],
      },
      { attr: 'region', op: 'in', value: ['tokyo_area', 'kansai_area'] },
      { attr: 'prefecture', op: 'in', value: [13, 'osaka', '北海道'] },
      { event: 'purchase', where: [{ field: 'item.price', op: 'gte', value: 10000 }], count: { op: 'gte', value: 3 } },
      { sequence: { first: { event: 'cart_add' }, then: { event: 'purchase', did: false, withinHours: 24 } } },
      { favouriteChanged: { changes: ['back_in_stock'], within: { lastDays: 3 } } },
      { not: { link: 'method', value: ['line_login'] } },
      { event: 'custom:webinar', within: { from: '2026-01-01', to: '2026-01-31' } },
    ];
    for (const r of rules) expect(RuleValidator.validate(r)).toEqual({ ok: true, rule: r });
  });

  it('reports every problem with the path of its node', () => {
    const result = RuleValidator.validate(
      {
        all: [
          { attr: 'gender', op: 'gt', value: 'male' },
          {
            any: [
              { attr: 'pointsBalance', op: 'eq', value: 'ten' },
              { event: 'purchase', count: { op: 'most', value: -1 } },
            ],
          },
          { attr: 'custom.shop', op: 'eq', value: 'x', extra: 1 },
          { all: [] },
        ],
      },
      {},
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      { field: 'rules.all[0].op', reason: 'operator gt does not apply to a string attribute' },
      { field: 'rules.all[1].any[0].value', reason: 'expected a number' },
      { field: 'rules.all[1].any[1].count.op', reason: 'expected one of gte, lte, eq' },
      { field: 'rules.all[1].any[1].count.value', reason: 'expected an integer from 0 to 1000000' },
      { field: 'rules.all[2].extra', reason: 'unknown key' },
      { field: 'rules.all[2].attr', reason: 'unknown custom attribute "custom.shop"' },
      { field: 'rules.all[3].all', reason: 'expected at least one rule' },
    ]);
  });

  it('knows custom attributes by their declared type', () => {
    expect(RuleValidator.validate({ attr: 'custom.score', op: 'gte', value: 3 }, { score: 'number' }).ok).toBe(true);
    expect(RuleValidator.validate({ attr: 'custom.score', op: 'gte', value: '3' }, { score: 'number' }).ok).toBe(false);
    expect(
      RuleValidator.validate({ attr: 'custom.tags', op: 'contains', value: 'a' }, { tags: 'string_list' }).ok,
    ).toBe(true);
  });

  it('refuses NUL characters, huge numbers and impossible dates before they reach PostgreSQL', () => {
    const bad = [
      { attr: 'occupation', op: 'eq', value: 'a\u0000b' },
      { attr: 'pointsBalance', op: 'gt', value: 1e300 },
      { attr: 'birthDate', op: 'before', value: '2026-02-30' },
      { attr: 'age', op: 'gte', value: 100000 },
      { event: 'purchase; DROP TABLE events' },
    ];
    for (const r of bad) expect(RuleValidator.validate(r).ok).toBe(false);
  });
});
