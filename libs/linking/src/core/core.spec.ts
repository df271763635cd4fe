import { parsePostbackAction, parseWebhookBody } from './webhook-body';
import { matchKeyword } from './keyword-match';
import { checkTemplate, renderTemplate } from './templates';
import { generateNonce, sha256 } from './secrets';

describe('parseWebhookBody', () => {
  it('keeps routable events with their user, time and redelivery flag', () => {
    const { destination, events } = parseWebhookBody({
      destination: 'Ubot',
      events: [
        {
          type: 'follow',
          webhookEventId: '01H1',
          timestamp: 1_700_000_000_000,
          source: { type: 'user', userId: 'U1' },
          deliveryContext: { isRedelivery: true },
        },
        { type: 'accountLink', webhookEventId: '01H2', timestamp: 1, link: { result: 'failed', nonce: 'n' } },
        { type: 'message' },
        'junk',
      ],
    });
    expect(destination).toBe('Ubot');
    expect(events.map((e) => [e.webhookEventId, e.type, e.lineUserId, e.isRedelivery])).toEqual([
      ['01H1', 'follow', 'U1', true],
      ['01H2', 'accountLink', null, false],
    ]);
    expect(events[0].occurredAt.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('reads nothing from a body that is not a webhook', () => {
    expect(parseWebhookBody([1, 2]).events).toEqual([]);
    expect(parseWebhookBody({ events: 'x' }).events).toEqual([]);
  });
});

describe('parsePostbackAction', () => {
  it('knows link, unlink and member_card and nothing else', () => {
    expect(parsePostbackAction('action=link')).toBe('link');
    expect(parsePostbackAction('foo=1&action=unlink')).toBe('unlink');
    expect(parsePostbackAction('action=member_card')).toBe('member_card');
    expect(parsePostbackAction('action=drop_tables')).toBeNull();
    expect(parsePostbackAction(undefined)).toBeNull();
  });
});

describe('matchKeyword', () => {
  const rules = [
    { id: 'b', keyword: 'ポイント', match: 'contains' as const, enabled: true, position: 2 },
    { id: 'a', keyword: 'ポイント残高', match: 'exact' as const, enabled: true, position: 1 },
    { id: 'off', keyword: 'help', match: 'exact' as const, enabled: false, position: 0 },
  ];

  it('takes the first rule by position and ignores width and case', () => {
    expect(matchKeyword(rules, ' ポイント残高 ')?.id).toBe('a');
    expect(matchKeyword(rules, 'ポイントを教えて')?.id).toBe('b');
    expect(matchKeyword([{ ...rules[1], keyword: 'ABC' }], 'ａｂｃ')?.id).toBe('a');
  });

  it('skips disabled rules and empty messages', () => {
    expect(matchKeyword(rules, 'HELP')).toBeNull();
    expect(matchKeyword(rules, '   ')).toBeNull();
  });
});

describe('templates', () => {
  const member = {
    externalId: 'M-1',
    firstName: '花子',
    lastName: '山田',
    membershipTier: 'gold',
    pointsBalance: 1234,
    registeredAt: null,
    attributes: { favoriteStore: '渋谷' },
  };

  it('renders member fields without HTML escaping', async () => {
    const text = await renderTemplate(
      '{{ member.lastName }}様のポイント残高は{{ member.pointsBalance }}pt <{{ member.attributes.favoriteStore }}>',
      {
        member,
        user: { displayName: null },
      },
    );
    expect(text).toBe('山田様のポイント残高は1234pt <渋谷>');
  });

  it('renders an absent member as empty and refuses broken templates', async () => {
    expect(await renderTemplate('[{{ member.pointsBalance }}]', { member: null, user: { displayName: null } })).toBe(
      '[]',
    );
    expect(() => checkTemplate('{{ member.pointsBalance ')).toThrow();
    expect(() => checkTemplate('{{ x | no_such_filter }}')).toThrow();
  });
});

describe('nonces', () => {
  it('are 256-bit base64url values, distinct, hashed for storage', () => {
    const a = generateNonce();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateNonce()).not.toBe(a);
    expect(sha256(a)).toHaveLength(32);
  });
});
