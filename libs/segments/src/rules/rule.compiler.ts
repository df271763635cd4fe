import { RULE_LIMITS } from './rule.limits';
import { ALL_PREFECTURE_CODES, DateBound, aggregateAnswer, elapsedPlan, listOf, placeCodes } from './rule-semantics';
import { LocalDate, TimeContext, addDays, startOfLocalDay, todayOf, windowRange } from './rule-time';
import { ATTRIBUTES, CUSTOM_EVENT_PREFIX, CUSTOM_PREFIX, CustomAttributeTypes, TABLES as T } from './schema-map';
import { SqlCast, SqlParams } from './sql-params';
import { SqlPredicates, nonNull } from './sql-predicates';
import { filterType } from './rule.validator';
import {
  AttributeCondition,
  CountOperator,
  EventCondition,
  FavouriteChangedCondition,
  LinkCondition,
  PropertyFilter,
  Rule,
  SequenceCondition,
  Window,
  isAll,
  isAny,
  isAttribute,
  isEvent,
  isLink,
  isNot,
  isSegment,
  isSequence,
} from './rule.types';

export interface CompileOptions extends TimeContext {
  workspaceId: string;
  channelId: string;
  /** Current rules of the saved segments the tree refers to (resolved by the service). */
  segments?: ReadonlyMap<string, Rule>;
  customTypes?: CustomAttributeTypes;
}

/** A rule as one boolean SQL expression over the member row `m` (and aggregates row `a`). */
export interface CompiledRule {
  where: string;
  params: SqlParams;
  usesAggregates: boolean;
}

/**
 * Compiles a validated rule tree into ONE boolean SQL expression. Parameters `$1` (workspace)
 * and `$2` (channel) always come first. Identifiers come only from the schema map.
 */
export class RuleCompiler {
  readonly params = new SqlParams();
  private usesAggregates = false;
  private readonly today: LocalDate;
  private readonly ws: string;
  private readonly ch: string;
  private aliasSeq = 0;
  private readonly predicates: SqlPredicates;

  private constructor(private readonly o: CompileOptions) {
    this.ws = this.params.add(o.workspaceId, 'uuid');
    this.ch = this.params.add(o.channelId, 'uuid');
    this.today = todayOf(o);
    this.predicates = new SqlPredicates(this.params, this.today, o.timeZone);
  }

  static compile(rule: Rule, options: CompileOptions): CompiledRule {
    const c = new RuleCompiler(options);
    const where = c.rule(rule, 0, true);
    return { where, params: c.params, usesAggregates: c.usesAggregates };
  }

  private alias(prefix: string): string {
    return `${prefix}${++this.aliasSeq}`;
  }

  /**
   * `conjunct`: the node is reached from the root through `all` only, so the planner can turn a
   * correlated NOT EXISTS there into an anti-join; elsewhere (under any/not) an uncorrelated
   * IN (…) becomes a hashed subplan, which beats a per-member probe.
   */
  private rule(r: Rule, segmentDepth: number, conjunct: boolean): string {
    if (isAll(r)) return `(${r.all.map((x) => this.rule(x, segmentDepth, conjunct)).join(' AND ')})`;
    if (isAny(r)) return `(${r.any.map((x) => this.rule(x, segmentDepth, false)).join(' OR ')})`;
    if (isNot(r)) return `(NOT ${this.rule(r.not, segmentDepth, false)})`;
    if (isAttribute(r)) return this.attribute(r);
    if (isEvent(r)) return this.event(r, conjunct);
    if (isSequence(r)) return this.sequence(r);
    if (isLink(r)) return this.link(r);
    if (isSegment(r)) {
      const inner = this.o.segments?.get(r.segment);
      if (inner === undefined) throw new Error(`segment ${r.segment} was not resolved`);
      if (segmentDepth >= RULE_LIMITS.maxSegmentNesting) throw new Error('segment nesting too deep');
      return this.rule(inner, segmentDepth + 1, conjunct);
    }
    return this.favouriteChanged(r);
  }

