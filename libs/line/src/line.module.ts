import { Module } from '@nestjs/common';
import { LineClientFactory } from './line-client.factory';
import { LineLoginClient } from './line-login.client';
import { LineRateLimiter } from './line-rate-limiter';

/** LINE access for any app; needs AppConfig and the global RedisModule (for the limiter). */
@Module({
  providers: [LineRateLimiter, LineClientFactory, LineLoginClient],
  exports: [LineRateLimiter, LineClientFactory, LineLoginClient],
})
export class LineModule {}
