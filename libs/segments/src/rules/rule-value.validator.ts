import { RULE_LIMITS as L } from './rule.limits';
import { REGIONS, findPrefectureCode } from './regions';
import { isValidLocalDate } from './rule-time';
import { ValueType } from './schema-map';
import { OPERATORS, Operator } from './rule.types';
import { Obj, ValidationContext } from './rule-validator.context';

/** Which operators each value type accepts. */
export type CheckType = ValueType | 'region' | 'prefecture' | 'string_list';
const OPS_BY_TYPE: Record<CheckType, readonly Operator[]> = {
  string: ['eq', 'neq', 'in', 'notIn', 'startsWith', 'contains', 'exists', 'notExists'],
  number: ['eq', 'neq', 'in', 'notIn', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'notExists'],
  boolean: ['eq', 'neq', 'exists', 'notExists'],
  date: ['eq', 'neq', 'before', 'after', 'between', 'withinLastDays', 'exists', 'notExists'],
  timestamp: ['before', 'after', 'between', 'withinLastDays', 'exists', 'notExists'],
  region: ['eq', 'neq', 'in', 'notIn', 'exists', 'notExists'],
  prefecture: ['eq', 'neq', 'in', 'notIn', 'exists', 'notExists'],
  string_list: ['contains', 'in', 'exists', 'notExists'],
};

/** Checks `op` and `value` against a value type (undefined: the type is unknown; op only). */
export function checkOperation(
  cx: ValidationContext,
  input: Obj,
  path: string,
  type: CheckType | undefined,
  integer: [number, number] | undefined,
): void {
  const op = input.op;
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    return cx.fail(`${path}.op`, `expected one of ${OPERATORS.join(', ')}`);
  }
  if (type === undefined) return;
  if (!OPS_BY_TYPE[type].includes(op as Operator)) {
    return cx.fail(`${path}.op`, `operator ${op} does not apply to a ${type} attribute`);
  }
  const vpath = `${path}.value`;
  const value = input.value;
  switch (op as Operator) {
    case 'exists':
    case 'notExists':
      if (value !== undefined) cx.fail(vpath, `${op} takes no value`);
      return;
    case 'in':
    case 'notIn':
      if (!Array.isArray(value) || value.length === 0) return cx.fail(vpath, 'expected a non-empty array');
      if (value.length > L.maxListLength) return cx.fail(vpath, `more than ${L.maxListLength} values`);
      value.forEach((v, i) => checkScalar(cx, v, `${vpath}[${i}]`, type === 'string_list' ? 'string' : type, integer));
      return;
    case 'between':
      if (!Array.isArray(value) || value.length !== 2) return cx.fail(vpath, 'expected [from, to]');
      checkScalar(cx, value[0], `${vpath}[0]`, type, integer);
      checkScalar(cx, value[1], `${vpath}[1]`, type, integer);
      if (compare(value[0], value[1]) > 0) cx.fail(vpath, 'from must not be after to');
      return;
    case 'withinLastDays':
      return cx.integer(value, vpath, 0, L.maxDays);
    case 'startsWith':
    case 'contains':
      checkScalar(cx, value, vpath, 'string', undefined);
      if (value === '') cx.fail(vpath, 'expected a non-empty string');
      return;
    default:
      return checkScalar(cx, value, vpath, type, integer);
  }
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return 0;
}

function checkScalar(
  cx: ValidationContext,
  v: unknown,
  path: string,
  type: CheckType,
  integer: [number, number] | undefined,
): void {
  switch (type) {
    case 'number':
      if (integer) return cx.integer(v, path, integer[0], integer[1]);
      return cx.number(v, path);
    case 'boolean':
      if (typeof v !== 'boolean') cx.fail(path, 'expected a boolean');
      return;
    case 'date':
    case 'timestamp':
      if (typeof v !== 'string' || !isValidLocalDate(v)) cx.fail(path, 'expected a date YYYY-MM-DD (1900–2200)');
      return;
    case 'region':
      if (typeof v !== 'string' || !Object.hasOwn(REGIONS, v)) {
        cx.fail(path, `expected a region: ${Object.keys(REGIONS).join(', ')}`);
      }
      return;
    case 'prefecture':
      if (findPrefectureCode(v) === undefined) {
        cx.fail(path, 'expected a prefecture: JIS code 1–47, romaji (tokyo) or name (東京都)');
      }
      return;
    default:
      cx.string(v, path);
  }
}