  // ---- attributes -------------------------------------------------------------------------

  private attribute(c: AttributeCondition): string {
    if (c.attr.startsWith(CUSTOM_PREFIX)) {
      const key = c.attr.slice(CUSTOM_PREFIX.length);
      const type = this.o.customTypes?.[key];
      if (type === undefined) throw new Error(`custom attribute ${key} has no type`);
      return this.predicates.json(`m.attributes -> ${this.params.add(key, 'text')}`, type, c.op, c.value);
    }
    const def = ATTRIBUTES[c.attr];
    const s = def.source;
    switch (s.kind) {
      case 'column': {
        const col = s.table === 'member' ? `m.${s.column}` : this.aggregate(s.column);
        if (s.enumType !== undefined && ['eq', 'neq', 'in', 'notIn'].includes(c.op)) {
          const many = c.op === 'in' || c.op === 'notIn';
          const param = this.params.add(c.value, (many ? `${s.enumType.name}[]` : s.enumType.name) as SqlCast);
          const test = many ? `${col} = ANY(${param})` : `${col} = ${param}`;
          return nonNull(col, c.op === 'eq' || c.op === 'in' ? test : `NOT (${test})`);
        }
        const ref = s.enumType !== undefined ? `${col}::text` : col;
        const expr = s.defaultValue !== undefined ? `COALESCE(${ref}, ${Number(s.defaultValue)})` : ref;
        return this.predicates.scalar(expr, s.type, c.op, c.value);
      }
      case 'elapsed': {
        const ref = s.table === 'member' ? `m.${s.column}` : this.aggregate(s.column);
        if (c.op === 'exists') return `(${ref} IS NOT NULL)`;
        if (c.op === 'notExists') return `(${ref} IS NULL)`;
        const plan = elapsedPlan(c.op, c.value, this.today, s.unit);
        const ors = plan.clauses.map((and) => `(${and.map((b) => this.dateBound(ref, s.base, b)).join(' AND ')})`);
        const body = `(${ors.join(' OR ')})`;
        return plan.negate ? nonNull(ref, `NOT ${body}`) : nonNull(ref, body);
      }
      case 'birthMonth':
        // NULL exactly when birth_date is: test the column, not the EXTRACT a second time per row.
        return this.predicates.scalar(
          `EXTRACT(MONTH FROM m.${T.members.birthDate})`,
          'number',
          c.op,
          c.value,
          `m.${T.members.birthDate}`,
        );
      case 'place': {
        const col = `m.${T.members.prefectureCode}`;
        if (c.op === 'exists' || c.op === 'notExists') {
          const known = `${col} BETWEEN 1 AND ${ALL_PREFECTURE_CODES.length}`;
          return c.op === 'exists' ? nonNull(col, known) : `(NOT ${nonNull(col, known)})`;
        }
        const codes = placeCodes(s.regions, listOf(c.value));
        // A contiguous run of codes (every region but Tokyo/Kansai areas) is a range test.
        const contiguous = codes.length > 0 && codes[codes.length - 1] - codes[0] === codes.length - 1;
        const hit = contiguous
          ? `${col} BETWEEN ${this.params.add(codes[0], 'int')} AND ${this.params.add(codes[codes.length - 1], 'int')}`
          : `${col} = ANY(${this.params.add(codes, 'int[]')})`;
        return c.op === 'eq' || c.op === 'in' ? nonNull(col, hit) : nonNull(col, `NOT (${hit})`);
      }
    }
  }

  private aggregate(column: string): string {
    this.usesAggregates = true;
    return `a.${column}`;
  }

