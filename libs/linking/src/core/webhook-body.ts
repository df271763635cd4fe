/** A LINE webhook event, reduced to what the engine stores and routes on. */
export interface ParsedWebhookEvent {
  webhookEventId: string;
  type: string;
  lineUserId: string | null;
  occurredAt: Date;
  isRedelivery: boolean;
  raw: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `{ destination, events: [...] }` (already signature-checked). Events without a
 * webhookEventId or type cannot be de-duplicated or routed and are left out.
 */
export function parseWebhookBody(body: unknown): { destination: string | null; events: ParsedWebhookEvent[] } {
  if (!isObject(body)) return { destination: null, events: [] };
  const destination = typeof body.destination === 'string' ? body.destination : null;
  const events = (Array.isArray(body.events) ? body.events : []).flatMap((e): ParsedWebhookEvent[] => {
    if (!isObject(e) || typeof e.webhookEventId !== 'string' || typeof e.type !== 'string') return [];
    const source = isObject(e.source) ? e.source : {};
    const delivery = isObject(e.deliveryContext) ? e.deliveryContext : {};
    const timestamp = typeof e.timestamp === 'number' && Number.isFinite(e.timestamp) ? e.timestamp : Date.now();
    return [
      {
        webhookEventId: e.webhookEventId,
        type: e.type,
        lineUserId: typeof source.userId === 'string' ? source.userId : null,
        occurredAt: new Date(timestamp),
        isRedelivery: delivery.isRedelivery === true,
        raw: e,
      },
    ];
  });
  return { destination, events };
}

export type PostbackAction = 'link' | 'unlink' | 'member_card';

/** Rich-menu postbacks carry `action=link|unlink|member_card` (URL-encoded form data). */
export function parsePostbackAction(data: unknown): PostbackAction | null {
  if (typeof data !== 'string') return null;
  const action = new URLSearchParams(data).get('action');
  return action === 'link' || action === 'unlink' || action === 'member_card' ? action : null;
}
