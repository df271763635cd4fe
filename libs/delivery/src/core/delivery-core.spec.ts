import { deriveRetryKey, uuidV5 } from './retry-key';
import { MULTICAST_MAX, canonicalJson, planRequests, RenderedRecipient } from './request-plan';
import { inQuietHours, nextAllowedSendTime } from './quiet-hours';
import { capWindowStart, quotaFit, withinCap } from './frequency-cap';
import { isPersonalised, MessageRenderer } from './render';

describe('retry keys', () => {
  it('is RFC 9562 UUIDv5 (known vector: DNS namespace, "www.example.com")', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('is the same for the same (campaign, run, batch, request) and differs otherwise', () => {
    const p = { campaignId: 'c1', runKey: 'once', batchId: 'b1', requestSeq: 0 };
    expect(deriveRetryKey(p)).toBe(deriveRetryKey({ ...p }));
    const others = [
      { ...p, campaignId: 'c2' },
      { ...p, runKey: 'at:2026-01-01T01:00:00.000Z' },
      { ...p, batchId: 'b2' },
      { ...p, requestSeq: 1 },
    ].map(deriveRetryKey);
    expect(new Set([deriveRetryKey(p), ...others]).size).toBe(5);
    expect(deriveRetryKey(p)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('request planning', () => {
  const r = (i: number, text: string): RenderedRecipient => ({
    ledgerId: String(i),
    lineUserId: `U${i}`,
    messages: [{ type: 'text', text }],
  });

  it('groups identical rendered messages into multicasts and sends singles by push', () => {
    const plan = planRequests([r(1, 'hi A'), r(2, 'hi'), r(3, 'hi'), r(4, 'hi B')]);
    expect(plan.map((p) => [p.seq, p.endpoint, p.recipients.map((x) => x.lineUserId)])).toEqual([
      [0, 'push', ['U1']],
      [1, 'multicast', ['U2', 'U3']],
      [2, 'push', ['U4']],
    ]);
  });

  it('treats key order as irrelevant and splits groups at the multicast maximum', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
    const many = Array.from({ length: MULTICAST_MAX + 1 }, (_, i) => r(i, 'same'));
    const plan = planRequests(many);
    expect(plan.map((p) => [p.endpoint, p.recipients.length])).toEqual([
      ['multicast', 500],
      ['push', 1],
    ]);
  });
});

describe('quiet hours', () => {
  const q = { start: '21:00', end: '09:00', timezone: 'Asia/Tokyo' };

  it('delays a send at 22:00 JST to 09:00 JST the next day', () => {
    const at = new Date('2026-03-10T13:00:00Z'); // 22:00 JST
    expect(inQuietHours(at, q)).toBe(true);
    expect(nextAllowedSendTime(at, q).toISOString()).toBe('2026-03-11T00:00:00.000Z');
  });

  it('delays a send at 03:00 JST to 09:00 JST the same day, and lets 12:00 go', () => {
    expect(nextAllowedSendTime(new Date('2026-03-10T18:00:00Z'), q).toISOString()).toBe('2026-03-11T00:00:00.000Z');
    const noon = new Date('2026-03-10T03:00:00Z');
    expect(nextAllowedSendTime(noon, q)).toBe(noon);
  });

  it('handles a window that does not wrap and a channel in another zone', () => {
    const ny = { start: '12:00', end: '13:00', timezone: 'America/New_York' };
    const at = new Date('2026-07-01T16:30:00Z'); // 12:30 EDT
    expect(nextAllowedSendTime(at, ny).toISOString()).toBe('2026-07-01T17:00:00.000Z');
  });
});

describe('frequency cap and quota', () => {
  it('allows up to max in the window; 0 disables', () => {
    expect(withinCap(2, { max: 3, windowDays: 7 })).toBe(true);
    expect(withinCap(3, { max: 3, windowDays: 7 })).toBe(false);
    expect(withinCap(99, { max: 0, windowDays: 7 })).toBe(true);
    expect(capWindowStart(new Date('2026-01-08T00:00:00Z'), { max: 3, windowDays: 7 }).toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('counts one message per recipient per message object', () => {
    expect(quotaFit(100, 2, 150)).toEqual({ needed: 200, allowed: 75, fits: false });
    expect(quotaFit(100, 2, null)).toEqual({ needed: 200, allowed: 100, fits: true });
  });
});

describe('rendering', () => {
  const renderer = new MessageRenderer();
  const messages = [
    {
      type: 'text',
      text: '{{ member.firstName | default: "お客様" }}さん、{{member.points}}pt、色:{{member.color}}',
      quickReply: { items: [{ type: 'action', action: { type: 'message', label: 'OK', text: 'ok' } }] },
    },
  ];

  it('renders member fields, custom attributes and defaults for missing values', () => {
    const [a] = renderer.render(messages, {
      externalId: 'm1',
      firstName: '花子',
      points: 120,
      attributes: { color: '赤' },
    });
    expect(a.text).toBe('花子さん、120pt、色:赤');
    expect(a.quickReply).toEqual(messages[0].quickReply);
    const [b] = renderer.render(messages, { externalId: 'm2' });
    expect(b.text).toBe('お客様さん、pt、色:');
  });

  it('detects personalisation and rejects file tags and unknown filters', () => {
    expect(isPersonalised(messages)).toBe(true);
    expect(isPersonalised([{ type: 'text', text: 'hello' }])).toBe(false);
    expect(renderer.validate([{ type: 'text', text: '{% include "x" %}' }])[0].field).toBe('messages[0].text');
    expect(renderer.validate([{ type: 'text', text: '{{ member.firstName | nope }}' }])).toHaveLength(1);
    expect(renderer.validate(messages)).toEqual([]);
  });

  it('does not reach prototype properties', () => {
    const [m] = renderer.render([{ type: 'text', text: '[{{member.constructor}}]' }], { externalId: 'x' });
    expect(m.text).toBe('[]');
  });
});
