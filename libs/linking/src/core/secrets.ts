import { createHash, randomBytes } from 'node:crypto';

/** 256 bits of randomness, base64url (43 characters): LINE asks for ≥ 128 bits, 10–255 chars. */
export const generateNonce = (): string => randomBytes(32).toString('base64url');

/** Nonces and link tokens are stored only as SHA-256: a database leak cannot replay them. */
export const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
