import { RULE_LIMITS as L } from './rule.limits';
import { isValidLocalDate } from './rule-time';
import { filterType } from './rule-semantics';
import { CUSTOM_EVENT_NAME_PATTERN, CUSTOM_EVENT_PREFIX, EVENT_TYPES, KEY_PATTERN } from './schema-map';
import { CountOperator } from './rule.types';
import { Obj, ValidationContext, isObj } from './rule-validator.context';
import { checkOperation } from './rule-value.validator';

const COUNT_OPS: readonly CountOperator[] = ['gte', 'lte', 'eq'];

export function checkEvent(cx: ValidationContext, input: Obj, path: string): void {
  cx.keys(input, path, ['event', 'did', 'where', 'count', 'sum', 'within']);
  checkEventType(cx, input.event, `${path}.event`);
  if (input.did !== undefined && typeof input.did !== 'boolean') cx.fail(`${path}.did`, 'expected a boolean');
  if (input.did === false && (input.count !== undefined || input.sum !== undefined)) {
    cx.fail(`${path}.did`, 'did: false cannot be combined with count or sum');
  }
  checkFilters(cx, input.where, `${path}.where`);
  checkCount(cx, input.count, `${path}.count`, true);
  checkCount(cx, input.sum, `${path}.sum`, false);
  checkWindow(cx, input.within, `${path}.within`);
}

export function checkSequence(cx: ValidationContext, input: Obj, path: string): void {
  cx.keys(input, path, ['sequence']);
  const s = input.sequence;
  const p = `${path}.sequence`;
  if (!isObj(s)) return cx.fail(p, 'expected { first, then }');
  cx.keys(s, p, ['first', 'then']);
  if (!isObj(s.first)) cx.fail(`${p}.first`, 'expected { event, where?, within? }');
  else {
    cx.keys(s.first, `${p}.first`, ['event', 'where', 'within']);
    checkEventType(cx, s.first.event, `${p}.first.event`);
    checkFilters(cx, s.first.where, `${p}.first.where`);
    checkWindow(cx, s.first.within, `${p}.first.within`);
  }
  if (!isObj(s.then)) return cx.fail(`${p}.then`, 'expected { event, did, withinHours, where? }');
  cx.keys(s.then, `${p}.then`, ['event', 'did', 'where', 'withinHours']);
  checkEventType(cx, s.then.event, `${p}.then.event`);
  if (typeof s.then.did !== 'boolean') cx.fail(`${p}.then.did`, 'expected a boolean');
  checkFilters(cx, s.then.where, `${p}.then.where`);
  cx.integer(s.then.withinHours, `${p}.then.withinHours`, 1, L.maxHours);
}

export function checkWindow(cx: ValidationContext, v: unknown, path: string): void {
  if (v === undefined || v === 'ever') return;
  if (!isObj(v)) return cx.fail(path, 'expected "ever", { lastDays } or { from, to }');
  if ('lastDays' in v) {
    cx.keys(v, path, ['lastDays']);
    return cx.integer(v.lastDays, `${path}.lastDays`, 1, L.maxDays);
  }
  cx.keys(v, path, ['from', 'to']);
  const ok = (d: unknown, p: string): boolean => {
    if (typeof d === 'string' && isValidLocalDate(d)) return true;
    cx.fail(p, 'expected a date YYYY-MM-DD (1900–2200)');
    return false;
  };
  const fromOk = ok(v.from, `${path}.from`);
  if (ok(v.to, `${path}.to`) && fromOk && (v.from as string) > (v.to as string)) {
    cx.fail(path, 'from must not be after to');
  }
}

function checkEventType(cx: ValidationContext, v: unknown, path: string): void {
  const ok =
    typeof v === 'string' &&
    ((EVENT_TYPES as readonly string[]).includes(v) ||
      (v.startsWith(CUSTOM_EVENT_PREFIX) &&
        !v.includes('\u0000') &&
        CUSTOM_EVENT_NAME_PATTERN.test(v.slice(CUSTOM_EVENT_PREFIX.length))));
  if (!ok) cx.fail(path, `expected an event type (${EVENT_TYPES.join(', ')}) or custom:<name>`);
}

function checkFilters(cx: ValidationContext, v: unknown, path: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) return cx.fail(path, 'expected an array of property filters');
  if (v.length > L.maxFilters) return cx.fail(path, `more than ${L.maxFilters} filters`);
  v.forEach((f, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(f)) return cx.fail(p, 'expected { field, op, value }');
    cx.keys(f, p, ['field', 'op', 'value']);
    const field = f.field;
    const valid =
      field === 'amount' ||
      field === 'sku' ||
      (typeof field === 'string' &&
        (field.startsWith('properties.') || field.startsWith('item.')) &&
        KEY_PATTERN.test(field.slice(field.indexOf('.') + 1)));
    if (!valid) return cx.fail(`${p}.field`, 'expected amount, sku, properties.<key> or item.<key>');
    checkOperation(cx, f, p, filterType({ field, op: f.op, value: f.value }), undefined);
  });
}

function checkCount(cx: ValidationContext, v: unknown, path: string, integer: boolean): void {
  if (v === undefined) return;
  if (!isObj(v)) return cx.fail(path, 'expected { op, value }');
  cx.keys(v, path, ['op', 'value']);
  if (typeof v.op !== 'string' || !(COUNT_OPS as readonly string[]).includes(v.op)) {
    cx.fail(`${path}.op`, `expected one of ${COUNT_OPS.join(', ')}`);
  }
  if (integer) cx.integer(v.value, `${path}.value`, 0, L.maxCount);
  else cx.number(v.value, `${path}.value`);
}
