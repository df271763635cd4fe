import { ErrorDetail } from '@app/common';
import { RecordRejection } from './field-error';

/** The answer to a bulk request or an import batch (HTTP 200 when nothing was rejected, else 207). */
export interface BulkResult {
  /** Records newly stored (members: created + updated; events: new events). */
  accepted: number;
  /** Events whose id had been seen before: accepted and ignored. */
  duplicates: number;
  rejected: RecordRejection[];
}

/** `records[3].birthDate` style paths for an atomic 400. */
export function rejectionDetails(rejected: RecordRejection[]): ErrorDetail[] {
  return rejected.map((r) => ({
    field: `${r.line !== undefined ? `line ${r.line}` : `records[${r.index ?? 0}]`}${r.field === '' ? '' : `.${r.field}`}`,
    reason: r.reason,
  }));
}

/** Retries a transaction that lost a deadlock or serialization race; both are safe to redo. */
export async function withRetry<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: string }).code ?? (e as { driverError?: { code?: string } }).driverError?.code;
      if (i + 1 >= attempts || (code !== '40P01' && code !== '40001')) throw e;
      await new Promise((r) => setTimeout(r, 20 * (i + 1) + Math.random() * 50));
    }
  }
}
