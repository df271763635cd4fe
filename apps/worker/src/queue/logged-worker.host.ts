import { Logger } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';

/**
 * The base of every processor: its BullMQ worker's own errors (the Redis connection lost, a job it
 * could not move or whose lock it could not renew after Redis came back empty) go through the
 * logger. Without an 'error' listener BullMQ writes each one with its stack to the console itself,
 * past the logger and its level: a Redis restart printed dozens. Job failures are not these: they
 * fail the job, which retries.
 */
export abstract class LoggedWorkerHost extends WorkerHost {
  private readonly queueLogger = new Logger(this.constructor.name);

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.queueLogger.warn(`queue worker: ${error.message}`);
  }
}
