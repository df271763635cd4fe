import { RecordRejection, isPlainObject } from './field-error';

export const MAX_BULK_RECORDS = 10_000;

export interface BodyRecords {
  records: unknown[];
  /** Lines of NDJSON that were not JSON, already as rejections. */
  rejected: RecordRejection[];
  /** Index of records[i] in the request (NDJSON skips blank and bad lines). */
  indexes: number[];
}

/**
 * A bulk body: `{ "records": [...] }` (or a bare array) as JSON, or NDJSON text with one record
 * per line. Returns null when the body is neither.
 */
export function recordsOf(body: unknown): BodyRecords | null {
  if (typeof body === 'string') return ndjson(body);
  const list = Array.isArray(body) ? body : isPlainObject(body) && Array.isArray(body.records) ? body.records : null;
  if (list === null) return null;
  return { records: list, rejected: [], indexes: list.map((_, i) => i) };
}

function ndjson(text: string): BodyRecords {
  const out: BodyRecords = { records: [], rejected: [], indexes: [] };
  let index = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.records.push(JSON.parse(line) as unknown);
      out.indexes.push(index);
    } catch (e) {
      out.rejected.push({ index, field: '', reason: `not valid JSON: ${(e as Error).message}` });
    }
    index++;
  }
  return out;
}
