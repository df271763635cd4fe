export interface AcceptedRequest<T> {
  requestId: string;
  acceptedAt: number;
  /** What a duplicate answers besides the header (push repeats `sentMessages`). */
  payload: T;
}

export const RETRY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Retry keys of accepted requests, kept 24 h as LINE does; after that the same key is a new
 * request. Map insertion order is acceptance order, so expiry sweeps stop at the first live key.
 */
export class RetryKeyStore<T> {
  private readonly accepted = new Map<string, AcceptedRequest<T>>();

  constructor(private readonly ttlMs = RETRY_KEY_TTL_MS) {}

  find(key: string, now: number): AcceptedRequest<T> | undefined {
    const hit = this.accepted.get(key);
    if (hit === undefined) return undefined;
    if (now - hit.acceptedAt >= this.ttlMs) {
      this.accepted.delete(key);
      return undefined;
    }
    return hit;
  }

  accept(key: string, requestId: string, payload: T, now: number): void {
    this.accepted.set(key, { requestId, acceptedAt: now, payload });
    if (this.accepted.size % 1024 === 0) this.sweep(now);
  }

  sweep(now: number): void {
    for (const [key, entry] of this.accepted) {
      if (now - entry.acceptedAt < this.ttlMs) break;
      this.accepted.delete(key);
    }
  }

  get size(): number {
    return this.accepted.size;
  }

  clear(): void {
    this.accepted.clear();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isRetryKey = (value: string): boolean => UUID.test(value);
