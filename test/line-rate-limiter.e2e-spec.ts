import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { AppConfig, RedisKeys, redisOptions } from '@app/common';
import { LineChannelClient, LineEndpoint, LineErrorCode, LineRateLimiter } from '@app/line';
import { testConfig, uniqueSuffix, TEST_REDIS_URL } from '@app/testing';

/**
 * The one limiter in front of LINE, on the real Redis: several processes (here two clients, as
 * two workers would hold) share each (channel, endpoint) bucket, and the channel client takes its
 * slot from it unless the caller already holds one.
 */
describe('LineRateLimiter (GCRA in Redis, shared by every process)', () => {
  const prefix = `lse-t-${uniqueSuffix()}`;
  let config: AppConfig;
  let redisA: Redis;
  let redisB: Redis;
  let a: LineRateLimiter;
  let b: LineRateLimiter;
  let keys: RedisKeys;

  beforeAll(() => {
    config = testConfig('unused', prefix, { LINE_RATE_PERCENT: '100' });
    keys = new RedisKeys(config);
    redisA = new Redis(redisOptions(TEST_REDIS_URL));
    redisB = new Redis(redisOptions(TEST_REDIS_URL));
    a = new LineRateLimiter(redisA, keys, config);
    b = new LineRateLimiter(redisB, keys, config);
  });
  afterAll(async () => {
    const left = await redisA.keys(`${prefix}:*`);
    if (left.length > 0) await redisA.del(...left);
    redisA.disconnect();
    redisB.disconnect();
  });

  const tatOf = async (channelId: string, endpoint: LineEndpoint): Promise<number | null> => {
    const v = await redisA.get(keys.key('line-rate', channelId, endpoint));
    return v === null ? null : Number(v);
  };

  it('lets a burst of half a second through, then spaces the rest at the rate, over both processes', async () => {
    // Multicast at 100 %: 200/s (5 ms apart), burst 100.
    const started = Date.now();
    const waits = await Promise.all(
      Array.from({ length: 250 }, (_, i) => (i % 2 === 0 ? a : b).acquire('ch-1', LineEndpoint.Multicast)),
    );
    const elapsed = Date.now() - started;
    const reservingMs = elapsed - Math.max(...waits);
    waits.sort((x, y) => x - y);
    // Time passing while the 250 reservations were made frees one slot per 5 ms of it.
    const freed = Math.ceil(Math.max(0, reservingMs) / 5) + 1;
    expect(waits.filter((w) => w < 1).length).toBeGreaterThanOrEqual(100);
    expect(waits.filter((w) => w < 1).length).toBeLessThanOrEqual(100 + freed);
    expect(waits[249]).toBeLessThanOrEqual(750);
    expect(waits[249]).toBeGreaterThanOrEqual(750 - 5 * freed);
    // Consecutive slots are one emission interval apart: their waits differ by 5 ms less the time
    // between the two reservations.
    for (let i = 101; i < 250; i++) {
      expect(waits[i] - waits[i - 1]).toBeLessThanOrEqual(5.001);
      expect(waits[i] - waits[i - 1]).toBeGreaterThan(5 - reservingMs - 1);
    }
  });

  it('keeps channels and endpoints apart: a busy multicast bucket does not slow another', async () => {
    await Promise.all(Array.from({ length: 120 }, () => a.acquire('ch-2', LineEndpoint.Multicast, 1, 10_000)));
    expect(await b.acquire('ch-3', LineEndpoint.Multicast)).toBe(0);
    expect(await b.acquire('ch-2', LineEndpoint.Push)).toBe(0);
  });

  it('refuses a slot beyond the longest wait without reserving it', async () => {
    const many = Array.from({ length: 250 }, () => a.acquire('ch-4', LineEndpoint.Multicast, 1, 10_000));
    await new Promise((r) => setTimeout(r, 20));
    const before = await tatOf('ch-4', LineEndpoint.Multicast);
    await expect(b.acquire('ch-4', LineEndpoint.Multicast, 1, 100)).rejects.toMatchObject({
      code: LineErrorCode.RateLimited,
    });
    expect(await tatOf('ch-4', LineEndpoint.Multicast)).toBe(before);
    // The key outlives its backlog (an expired key would be a full bucket again) and the burst's
    // tolerance, and then 1 s, no more: 250 × 5 ms + 99 × 5 ms + 1 s.
    const ttl = await redisA.pttl(keys.key('line-rate', 'ch-4', LineEndpoint.Multicast));
    expect(ttl).toBeGreaterThan(1250 + 495 + 1000 - 300);
    expect(ttl).toBeLessThanOrEqual(1250 + 495 + 1000);
    await Promise.all(many);
  });

  it('scales the rate by LINE_RATE_PERCENT', () => {
    const half = new LineRateLimiter(redisA, keys, testConfig('unused', prefix, { LINE_RATE_PERCENT: '50' }));
    expect(half.limit(LineEndpoint.Multicast)).toEqual({ ratePerSecond: 100, burst: 50 });
    expect(a.limit(LineEndpoint.Push)).toEqual({ ratePerSecond: 2000, burst: 1000 });
  });

  describe('through the channel client', () => {
    let server: Server;
    let client: LineChannelClient;

    beforeAll(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-line-request-id': 'r' });
          res.end('{"sentMessages":[{"id":"1"}]}');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      client = new LineChannelClient({
        channelId: 'ch-5',
        accessToken: 't',
        apiBaseUrl: base,
        dataApiBaseUrl: base,
        timeoutMs: 2000,
        limiter: a,
      });
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('takes one slot per send, and none when the caller says it holds one', async () => {
      await client.pushMessage('U1', [{ type: 'text', text: 'x' }]);
      const afterOne = await tatOf('ch-5', LineEndpoint.Push);
      await client.pushMessage('U1', [{ type: 'text', text: 'x' }], { slotHeld: true });
      await client.multicast(['U1', 'U2'], [{ type: 'text', text: 'x' }], { slotHeld: true });
      expect(await tatOf('ch-5', LineEndpoint.Push)).toBe(afterOne);
      expect(await tatOf('ch-5', LineEndpoint.Multicast)).toBeNull();
      await client.multicast(['U1', 'U2'], [{ type: 'text', text: 'x' }]);
      expect(await tatOf('ch-5', LineEndpoint.Multicast)).not.toBeNull();
    });
  });
});
