import { hostname } from 'node:os';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, WorkerHeartbeat } from '@app/common';

/** Beats every few seconds so that the API's readiness can tell a worker is alive. */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HeartbeatService.name);
  readonly workerId = `${hostname()}:${process.pid}`;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly heartbeat: WorkerHeartbeat,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.heartbeat.beat(this.workerId);
    this.timer = setInterval(() => {
      this.heartbeat.beat(this.workerId).catch((e: unknown) => this.logger.warn(`heartbeat failed: ${String(e)}`));
    }, this.config.worker.heartbeatIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.heartbeat.leave(this.workerId).catch(() => undefined);
  }
}
