import { RULE_LIMITS } from './rule.limits';
import {
  ALL_PREFECTURE_CODES,
  DateBound,
  JSON_DATE_PATTERN,
  aggregateAnswer,
  dateRange,
  elapsedPlan,
  listOf,
  placeCodes,
} from './rule-semantics';
import { LocalDate, TimeContext, addDays, inRange, startOfLocalDay, todayOf, windowRange } from './rule-time';
import {
  ATTRIBUTES,
  CUSTOM_EVENT_PREFIX,
  CUSTOM_PREFIX,
  CustomAttributeType,
  CustomAttributeTypes,
  TABLES,
  ValueType,
} from './schema-map';
import { filterType } from './rule.validator';
import { cmp } from './rule.compiler';
import { EventFact, MemberFacts } from './member-facts';
import {
  AttributeCondition,
  EventCondition,
  Operator,
  PropertyFilter,
  Rule,
  SequenceCondition,
  isAll,
  isAny,
  isAttribute,
  isEvent,
  isLink,
  isNot,
  isSegment,
  isSequence,
} from './rule.types';

export interface EvaluateContext extends TimeContext {
  channelId: string;
  segments?: ReadonlyMap<string, Rule>;
  customTypes?: CustomAttributeTypes;
}

type Scalar = string | number | boolean | Date;

/**
 * Decides one member against a rule, in memory: the same meaning as the SQL compiler (checked
 * by a property test against PostgreSQL). Used by event triggers, where one member changed.
 */
export function evaluate(rule: Rule, facts: MemberFacts, ctx: EvaluateContext): boolean {
  return new Evaluator(facts, ctx).rule(rule, 0);
}

class Evaluator {
  private readonly today: LocalDate;

  constructor(
    private readonly f: MemberFacts,
    private readonly ctx: EvaluateContext,
  ) {
    this.today = todayOf(ctx);
  }

  rule(r: Rule, depth: number): boolean {
    if (isAll(r)) return r.all.every((x) => this.rule(x, depth));
    if (isAny(r)) return r.any.some((x) => this.rule(x, depth));
    if (isNot(r)) return !this.rule(r.not, depth);
    if (isAttribute(r)) return this.attribute(r);
    if (isEvent(r)) return this.event(r);
    if (isSequence(r)) return this.sequence(r);
    if (isLink(r)) {
      const users = this.f.lineUsers.filter((u) => u.channelId === this.ctx.channelId);
      const values = r.value === undefined ? [] : listOf(r.value);
      switch (r.link) {
        case 'linked':
          return users.length > 0;
        case 'following':
          return users.some((u) => u.following && u.blockedAt === null);
        case 'blocked':
          return users.some((u) => u.blockedAt !== null);
        case 'method':
          return users.some((u) => u.linkMethod !== null && values.includes(u.linkMethod));
        default:
          return users.some((u) => u.richMenuId !== null && values.includes(u.richMenuId));
      }
    }
    if (isSegment(r)) {
      const inner = this.ctx.segments?.get(r.segment);
      if (inner === undefined) throw new Error(`segment ${r.segment} was not resolved`);
      if (depth >= RULE_LIMITS.maxSegmentNesting) throw new Error('segment nesting too deep');
      return this.rule(inner, depth + 1);
    }
    const { changes, within } = r.favouriteChanged;
    const range = windowRange(within, this.ctx);
    const favourites = new Set(
      this.f.events
        .filter((e) => e.type === TABLES.favourites.eventType)
        .map((e) => e.sku)
        .filter((p): p is string => p !== null),
    );
    return this.f.catalogEvents.some(
      (c) => favourites.has(c.sku) && changes.includes(c.kind) && inRange(c.occurredAt, range),
    );
  }

  // ---- attributes -------------------------------------------------------------------------

  private attribute(c: AttributeCondition): boolean {
    if (c.attr.startsWith(CUSTOM_PREFIX)) {
      const key = c.attr.slice(CUSTOM_PREFIX.length);
      const type = this.ctx.customTypes?.[key];
      if (type === undefined) throw new Error(`custom attribute ${key} has no type`);
      return this.json(
        Object.hasOwn(this.f.member.attributes, key) ? this.f.member.attributes[key] : undefined,
        type,
        c.op,
        c.value,
      );
    }
    const def = ATTRIBUTES[c.attr];
    const s = def.source;
    const raw = this.fact(s.kind === 'column' || s.kind === 'elapsed' ? s.table : 'member', def.fact);
    switch (s.kind) {
      case 'column': {
        const v = raw ?? s.defaultValue ?? null;
        return scalar(v as Scalar | null, s.type, c.op, c.value, this.today, this.ctx.timeZone);
      }
      case 'elapsed': {
        if (c.op === 'exists') return raw !== null;
        if (c.op === 'notExists') return raw === null;
        if (raw === null) return false;
        const plan = elapsedPlan(c.op, c.value, this.today, s.unit);
        const hit = plan.clauses.some((and) => and.every((b) => this.dateBound(raw as Scalar, s.base, b)));
        return plan.negate ? !hit : hit;
      }
      case 'birthMonth': {
        const month = typeof raw === 'string' ? Number(raw.slice(5, 7)) : null;
        return scalar(month, 'number', c.op, c.value, this.today, this.ctx.timeZone);
      }
      case 'place': {
        const code = raw as number | null;
        const known = code !== null && ALL_PREFECTURE_CODES.includes(code);
        if (c.op === 'exists') return known;
        if (c.op === 'notExists') return !known;
        if (code === null) return false;
        const hit = placeCodes(s.regions, listOf(c.value)).includes(code);
        return c.op === 'eq' || c.op === 'in' ? hit : !hit;
      }
    }
  }

