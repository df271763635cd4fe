import { RULE_LIMITS } from './rule.limits';
import { listOf } from './rule-semantics';
import { inRange, todayOf, windowRange } from './rule-time';
import { TABLES } from './schema-map';
import { MemberFacts } from './member-facts';
import { Rule, isAll, isAny, isAttribute, isEvent, isLink, isNot, isSegment, isSequence } from './rule.types';
import { EvaluateContext } from './rule-evaluator.context';
import { AttributeRuleEvaluator } from './attribute-rule.evaluator';
import { EventRuleEvaluator } from './event-rule.evaluator';

export type { EvaluateContext };

/**
 * Decides one member against a rule, in memory: the same meaning as the SQL compiler (checked
 * by a property test against PostgreSQL). Used by event triggers, where one member changed.
 */
export function evaluate(rule: Rule, facts: MemberFacts, ctx: EvaluateContext): boolean {
  return new Evaluator(facts, ctx).rule(rule, 0);
}

class Evaluator {
  private readonly attributeRules: AttributeRuleEvaluator;
  private readonly eventRules: EventRuleEvaluator;

  constructor(
    private readonly f: MemberFacts,
    private readonly ctx: EvaluateContext,
  ) {
    const today = todayOf(ctx);
    this.attributeRules = new AttributeRuleEvaluator(f, ctx, today);
    this.eventRules = new EventRuleEvaluator(f, ctx, today);
  }

  rule(r: Rule, depth: number): boolean {
    if (isAll(r)) return r.all.every((x) => this.rule(x, depth));
    if (isAny(r)) return r.any.some((x) => this.rule(x, depth));
    if (isNot(r)) return !this.rule(r.not, depth);
    if (isAttribute(r)) return this.attributeRules.attribute(r);
    if (isEvent(r)) return this.eventRules.event(r);
    if (isSequence(r)) return this.eventRules.sequence(r);
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
}
