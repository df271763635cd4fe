import { FastifyReply } from 'fastify';
import { BulkResult } from '../domain/bulk-result';
import { MAX_BULK_RECORDS, recordsOf, BodyRecords } from '../domain/records-body';
import { MembersException } from '../members.exception';

/** The records of a bulk body, or a 400 / 413 saying why there are none. */
export function bulkRecords(body: unknown): BodyRecords {
  const parsed = recordsOf(body);
  if (parsed === null) {
    throw MembersException.invalid([
      {
        field: 'records',
        reason: 'send {"records": [...]} as application/json, or one record per line as application/x-ndjson',
      },
    ]);
  }
  const total = parsed.records.length + parsed.rejected.length;
  if (total > MAX_BULK_RECORDS) throw MembersException.tooMany(MAX_BULK_RECORDS, total);
  return parsed;
}

/** 200 when every record was taken, 207 when some were refused. */
export function bulkReply<T extends BulkResult>(reply: FastifyReply, result: T): T {
  reply.status(result.rejected.length > 0 ? 207 : 200);
  return result;
}
