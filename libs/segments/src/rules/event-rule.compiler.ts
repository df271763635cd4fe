import { aggregateAnswer, cmp, filterType } from './rule-semantics';
import { CUSTOM_EVENT_PREFIX, TABLES as T } from './schema-map';
import { SqlCast } from './sql-params';
import { CountOperator, EventCondition, PropertyFilter, SequenceCondition, Window } from './rule.types';
import { CompileContext, enumLabel } from './rule-compiler.context';

export class EventRuleCompiler {
  constructor(private readonly cx: CompileContext) {}

  private filterSql(e: string, f: PropertyFilter): string {
    if (f.field === 'amount') return this.cx.predicates.scalar(`${e}.${T.events.amount}`, 'number', f.op, f.value);
    if (f.field === 'sku') return this.cx.predicates.scalar(`${e}.${T.events.sku}`, 'string', f.op, f.value);
    const type = filterType(f);
    const name = f.field.slice(f.field.indexOf('.') + 1);
    if (f.field.startsWith('properties.')) {
      const key = this.cx.params.add(name, 'text');
      return this.cx.predicates.json(`${e}.${T.events.properties} -> ${key}`, type, f.op, f.value);
    }
    if (type === 'number' && (f.op === 'gte' || f.op === 'gt')) {
      // "some item ≥ X" ⇔ "largest item ≥ X": one function call the expression index covers
      // (the indexed key is written as the schema map's literal so the planner matches it).
      const k = name === T.events.indexedItemKey ? `'${T.events.indexedItemKey}'` : this.cx.params.add(name, 'text');
      const max = `lse_max_item_number(${e}.${T.events.properties}, ${k})`;
      // Inside an event filter (a WHERE conjunct, never negated) NULL already means no.
      return `${max} ${f.op === 'gte' ? '>=' : '>'} ${this.cx.params.add(f.value, 'numeric')}`;
    }
    const key = this.cx.params.add(name, 'text');
    const it = this.cx.alias('it');
    const items = `(${e}.${T.events.properties} -> '${T.events.itemsKey}')`;
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${items}) = 'array' THEN ${items} ELSE '[]'::jsonb END) AS ${it}(v) WHERE ${this.cx.predicates.json(`${it}.v -> ${key}`, type, f.op, f.value)})`;
  }

  /** `FROM member_events e WHERE …` for one event type, window and filters. */
  private eventSource(e: string, type: string, within: Window | undefined, where: PropertyFilter[] = []): string {
    const conds = [
      `${e}.${T.events.workspaceId} = ${this.cx.ws}`,
      ...this.typeSql(e, type),
      `${e}.${T.events.memberId} IS NOT NULL`,
      ...this.cx.inRange(`${e}.${T.events.memberId}`),
      ...this.cx.windowSql(`${e}.${T.events.occurredAt}`, within),
      ...where.map((f) => this.filterSql(e, f)),
    ];
    return `FROM ${T.events.table} ${e} WHERE ${conds.join(' AND ')}`;
  }

  /** `purchase` → type = 'purchase'; `custom:webinar` → type = 'custom' AND name = 'webinar'. */
  private typeSql(e: string, type: string): string[] {
    // The value was checked against the enum's labels by the validator, so the cast cannot fail.
    if (!type.startsWith(CUSTOM_EVENT_PREFIX))
      return [`${e}.${T.events.type} = '${enumLabel(type)}'::${T.events.typeEnum}`];
    return [
      `${e}.${T.events.type} = 'custom'::${T.events.typeEnum}`,
      `${e}.${T.events.name} = ${this.cx.params.add(type.slice(CUSTOM_EVENT_PREFIX.length), 'text')}`,
    ];
  }

  event(c: EventCondition, conjunct: boolean): string {
    const fromAggregates = aggregateAnswer(c);
    if (fromAggregates !== null) return this.eventFromAggregates(c, fromAggregates, conjunct);
    const e = this.cx.alias('e');
    const source = this.eventSource(e, c.event, c.within, c.where);
    const memberIn = (sub: string): string => `m.${T.members.id} IN (SELECT ${e}.${T.events.memberId} ${sub})`;
    if (c.did === false) {
      return conjunct
        ? `(NOT EXISTS (SELECT 1 ${source} AND ${e}.${T.events.memberId} = m.${T.members.id}))`
        : `(NOT ${memberIn(source)})`;
    }
    if (c.count === undefined && c.sum === undefined) return `(${memberIn(source)})`;
    const having: string[] = [];
    if (c.count !== undefined) having.push(this.countCmp('count(*)', c.count.op, c.count.value, 'int'));
    if (c.sum !== undefined) {
      having.push(this.countCmp(`COALESCE(sum(${e}.${T.events.amount}), 0)`, c.sum.op, c.sum.value, 'numeric'));
    }
    // A member without any such event has count 0 and sum 0; when that satisfies the condition,
    // test the complement ("not among those whose events fail it") so they are included.
    const zeroPasses =
      (c.count === undefined || cmp(0, c.count.op, c.count.value)) &&
      (c.sum === undefined || cmp(0, c.sum.op, c.sum.value));
    const grouped = `${source} GROUP BY ${e}.${T.events.memberId} HAVING`;
    return zeroPasses
      ? `(NOT ${memberIn(`${grouped} NOT (${having.join(' AND ')})`)})`
      : `(${memberIn(`${grouped} ${having.join(' AND ')}`)})`;
  }

  /**
   * "did EVENT ever (count/sum …)" from member_aggregates; a member without a row has 0 and 0.
   * In the top-level conjunction a correlated (NOT) EXISTS: a hash (anti-)join over the
   * aggregates whose row estimate comes from the column statistics ("never bought": 630k events
   * index probes → one hash anti-join). Elsewhere the same test on the joined row `a`, written
   * (like every comparison here) so that it never is NULL.
   */
  private eventFromAggregates(
    c: EventCondition,
    agg: NonNullable<ReturnType<typeof aggregateAnswer>>,
    conjunct: boolean,
  ): string {
    if (c.did === false || (c.count === undefined && c.sum === undefined)) {
      return this.everFromAggregates(agg.ever.column, c.did !== false, conjunct);
    }
    const count = c.count;
    const sum = c.sum;
    const test = (ref: string): string => {
      const parts: string[] = [];
      if (count !== undefined) parts.push(this.countCmp(`${ref}.${agg.count.column}`, count.op, count.value, 'int'));
      if (sum !== undefined) parts.push(this.countCmp(`${ref}.${agg.sum.column}`, sum.op, sum.value, 'numeric'));
      return parts.join(' AND ');
    };
    const zeroPasses =
      (count === undefined || cmp(0, count.op, count.value)) && (sum === undefined || cmp(0, sum.op, sum.value));
    if (conjunct) {
      const a = this.cx.alias('ag');
      const row = [
        `FROM ${T.aggregates.table} ${a} WHERE ${a}.${T.aggregates.memberId} = m.${T.members.id}`,
        ...this.cx.inRange(`${a}.${T.aggregates.memberId}`),
      ].join(' AND ');
      return zeroPasses
        ? `(NOT EXISTS (SELECT 1 ${row} AND NOT (${test(a)})))`
        : `(EXISTS (SELECT 1 ${row} AND ${test(a)}))`;
    }
    this.cx.usesAggregates = true;
    // The aggregate columns are NOT NULL, so `a.member_id IS NULL` is exactly "no row".
    const present = `a.${T.aggregates.memberId} IS NOT NULL`;
    return zeroPasses ? `(NOT (${present} AND NOT (${test('a')})))` : `(${present} AND ${test('a')})`;
  }

  /**
   * "did EVENT ever" / "never did": whether the member's first such event is recorded. In the
   * top-level conjunction a (NOT) EXISTS whose condition is the predicate of the partial index
   * ix_member_aggregates_buyers, so "never bought" is a merge anti-join of member ids with that
   * small index (no read of the aggregates rows).
   */
  private everFromAggregates(column: string, did: boolean, conjunct: boolean): string {
    if (conjunct) {
      const a = this.cx.alias('ag');
      const row = [
        `FROM ${T.aggregates.table} ${a} WHERE ${a}.${T.aggregates.memberId} = m.${T.members.id}`,
        ...this.cx.inRange(`${a}.${T.aggregates.memberId}`),
        `${a}.${column} IS NOT NULL`,
      ].join(' AND ');
      return did ? `(EXISTS (SELECT 1 ${row}))` : `(NOT EXISTS (SELECT 1 ${row}))`;
    }
    // NULL also when the member has no aggregates row: never did it.
    return `(${this.cx.aggregate(column)} IS ${did ? 'NOT ' : ''}NULL)`;
  }

  private countCmp(expr: string, op: CountOperator, value: number, cast: SqlCast): string {
    const sqlOp = op === 'gte' ? '>=' : op === 'lte' ? '<=' : '=';
    return `${expr} ${sqlOp} ${this.cx.params.add(value, cast)}`;
  }

  sequence(c: SequenceCondition): string {
    const { first, then } = c.sequence;
    const a = this.cx.alias('sa');
    const b = this.cx.alias('sb');
    const hours = this.cx.params.add(then.withinHours, 'int');
    const after = [
      `${b}.${T.events.workspaceId} = ${this.cx.ws}`,
      `${b}.${T.events.memberId} = ${a}.${T.events.memberId}`,
      ...this.typeSql(b, then.event),
      `${b}.${T.events.occurredAt} > ${a}.${T.events.occurredAt}`,
      `${b}.${T.events.occurredAt} <= ${a}.${T.events.occurredAt} + make_interval(hours => ${hours})`,
      ...(then.where ?? []).map((f) => this.filterSql(b, f)),
    ];
    const follow = `EXISTS (SELECT 1 FROM ${T.events.table} ${b} WHERE ${after.join(' AND ')})`;
    let source = this.eventSource(a, first.event, first.within, first.where);
    if (!then.did) {
      // The N hours must have passed for an A event to count as "not followed by B".
      const cut = new Date(this.cx.o.now.getTime() - then.withinHours * 3_600_000);
      source += ` AND ${a}.${T.events.occurredAt} <= ${this.cx.params.add(cut, 'timestamptz')}`;
    }
    return `(m.${T.members.id} IN (SELECT ${a}.${T.events.memberId} ${source} AND ${then.did ? '' : 'NOT '}${follow}))`;
  }
}
