/**
 * The segment rule language: a JSON tree. Documented in docs/segments.md and, for the HTTP
 * API, in the OpenAPI schema (segments.dto.ts). The validator turns `unknown` input into a
 * {@link Rule}; the compiler and the evaluator only ever see validated trees.
 */

export type Rule =
  | AllRule
  | AnyRule
  | NotRule
  | AttributeCondition
  | EventCondition
  | SequenceCondition
  | LinkCondition
  | SegmentCondition
  | FavouriteChangedCondition;

export interface AllRule {
  all: Rule[];
}
export interface AnyRule {
  any: Rule[];
}
export interface NotRule {
  not: Rule;
}

/** Operators of attribute and property conditions; which apply depends on the value type. */
export type Operator =
  | 'eq'
  | 'neq'
  | 'in'
  | 'notIn'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'between'
  | 'exists'
  | 'notExists'
  | 'startsWith'
  | 'contains'
  | 'before'
  | 'after'
  | 'withinLastDays';

export const OPERATORS: readonly Operator[] = [
  'eq',
  'neq',
  'in',
  'notIn',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'exists',
  'notExists',
  'startsWith',
  'contains',
  'before',
  'after',
  'withinLastDays',
];

export type ScalarValue = string | number | boolean;
export type ConditionValue = ScalarValue | ScalarValue[];

/** `{ "attr": "age", "op": "between", "value": [30, 40] }`; custom attributes as `custom.<key>`. */
export interface AttributeCondition {
  attr: string;
  op: Operator;
  value?: ConditionValue;
}

/** A time window: the last N days (up to `now`), between two local dates (inclusive), or ever. */
export type Window = { lastDays: number } | { from: string; to: string } | 'ever';

/** A filter on one event: `amount`, `properties.<key>` or `item.<key>` (some item of `items`). */
export interface PropertyFilter {
  field: string;
  op: Operator;
  value?: ConditionValue;
}

export type CountOperator = 'gte' | 'lte' | 'eq';

/**
 * "did (not) do EVENT [matching filters] at least/at most/exactly N times [or with a sum of
 * amount op X] within WINDOW". Default: count ≥ 1, ever.
 */
export interface EventCondition {
  event: string;
  did?: boolean;
  where?: PropertyFilter[];
  count?: { op: CountOperator; value: number };
  sum?: { op: CountOperator; value: number };
  within?: Window;
}

/**
 * "did A (in WINDOW) and then did / did not do B within N hours after it". With `did: false` the
 * N hours must have passed for the A event to count (a cart added ten minutes ago is not yet
 * abandoned).
 */
export interface SequenceCondition {
  sequence: {
    first: { event: string; where?: PropertyFilter[]; within?: Window };
    then: { event: string; did: boolean; where?: PropertyFilter[]; withinHours: number };
  };
}

export type LinkState = 'linked' | 'following' | 'blocked' | 'method' | 'richMenu';

/**
 * Link and reachability on the segment's channel. Any link condition in a tree turns off the
 * default "linked to a following LINE user" restriction: the rule then says who is reachable.
 */
export interface LinkCondition {
  link: LinkState;
  /** For `method` (one of / a list of link methods) and `richMenu` (rich menu id(s)). */
  value?: string | string[];
}

/** Members of another saved segment (its current rules; no cycles). */
export interface SegmentCondition {
  segment: string;
}

/**
 * Members who favourited a product that had a catalog change (restock, price drop) within the
 * window: "favourites that were restocked or dropped in price".
 */
export interface FavouriteChangedCondition {
  favouriteChanged: { changes: string[]; within: Window };
}

export const isAll = (r: Rule): r is AllRule => 'all' in r;
export const isAny = (r: Rule): r is AnyRule => 'any' in r;
export const isNot = (r: Rule): r is NotRule => 'not' in r;
export const isAttribute = (r: Rule): r is AttributeCondition => 'attr' in r;
export const isEvent = (r: Rule): r is EventCondition => 'event' in r;
export const isSequence = (r: Rule): r is SequenceCondition => 'sequence' in r;
export const isLink = (r: Rule): r is LinkCondition => 'link' in r;
export const isSegment = (r: Rule): r is SegmentCondition => 'segment' in r;
export const isFavouriteChanged = (r: Rule): r is FavouriteChangedCondition => 'favouriteChanged' in r;

/** Visits every node of a tree, depth first. */
export function walkRule(rule: Rule, visit: (r: Rule) => void): void {
  visit(rule);
  if (isAll(rule)) rule.all.forEach((r) => walkRule(r, visit));
  else if (isAny(rule)) rule.any.forEach((r) => walkRule(r, visit));
  else if (isNot(rule)) walkRule(rule.not, visit);
}

/** Whether the tree says anything about LINE links (then no default reachability filter). */
export function mentionsLink(rule: Rule): boolean {
  let found = false;
  walkRule(rule, (r) => {
    if (isLink(r)) found = true;
  });
  return found;
}

/** Ids of the saved segments a tree refers to directly. */
export function referencedSegments(rule: Rule): string[] {
  const ids: string[] = [];
  walkRule(rule, (r) => {
    if (isSegment(r)) ids.push(r.segment);
  });
  return [...new Set(ids)];
}
