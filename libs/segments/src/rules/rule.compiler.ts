import { RULE_LIMITS } from './rule.limits';
import { listOf } from './rule-semantics';
import { TABLES as T } from './schema-map';
import { SqlParams } from './sql-params';
import {
  FavouriteChangedCondition,
  LinkCondition,
  Rule,
  isAll,
  isAny,
  isAttribute,
  isEvent,
  isLink,
  isNot,
  isSegment,
  isSequence,
} from './rule.types';
import { CompileContext, CompileOptions, enumLabel } from './rule-compiler.context';
import { AttributeRuleCompiler } from './attribute-rule.compiler';
import { EventRuleCompiler } from './event-rule.compiler';

export type { CompileOptions };
export { cmp } from './rule-semantics';

/** A rule as one boolean SQL expression over the member row `m` (and aggregates row `a`). */
export interface CompiledRule {
  where: string;
  params: SqlParams;
  usesAggregates: boolean;
  /** `$n::bigint` references of CompileOptions.memberRange, when given. */
  range?: { lo: string; hi: string };
}

/**
 * Compiles a validated rule tree into ONE boolean SQL expression. Parameters `$1` (workspace)
 * and `$2` (channel) always come first. Identifiers come only from the schema map.
 */
export class RuleCompiler {
  private readonly cx: CompileContext;
  private readonly attributeRules: AttributeRuleCompiler;
  private readonly eventRules: EventRuleCompiler;

  private constructor(options: CompileOptions) {
    this.cx = new CompileContext(options);
    this.attributeRules = new AttributeRuleCompiler(this.cx);
    this.eventRules = new EventRuleCompiler(this.cx);
  }

  static compile(rule: Rule, options: CompileOptions): CompiledRule {
    const c = new RuleCompiler(options);
    const where = c.rule(rule, 0, true);
    return { where, params: c.cx.params, usesAggregates: c.cx.usesAggregates, range: c.cx.range };
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
    if (isAttribute(r)) return this.attributeRules.attribute(r);
    if (isEvent(r)) return this.eventRules.event(r, conjunct);
    if (isSequence(r)) return this.eventRules.sequence(r);
    if (isLink(r)) return this.link(r);
    if (isSegment(r)) {
      const inner = this.cx.o.segments?.get(r.segment);
      if (inner === undefined) throw new Error(`segment ${r.segment} was not resolved`);
      if (segmentDepth >= RULE_LIMITS.maxSegmentNesting) throw new Error('segment nesting too deep');
      return this.rule(inner, segmentDepth + 1, conjunct);
    }
    return this.favouriteChanged(r);
  }

  // ---- links, catalog ---------------------------------------------------------------------

  private link(c: LinkCondition): string {
    const L = T.lineUsers;
    const lu = this.cx.alias('lu');
    const conds = [
      `${lu}.${L.channelId} = ${this.cx.ch}`,
      `${lu}.${L.memberId} IS NOT NULL`,
      ...this.cx.inRange(`${lu}.${L.memberId}`),
    ];
    if (c.link === 'following') conds.push(`${lu}.${L.following}`, `${lu}.${L.blockedAt} IS NULL`);
    if (c.link === 'blocked') conds.push(`${lu}.${L.blockedAt} IS NOT NULL`);
    if (c.link === 'method') {
      conds.push(`${lu}.${L.linkMethod}::text = ANY(${this.cx.params.add(listOf(c.value), 'text[]')})`);
    }
    if (c.link === 'richMenu')
      conds.push(`${lu}.${L.richMenu} = ANY(${this.cx.params.add(listOf(c.value), 'text[]')})`);
    return `(m.${T.members.id} IN (SELECT ${lu}.${L.memberId} FROM ${L.table} ${lu} WHERE ${conds.join(' AND ')}))`;
  }

  private favouriteChanged(c: FavouriteChangedCondition): string {
    const f = this.cx.alias('f');
    const ce = this.cx.alias('ce');
    const C = T.catalogEvents;
    const E = T.events;
    const changed = [
      `${ce}.${C.workspaceId} = ${this.cx.ws}`,
      `${ce}.${C.sku} = ${f}.${E.sku}`,
      `${ce}.${C.kind}::text = ANY(${this.cx.params.add(c.favouriteChanged.changes, 'text[]')})`,
      ...this.cx.windowSql(`${ce}.${C.occurredAt}`, c.favouriteChanged.within),
    ];
    const conds = [
      `${f}.${E.workspaceId} = ${this.cx.ws}`,
      `${f}.${E.type} = '${enumLabel(T.favourites.eventType)}'::${E.typeEnum}`,
      `${f}.${E.sku} IS NOT NULL`,
      ...this.cx.inRange(`${f}.${E.memberId}`),
      `EXISTS (SELECT 1 FROM ${C.table} ${ce} WHERE ${changed.join(' AND ')})`,
    ];
    return `(m.${T.members.id} IN (SELECT ${f}.${E.memberId} FROM ${E.table} ${f} WHERE ${conds.join(' AND ')}))`;
  }
}
