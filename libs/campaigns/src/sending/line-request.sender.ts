import { Injectable } from '@nestjs/common';
import { LineChannelClient, LineEndpoint, LineErrorCode, LineRateLimiter, toLineException } from '@app/line';
import { LineMessage } from '@app/delivery';
import { DeliveryRequestEntity, RequestStatus } from '../entities/delivery-request.entity';
import type { RequestOutcome } from './batches.types';
import { Slots } from './send-slots';

/**
 * LINE requests in flight per process, over all batches. Push at 2,000/s with 30 ms latency needs
 * ~60 in flight in all; without a cap, 48 batches × 64 in-batch sends held ~3,000 sockets and
 * their buffers (740 MB RSS). Taken after the limiter's slot: the GCRA reservations made ahead
 * are bounded by the requests waiting (≤ the batch sender's PUSH_BATCHES_IN_FLIGHT × IN_BATCH_CONCURRENCY per process
 * for push, ~0.26 s of LINE's rate in all), and no socket slot idles while its request waits.
 */
const MAX_IN_FLIGHT = 128;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends one stored LINE request under the channel's rate and the process's in-flight bound. */
@Injectable()
export class LineRequestSender {
  private readonly inFlight = new Slots(MAX_IN_FLIGHT);

  constructor(private readonly limiter: LineRateLimiter) {}

  /**
   * One LINE request with its stored retry key: 200 or 409 (key already accepted) = accepted;
   * 429 for rate and 5xx/timeouts retry with back-off and the same key; other 4xx fail the
   * recipients with LINE's reason; the monthly-quota 429 is thrown to pause the campaign.
   */
  async send(
    client: LineChannelClient,
    channelId: string,
    request: DeliveryRequestEntity,
    to: string[],
    campaignMessages: LineMessage[],
  ): Promise<RequestOutcome> {
    const messages = (request.messages ?? campaignMessages) as Parameters<LineChannelClient['pushMessage']>[1];
    for (let attempt = 0; ; attempt++) {
      let holding = false;
      try {
        // The slot in LINE's rate first, then a socket: waiting for the rate holds no in-flight
        // slot, so the slots are all busy sending when the rate allows it (push with limits on
        // reached 1,655 of 1,980 requests/s while slots sat waiting on the limiter).
        await this.limiter.acquire(
          channelId,
          request.endpoint === 'multicast' ? LineEndpoint.Multicast : LineEndpoint.Push,
        );
        await this.inFlight.take();
        holding = true;
        const res =
          request.endpoint === 'multicast'
            ? await client.multicast(to, messages, { retryKey: request.retryKey, slotHeld: true })
            : await client.pushMessage(to[0], messages, { retryKey: request.retryKey, slotHeld: true });
        return { seq: request.seq, status: RequestStatus.Accepted, lineRequestId: res.requestId, error: null };
      } catch (e) {
        const err = toLineException(e);
        if (err.code === LineErrorCode.RetryKeyAccepted) {
          return {
            seq: request.seq,
            status: RequestStatus.Accepted,
            lineRequestId: err.line.acceptedRequestId ?? null,
            error: null,
          };
        }
        if (err.code === LineErrorCode.QuotaExhausted) throw err;
        if (!err.retryable) {
          const reason = err.line.lineMessage ?? err.message;
          return {
            seq: request.seq,
            status: RequestStatus.Failed,
            lineRequestId: err.line.requestId ?? null,
            error: reason,
          };
        }
        if (attempt >= 6) throw err;
      } finally {
        if (holding) this.inFlight.give();
      }
      // Back off without holding an in-flight slot.
      await sleep(Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}
