import { Module } from '@nestjs/common';
import { BullBoardModule } from '@bull-board/nestjs';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { QueueModule, QueueName } from '@app/common';

export const QUEUE_DASHBOARD_ROUTE = '/queues';
const queues = Object.values(QueueName);

/** Bull Board; its access check is a Fastify hook (see queue-dashboard.auth.ts). */
@Module({
  imports: [
    QueueModule.register(...queues),
    BullBoardModule.forRoot({
      route: QUEUE_DASHBOARD_ROUTE,
      adapter: FastifyAdapter,
      boardOptions: { uiConfig: { boardTitle: 'LINE Segment Engine' } },
    }),
    ...queues.map((name) => BullBoardModule.forFeature({ name, adapter: BullMQAdapter })),
  ],
})
export class QueueDashboardModule {}
