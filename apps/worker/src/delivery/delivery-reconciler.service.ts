import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { CampaignSchedulerService, OutboxRelay } from '@app/campaigns';

/**
 * The periodic half of the outbox: the recurring scheduler and the reconciler, every
 * DELIVERY_RECONCILE_INTERVAL_MS in every worker (an advisory lock lets one do it at a time).
 * A timer, not a BullMQ repeatable job, because it must keep running when Redis lost its data.
 */
@Injectable()
export class DeliveryReconcilerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly scheduler: CampaignSchedulerService,
    private readonly relay: OutboxRelay,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.delivery.reconcileIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.scheduler.tick();
      await this.relay.reconcile();
    } catch (e) {
      // The next tick retries; a database or Redis outage must not kill the worker.
      this.logger.warn(`delivery reconcile failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.running = false;
    }
  }
}
