import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS, RedisKeys } from '../redis/redis.module';

/**
 * Workers announce themselves in a sorted set (member = worker id, score = last beat), so that
 * readiness can tell "no worker alive" from "one of three died" without scanning keys.
 */
@Injectable()
export class WorkerHeartbeat {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
  ) {}

  private get key(): string {
    return this.keys.key('workers', 'heartbeats');
  }

  async beat(workerId: string, now = Date.now()): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.key, now, workerId)
      .zremrangebyscore(this.key, 0, now - 10 * this.config.worker.heartbeatIntervalMs)
      .exec();
  }

  async leave(workerId: string): Promise<void> {
    await this.redis.zrem(this.key, workerId);
  }

  /** Workers seen within three heartbeat intervals. */
  async alive(now = Date.now()): Promise<number> {
    return this.redis.zcount(this.key, now - 3 * this.config.worker.heartbeatIntervalMs, '+inf');
  }
}
