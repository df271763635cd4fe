/** Documented limits of a rule tree (docs/segments.md); larger trees are refused with a 400. */
export const RULE_LIMITS = {
  /** Nesting of all/any/not: the root counts as depth 1. */
  maxDepth: 10,
  /** Nodes in the tree (groups and conditions), after nothing is expanded. */
  maxNodes: 100,
  /** Values of an `in` / `notIn` list, link methods, rich menus. */
  maxListLength: 500,
  /** Length of any string value. */
  maxStringLength: 256,
  /** Property filters of one event condition. */
  maxFilters: 10,
  /** Largest absolute number accepted (keeps JS and PostgreSQL arithmetic identical). */
  maxAbsNumber: 1e12,
  /** Counts, days and ages. */
  maxCount: 1_000_000,
  maxDays: 36_500,
  maxHours: 24 * 366,
  /** Segments nested through `segment` references. */
  maxSegmentNesting: 5,
} as const;
