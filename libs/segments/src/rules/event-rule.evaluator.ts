import { aggregateAnswer, cmp, filterType } from './rule-semantics';
import { LocalDate, inRange, windowRange } from './rule-time';
import { CUSTOM_EVENT_PREFIX, TABLES } from './schema-map';
import { EventFact, MemberFacts } from './member-facts';
import { EventCondition, PropertyFilter, SequenceCondition } from './rule.types';
import { EvaluateContext } from './rule-evaluator.context';
import { json, scalar } from './rule-value.evaluator';

export class EventRuleEvaluator {
  constructor(
    private readonly f: MemberFacts,
    private readonly ctx: EvaluateContext,
    private readonly today: LocalDate,
  ) {}

  private matches(e: EventFact, f: PropertyFilter): boolean {
    if (f.field === 'amount') return scalar(e.amount, 'number', f.op, f.value, this.today, this.ctx.timeZone);
    if (f.field === 'sku') return scalar(e.sku, 'string', f.op, f.value, this.today, this.ctx.timeZone);
    const type = filterType(f);
    const key = f.field.slice(f.field.indexOf('.') + 1);
    if (f.field.startsWith('properties.')) {
      return json(
        Object.hasOwn(e.properties, key) ? e.properties[key] : undefined,
        type,
        f.op,
        f.value,
        this.today,
        this.ctx.timeZone,
      );
    }
    const items = e.properties[TABLES.events.itemsKey];
    if (!Array.isArray(items)) return false;
    return (items as unknown[]).some((it) => {
      const obj = typeof it === 'object' && it !== null && !Array.isArray(it) ? (it as Record<string, unknown>) : null;
      return json(
        obj !== null && Object.hasOwn(obj, key) ? obj[key] : undefined,
        type,
        f.op,
        f.value,
        this.today,
        this.ctx.timeZone,
      );
    });
  }

  private select(type: string, within: EventCondition['within'], where: PropertyFilter[] = []): EventFact[] {
    const range = windowRange(within, this.ctx);
    return this.f.events.filter(
      (e) => isType(e, type) && inRange(e.occurredAt, range) && where.every((f) => this.matches(e, f)),
    );
  }

  event(c: EventCondition): boolean {
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

  sequence(c: SequenceCondition): boolean {
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

function isType(e: EventFact, type: string): boolean {
  if (!type.startsWith(CUSTOM_EVENT_PREFIX)) return e.type === type;
  return e.type === 'custom' && e.name === type.slice(CUSTOM_EVENT_PREFIX.length);
}
