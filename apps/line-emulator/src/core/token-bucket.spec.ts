import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('allows a burst of the capacity, then refills continuously', () => {
    const bucket = new TokenBucket({ capacity: 3, periodMs: 1000 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.take(200)).toBe(false); // 0.6 token
    expect(bucket.take(334)).toBe(true); // 1.002 tokens
    expect(bucket.available(10_000)).toBe(3); // never above capacity
  });

  it('meters per-hour limits (60/h: one request a minute once the burst is spent)', () => {
    const bucket = new TokenBucket({ capacity: 60, periodMs: 3_600_000 }, 0);
    for (let i = 0; i < 60; i++) expect(bucket.take(0)).toBe(true);
    expect(bucket.take(59_000)).toBe(false);
    expect(bucket.take(60_000)).toBe(true);
  });
});
