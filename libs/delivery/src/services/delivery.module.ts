import { Module } from '@nestjs/common';
import { DeliveryClock } from './delivery-clock';
import { GcraRateLimiter } from './gcra-rate-limiter';

/** The delivery primitives for any app: the clock the rules read and the global send limiter. */
@Module({ providers: [DeliveryClock, GcraRateLimiter], exports: [DeliveryClock, GcraRateLimiter] })
export class DeliveryModule {}
