import { createHmac, timingSafeEqual } from 'node:crypto';

export type JwtPayload = Record<string, unknown>;

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** LINE signs the ID tokens of web-app sign-ins with HS256 and the login channel secret. */
export function signHs256(payload: JwtPayload, secret: string): string {
  const head = `${b64(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))}.${b64(JSON.stringify(payload))}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

/** The payload when the signature holds, else null (expiry and audience are the caller's rules). */
export function verifyHs256(token: string, secret: string): JwtPayload | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const expected = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString()) as { alg?: string };
    if (header.alg !== 'HS256') return null;
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString()) as JwtPayload;
  } catch {
    return null;
  }
}

/** Reads the payload without checking the signature (to find which channel's secret to use). */
export function peekPayload(token: string): JwtPayload | null {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as JwtPayload;
  } catch {
    return null;
  }
}
