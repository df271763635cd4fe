import { ALL_PREFECTURE_CODES, DateBound, elapsedPlan, listOf, placeCodes } from './rule-semantics';
import { addDays, startOfLocalDay } from './rule-time';
import { ATTRIBUTES, CUSTOM_PREFIX, TABLES as T } from './schema-map';
import { SqlCast } from './sql-params';
import { nonNull } from './sql-predicates';
import { AttributeCondition } from './rule.types';
import { CompileContext } from './rule-compiler.context';

export class AttributeRuleCompiler {
  constructor(private readonly cx: CompileContext) {}

  attribute(c: AttributeCondition): string {
    if (c.attr.startsWith(CUSTOM_PREFIX)) {
      const key = c.attr.slice(CUSTOM_PREFIX.length);
      const type = this.cx.o.customTypes?.[key];
      if (type === undefined) throw new Error(`custom attribute ${key} has no type`);
      return this.cx.predicates.json(`m.attributes -> ${this.cx.params.add(key, 'text')}`, type, c.op, c.value);
    }
    const def = ATTRIBUTES[c.attr];
    const s = def.source;
    switch (s.kind) {
      case 'column': {
        const col = s.table === 'member' ? `m.${s.column}` : this.cx.aggregate(s.column);
        if (s.enumType !== undefined && ['eq', 'neq', 'in', 'notIn'].includes(c.op)) {
          const many = c.op === 'in' || c.op === 'notIn';
          const param = this.cx.params.add(c.value, (many ? `${s.enumType.name}[]` : s.enumType.name) as SqlCast);
          const test = many ? `${col} = ANY(${param})` : `${col} = ${param}`;
          return nonNull(col, c.op === 'eq' || c.op === 'in' ? test : `NOT (${test})`);
        }
        const ref = s.enumType !== undefined ? `${col}::text` : col;
        const expr = s.defaultValue !== undefined ? `COALESCE(${ref}, ${Number(s.defaultValue)})` : ref;
        return this.cx.predicates.scalar(expr, s.type, c.op, c.value);
      }
      case 'elapsed': {
        const ref = s.table === 'member' ? `m.${s.column}` : this.cx.aggregate(s.column);
        if (c.op === 'exists') return `(${ref} IS NOT NULL)`;
        if (c.op === 'notExists') return `(${ref} IS NULL)`;
        const plan = elapsedPlan(c.op, c.value, this.cx.today, s.unit);
        const ors = plan.clauses.map((and) => `(${and.map((b) => this.dateBound(ref, s.base, b)).join(' AND ')})`);
        const body = `(${ors.join(' OR ')})`;
        return plan.negate ? nonNull(ref, `NOT ${body}`) : nonNull(ref, body);
      }
      case 'birthMonth':
        // NULL exactly when birth_date is: test the column, not the EXTRACT a second time per row.
        return this.cx.predicates.scalar(
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
          ? `${col} BETWEEN ${this.cx.params.add(codes[0], 'int')} AND ${this.cx.params.add(codes[codes.length - 1], 'int')}`
          : `${col} = ANY(${this.cx.params.add(codes, 'int[]')})`;
        return c.op === 'eq' || c.op === 'in' ? nonNull(col, hit) : nonNull(col, `NOT (${hit})`);
      }
    }
  }

  /** base (a date or timestamptz column) compared with a local date in the workspace zone. */
  private dateBound(ref: string, base: 'date' | 'timestamp', b: DateBound): string {
    if (base === 'date') return `${ref} ${b.cmp === 'le' ? '<=' : '>'} ${this.cx.params.add(b.date, 'date')}`;
    // local(ts) ≤ D ⇔ ts < start of D+1; local(ts) > D ⇔ ts ≥ start of D+1.
    const next = this.cx.params.add(startOfLocalDay(addDays(b.date, 1), this.cx.o.timeZone), 'timestamptz');
    return `${ref} ${b.cmp === 'le' ? '<' : '>='} ${next}`;
  }
}
