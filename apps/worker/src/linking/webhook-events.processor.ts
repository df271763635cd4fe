import { Logger } from '@nestjs/common';
import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { QueueName, TypedJob } from '@app/common';
import { WebhooksService } from '@app/linking';
import { LoggedWorkerHost } from '../queue/logged-worker.host';

/** Processes one stored LINE webhook event (follow, message, postback, accountLink, …). */
@Processor(QueueName.WebhookEvents, { concurrency: 8 })
export class WebhookEventsProcessor extends LoggedWorkerHost {
  private readonly logger = new Logger(WebhookEventsProcessor.name);

  constructor(private readonly webhooks: WebhooksService) {
    super();
  }

  async process(job: TypedJob<QueueName.WebhookEvents>): Promise<string> {
    return this.webhooks.process(job.data.webhookEventId);
  }

  /** After the last attempt the stored event says why it was not processed. */
  @OnWorkerEvent('failed')
  async onFailed(job: TypedJob<QueueName.WebhookEvents> | undefined, error: Error): Promise<void> {
    if (job === undefined || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    this.logger.error(`webhook event ${job.data.webhookEventId} failed for good: ${error.message}`);
    await this.webhooks.markFailed(job.data.webhookEventId, error.message).catch(() => undefined);
  }
}
