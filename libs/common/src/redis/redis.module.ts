import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';

/** ioredis options from a redis:// URL, shared by BullMQ and our own Redis use. */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isFinite(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // BullMQ requires this for blocking connections; harmless for ours.
    maxRetriesPerRequest: null,
  };
}

export const REDIS = Symbol('REDIS');

/** A key under the environment's prefix, so that test files and environments never collide. */
@Injectable()
export class RedisKeys {
  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  key(...parts: string[]): string {
    return [this.config.queue.prefix, ...parts].join(':');
  }
}

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    // Closed already (an app closed twice): disconnecting again would arm ioredis's 2 s guard for
    // a socket that never closes again, and hold the process open that long.
    if (this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The shared Redis client for heartbeats, limits and streams (BullMQ opens its own). */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (c: AppConfig) => {
        const redis = new Redis(redisOptions(c.redis.url));
        // Without a listener ioredis prints every failed reconnect to the console, past the
        // logger and its level; it reconnects by itself, so a warning is all there is to say.
        const logger = new Logger('Redis');
        redis.on('error', (e: Error) => logger.warn(`Redis connection: ${e.message}`));
        return redis;
      },
    },
    RedisKeys,
    RedisCloser,
  ],
  exports: [REDIS, RedisKeys],
})
export class RedisModule {}
