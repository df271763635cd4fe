import { createHmac, timingSafeEqual } from 'node:crypto';

/** Base64(HMAC-SHA256(channel secret, raw body)): what LINE puts in `x-line-signature`. */
export function computeLineSignature(channelSecret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', channelSecret).update(rawBody).digest('base64');
}

/**
 * Checks a webhook signature over the raw bytes (never re-serialised JSON) in constant time.
 * A missing, malformed or wrong-length header is simply false.
 */
export function verifyLineSignature(
  channelSecret: string,
  rawBody: Buffer | string | undefined,
  signature: string | string[] | undefined,
): boolean {
  if (rawBody === undefined || typeof signature !== 'string' || signature.length === 0) return false;
  const expected = createHmac('sha256', channelSecret).update(rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
