export type SendKind = 'push' | 'multicast' | 'reply' | 'broadcast' | 'narrowcast';

/**
 * One accepted send request. The message objects are kept once per request and the recipients
 * as the request's own array (no per-recipient copies): that is what keeps recording cheap at
 * thousands of multicasts per second.
 */
export interface SendRecord {
  seq: number;
  requestId: string;
  channelId: string;
  kind: SendKind;
  at: number;
  messages: unknown[];
  /** Recipients that received the messages. */
  to: readonly string[];
  /** Recipients that did not (blocked the account). */
  notDelivered: readonly string[];
  retryKey?: string;
  sentMessageIds?: string[];
}

export interface WebhookRecord {
  channelId: string;
  webhookEventId: string;
  type: string;
  userId?: string;
  attempt: number;
  isRedelivery: boolean;
  url: string | null;
  /** HTTP status of the receiver, or null when it could not be reached / there is no URL. */
  status: number | null;
  error?: string;
  at: number;
  body: unknown;
}

export interface RichMenuChange {
  channelId: string;
  action: string;
  richMenuId?: string;
  userIds?: string[];
  aliasId?: string;
  at: number;
}

export interface Counts {
  requests: Record<SendKind, number>;
  messagesDelivered: number;
  recipientsDelivered: number;
  recipientsNotDelivered: number;
  webhooks: number;
  richMenuChanges: number;
  rejected: Record<string, number>;
}

const zeroKinds = (): Record<SendKind, number> => ({ push: 0, multicast: 0, reply: 0, broadcast: 0, narrowcast: 0 });

/** In-memory log of what the emulator delivered; bounded by recipients retained. */
export class Recorder {
  private sends: SendRecord[] = [];
  private head = 0;
  private retained = 0;
  private seq = 0;
  webhooks: WebhookRecord[] = [];
  richMenuChanges: RichMenuChange[] = [];
  counts: Counts = this.zero();

  constructor(private readonly maxRecipientsRetained = 5_000_000) {}

  private zero(): Counts {
    return {
      requests: zeroKinds(),
      messagesDelivered: 0,
      recipientsDelivered: 0,
      recipientsNotDelivered: 0,
      webhooks: 0,
      richMenuChanges: 0,
      rejected: {},
    };
  }

  send(record: Omit<SendRecord, 'seq'>): void {
    const r = record as SendRecord;
    r.seq = ++this.seq;
    this.sends.push(r);
    const c = this.counts;
    c.requests[r.kind] += 1;
    c.recipientsDelivered += r.to.length;
    c.recipientsNotDelivered += r.notDelivered.length;
    c.messagesDelivered += r.to.length * r.messages.length;
    this.retained += r.to.length + 1;
    // Old records go first once the bound is reached; counters keep the totals.
    while (this.retained > this.maxRecipientsRetained && this.head < this.sends.length) {
      this.retained -= this.sends[this.head].to.length + 1;
      this.head += 1;
    }
    if (this.head > 65_536 && this.head * 2 > this.sends.length) {
      this.sends = this.sends.slice(this.head);
      this.head = 0;
    }
  }

  rejected(status: number): void {
    const key = String(status);
    this.counts.rejected[key] = (this.counts.rejected[key] ?? 0) + 1;
  }

  webhook(record: WebhookRecord): void {
    this.webhooks.push(record);
    this.counts.webhooks += 1;
  }

  richMenu(change: Omit<RichMenuChange, 'at'>): void {
    this.richMenuChanges.push({ ...change, at: Date.now() });
    this.counts.richMenuChanges += 1;
  }

  /** Retained send records, oldest first, optionally filtered. */
  query(filter: {
    channelId?: string;
    userId?: string;
    requestId?: string;
    kind?: string;
    limit?: number;
  }): SendRecord[] {
    const out: SendRecord[] = [];
    const limit = filter.limit ?? 1000;
    for (let i = this.head; i < this.sends.length && out.length < limit; i++) {
      const r = this.sends[i];
      if (filter.channelId !== undefined && r.channelId !== filter.channelId) continue;
      if (filter.requestId !== undefined && r.requestId !== filter.requestId) continue;
      if (filter.kind !== undefined && r.kind !== filter.kind) continue;
      if (filter.userId !== undefined && !r.to.includes(filter.userId) && !r.notDelivered.includes(filter.userId)) {
        continue;
      }
      out.push(r);
    }
    return out;
  }

  reset(): void {
    this.sends = [];
    this.head = 0;
    this.retained = 0;
    this.webhooks = [];
    this.richMenuChanges = [];
    this.counts = this.zero();
  }
}
