import { Module } from '@nestjs/common';
import { DeliveryClock } from './delivery-clock';

/** The delivery primitives for any app: the clock the rules read. */
@Module({ providers: [DeliveryClock], exports: [DeliveryClock] })
export class DeliveryModule {}
