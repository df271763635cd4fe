import { computeLineSignature, verifyLineSignature } from './line-signature';

describe('LINE webhook signature', () => {
  const secret = 'channel-secret';
  const body = Buffer.from('{"destination":"Uxxx","events":[{"type":"follow","text":"こんにちは"}]}');

  it('accepts the signature of the exact raw bytes', () => {
    expect(verifyLineSignature(secret, body, computeLineSignature(secret, body))).toBe(true);
  });

  it('refuses a signature made with another secret, over other bytes, missing or malformed', () => {
    const good = computeLineSignature(secret, body);
    expect(verifyLineSignature('other', body, good)).toBe(false);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    expect(verifyLineSignature(secret, reserialised, good)).toBe(false);
    expect(verifyLineSignature(secret, body, undefined)).toBe(false);
    expect(verifyLineSignature(secret, body, '')).toBe(false);
    expect(verifyLineSignature(secret, body, 'abc')).toBe(false);
    expect(verifyLineSignature(secret, body, [good, good])).toBe(false);
    expect(verifyLineSignature(secret, undefined, good)).toBe(false);
  });

  it('is Base64 of HMAC-SHA256 (pinned value)', () => {
    expect(computeLineSignature('secret', 'body')).toBe('3EaYNVf+oSe0OvchRn65s/3iM4/j4U9RlSqoR4wT01U=');
  });
});
