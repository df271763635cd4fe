import { ALL_PREFECTURE_CODES, DateBound, elapsedPlan, listOf, placeCodes } from './rule-semantics';
import { LocalDate, addDays, startOfLocalDay } from './rule-time';
import { ATTRIBUTES, CUSTOM_PREFIX } from './schema-map';
import { MemberFacts } from './member-facts';
import { AttributeCondition } from './rule.types';
import { EvaluateContext } from './rule-evaluator.context';
import { Scalar, json, scalar } from './rule-value.evaluator';

export class AttributeRuleEvaluator {
  constructor(
    private readonly f: MemberFacts,
    private readonly ctx: EvaluateContext,
    private readonly today: LocalDate,
  ) {}

  attribute(c: AttributeCondition): boolean {
    if (c.attr.startsWith(CUSTOM_PREFIX)) {
      const key = c.attr.slice(CUSTOM_PREFIX.length);
      const type = this.ctx.customTypes?.[key];
      if (type === undefined) throw new Error(`custom attribute ${key} has no type`);
      return json(
        Object.hasOwn(this.f.member.attributes, key) ? this.f.member.attributes[key] : undefined,
        type,
        c.op,
        c.value,
        this.today,
        this.ctx.timeZone,
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
}
