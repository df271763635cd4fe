import { freezeRule, thawRule } from './frozen-rule';
import type { Rule } from './rule.types';

describe('frozen rules (what a snapshot keeps)', () => {
  const gold: Rule = { attr: 'membershipTier', op: 'eq', value: 'gold' };
  const tokyo: Rule = { attr: 'prefecture', op: 'in', value: ['tokyo'] };

  it('keeps a rule without segment references as it is, and reads it back', () => {
    const frozen = freezeRule(gold, new Map());
    expect(frozen).toEqual(gold);
    expect(thawRule(frozen)).toEqual({ rule: gold, segments: new Map() });
  });

  it('inlines the referenced segments and reads them back as they were', () => {
    const rule: Rule = { all: [gold, { segment: 'seg-1' }] };
    const frozen = freezeRule(rule, new Map([['seg-1', tokyo]]));
    expect(frozen).toEqual({ all: [rule], segments: { 'seg-1': tokyo } });
    // Stored as JSON and read back: the same rule and segments.
    expect(thawRule(JSON.parse(JSON.stringify(frozen)) as typeof frozen)).toEqual({
      rule,
      segments: new Map([['seg-1', tokyo]]),
    });
  });

  it('does not mistake a plain one-element `all` for an inlined rule', () => {
    const rule: Rule = { all: [gold] };
    expect(thawRule(freezeRule(rule, new Map()))).toEqual({ rule, segments: new Map() });
  });
});
