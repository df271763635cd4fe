import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, REDIS, RedisKeys } from '@app/common';
import { GCRA_RESERVE_LUA, GcraLimit, gcraLimit } from './gcra';
import { LINE_RATE_LIMITS, LineEndpoint } from './line-rate-limits';
import { LineErrorCode, LineException } from './line.exception';

type GcraRedis = Redis & {
  lseGcraReserve(key: string, intervalUs: number, toleranceUs: number, n: number, maxWaitUs: number): Promise<number>;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The one limiter in front of LINE: GCRA in Redis (see gcra.ts), one key per (channel, endpoint),
 * asked just before each request by every api and worker process, whatever sends it (a campaign,
 * an event-triggered push, a rich-menu link). LINE meters each endpoint of a channel as one
 * bucket, so two limiters side by side would each allow the whole rate.
 *
 * The rate is LINE_RATE_PERCENT of LINE's (default 99 %), so that clock skew and network jitter
 * between us and LINE never tip LINE's own bucket into a 429. The burst is half the
 * window's allowance: time lost to a stall of the senders (GC, a batch being rendered, a slow
 * commit) is made up afterwards instead of lost for good — with 1/20 s, push with limits on ran at
 * 1,610–1,655 of 1,980 requests/s while the same code unlimited did 1,998/s — and a campaign's
 * first requests, which LINE's full bucket takes at once, are not held back after the setup they
 * already waited for (100k multicast: 1.26–1.43 × the time LINE allows, against 1.41–1.59 × with
 * a quarter, same machine and hour). Over any t seconds this sends at most rate × t + burst:
 * inside LINE's bucket of one window of its rate, with half of it to spare for network jitter.
 */
@Injectable()
export class LineRateLimiter {
  private readonly redis: GcraRedis;
  private readonly limits = new Map<LineEndpoint, GcraLimit>();

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {
    if (typeof (redis as unknown as Partial<GcraRedis>).lseGcraReserve !== 'function') {
      redis.defineCommand('lseGcraReserve', { numberOfKeys: 1, lua: GCRA_RESERVE_LUA });
    }
    this.redis = redis as unknown as GcraRedis;
  }

  limit(endpoint: LineEndpoint): GcraLimit {
    let limit = this.limits.get(endpoint);
    if (limit === undefined) {
      const { requests, perSeconds } = LINE_RATE_LIMITS[endpoint];
      limit = gcraLimit(requests, perSeconds, this.config.line.ratePercent);
      this.limits.set(endpoint, limit);
    }
    return limit;
  }

  /**
   * Waits for the slot of `requests` calls to `endpoint` of the channel; returns the time waited
   * in ms. A slot further away than `maxWaitMs` is not taken: that fails with RateLimited at once.
   */
  async acquire(channelId: string, endpoint: LineEndpoint, requests = 1, maxWaitMs = 60_000): Promise<number> {
    const { ratePerSecond, burst } = this.limit(endpoint);
    const intervalUs = 1_000_000 / ratePerSecond;
    const waitUs = await this.redis.lseGcraReserve(
      this.keys.key('line-rate', channelId, endpoint),
      intervalUs,
      intervalUs * (burst - 1),
      requests,
      maxWaitMs * 1000,
    );
    if (waitUs < 0) {
      throw new LineException(
        LineErrorCode.RateLimited,
        `LINE rate limit for ${endpoint} of channel ${channelId}: no slot within ${maxWaitMs} ms`,
      );
    }
    const waitMs = waitUs / 1000;
    if (waitMs >= 1) await sleep(waitMs);
    return waitMs;
  }
}
