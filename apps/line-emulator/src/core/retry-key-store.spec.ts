import { RETRY_KEY_TTL_MS, RetryKeyStore, isRetryKey } from './retry-key-store';

describe('RetryKeyStore', () => {
  it('remembers an accepted key for 24 hours, then treats it as new', () => {
    const store = new RetryKeyStore<{ n: number }>();
    store.accept('k', 'req-1', { n: 1 }, 1000);
    expect(store.find('k', 1000 + RETRY_KEY_TTL_MS - 1)).toEqual({
      requestId: 'req-1',
      acceptedAt: 1000,
      payload: { n: 1 },
    });
    expect(store.find('k', 1000 + RETRY_KEY_TTL_MS)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('sweeps expired keys in acceptance order and stops at the first live one', () => {
    const store = new RetryKeyStore<object>(100);
    store.accept('a', 'r1', {}, 0);
    store.accept('b', 'r2', {}, 50);
    store.sweep(120);
    expect(store.find('a', 120)).toBeUndefined();
    expect(store.find('b', 120)?.requestId).toBe('r2');
  });

  it('accepts only UUIDs as keys', () => {
    expect(isRetryKey('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isRetryKey('not-a-uuid')).toBe(false);
  });
});
