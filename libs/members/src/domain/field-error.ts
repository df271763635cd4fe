/** One reason a record was refused; `field` is the path inside the record. */
export interface FieldError {
  field: string;
  reason: string;
}

/** A refused record of a bulk request or an import: index (0-based) or line (1-based). */
export interface RecordRejection {
  index?: number;
  line?: number;
  field: string;
  reason: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A date-time must carry its offset: a bare local time would be read in the server's zone.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** `YYYY-MM-DD` that exists in the calendar. */
export function isIsoDate(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = ISO_DATE.exec(v);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** An ISO 8601 date-time with an offset, as epoch ms; undefined when not one. */
export function parseDateTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || !ISO_DATE_TIME.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}
