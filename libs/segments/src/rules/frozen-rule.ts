import type { Rule } from './rule.types';

/**
 * The rules a snapshot keeps: the rule alone, or with the segments it refers to inlined
 * (`{all: [rule], segments: {id: rule}}`), so that they read the same after those segments change.
 */
export type FrozenRule = Rule | { all: [Rule]; segments: Record<string, Rule> };

export function freezeRule(rule: Rule, segments: ReadonlyMap<string, Rule>): FrozenRule {
  return segments.size === 0 ? rule : { all: [rule], segments: Object.fromEntries(segments) };
}

export function thawRule(frozen: FrozenRule): { rule: Rule; segments: Map<string, Rule> } {
  if ('segments' in frozen && 'all' in frozen && Array.isArray(frozen.all) && frozen.all.length === 1) {
    return { rule: frozen.all[0], segments: new Map(Object.entries(frozen.segments)) };
  }
  return { rule: frozen, segments: new Map() };
}
