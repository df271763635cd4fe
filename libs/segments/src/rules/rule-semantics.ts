import { CountOperator, EventCondition, Operator, ScalarValue } from './rule.types';
import { EVENT_AGGREGATES } from './schema-map';
import { REGIONS, findPrefectureCode } from './regions';
import { ElapsedUnit, LocalDate, addDays, elapsedAtLeastBoundary } from './rule-time';

/**
 * Meaning shared by the compiler and the evaluator, computed once in TypeScript: what a
 * derived condition means in terms of plain comparisons on stored values.
 */

/** "base local date ≤ date" (le) or "base local date > date" (gt). */
export interface DateBound {
  cmp: 'le' | 'gt';
  date: LocalDate;
}

/** A derived condition as: NOT? (OR of (AND of bounds)), on a non-null base. */
export interface ElapsedPlan {
  negate: boolean;
  clauses: DateBound[][];
}

/**
 * "whole units elapsed since base op value" as bounds on the base date:
 * elapsed ≥ n ⇔ base ≤ today − n units; elapsed ≤ n ⇔ base > today − (n+1) units.
 */
export function elapsedPlan(op: Operator, value: unknown, today: LocalDate, unit: ElapsedUnit): ElapsedPlan {
  const atLeast = (n: number): DateBound => ({ cmp: 'le', date: elapsedAtLeastBoundary(today, n, unit) });
  const atMost = (n: number): DateBound => ({ cmp: 'gt', date: elapsedAtLeastBoundary(today, n + 1, unit) });
  const eq = (n: number): DateBound[] => [atLeast(n), atMost(n)];
  const n = value as number;
  switch (op) {
    case 'gte':
      return { negate: false, clauses: [[atLeast(n)]] };
    case 'gt':
      return { negate: false, clauses: [[atLeast(n + 1)]] };
    case 'lte':
      return { negate: false, clauses: [[atMost(n)]] };
    case 'lt':
      return { negate: false, clauses: [[atMost(n - 1)]] };
    case 'eq':
      return { negate: false, clauses: [eq(n)] };
    case 'neq':
      return { negate: true, clauses: [eq(n)] };
    case 'between': {
      const [a, b] = value as [number, number];
      return { negate: false, clauses: [[atLeast(a), atMost(b)]] };
    }
    case 'in':
      return { negate: false, clauses: (value as number[]).map(eq) };
    case 'notIn':
      return { negate: true, clauses: (value as number[]).map(eq) };
    default:
      throw new Error(`operator ${op} on an elapsed attribute`);
  }
}

/** JIS codes named by region ids (regions) or prefectures (code, romaji, name). */
export function placeCodes(regions: boolean, values: readonly unknown[]): number[] {
  const codes = regions
    ? values.flatMap((r) => REGIONS[r as string] ?? [])
    : values.map(findPrefectureCode).filter((c): c is number => c !== undefined);
  return [...new Set(codes)].sort((a, b) => a - b);
}

/** Valid prefecture codes: an out-of-range code stored by mistake counts as absent. */
export const ALL_PREFECTURE_CODES: readonly number[] = Array.from({ length: 47 }, (_, i) => i + 1);

/** Values of `in`/`notIn`/`eq`/`neq` as a list. */
export const listOf = (value: unknown): ScalarValue[] => (Array.isArray(value) ? value : [value]) as ScalarValue[];

/** Local-date bounds of a date/timestamp comparison (before/after/between/within/eq). */
export function dateRange(
  op: Operator,
  value: unknown,
  today: LocalDate,
): { from?: LocalDate; to?: LocalDate } /* inclusive local dates */ {
  switch (op) {
    case 'before':
      return { to: addDays(value as string, -1) };
    case 'after':
      return { from: addDays(value as string, 1) };
    case 'between': {
      const [a, b] = value as [string, string];
      return { from: a, to: b };
    }
    case 'withinLastDays':
      return { from: addDays(today, -(value as number)), to: today };
    case 'eq':
      return { from: value as string, to: value as string };
    default:
      throw new Error(`operator ${op} is not a date range`);
  }
}

/** A custom `date` attribute is a JSON string starting with YYYY-MM-DD; anything else is absent. */
export const JSON_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}/;
export const JSON_DATE_PATTERN_SQL = '^[0-9]{4}-[0-9]{2}-[0-9]{2}';

/**
 * The aggregate columns that answer an event condition exactly (no property filters, window
 * "ever"), or null when the events themselves must be looked at. Shared by compiler and evaluator.
 */
export function aggregateAnswer(c: EventCondition): (typeof EVENT_AGGREGATES)[string] | null {
  if (!Object.hasOwn(EVENT_AGGREGATES, c.event)) return null;
  if (c.where !== undefined && c.where.length > 0) return null;
  if (c.within !== undefined && c.within !== 'ever') return null;
  return EVENT_AGGREGATES[c.event];
}

/**
 * Event properties have no declared types: a filter's value decides (a number compares as a
 * number, a string as a string); `exists` needs no type.
 */
export function filterType(f: { field: string; op: unknown; value?: unknown }): 'string' | 'number' | 'boolean' {
  if (f.field === 'amount') return 'number';
  if (f.field === 'sku') return 'string';
  const v = Array.isArray(f.value) ? (f.value as unknown[])[0] : f.value;
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  // No usable value: check it as a string so that the error says what is expected.
  return 'string';
}

export function cmp(x: number, op: CountOperator, value: number): boolean {
  return op === 'gte' ? x >= value : op === 'lte' ? x <= value : x === value;
}
