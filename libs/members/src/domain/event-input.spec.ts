import { parseEvent } from './event-input';

const now = Date.parse('2026-05-01T00:00:00Z');

describe('parseEvent', () => {
  it('extracts amount and sku into their columns', () => {
    const cart = parseEvent(
      {
        eventId: 'e',
        memberId: 'm',
        type: 'cart_add',
        occurredAt: '2026-04-01T10:00:00+09:00',
        properties: { sku: 'S', price: 500, quantity: 3 },
      },
      now,
    );
    expect(cart).toEqual({
      ok: true,
      value: expect.objectContaining({ amount: 1500, sku: 'S', occurredAt: '2026-04-01T01:00:00.000Z' }),
    });
  });

  it('names every bad field of a purchase', () => {
    const r = parseEvent(
      {
        eventId: '',
        memberId: 'm',
        type: 'purchase',
        occurredAt: '2026-04-01',
        properties: { totalAmount: 1.5, items: [{ sku: 'a', price: -1 }] },
      },
      now,
    );
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual([
      'eventId',
      'occurredAt',
      'properties.orderId',
      'properties.totalAmount',
      'properties.items[0].price',
      'properties.items[0].quantity',
    ]);
  });

  it('needs a name for a custom event and refuses events from the far future', () => {
    const r = parseEvent({ eventId: 'e', memberId: 'm', type: 'custom', occurredAt: '2026-06-01T00:00:00Z' }, now);
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['occurredAt', 'name']);
  });
});
