import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, InjectTypedQueue, QueueName, TypedQueue } from '@app/common';

export const RICH_MENU_RECONCILE_SCHEDULER = 'rich-menu-reconcile';

/** Registers the periodic reconciliation (a BullMQ job scheduler: one per deployment, not per worker). */
@Injectable()
export class RichMenuReconcileScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    @InjectTypedQueue(QueueName.RichMenuSync) private readonly queue: TypedQueue<QueueName.RichMenuSync>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const every = this.config.linking.richMenuReconcileIntervalMs;
    if (every === 0) {
      await this.queue.removeJobScheduler(RICH_MENU_RECONCILE_SCHEDULER);
      return;
    }
    await this.queue.upsertJobScheduler(RICH_MENU_RECONCILE_SCHEDULER, { every }, { name: 'reconcile-all', data: {} });
  }
}