  /** base (a date or timestamptz column) compared with a local date in the workspace zone. */
  private dateBound(ref: string, base: 'date' | 'timestamp', b: DateBound): string {
    if (base === 'date') return `${ref} ${b.cmp === 'le' ? '<=' : '>'} ${this.params.add(b.date, 'date')}`;
    // local(ts) ≤ D ⇔ ts < start of D+1; local(ts) > D ⇔ ts ≥ start of D+1.
    const next = this.params.add(startOfLocalDay(addDays(b.date, 1), this.o.timeZone), 'timestamptz');
    return `${ref} ${b.cmp === 'le' ? '<' : '>='} ${next}`;
  }

  // ---- events -----------------------------------------------------------------------------

  private windowSql(col: string, w: Window | undefined): string[] {
    const r = windowRange(w, this.o);
    const parts: string[] = [];
    if (r.from !== undefined) parts.push(`${col} >= ${this.params.add(r.from, 'timestamptz')}`);
    if (r.to !== undefined) parts.push(`${col} ${r.toInclusive ? '<=' : '<'} ${this.params.add(r.to, 'timestamptz')}`);
    return parts;
  }

  private filterSql(e: string, f: PropertyFilter): string {
    if (f.field === 'amount') return this.predicates.scalar(`${e}.${T.events.amount}`, 'number', f.op, f.value);
    if (f.field === 'sku') return this.predicates.scalar(`${e}.${T.events.sku}`, 'string', f.op, f.value);
    const type = filterType(f);
    const name = f.field.slice(f.field.indexOf('.') + 1);
    if (f.field.startsWith('properties.')) {
      const key = this.params.add(name, 'text');
      return this.predicates.json(`${e}.${T.events.properties} -> ${key}`, type, f.op, f.value);
    }
    if (type === 'number' && (f.op === 'gte' || f.op === 'gt')) {
      // "some item ≥ X" ⇔ "largest item ≥ X": one function call the expression index covers
      // (the indexed key is written as the schema map's literal so the planner matches it).
      const k = name === T.events.indexedItemKey ? `'${T.events.indexedItemKey}'` : this.params.add(name, 'text');
      const max = `lse_max_item_number(${e}.${T.events.properties}, ${k})`;
      // Inside an event filter (a WHERE conjunct, never negated) NULL already means no.
      return `${max} ${f.op === 'gte' ? '>=' : '>'} ${this.params.add(f.value, 'numeric')}`;
    }
    const key = this.params.add(name, 'text');
    const it = this.alias('it');
    const items = `(${e}.${T.events.properties} -> '${T.events.itemsKey}')`;
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${items}) = 'array' THEN ${items} ELSE '[]'::jsonb END) AS ${it}(v) WHERE ${this.predicates.json(`${it}.v -> ${key}`, type, f.op, f.value)})`;
  }

  /** `FROM member_events e WHERE …` for one event type, window and filters. */
  private eventSource(e: string, type: string, within: Window | undefined, where: PropertyFilter[] = []): string {
    const conds = [
      `${e}.${T.events.workspaceId} = ${this.ws}`,
      ...this.typeSql(e, type),
      `${e}.${T.events.memberId} IS NOT NULL`,
      ...this.windowSql(`${e}.${T.events.occurredAt}`, within),
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
      `${e}.${T.events.name} = ${this.params.add(type.slice(CUSTOM_EVENT_PREFIX.length), 'text')}`,
    ];
  }

  private event(c: EventCondition, conjunct: boolean): string {
    const fromAggregates = aggregateAnswer(c);
    if (fromAggregates !== null) return this.eventFromAggregates(c, fromAggregates, conjunct);
    const e = this.alias('e');
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
      const a = this.alias('ag');
      const row = `FROM ${T.aggregates.table} ${a} WHERE ${a}.${T.aggregates.memberId} = m.${T.members.id}`;
      return zeroPasses
        ? `(NOT EXISTS (SELECT 1 ${row} AND NOT (${test(a)})))`
        : `(EXISTS (SELECT 1 ${row} AND ${test(a)}))`;
    }
    this.usesAggregates = true;
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
      const a = this.alias('ag');
      const row = `FROM ${T.aggregates.table} ${a} WHERE ${a}.${T.aggregates.memberId} = m.${T.members.id} AND ${a}.${column} IS NOT NULL`;
      return did ? `(EXISTS (SELECT 1 ${row}))` : `(NOT EXISTS (SELECT 1 ${row}))`;
    }
    // NULL also when the member has no aggregates row: never did it.
    return `(${this.aggregate(column)} IS ${did ? 'NOT ' : ''}NULL)`;
  }

  private countCmp(expr: string, op: CountOperator, value: number, cast: SqlCast): string {
    const sqlOp = op === 'gte' ? '>=' : op === 'lte' ? '<=' : '=';
    return `${expr} ${sqlOp} ${this.params.add(value, cast)}`;
  }

  private sequence(c: SequenceCondition): string {
    const { first, then } = c.sequence;
    const a = this.alias('sa');
    const b = this.alias('sb');
    const hours = this.params.add(then.withinHours, 'int');
    const after = [
      `${b}.${T.events.workspaceId} = ${this.ws}`,
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
      const cut = new Date(this.o.now.getTime() - then.withinHours * 3_600_000);
      source += ` AND ${a}.${T.events.occurredAt} <= ${this.params.add(cut, 'timestamptz')}`;
    }
    return `(m.${T.members.id} IN (SELECT ${a}.${T.events.memberId} ${source} AND ${then.did ? '' : 'NOT '}${follow}))`;
  }

  // ---- links, catalog ---------------------------------------------------------------------

  private link(c: LinkCondition): string {
    const L = T.lineUsers;
    const lu = this.alias('lu');
    const conds = [`${lu}.${L.channelId} = ${this.ch}`, `${lu}.${L.memberId} IS NOT NULL`];
    if (c.link === 'following') conds.push(`${lu}.${L.following}`, `${lu}.${L.blockedAt} IS NULL`);
    if (c.link === 'blocked') conds.push(`${lu}.${L.blockedAt} IS NOT NULL`);
    if (c.link === 'method') {
      conds.push(`${lu}.${L.linkMethod}::text = ANY(${this.params.add(listOf(c.value), 'text[]')})`);
    }
    if (c.link === 'richMenu') conds.push(`${lu}.${L.richMenu} = ANY(${this.params.add(listOf(c.value), 'text[]')})`);
    return `(m.${T.members.id} IN (SELECT ${lu}.${L.memberId} FROM ${L.table} ${lu} WHERE ${conds.join(' AND ')}))`;
  }

  private favouriteChanged(c: FavouriteChangedCondition): string {
    const f = this.alias('f');
    const ce = this.alias('ce');
    const C = T.catalogEvents;
    const E = T.events;
    const changed = [
      `${ce}.${C.workspaceId} = ${this.ws}`,
      `${ce}.${C.sku} = ${f}.${E.sku}`,
      `${ce}.${C.kind}::text = ANY(${this.params.add(c.favouriteChanged.changes, 'text[]')})`,
      ...this.windowSql(`${ce}.${C.occurredAt}`, c.favouriteChanged.within),
    ];
    const conds = [
      `${f}.${E.workspaceId} = ${this.ws}`,
      `${f}.${E.type} = '${enumLabel(T.favourites.eventType)}'::${E.typeEnum}`,
      `${f}.${E.sku} IS NOT NULL`,
      `EXISTS (SELECT 1 FROM ${C.table} ${ce} WHERE ${changed.join(' AND ')})`,
    ];
    return `(m.${T.members.id} IN (SELECT ${f}.${E.memberId} FROM ${E.table} ${f} WHERE ${conds.join(' AND ')}))`;
  }
}

/** Enum labels are fixed identifiers of our schema: checked, never user text. */
function enumLabel(label: string): string {
  if (!/^[a-z_]+$/.test(label)) throw new Error(`not an enum label: ${label}`);
  return label;
}

export function cmp(x: number, op: CountOperator, value: number): boolean {
  return op === 'gte' ? x >= value : op === 'lte' ? x <= value : x === value;
}
