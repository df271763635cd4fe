import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { RichMenuSyncService } from '@app/rich-menus';

/** Registers the periodic reconciliation (a BullMQ job scheduler: one per deployment, not per worker). */
@Injectable()
export class RichMenuReconcileScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly sync: RichMenuSyncService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sync.scheduleReconciliation(this.config.linking.richMenuReconcileIntervalMs);
  }
}
