import { createHash } from 'node:crypto';

/**
 * Namespace of the engine's retry keys (a fixed random UUID). Keys are UUIDv5 (RFC 9562) of a
 * name under it, so the same (campaign, run, batch, request) always yields the same key: a retry
 * after a timeout, a 5xx or a worker crash carries the key of the first attempt, and LINE answers
 * 409 instead of delivering twice.
 */
export const RETRY_KEY_NAMESPACE = '6f1d4c1e-8a47-4b0f-9d52-3c0d7e5b9a21';

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replace(/-/g, ''), 'hex');

/** RFC 9562 UUID version 5 (SHA-1) of `name` in `namespace`. */
export function uuidV5(name: string, namespace = RETRY_KEY_NAMESPACE): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface RetryKeyParts {
  campaignId: string;
  runKey: string;
  batchId: string;
  /** Index of the LINE request inside the batch (a batch may split into several requests). */
  requestSeq: number;
}

export const deriveRetryKey = (p: RetryKeyParts): string =>
  uuidV5(`${p.campaignId}|${p.runKey}|${p.batchId}|${p.requestSeq}`);
