import { createHmac } from 'node:crypto';
import { ulid } from '../core/ids';
import { Recorder } from '../recording';
import { ChannelState } from '../state';

export interface WebhookSettings {
  /** How long the receiver has to answer before the attempt counts as failed. */
  timeoutMs: number;
  /** Redeliveries after the first attempt (0 turns redelivery off). */
  maxRedeliveries: number;
  /** First redelivery delay; each next one doubles. */
  retryBaseDelayMs: number;
}

export interface WebhookEvent extends Record<string, unknown> {
  type: string;
  webhookEventId: string;
  deliveryContext: { isRedelivery: boolean };
}

export interface AttemptResult {
  webhookEventId: string;
  status: number | null;
  error?: string;
}

export const signature = (secret: string, rawBody: string): string =>
  createHmac('sha256', secret).update(rawBody).digest('base64');

/** The fields every webhook event carries; `extra` holds the type's own. */
export function makeEvent(type: string, userId: string | null, extra: Record<string, unknown>): WebhookEvent {
  const now = Date.now();
  return {
    type,
    mode: 'active',
    timestamp: now,
    ...(userId === null ? {} : { source: { type: 'user', userId } }),
    webhookEventId: ulid(now),
    deliveryContext: { isRedelivery: false },
    ...extra,
  };
}

/**
 * Posts signed webhooks to a channel's URL. A receiver that does not answer 2xx in time gets the
 * same event again (same webhookEventId, `isRedelivery: true`) with exponential back-off, up to
 * `maxRedeliveries` times, as LINE does when redelivery is enabled.
 */
export class WebhookDispatcher {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly recorder: Recorder,
    readonly settings: WebhookSettings,
  ) {}

  /** Sends the event and resolves with the first attempt's outcome; redeliveries run later. */
  dispatch(channel: ChannelState, event: WebhookEvent): Promise<AttemptResult> {
    return this.attempt(channel, event, 0);
  }

  private async attempt(channel: ChannelState, event: WebhookEvent, attempt: number): Promise<AttemptResult> {
    const isRedelivery = attempt > 0;
    const sent: WebhookEvent = { ...event, deliveryContext: { isRedelivery } };
    const body = { destination: channel.botUserId, events: [sent] };
    const raw = JSON.stringify(body);
    const url = channel.webhookUrl;
    let status: number | null = null;
    let error: string | undefined;
    if (url === null) {
      error = 'no webhook URL';
    } else {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'x-line-signature': signature(channel.channelSecret, raw),
            'user-agent': 'LineBotWebhook/2.0',
          },
          body: raw,
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
    const source = event.source as { userId?: string } | undefined;
    this.recorder.webhook({
      channelId: channel.channelId,
      webhookEventId: event.webhookEventId,
      type: event.type,
      userId: source?.userId,
      attempt,
      isRedelivery,
      url,
      status,
      error,
      at: Date.now(),
      body,
    });
    const ok = status !== null && status >= 200 && status < 300;
    if (!ok && url !== null && attempt < this.settings.maxRedeliveries) {
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          void this.attempt(channel, event, attempt + 1);
        },
        this.settings.retryBaseDelayMs * 2 ** attempt,
      );
      this.timers.add(timer);
    }
    return { webhookEventId: event.webhookEventId, status, error };
  }

  /** Drops pending redeliveries (reset between tests, shutdown). */
  cancelPending(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
