import { JSON_DATE_PATTERN_SQL, dateRange } from './rule-semantics';
import { LocalDate, addDays, startOfLocalDay } from './rule-time';
import { CustomAttributeType, ValueType } from './schema-map';
import { SqlCast, SqlParams } from './sql-params';
import { Operator } from './rule.types';

const CASTS: Record<ValueType, SqlCast> = {
  string: 'text',
  number: 'numeric',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamptz',
};

/**
 * Every condition is two-valued (so `not` is plain negation): a comparison of `expr` with
 * non-null parameters is NULL only when `expr` is, and `false AND NULL` is false. Written this
 * way rather than COALESCE(…, false) so that the planner still sees (and indexes) the comparison.
 */
export const nonNull = (expr: string, pred: string): string => `(${expr} IS NOT NULL AND ${pred})`;

/** Comparisons of one SQL expression with a rule's value, every value bound as a parameter. */
export class SqlPredicates {
  constructor(
    private readonly params: SqlParams,
    private readonly today: LocalDate,
    private readonly timeZone: string,
  ) {}

  /** A comparison of a typed SQL expression; never NULL. */
  /** `known`: a cheaper expression that is NULL exactly when `expr` is (default `expr` itself). */
  scalar(expr: string, type: ValueType, op: Operator, value: unknown, known = expr): string {
    const p = (v: unknown, cast: SqlCast = CASTS[type]): string => this.params.add(v, cast);
    switch (op) {
      case 'exists':
        return `(${known} IS NOT NULL)`;
      case 'notExists':
        return `(${known} IS NULL)`;
      case 'eq':
        return nonNull(known, `${expr} = ${p(value)}`);
      case 'neq':
        return nonNull(known, `${expr} <> ${p(value)}`);
      case 'in':
        return nonNull(known, `${expr} = ANY(${p(value, `${CASTS[type]}[]` as SqlCast)})`);
      case 'notIn':
        return nonNull(known, `NOT (${expr} = ANY(${p(value, `${CASTS[type]}[]` as SqlCast)}))`);
      case 'gt':
        return nonNull(known, `${expr} > ${p(value)}`);
      case 'gte':
        return nonNull(known, `${expr} >= ${p(value)}`);
      case 'lt':
        return nonNull(known, `${expr} < ${p(value)}`);
      case 'lte':
        return nonNull(known, `${expr} <= ${p(value)}`);
      case 'startsWith':
        return nonNull(known, `starts_with(${expr}, ${p(value, 'text')})`);
      case 'contains':
        return nonNull(known, `strpos(${expr}, ${p(value, 'text')}) > 0`);
      case 'between':
        if (type === 'number') {
          const [a, b] = value as [number, number];
          return nonNull(known, `${expr} BETWEEN ${p(a)} AND ${p(b)}`);
        }
        return this.dateRange(expr, type, op, value, known);
      default:
        return this.dateRange(expr, type, op, value, known);
    }
  }

  private dateRange(expr: string, type: ValueType, op: Operator, value: unknown, known = expr): string {
    const { from, to } = dateRange(op, value, this.today);
    const parts: string[] = [];
    if (type === 'date') {
      if (from !== undefined) parts.push(`${expr} >= ${this.params.add(from, 'date')}`);
      if (to !== undefined) parts.push(`${expr} <= ${this.params.add(to, 'date')}`);
    } else {
      const start = (d: LocalDate): string => this.params.add(startOfLocalDay(d, this.timeZone), 'timestamptz');
      if (from !== undefined) parts.push(`${expr} >= ${start(from)}`);
      if (to !== undefined) parts.push(`${expr} < ${start(addDays(to, 1))}`);
    }
    return nonNull(known, parts.join(' AND '));
  }

  /** A JSON value (custom attribute, event property, item field) compared as `type`. */
  json(json: string, type: CustomAttributeType, op: Operator, value: unknown): string {
    const present = nonNull(json, `jsonb_typeof(${json}) <> 'null'`);
    if (op === 'exists') return present;
    if (op === 'notExists') return `(NOT ${present})`;
    switch (type) {
      case 'string_list': {
        // `?` / `?|` test string elements of the array (never object keys: the type is checked).
        const test =
          op === 'contains'
            ? `${json} ? ${this.params.add(value, 'text')}`
            : `${json} ?| ${this.params.add(value, 'text[]')}`;
        return nonNull(json, `jsonb_typeof(${json}) = 'array' AND ${test}`);
      }
      case 'number':
        return this.scalar(
          `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json})::numeric END)`,
          'number',
          op,
          value,
        );
      case 'boolean':
        return this.scalar(
          `(CASE WHEN jsonb_typeof(${json}) = 'boolean' THEN (${json})::boolean END)`,
          'boolean',
          op,
          value,
        );
      case 'date': {
        // Compared as text (YYYY-MM-DD sorts as a date), so a malformed value can never fail a cast.
        const text = `(CASE WHEN jsonb_typeof(${json}) = 'string' AND (${json} #>> '{}') ~ '${JSON_DATE_PATTERN_SQL}' THEN left(${json} #>> '{}', 10) COLLATE "C" END)`;
        if (op === 'eq' || op === 'neq') {
          return nonNull(text, `${text} ${op === 'eq' ? '=' : '<>'} ${this.params.add(value, 'text')}`);
        }
        const { from, to } = dateRange(op, value, this.today);
        const parts: string[] = [];
        if (from !== undefined) parts.push(`${text} >= ${this.params.add(from, 'text')}`);
        if (to !== undefined) parts.push(`${text} <= ${this.params.add(to, 'text')}`);
        return nonNull(text, parts.join(' AND '));
      }
      default:
        return this.scalar(
          `(CASE WHEN jsonb_typeof(${json}) = 'string' THEN ${json} #>> '{}' END)`,
          'string',
          op,
          value,
        );
    }
  }
}
