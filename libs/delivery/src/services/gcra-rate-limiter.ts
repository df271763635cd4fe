import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, REDIS, RedisKeys } from '@app/common';
import { GCRA_RESERVE_LUA } from '../core/gcra';
import type { LineEndpoint } from '../core/request-plan';

/** LINE's per-channel limits for the two sending endpoints (LINE-FACTS.md). */
export const SEND_RATE_LIMITS: Record<LineEndpoint, number> = { multicast: 200, push: 2_000 };

type GcraRedis = Redis & {
  lseGcraReserve(key: string, intervalUs: number, toleranceUs: number, ttlMs: number): Promise<number>;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Global send-rate limiter: GCRA in Redis, one key per (channel, endpoint), asked just before each
 * HTTP request by every worker process. See core/gcra.ts for why this rather than BullMQ's limiter.
 * The rate is a configurable fraction of LINE's (default 99 %), so that clock skew and network
 * jitter between us and LINE never tip LINE's own bucket into a 429. The burst is a quarter of a
 * second of that rate: time lost to a stall of the senders (GC, a batch being rendered, a slow
 * commit) is made up afterwards instead of lost for good — with 1/20 s, push with limits on ran
 * at 1,610–1,655 of 1,980 requests/s while the same code unlimited did 1,998/s. Over any window
 * of t seconds this sends at most rate × t + burst, well inside a bucket of one second of LINE's
 * rate (the emulator's model of LINE).
 */
@Injectable()
export class GcraRateLimiter {
  private readonly redis: GcraRedis;
  private readonly percent: number;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
    config: AppConfig,
  ) {
    if (typeof (redis as unknown as Partial<GcraRedis>).lseGcraReserve !== 'function') {
      redis.defineCommand('lseGcraReserve', { numberOfKeys: 1, lua: GCRA_RESERVE_LUA });
    }
    this.redis = redis as unknown as GcraRedis;
    this.percent = config.delivery.ratePercent;
  }

  /** Waits for this request's slot; returns the time waited in ms. */
  async acquire(channelId: string, endpoint: LineEndpoint): Promise<number> {
    const rate = (SEND_RATE_LIMITS[endpoint] * this.percent) / 100;
    const intervalUs = Math.round(1_000_000 / rate);
    const burst = Math.max(1, Math.floor(rate / 4));
    const waitUs = await this.redis.lseGcraReserve(
      this.keys.key('gcra', channelId, endpoint),
      intervalUs,
      intervalUs * (burst - 1),
      60_000,
    );
    const waitMs = waitUs / 1000;
    if (waitMs >= 1) await sleep(waitMs);
    return waitMs;
  }
}
