import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { ChannelEntity } from '@app/workspaces';
import { LineChannelClient, LineClientFactory, LineEndpoint, LineErrorCode, toLineException } from '@app/line';
import {
  DeliveryClock,
  GcraRateLimiter,
  LineMessage,
  MessageRenderer,
  deriveRetryKey,
  isPersonalised,
} from '@app/delivery';
import { CampaignEntity } from '../entities/campaign.entity';
import { EventBatchesRepository, OneMemberBatch, OneMemberOutcome, OneMemberRequest } from './event-batches.repository';

/** LINE calls of one send in flight at once. */
const CALLS_IN_FLIGHT = 32;

/**
 * Sends many one-member batches of one campaign (an event's thank-you to each of many members)
 * with a few statements for all of them instead of a dozen per batch: claim, store every request
 * with its retry key before any call, one push each, record the answers. Only the plain road is
 * taken here: a batch whose push needs a retry (429 for the rate, 5xx, timeout) or hit the monthly
 * quota is given back and returned, for BatchSenderService to resend with the same stored request
 * and retry key (its back-off, and the pause on the quota, stay in one place).
 */
@Injectable()
export class EventBatchesSender {
  private readonly renderer = new MessageRenderer();

  constructor(
    private readonly batches: EventBatchesRepository,
    private readonly lineClients: LineClientFactory,
    private readonly limiter: GcraRateLimiter,
    private readonly clock: DeliveryClock,
    private readonly config: AppConfig,
  ) {}

  /** Returns the batches left for BatchSenderService (pending again). */
  async send(
    campaign: CampaignEntity,
    channel: ChannelEntity,
    messages: LineMessage[],
    batchIds: string[],
  ): Promise<string[]> {
    if (batchIds.length === 0) return [];
    const claimed = await this.batches.claim(batchIds, this.clock.now(), this.config.delivery.leaseMs);
    if (claimed.length === 0) return [];
    const personalised = isPersonalised(messages);
    const requests: OneMemberRequest[] = [];
    const skipped: Array<{ batch: OneMemberBatch; reason: string }> = [];
    const toOf = new Map<string, string>();
    for (const b of claimed) {
      if (b.member === null) skipped.push({ batch: b, reason: 'erased' });
      else if (b.lineUserId === null) skipped.push({ batch: b, reason: 'not_linked' });
      else {
        toOf.set(b.batchId, b.lineUserId);
        requests.push({
          batchId: b.batchId,
          retryKey: deriveRetryKey({ campaignId: campaign.id, runKey: b.runKey, batchId: b.batchId, requestSeq: 0 }),
          messages: personalised ? this.renderer.render(messages, b.member) : null,
          memberId: b.memberId,
        });
      }
    }
    try {
      await this.batches.saveRequests(campaign.id, channel.id, requests, skipped);
    } catch (e) {
      await this.batches.release(claimed.map((b) => b.batchId));
      throw e;
    }
    const client = this.lineClients.forChannel(channel);
    const outcomes: OneMemberOutcome[] = [];
    const retry: string[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < requests.length) {
        const q = requests[next++];
        const to = toOf.get(q.batchId) ?? '';
        try {
          await this.limiter.acquire(channel.id, LineEndpoint.Push);
          const res = await client.pushMessage(
            to,
            (q.messages ?? messages) as Parameters<LineChannelClient['pushMessage']>[1],
            q.retryKey,
          );
          outcomes.push({ batchId: q.batchId, status: 'accepted', lineRequestId: res.requestId, error: null });
        } catch (e) {
          const err = toLineException(e);
          if (err.code === LineErrorCode.RetryKeyAccepted) {
            const id = err.line.acceptedRequestId ?? null;
            outcomes.push({ batchId: q.batchId, status: 'accepted', lineRequestId: id, error: null });
          } else if (err.code !== LineErrorCode.QuotaExhausted && !err.retryable) {
            const reason = err.line.lineMessage ?? err.message;
            outcomes.push({
              batchId: q.batchId,
              status: 'failed',
              lineRequestId: err.line.requestId ?? null,
              error: reason,
            });
          } else {
            retry.push(q.batchId);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CALLS_IN_FLIGHT, requests.length) }, lane));
    const done = new Set([...outcomes.map((o) => o.batchId), ...skipped.map((s) => s.batch.batchId)]);
    const runIds = claimed.filter((b) => done.has(b.batchId)).map((b) => b.runId);
    await this.batches.recordOutcomes(campaign.id, channel.id, outcomes, runIds);
    await this.batches.release(retry);
    return retry;
  }
}
