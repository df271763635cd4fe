import { apiKeyMatches, apiKeyPrefix, generateApiKey } from './api-key.secret';

describe('API key secrets', () => {
  it('generates distinct keys whose prefix can be parsed back', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(apiKeyPrefix(a.key)).toBe(a.prefix);
    expect(a.key.length).toBe(4 + 12 + 1 + 43);
  });

  it('matches only the exact key', () => {
    const { key, hash } = generateApiKey();
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, hash)).toBe(false);
  });

  it('rejects malformed keys', () => {
    expect(apiKeyPrefix('lse_123')).toBeNull();
    expect(apiKeyPrefix("lse_0123456789ab_' OR 1=1 --")).toBeNull();
  });
});
