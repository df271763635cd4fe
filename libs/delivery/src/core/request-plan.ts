import type { LineMessage } from './render';

/** LINE's multicast maximum: user ids per request. */
export const MULTICAST_MAX = 500;

export type LineEndpoint = 'multicast' | 'push';

export interface Recipient {
  ledgerId: string;
  lineUserId: string;
}

export interface RenderedRecipient extends Recipient {
  messages: LineMessage[];
}

export interface PlannedRequest {
  seq: number;
  endpoint: LineEndpoint;
  messages: LineMessage[];
  recipients: Recipient[];
}

/** Stable text of a JSON value (keys sorted), so equal messages compare equal whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const chunk = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Turns one batch of rendered recipients into LINE requests. Recipients whose rendered messages
 * are identical are grouped back into multicasts (one request for up to 500 users instead of one
 * each, which is what makes personalised campaigns affordable under the 200/s multicast and
 * 2,000/s push limits); a message only one user gets goes by push. The order is deterministic
 * (first appearance), so that a recomputation yields the same requests.
 */
export function planRequests(recipients: RenderedRecipient[]): PlannedRequest[] {
  const groups = new Map<string, { messages: LineMessage[]; recipients: Recipient[] }>();
  for (const r of recipients) {
    const key = canonicalJson(r.messages);
    let g = groups.get(key);
    if (g === undefined) {
      g = { messages: r.messages, recipients: [] };
      groups.set(key, g);
    }
    g.recipients.push({ ledgerId: r.ledgerId, lineUserId: r.lineUserId });
  }
  const requests: PlannedRequest[] = [];
  for (const g of groups.values()) {
    if (g.recipients.length === 1) {
      requests.push({ seq: requests.length, endpoint: 'push', messages: g.messages, recipients: g.recipients });
      continue;
    }
    for (const part of chunk(g.recipients, MULTICAST_MAX)) {
      requests.push({
        seq: requests.length,
        endpoint: part.length === 1 ? 'push' : 'multicast',
        messages: g.messages,
        recipients: part,
      });
    }
  }
  return requests;
}

/** Requests a campaign will take, for the preview: exact when not personalised, bounds otherwise. */
export function estimateRequests(recipients: number, personalised: boolean): { multicast: number; pushAtMost: number } {
  if (!personalised) return { multicast: Math.ceil(recipients / MULTICAST_MAX), pushAtMost: 0 };
  return { multicast: 0, pushAtMost: recipients };
}
