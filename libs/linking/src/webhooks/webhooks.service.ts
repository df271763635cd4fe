import { Injectable, Logger } from '@nestjs/common';
import { InjectTypedQueue, QueueName, TypedQueue } from '@app/common';
import { ChannelsService } from '@app/workspaces';
import { verifyLineSignature } from '@app/line';
import { WebhookEventStatus } from '../entities/webhook-event.entity';
import { parseWebhookBody } from '../core/webhook-body';
import { LinkingErrorCode, LinkingException } from '../linking.exception';
import { WebhookEventsRepository } from './webhook-events.repository';
import { LineEventsHandler } from './line-events.handler';

/**
 * Receiving (api): authenticate, store, enqueue, answer — LINE wants an answer within 2 s.
 * Processing (worker): one stored event at a time, once.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    private readonly channels: ChannelsService,
    private readonly repository: WebhookEventsRepository,
    private readonly handler: LineEventsHandler,
    @InjectTypedQueue(QueueName.WebhookEvents) private readonly queue: TypedQueue<QueueName.WebhookEvents>,
  ) {}

  async receive(
    lineChannelId: string,
    rawBody: Buffer | undefined,
    signature: string | string[] | undefined,
  ): Promise<{ stored: number }> {
    const channel = await this.channels.findByLineChannelId(lineChannelId);
    if (channel === null) {
      throw LinkingException.notFound(
        LinkingErrorCode.ChannelNotFound,
        `No channel with LINE channel id ${lineChannelId}`,
      );
    }
    // The signature is checked before the body is even looked at: nothing unauthenticated is stored.
    if (!verifyLineSignature(channel.channelSecret, rawBody, signature)) {
      throw new LinkingException(LinkingErrorCode.InvalidSignature, 401, 'Missing or invalid x-line-signature');
    }
    let body: unknown;
    try {
      body = JSON.parse((rawBody as Buffer).toString('utf8'));
    } catch {
      throw LinkingException.badRequest(LinkingErrorCode.InvalidSignature, 'The body is not JSON', 'body');
    }
    const { destination, events } = parseWebhookBody(body);
    if (destination !== null && destination !== channel.botUserId) {
      await this.channels.recordBotUserId(channel.workspaceId, channel.id, destination);
    }
    const ids = await this.repository.insertNew(channel.workspaceId, channel.id, events);
    if (ids.length > 0) {
      // jobId = row id: even a double enqueue (sweeper + here) runs the event once.
      await this.queue.addBulk(ids.map((id) => ({ name: 'event', data: { webhookEventId: id }, opts: { jobId: id } })));
    }
    return { stored: ids.length };
  }

  /** Worker side. Throws (so BullMQ retries) only for failures worth retrying. */
  async process(webhookEventId: string): Promise<string> {
    const event = await this.repository.findById(webhookEventId);
    if (event === null) return 'gone';
    if (event.status !== WebhookEventStatus.Pending) return `already ${event.status}`;
    const channel = await this.channels.get(event.workspaceId, event.channelId);
    const outcome = await this.handler.handle(channel, event);
    await this.repository.finish(event.id, WebhookEventStatus.Processed, outcome);
    this.logger.debug(`webhook event ${event.type} ${event.id}: ${outcome}`);
    return outcome;
  }

  async markFailed(webhookEventId: string, error: string): Promise<void> {
    await this.repository.finish(webhookEventId, WebhookEventStatus.Failed, `failed: ${error}`);
  }

  /** Re-enqueues events stored while the queue was unreachable. */
  async requeueStale(olderThanMs = 60_000): Promise<number> {
    const ids = await this.repository.pendingBefore(new Date(Date.now() - olderThanMs), 1_000);
    if (ids.length > 0) {
      await this.queue.addBulk(ids.map((id) => ({ name: 'event', data: { webhookEventId: id }, opts: { jobId: id } })));
    }
    return ids.length;
  }
}
