import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TriggerPublisher } from '@app/members';

const INTERVAL_MS = 2_000;

/**
 * Publishes trigger_outbox rows that the api did not (it crashed between commit and publish,
 * or Redis was down). Several workers may run it: rows are taken with SKIP LOCKED.
 */
@Injectable()
export class TriggerOutboxSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TriggerOutboxSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly publisher: TriggerPublisher) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.running = this.sweep().finally(() => (this.running = undefined));
    }, INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweep(): Promise<void> {
    try {
      while ((await this.publisher.sweep()) > 0) {
        // keep going until the backlog is gone
      }
    } catch (e) {
      this.logger.warn(
        `Trigger outbox sweep failed, retrying in ${INTERVAL_MS} ms: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
}
