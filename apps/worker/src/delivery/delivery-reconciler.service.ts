import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { CampaignSchedulerService, OutboxRelay, StrandedRunsService } from '@app/campaigns';

/**
 * The periodic half of the outbox: the recurring scheduler, the reconciler and the completion of
 * runs whose last sender died before completing them, every
 * DELIVERY_RECONCILE_INTERVAL_MS in every worker (an advisory lock lets one reconcile at a time;
 * completing a run is a compare-and-set, so workers doing it at once complete it once).
 * A timer, not a BullMQ repeatable job, because it must keep running when Redis lost its data.
 */
@Injectable()
export class DeliveryReconcilerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryReconcilerService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly scheduler: CampaignSchedulerService,
    private readonly relay: OutboxRelay,
    private readonly stranded: StrandedRunsService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.delivery.reconcileIntervalMs);
    this.timer.unref();
  }

  /**
   * Before the database closes (its shutdown hook comes after this one): a tick in flight
   * finishes rather than losing its connection in the middle of a transaction.
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  tick(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    try {
      await this.scheduler.tick();
      await this.relay.reconcile();
      await this.stranded.completeStranded();
    } catch (e) {
      // The next tick retries; a database or Redis outage must not kill the worker.
      this.logger.warn(`delivery reconcile failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
