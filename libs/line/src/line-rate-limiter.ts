import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { REDIS, RedisKeys } from '@app/common';
import { LINE_RATE_LIMITS, LineEndpoint } from './line-rate-limits';
import { LineErrorCode, LineException } from './line.exception';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One token bucket per channel and endpoint, in Redis, so that every api and worker process
 * together stays under LINE's limit (LINE answers 429 past it, and the 429s consume nothing but
 * time). `acquire` waits for a slot rather than failing; the wait is bounded by `maxWaitMs`.
 */
@Injectable()
export class LineRateLimiter {
  private readonly limiters = new Map<LineEndpoint, RateLimiterRedis>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  private limiter(endpoint: LineEndpoint): RateLimiterRedis {
    let limiter = this.limiters.get(endpoint);
    if (limiter === undefined) {
      const { requests, perSeconds } = LINE_RATE_LIMITS[endpoint];
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: this.keys.key('line-rate', endpoint),
        points: requests,
        duration: perSeconds,
      });
      this.limiters.set(endpoint, limiter);
    }
    return limiter;
  }

  /** Waits until `requests` calls to `endpoint` of the channel fit in LINE's limit. */
  async acquire(channelId: string, endpoint: LineEndpoint, requests = 1, maxWaitMs = 60_000): Promise<void> {
    const started = Date.now();
    for (;;) {
      try {
        await this.limiter(endpoint).consume(channelId, requests);
        return;
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        if (Date.now() - started + e.msBeforeNext > maxWaitMs) {
          throw new LineException(
            LineErrorCode.RateLimited,
            `LINE rate limit for ${endpoint} of channel ${channelId}: no slot within ${maxWaitMs} ms`,
          );
        }
        await sleep(Math.max(5, e.msBeforeNext));
      }
    }
  }
}
