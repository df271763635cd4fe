/**
 * Positional parameters of a compiled query. Every value of a rule goes through here: the SQL
 * text only ever contains `$n::type` placeholders, whitelisted identifiers and fixed keywords.
 */
export type SqlCast =
  | 'text'
  | 'numeric'
  | 'boolean'
  | 'date'
  | 'timestamptz'
  | 'uuid'
  | 'int'
  | 'bigint'
  | 'bigint[]'
  | 'int[]'
  | 'text[]'
  | 'numeric[]'
  | 'boolean[]'
  | 'date[]'
  /** Enum types named in the schema map (values checked against their labels first). */
  | 'member_gender'
  | 'member_gender[]';

export class SqlParams {
  readonly values: unknown[] = [];
  private readonly reuse = new Map<string, string>();

  add(value: unknown, cast: SqlCast): string {
    const key = `${cast}:${JSON.stringify(value instanceof Date ? value.toISOString() : value)}`;
    const existing = this.reuse.get(key);
    if (existing !== undefined) return existing;
    this.values.push(value instanceof Date ? value.toISOString() : value);
    const ref = `$${this.values.length}::${cast}`;
    this.reuse.set(key, ref);
    return ref;
  }
}
