import { LocalDate, TimeContext, todayOf, windowRange } from './rule-time';
import { CustomAttributeTypes } from './schema-map';
import { SqlParams } from './sql-params';
import { SqlPredicates } from './sql-predicates';
import { Rule, Window } from './rule.types';

export interface CompileOptions extends TimeContext {
  workspaceId: string;
  channelId: string;
  /** Current rules of the saved segments the tree refers to (resolved by the service). */
  segments?: ReadonlyMap<string, Rule>;
  customTypes?: CustomAttributeTypes;
  /**
   * Only members with `from <= id < to` (bigint, as text): one part of a count split by member id
   * over several connections (SegmentPreviewsService). Every scan keyed by member id gets the
   * range, so that each part reads only its slice of the indexes.
   */
  memberRange?: MemberRange;
}

export interface MemberRange {
  from: string;
  to: string;
}

/**
 * One compilation's state, shared by the per-kind compilers: parameters (`$n`) and subquery
 * aliases are numbered across the whole expression, and any part may need the aggregates row `a`.
 */
export class CompileContext {
  readonly params = new SqlParams();
  usesAggregates = false;
  readonly today: LocalDate;
  readonly ws: string;
  readonly ch: string;
  private aliasSeq = 0;
  readonly predicates: SqlPredicates;
  /** `$n::bigint` references of the member range, when there is one. */
  readonly range: { lo: string; hi: string } | undefined;

  constructor(readonly o: CompileOptions) {
    this.ws = this.params.add(o.workspaceId, 'uuid');
    this.ch = this.params.add(o.channelId, 'uuid');
    this.today = todayOf(o);
    this.predicates = new SqlPredicates(this.params, this.today, o.timeZone);
    this.range =
      o.memberRange === undefined
        ? undefined
        : { lo: this.params.add(o.memberRange.from, 'bigint'), hi: this.params.add(o.memberRange.to, 'bigint') };
  }

  /**
   * The member range on a member-id column of a subquery. The subqueries are correlated with
   * `m.id` (or tested against it), so the range changes no answer: it only keeps an index scan
   * of a part from reading the other parts' entries (PostgreSQL carries equalities across a join,
   * not ranges).
   */
  inRange(col: string): string[] {
    return this.range === undefined ? [] : [`${col} >= ${this.range.lo}`, `${col} < ${this.range.hi}`];
  }

  alias(prefix: string): string {
    return `${prefix}${++this.aliasSeq}`;
  }

  aggregate(column: string): string {
    this.usesAggregates = true;
    return `a.${column}`;
  }

  windowSql(col: string, w: Window | undefined): string[] {
    const r = windowRange(w, this.o);
    const parts: string[] = [];
    if (r.from !== undefined) parts.push(`${col} >= ${this.params.add(r.from, 'timestamptz')}`);
    if (r.to !== undefined) parts.push(`${col} ${r.toInclusive ? '<=' : '<'} ${this.params.add(r.to, 'timestamptz')}`);
    return parts;
  }
}

/** Enum labels are fixed identifiers of our schema: checked, never user text. */
export function enumLabel(label: string): string {
  if (!/^[a-z_]+$/.test(label)) throw new Error(`not an enum label: ${label}`);
  return label;
}
