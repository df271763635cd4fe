import { ErrorDetail } from '@app/common';
import { RULE_LIMITS as L } from './rule.limits';
import { REGIONS, findPrefectureCode } from './regions';
import { isValidLocalDate } from './rule-time';
import {
  ATTRIBUTES,
  CATALOG_CHANGES,
  CUSTOM_EVENT_NAME_PATTERN,
  CUSTOM_EVENT_PREFIX,
  CUSTOM_PREFIX,
  CustomAttributeType,
  CustomAttributeTypes,
  EVENT_TYPES,
  KEY_PATTERN,
  LINK_METHODS,
  ValueType,
} from './schema-map';
import { CountOperator, OPERATORS, Operator, Rule } from './rule.types';

export const LINK_STATES = ['linked', 'following', 'blocked', 'method', 'richMenu'] as const;
const COUNT_OPS: readonly CountOperator[] = ['gte', 'lte', 'eq'];
/** Elapsed-time attributes stay within 200 years, so boundary dates stay valid in PostgreSQL. */
const ELAPSED_MAX = { years: 200, months: 2_400, days: 73_000 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ValidationResult = { ok: true; rule: Rule } | { ok: false; errors: ErrorDetail[] };

/** Which operators each value type accepts. */
type CheckType = ValueType | 'region' | 'prefecture' | 'string_list';
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

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a whole tree and reports every problem at once, each with the path of the bad node
 * (`rules.all[2].any[0].value: expected a number`). Pure: custom attribute types are passed in.
 */
export class RuleValidator {
  private readonly errors: ErrorDetail[] = [];
  private nodes = 0;
  private tooLarge = false;

  private constructor(private readonly custom: CustomAttributeTypes) {}

  static validate(input: unknown, custom: CustomAttributeTypes = {}, root = 'rules'): ValidationResult {
    const v = new RuleValidator(custom);
    v.node(input, root, 1);
    return v.errors.length === 0 ? { ok: true, rule: input as Rule } : { ok: false, errors: v.errors };
  }

  private fail(field: string, reason: string): void {
    if (this.errors.length < 200) this.errors.push({ field, reason });
  }

  private keys(o: Obj, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail(`${path}.${k}`, 'unknown key');
  }

  private node(input: unknown, path: string, depth: number): void {
    if (++this.nodes > L.maxNodes) {
      if (!this.tooLarge) this.fail(path, `the rule tree has more than ${L.maxNodes} nodes`);
      this.tooLarge = true;
      return;
    }
    if (depth > L.maxDepth) return this.fail(path, `nesting deeper than ${L.maxDepth} levels`);
    if (!isObj(input)) return this.fail(path, 'expected a rule object');
    const kinds = ['all', 'any', 'not', 'attr', 'event', 'sequence', 'link', 'segment', 'favouriteChanged'].filter(
      (k) => k in input,
    );
    if (kinds.length !== 1) {
      return this.fail(
        path,
        kinds.length === 0
          ? 'expected one of all, any, not, attr, event, sequence, link, segment, favouriteChanged'
          : `a rule node has exactly one kind; found ${kinds.join(', ')}`,
      );
    }
    switch (kinds[0]) {
      case 'all':
      case 'any':
        return this.group(input, kinds[0], path, depth);
      case 'not':
        this.keys(input, path, ['not']);
        return this.node(input.not, `${path}.not`, depth + 1);
      case 'attr':
        return this.attribute(input, path);
      case 'event':
        return this.event(input, path);
      case 'sequence':
        return this.sequence(input, path);
      case 'link':
        return this.link(input, path);
      case 'segment':
        this.keys(input, path, ['segment']);
        if (typeof input.segment !== 'string' || !UUID.test(input.segment)) {
          this.fail(`${path}.segment`, 'expected a segment id (uuid)');
        }
        return;
      default:
        return this.favouriteChanged(input, path);
    }
  }

  private group(input: Obj, kind: 'all' | 'any', path: string, depth: number): void {
    this.keys(input, path, [kind]);
    const children = input[kind];
    if (!Array.isArray(children)) return this.fail(`${path}.${kind}`, 'expected an array of rules');
    if (children.length === 0) return this.fail(`${path}.${kind}`, 'expected at least one rule');
    if (children.length > L.maxNodes) return this.fail(`${path}.${kind}`, `more than ${L.maxNodes} rules`);
    children.forEach((c, i) => this.node(c, `${path}.${kind}[${i}]`, depth + 1));
  }

  private attribute(input: Obj, path: string): void {
    this.keys(input, path, ['attr', 'op', 'value']);
    const name = input.attr;
    let type: CheckType | undefined;
    let intRange: [number, number] | undefined;
    if (typeof name !== 'string') {
      this.fail(`${path}.attr`, 'expected an attribute name');
    } else if (name.startsWith(CUSTOM_PREFIX)) {
      const key = name.slice(CUSTOM_PREFIX.length);
      type = KEY_PATTERN.test(key) && Object.hasOwn(this.custom, key) ? this.custom[key] : undefined;
      if (type === undefined) this.fail(`${path}.attr`, `unknown custom attribute "${name.slice(0, 80)}"`);
    } else if (Object.hasOwn(ATTRIBUTES, name)) {
      const def = ATTRIBUTES[name];
      type = def.source.kind === 'place' ? (def.source.regions ? 'region' : 'prefecture') : def.type;
      if (def.source.kind === 'elapsed') intRange = [0, ELAPSED_MAX[def.source.unit]];
      if (def.source.kind === 'birthMonth') intRange = [1, 12];
    } else {
      this.fail(`${path}.attr`, `unknown attribute "${name.slice(0, 80)}"`);
    }
    this.operation(input, path, type, intRange);
    const src = typeof name === 'string' && Object.hasOwn(ATTRIBUTES, name) ? ATTRIBUTES[name].source : undefined;
    if (
      src?.kind === 'column' &&
      src.enumType !== undefined &&
      ['eq', 'neq', 'in', 'notIn'].includes(String(input.op))
    ) {
      const labels = src.enumType.labels;
      const values = Array.isArray(input.value) ? (input.value as unknown[]) : [input.value];
      values.forEach((v, i) => {
        if (typeof v === 'string' && !labels.includes(v)) {
          this.fail(
            Array.isArray(input.value) ? `${path}.value[${i}]` : `${path}.value`,
            `expected one of ${labels.join(', ')}`,
          );
        }
      });
    }
  }

  /** Checks `op` and `value` against a value type (undefined: the type is unknown; op only). */
  private operation(
    input: Obj,
    path: string,
    type: CheckType | undefined,
    integer: [number, number] | undefined,
  ): void {
    const op = input.op;
    if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
      return this.fail(`${path}.op`, `expected one of ${OPERATORS.join(', ')}`);
    }
    if (type === undefined) return;
    if (!OPS_BY_TYPE[type].includes(op as Operator)) {
      return this.fail(`${path}.op`, `operator ${op} does not apply to a ${type} attribute`);
    }
    const vpath = `${path}.value`;
    const value = input.value;
    switch (op as Operator) {
      case 'exists':
      case 'notExists':
        if (value !== undefined) this.fail(vpath, `${op} takes no value`);
        return;
      case 'in':
      case 'notIn':
        if (!Array.isArray(value) || value.length === 0) return this.fail(vpath, 'expected a non-empty array');
        if (value.length > L.maxListLength) return this.fail(vpath, `more than ${L.maxListLength} values`);
        value.forEach((v, i) => this.scalar(v, `${vpath}[${i}]`, type === 'string_list' ? 'string' : type, integer));
        return;
      case 'between':
        if (!Array.isArray(value) || value.length !== 2) return this.fail(vpath, 'expected [from, to]');
        this.scalar(value[0], `${vpath}[0]`, type, integer);
        this.scalar(value[1], `${vpath}[1]`, type, integer);
        if (this.compare(value[0], value[1]) > 0) this.fail(vpath, 'from must not be after to');
        return;
      case 'withinLastDays':
        return this.integer(value, vpath, 0, L.maxDays);
      case 'startsWith':
      case 'contains':
        this.scalar(value, vpath, 'string', undefined);
        if (value === '') this.fail(vpath, 'expected a non-empty string');
        return;
      default:
        return this.scalar(value, vpath, type, integer);
    }
  }

  private compare(a: unknown, b: unknown): number {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
    return 0;
  }

  private scalar(v: unknown, path: string, type: CheckType, integer: [number, number] | undefined): void {
    switch (type) {
      case 'number':
        if (integer) return this.integer(v, path, integer[0], integer[1]);
        return this.number(v, path);
      case 'boolean':
        if (typeof v !== 'boolean') this.fail(path, 'expected a boolean');
        return;
      case 'date':
      case 'timestamp':
        if (typeof v !== 'string' || !isValidLocalDate(v)) this.fail(path, 'expected a date YYYY-MM-DD (1900–2200)');
        return;
      case 'region':
        if (typeof v !== 'string' || !Object.hasOwn(REGIONS, v)) {
          this.fail(path, `expected a region: ${Object.keys(REGIONS).join(', ')}`);
        }
        return;
      case 'prefecture':
        if (findPrefectureCode(v) === undefined) {
          this.fail(path, 'expected a prefecture: JIS code 1–47, romaji (tokyo) or name (東京都)');
        }
        return;
      default:
        this.string(v, path);
    }
  }

  private string(v: unknown, path: string): void {
    if (typeof v !== 'string') return this.fail(path, 'expected a string');
    if (v.length > L.maxStringLength) this.fail(path, `longer than ${L.maxStringLength} characters`);
    // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
    else if (v.includes('\u0000')) this.fail(path, 'must not contain the NUL character');
  }

  private number(v: unknown, path: string): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(path, 'expected a number');
    if (Math.abs(v) > L.maxAbsNumber)
      this.fail(path, `expected a number between ${-L.maxAbsNumber} and ${L.maxAbsNumber}`);
  }

  private integer(v: unknown, path: string, min: number, max: number): void {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(path, `expected an integer from ${min} to ${max}`);
    }
  }

  private eventType(v: unknown, path: string): void {
    const ok =
      typeof v === 'string' &&
      ((EVENT_TYPES as readonly string[]).includes(v) ||
        (v.startsWith(CUSTOM_EVENT_PREFIX) &&
          !v.includes('\u0000') &&
          CUSTOM_EVENT_NAME_PATTERN.test(v.slice(CUSTOM_EVENT_PREFIX.length))));
    if (!ok) this.fail(path, `expected an event type (${EVENT_TYPES.join(', ')}) or custom:<name>`);
  }

  private window(v: unknown, path: string): void {
    if (v === undefined || v === 'ever') return;
    if (!isObj(v)) return this.fail(path, 'expected "ever", { lastDays } or { from, to }');
    if ('lastDays' in v) {
      this.keys(v, path, ['lastDays']);
      return this.integer(v.lastDays, `${path}.lastDays`, 1, L.maxDays);
    }
    this.keys(v, path, ['from', 'to']);
    const ok = (d: unknown, p: string): boolean => {
      if (typeof d === 'string' && isValidLocalDate(d)) return true;
      this.fail(p, 'expected a date YYYY-MM-DD (1900–2200)');
      return false;
    };
    const fromOk = ok(v.from, `${path}.from`);
    if (ok(v.to, `${path}.to`) && fromOk && (v.from as string) > (v.to as string)) {
      this.fail(path, 'from must not be after to');
    }
  }

  private filters(v: unknown, path: string): void {
    if (v === undefined) return;
    if (!Array.isArray(v)) return this.fail(path, 'expected an array of property filters');
    if (v.length > L.maxFilters) return this.fail(path, `more than ${L.maxFilters} filters`);
    v.forEach((f, i) => {
      const p = `${path}[${i}]`;
      if (!isObj(f)) return this.fail(p, 'expected { field, op, value }');
      this.keys(f, p, ['field', 'op', 'value']);
      const field = f.field;
      const valid =
        field === 'amount' ||
        field === 'sku' ||
        (typeof field === 'string' &&
          (field.startsWith('properties.') || field.startsWith('item.')) &&
          KEY_PATTERN.test(field.slice(field.indexOf('.') + 1)));
      if (!valid) return this.fail(`${p}.field`, 'expected amount, sku, properties.<key> or item.<key>');
      this.operation(f, p, filterType({ field, op: f.op, value: f.value }), undefined);
    });
  }

  private count(v: unknown, path: string, integer: boolean): void {
    if (v === undefined) return;
    if (!isObj(v)) return this.fail(path, 'expected { op, value }');
    this.keys(v, path, ['op', 'value']);
    if (typeof v.op !== 'string' || !(COUNT_OPS as readonly string[]).includes(v.op)) {
      this.fail(`${path}.op`, `expected one of ${COUNT_OPS.join(', ')}`);
    }
    if (integer) this.integer(v.value, `${path}.value`, 0, L.maxCount);
    else this.number(v.value, `${path}.value`);
  }

  private event(input: Obj, path: string): void {
    this.keys(input, path, ['event', 'did', 'where', 'count', 'sum', 'within']);
    this.eventType(input.event, `${path}.event`);
    if (input.did !== undefined && typeof input.did !== 'boolean') this.fail(`${path}.did`, 'expected a boolean');
    if (input.did === false && (input.count !== undefined || input.sum !== undefined)) {
      this.fail(`${path}.did`, 'did: false cannot be combined with count or sum');
    }
    this.filters(input.where, `${path}.where`);
    this.count(input.count, `${path}.count`, true);
    this.count(input.sum, `${path}.sum`, false);
    this.window(input.within, `${path}.within`);
  }

  private sequence(input: Obj, path: string): void {
    this.keys(input, path, ['sequence']);
    const s = input.sequence;
    const p = `${path}.sequence`;
    if (!isObj(s)) return this.fail(p, 'expected { first, then }');
    this.keys(s, p, ['first', 'then']);
    if (!isObj(s.first)) this.fail(`${p}.first`, 'expected { event, where?, within? }');
    else {
      this.keys(s.first, `${p}.first`, ['event', 'where', 'within']);
      this.eventType(s.first.event, `${p}.first.event`);
      this.filters(s.first.where, `${p}.first.where`);
      this.window(s.first.within, `${p}.first.within`);
    }
    if (!isObj(s.then)) return this.fail(`${p}.then`, 'expected { event, did, withinHours, where? }');
    this.keys(s.then, `${p}.then`, ['event', 'did', 'where', 'withinHours']);
    this.eventType(s.then.event, `${p}.then.event`);
    if (typeof s.then.did !== 'boolean') this.fail(`${p}.then.did`, 'expected a boolean');
    this.filters(s.then.where, `${p}.then.where`);
    this.integer(s.then.withinHours, `${p}.then.withinHours`, 1, L.maxHours);
  }

  private link(input: Obj, path: string): void {
    this.keys(input, path, ['link', 'value']);
    const state = input.link;
    if (typeof state !== 'string' || !(LINK_STATES as readonly string[]).includes(state)) {
      return this.fail(`${path}.link`, `expected one of ${LINK_STATES.join(', ')}`);
    }
    const vpath = `${path}.value`;
    if (state !== 'method' && state !== 'richMenu') {
      if (input.value !== undefined) this.fail(vpath, `link ${state} takes no value`);
      return;
    }
    const values = Array.isArray(input.value) ? (input.value as unknown[]) : [input.value];
    if (values.length === 0 || values.length > L.maxListLength) {
      return this.fail(vpath, `expected a string or 1–${L.maxListLength} strings`);
    }
    values.forEach((v, i) => {
      const p = Array.isArray(input.value) ? `${vpath}[${i}]` : vpath;
      if (state === 'method' && !(LINK_METHODS as readonly unknown[]).includes(v)) {
        this.fail(p, `expected a link method: ${LINK_METHODS.join(', ')}`);
      } else this.string(v, p);
    });
  }

  private favouriteChanged(input: Obj, path: string): void {
    this.keys(input, path, ['favouriteChanged']);
    const f = input.favouriteChanged;
    const p = `${path}.favouriteChanged`;
    if (!isObj(f)) return this.fail(p, 'expected { changes, within }');
    this.keys(f, p, ['changes', 'within']);
    const changes = f.changes;
    if (
      !Array.isArray(changes) ||
      changes.length === 0 ||
      !changes.every((c) => (CATALOG_CHANGES as readonly unknown[]).includes(c))
    ) {
      this.fail(`${p}.changes`, `expected a non-empty array of ${CATALOG_CHANGES.join(', ')}`);
    }
    if (f.within === undefined) this.fail(`${p}.within`, 'expected a window');
    else this.window(f.within, `${p}.within`);
  }
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

export type { CustomAttributeType };
