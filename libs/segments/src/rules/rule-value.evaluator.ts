import { JSON_DATE_PATTERN, dateRange } from './rule-semantics';
import { LocalDate, addDays, startOfLocalDay } from './rule-time';
import { CustomAttributeType, ValueType } from './schema-map';
import { Operator } from './rule.types';

export type Scalar = string | number | boolean | Date;

/** Plain comparison of a stored value (null = absent → false, except notExists). */
export function scalar(
  v: Scalar | null,
  type: ValueType,
  op: Operator,
  value: unknown,
  today: LocalDate,
  timeZone: string,
): boolean {
  if (op === 'exists') return v !== null;
  if (op === 'notExists') return v === null;
  if (v === null) return false;
  const list = (): unknown[] => value as unknown[];
  switch (op) {
    case 'eq':
      return v === value;
    case 'neq':
      return v !== value;
    case 'in':
      return list().includes(v);
    case 'notIn':
      return !list().includes(v);
    case 'gt':
      return (v as number) > (value as number);
    case 'gte':
      return (v as number) >= (value as number);
    case 'lt':
      return (v as number) < (value as number);
    case 'lte':
      return (v as number) <= (value as number);
    case 'startsWith':
      return (v as string).startsWith(value as string);
    case 'contains':
      return (v as string).includes(value as string);
    default: {
      if (op === 'between' && type === 'number') {
        const [a, b] = value as [number, number];
        return (v as number) >= a && (v as number) <= b;
      }
      const { from, to } = dateRange(op, value, today);
      if (type === 'date')
        return (from === undefined || (v as string) >= from) && (to === undefined || (v as string) <= to);
      const t = (v as Date).getTime();
      return (
        (from === undefined || t >= startOfLocalDay(from, timeZone).getTime()) &&
        (to === undefined || t < startOfLocalDay(addDays(to, 1), timeZone).getTime())
      );
    }
  }
}

/** A JSON value compared as `type`; a value of another JSON type counts as absent. */
export function json(
  v: unknown,
  type: CustomAttributeType,
  op: Operator,
  value: unknown,
  today: LocalDate,
  timeZone: string,
): boolean {
  const present = v !== undefined && v !== null;
  if (op === 'exists') return present;
  if (op === 'notExists') return !present;
  switch (type) {
    case 'string_list': {
      if (!Array.isArray(v)) return false;
      const wanted = op === 'contains' ? [value] : (value as unknown[]);
      return (v as unknown[]).some((x) => typeof x === 'string' && wanted.includes(x));
    }
    case 'number':
      return scalar(typeof v === 'number' ? v : null, 'number', op, value, today, timeZone);
    case 'boolean':
      return scalar(typeof v === 'boolean' ? v : null, 'boolean', op, value, today, timeZone);
    case 'date': {
      const text = typeof v === 'string' && JSON_DATE_PATTERN.test(v) ? v.slice(0, 10) : null;
      if (text === null) return false;
      if (op === 'eq') return text === value;
      if (op === 'neq') return text !== value;
      const { from, to } = dateRange(op, value, today);
      return (from === undefined || text >= from) && (to === undefined || text <= to);
    }
    default:
      return scalar(typeof v === 'string' ? v : null, 'string', op, value, today, timeZone);
  }
}
