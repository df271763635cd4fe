import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { WebhooksService } from '@app/linking';

const EVERY_MS = 60_000;

/**
 * Webhook events are stored before they are enqueued; if Redis failed in between, the row stays
 * pending. This re-enqueues such rows (the job id is the row id, so nothing runs twice).
 */
@Injectable()
export class WebhookSweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSweeperService.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly webhooks: WebhooksService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.webhooks
        .requeueStale()
        .then((n) => n > 0 && this.logger.warn(`re-enqueued ${n} stranded webhook events`))
        .catch((e: unknown) => this.logger.warn(`webhook sweep failed: ${String(e)}`));
    }, EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
