import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { CORE_FIELDS } from '../domain/member-input';
import { ImportFormat, ImportKind } from '../entities/import.entity';

/** The file cannot be read further: the import fails with this message. */
export class ImportFileError extends Error {}

/** One record of a file with its (1-based) line, or the reason the line is unreadable. */
export type FileRecord = { line: number; record: unknown } | { line: number; field: string; reason: string };

const MEMBER_COLUMNS = new Set<string>(['externalId', ...CORE_FIELDS]);
const EVENT_COLUMNS = new Set(['eventId', 'memberId', 'type', 'name', 'occurredAt', 'properties']);
const ATTRIBUTE_COLUMN = /^(?:attributes|attr)\.([a-z][a-z0-9_]*)$/;

/** Columns a CSV header may hold; anything else fails the import up front, naming the column. */
export function checkCsvHeader(kind: ImportKind, header: string[]): string | null {
  for (const column of header) {
    const ok =
      kind === ImportKind.Members
        ? MEMBER_COLUMNS.has(column) || ATTRIBUTE_COLUMN.test(column)
        : EVENT_COLUMNS.has(column);
    if (!ok) return `unknown column "${column}"`;
  }
  if (kind === ImportKind.Members && !header.includes('externalId')) return 'the header has no "externalId" column';
  if (kind === ImportKind.Events && !['eventId', 'memberId', 'type', 'occurredAt'].every((c) => header.includes(c))) {
    return 'the header needs eventId, memberId, type and occurredAt';
  }
  return null;
}

/** A CSV row (all text) as the record the JSON API would take. */
export function csvRow(
  kind: ImportKind,
  header: string[],
  cells: string[],
): { record: unknown } | { field: string; reason: string } {
  const record: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  for (let i = 0; i < header.length; i++) {
    const column = header[i];
    const value = cells[i] ?? '';
    const attr = ATTRIBUTE_COLUMN.exec(column);
    if (attr !== null) attributes[attr[1]] = value;
    else if (kind === ImportKind.Events && value === '') continue;
    else if (kind === ImportKind.Events && column === 'properties') {
      try {
        record.properties = JSON.parse(value) as unknown;
      } catch {
        return { field: 'properties', reason: 'must be a JSON object' };
      }
    } else record[column] = value;
  }
  if (Object.keys(attributes).length > 0) record.attributes = attributes;
  return { record };
}

/**
 * The records of a file, streamed: never more than the parser's buffer and one record in memory.
 * Throws on a CSV that cannot be read further (an unclosed quote) or a bad header.
 */
export async function* fileRecords(
  kind: ImportKind,
  format: ImportFormat,
  input: Readable,
): AsyncGenerator<FileRecord> {
  if (format === ImportFormat.Ndjson) {
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line++;
      if (text.trim() === '') continue;
      try {
        yield { line, record: JSON.parse(text) as unknown };
      } catch (e) {
        yield { line, field: '', reason: `not valid JSON: ${(e as Error).message}` };
      }
    }
    return;
  }
  const parser = input.pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }),
  );
  let header: string[] | null = null;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (header === null) {
      header = record;
      const problem = checkCsvHeader(kind, header);
      if (problem !== null) throw new ImportFileError(`line ${info.lines}: ${problem}`);
      continue;
    }
    if (record.length !== header.length) {
      yield { line: info.lines, field: '', reason: `has ${record.length} cells, the header has ${header.length}` };
      continue;
    }
    const row = csvRow(kind, header, record);
    yield 'record' in row ? { line: info.lines, record: row.record } : { line: info.lines, ...row };
  }
}