  private fact(table: 'member' | 'aggregate', key: string): unknown {
    const source = table === 'member' ? this.f.member : this.f.aggregates;
    if (source === null) return null;
    return (source as unknown as Record<string, unknown>)[key] ?? null;
  }

  private dateBound(base: Scalar, kind: 'date' | 'timestamp', b: DateBound): boolean {
    if (kind === 'date') return b.cmp === 'le' ? (base as string) <= b.date : (base as string) > b.date;
    const next = startOfLocalDay(addDays(b.date, 1), this.ctx.timeZone).getTime();
    const t = (base as Date).getTime();
    return b.cmp === 'le' ? t < next : t >= next;
  }

  /** A JSON value compared as `type`; a value of another JSON type counts as absent. */
  private json(v: unknown, type: CustomAttributeType, op: Operator, value: unknown): boolean {
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
        return scalar(typeof v === 'number' ? v : null, 'number', op, value, this.today, this.ctx.timeZone);
      case 'boolean':
        return scalar(typeof v === 'boolean' ? v : null, 'boolean', op, value, this.today, this.ctx.timeZone);
      case 'date': {
        const text = typeof v === 'string' && JSON_DATE_PATTERN.test(v) ? v.slice(0, 10) : null;
        if (text === null) return false;
        if (op === 'eq') return text === value;
        if (op === 'neq') return text !== value;
        const { from, to } = dateRange(op, value, this.today);
        return (from === undefined || text >= from) && (to === undefined || text <= to);
      }
      default:
        return scalar(typeof v === 'string' ? v : null, 'string', op, value, this.today, this.ctx.timeZone);
    }
  }

  // ---- events -----------------------------------------------------------------------------

  private matches(e: EventFact, f: PropertyFilter): boolean {
    if (f.field === 'amount') return scalar(e.amount, 'number', f.op, f.value, this.today, this.ctx.timeZone);
    if (f.field === 'sku') return scalar(e.sku, 'string', f.op, f.value, this.today, this.ctx.timeZone);
    const type = filterType(f);
    const key = f.field.slice(f.field.indexOf('.') + 1);
    if (f.field.startsWith('properties.')) {
      return this.json(Object.hasOwn(e.properties, key) ? e.properties[key] : undefined, type, f.op, f.value);
    }
    const items = e.properties[TABLES.events.itemsKey];
    if (!Array.isArray(items)) return false;
    return (items as unknown[]).some((it) => {
      const obj = typeof it === 'object' && it !== null && !Array.isArray(it) ? (it as Record<string, unknown>) : null;
      return this.json(obj !== null && Object.hasOwn(obj, key) ? obj[key] : undefined, type, f.op, f.value);
    });
  }

  private select(type: string, within: EventCondition['within'], where: PropertyFilter[] = []): EventFact[] {
    const range = windowRange(within, this.ctx);
    return this.f.events.filter(
      (e) => isType(e, type) && inRange(e.occurredAt, range) && where.every((f) => this.matches(e, f)),
    );
  }

  private event(c: EventCondition): boolean {
    const fromAggregates = aggregateAnswer(c);
    if (fromAggregates !== null) {
      // The same fact the SQL reads (a member without aggregates has 0 and 0).
      const first = this.f.aggregates?.[fromAggregates.ever.fact] ?? null;
      if (c.did === false) return first === null;
      if (c.count === undefined && c.sum === undefined) return first !== null;
      const n = this.f.aggregates?.[fromAggregates.count.fact] ?? 0;
      const sum = this.f.aggregates?.[fromAggregates.sum.fact] ?? 0;
      return (
        (c.count === undefined || cmp(n, c.count.op, c.count.value)) &&
        (c.sum === undefined || cmp(sum, c.sum.op, c.sum.value))
      );
    }
    const events = this.select(c.event, c.within, c.where);
    if (c.did === false) return events.length === 0;
    if (c.count === undefined && c.sum === undefined) return events.length > 0;
    const sum = events.reduce((s, e) => s + (e.amount ?? 0), 0);
    return (
      (c.count === undefined || cmp(events.length, c.count.op, c.count.value)) &&
      (c.sum === undefined || cmp(sum, c.sum.op, c.sum.value))
    );
  }

  private sequence(c: SequenceCondition): boolean {
    const { first, then } = c.sequence;
    const span = then.withinHours * 3_600_000;
    const cut = this.ctx.now.getTime() - span;
    const followers = this.f.events.filter(
      (e) => isType(e, then.event) && (then.where ?? []).every((f) => this.matches(e, f)),
    );
    return this.select(first.event, first.within, first.where).some((a) => {
      const t = a.occurredAt.getTime();
      if (!then.did && t > cut) return false;
      const followed = followers.some((b) => b.occurredAt.getTime() > t && b.occurredAt.getTime() <= t + span);
      return then.did ? followed : !followed;
    });
  }
}

/** Plain comparison of a stored value (null = absent → false, except notExists). */
function scalar(
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

function isType(e: EventFact, type: string): boolean {
  if (!type.startsWith(CUSTOM_EVENT_PREFIX)) return e.type === type;
  return e.type === 'custom' && e.name === type.slice(CUSTOM_EVENT_PREFIX.length);
}
