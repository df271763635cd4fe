import { randomUUID } from 'node:crypto';
import { validateSignature } from '@line/bot-sdk';
import { RunningEmulator, startEmulator } from '../apps/line-emulator/src/server';
import { SPEC_DIR, WebhookReceiver } from './emulator-support';

/* eslint-disable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- JSON answers of the API under test */
const CH = { channelId: '1000000002', channelSecret: 'behaviour-secret', accessToken: 'behaviour-token' };
const LOGIN = { loginChannelId: '1000000003', loginChannelSecret: 'login-secret' };
const text = (t = 'hi') => [{ type: 'text', text: t }];
const uid = () => `U${randomUUID().replace(/-/g, '')}`;

describe('LINE emulator behaviour', () => {
  let emulator: RunningEmulator;
  let receiver: WebhookReceiver;

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${emulator.url}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${CH.accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const raw = await res.text();
    let json: any = raw;
    try {
      json = JSON.parse(raw);
    } catch {
      // HTML pages
    }
    return { status: res.status, body: json, headers: res.headers };
  };
  const admin = (method: string, path: string, body?: unknown) =>
    call(method, `/_emulator${path}`, method === 'GET' ? undefined : (body ?? {}));
  const newUser = async (fields: Record<string, unknown> = {}) =>
    (await admin('POST', `/channels/${CH.channelId}/users`, fields)).body.user.userId as string;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    emulator = await startEmulator({
      specDir: SPEC_DIR,
      channels: [{ ...CH, ...LOGIN, webhookUrl: receiver.url }],
      webhook: { retryBaseDelayMs: 20, timeoutMs: 1000 },
    });
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await admin('POST', '/reset');
    await admin('PUT', '/faults', { seed: 1, rate500: 0, rate429: 0, rateTimeout: 0 });
    await admin('PUT', '/settings', { rateLimits: true, latencyMs: 0, linkTokenTtlMs: 600_000 });
    receiver.received.length = 0;
    receiver.statuses.length = 0;
  });

  it('answers 401 with LINE bodies to a missing or wrong token', async () => {
    const missing = await call('GET', '/v2/bot/info', undefined, { authorization: '' });
    expect(missing).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('Authorization header required') },
    });
    const wrong = await call('GET', '/v2/bot/info', undefined, { authorization: 'Bearer nope' });
    expect(wrong).toMatchObject({ status: 401, body: { message: expect.stringContaining('Authentication failed') } });
  });

  it('enforces per-endpoint rate limits with LINE 429 body, and not when switched off', async () => {
    const body = { messages: text() };
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await call('POST', '/v2/bot/message/broadcast', body)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    const limited = await call('POST', '/v2/bot/message/broadcast', body);
    expect(limited).toMatchObject({
      status: 429,
      body: { message: 'The API rate limit has been exceeded. Try again later.' },
    });
    expect((await call('GET', '/v2/bot/message/quota')).status).toBe(200); // another endpoint, another bucket
    await admin('PUT', '/settings', { rateLimits: false });
    expect((await call('POST', '/v2/bot/message/broadcast', body)).status).toBe(200);
  });

  it('rejects bad requests with LINE message and details: messages, recipients, user ids, text length', async () => {
    const to = uid();
    const six = await call('POST', '/v2/bot/message/push', { to, messages: Array(6).fill(text()[0]) });
    expect(six.status).toBe(400);
    expect(six.body.details).toContainEqual({ message: 'Size must be at most 5', property: 'messages' });
    const many = await call('POST', '/v2/bot/message/multicast', {
      to: Array.from({ length: 501 }, uid),
      messages: text(),
    });
    expect(many.body.details).toContainEqual({ message: 'Size must be at most 500', property: 'to' });
    const badId = await call('POST', '/v2/bot/message/multicast', { to: [uid(), 'Uabc'], messages: text() });
    expect(badId).toMatchObject({ status: 400, body: { details: [{ property: 'to[1]' }] } });
    const badTo = await call('POST', '/v2/bot/message/push', { to: 'someone', messages: text() });
    expect(badTo.status).toBe(400);
    const long = await call('POST', '/v2/bot/message/push', { to, messages: text('x'.repeat(5001)) });
    expect(long.body.details).toEqual([{ message: 'Length must be at most 5000', property: 'messages[0].text' }]);
    const unknownType = await call('POST', '/v2/bot/message/push', { to, messages: [{ type: 'txt', text: 'a' }] });
    expect(unknownType.body.details[0].property).toBe('messages[0].type');
    const quick = {
      type: 'text',
      text: 'a',
      quickReply: { items: Array(14).fill({ type: 'action', action: { type: 'message', label: 'a', text: 'a' } }) },
    };
    expect((await call('POST', '/v2/bot/message/push', { to, messages: [quick] })).body.details[0].property).toBe(
      'messages[0].quickReply.items',
    );
    expect((await admin('GET', '/counts')).body.recipientsDelivered).toBe(0);
  });

  it('consumes the monthly quota per recipient and answers the distinct quota 429 when it runs out', async () => {
    await admin('PATCH', `/channels/${CH.channelId}`, { monthlyQuota: 3 });
    expect(
      (await call('POST', '/v2/bot/message/multicast', { to: [uid(), uid()], messages: [text()[0], text()[0]] }))
        .status,
    ).toBe(200);
    const over = await call('POST', '/v2/bot/message/multicast', { to: [uid(), uid()], messages: text() });
    expect(over).toMatchObject({ status: 429, body: { message: 'You have reached your monthly limit.' } });
    expect((await call('GET', '/v2/bot/message/quota')).body).toEqual({ type: 'limited', value: 3 });
    expect((await call('GET', '/v2/bot/message/quota/consumption')).body).toEqual({ totalUsage: 2 });
    await admin('PATCH', `/channels/${CH.channelId}`, { monthlyQuota: null });
  });

  it('honours X-Line-Retry-Key: 409 with the accepted request id, nothing sent twice; 400 elsewhere', async () => {
    const to = await newUser();
    const key = randomUUID();
    const first = await call('POST', '/v2/bot/message/push', { to, messages: text() }, { 'x-line-retry-key': key });
    const again = await call('POST', '/v2/bot/message/push', { to, messages: text() }, { 'x-line-retry-key': key });
    expect(again.status).toBe(409);
    expect(again.headers.get('x-line-accepted-request-id')).toBe(first.headers.get('x-line-request-id'));
    expect(again.body).toEqual({ message: 'The retry key is already accepted', sentMessages: first.body.sentMessages });
    const mkey = randomUUID();
    await call('POST', '/v2/bot/message/multicast', { to: [to], messages: text() }, { 'x-line-retry-key': mkey });
    const mAgain = await call(
      'POST',
      '/v2/bot/message/multicast',
      { to: [to], messages: text() },
      { 'x-line-retry-key': mkey },
    );
    expect(mAgain).toMatchObject({ status: 409, body: { message: 'The retry key is already accepted' } });
    expect((await admin('GET', `/users/${to}/messages`)).body.messages).toHaveLength(2);
    const { replyToken } = (await admin('POST', `/channels/${CH.channelId}/users/${to}/messages`, { text: 'x' })).body;
    const onReply = await call(
      'POST',
      '/v2/bot/message/reply',
      { replyToken, messages: text() },
      { 'x-line-retry-key': randomUUID() },
    );
    expect(onReply.status).toBe(400);
    expect(
      (await call('POST', '/v2/bot/message/push', { to, messages: text() }, { 'x-line-retry-key': 'nope' })).status,
    ).toBe(400);
  });

  it('signs webhooks, gives unique ids and redelivers unanswered ones with isRedelivery', async () => {
    receiver.statuses.push(500, 503);
    const userId = await newUser({ displayName: 'Redelivered' });
    await receiver.waitFor(3);
    const events = receiver.events('follow');
    expect(events.map((e: any) => e.deliveryContext.isRedelivery)).toEqual([false, true, true]);
    expect(new Set(events.map((e) => e.webhookEventId)).size).toBe(1);
    for (const w of receiver.received) {
      expect(validateSignature(w.raw, CH.channelSecret, w.headers['x-line-signature'] as string)).toBe(true);
      expect(validateSignature(w.raw, 'wrong', w.headers['x-line-signature'] as string)).toBe(false);
    }
    await admin('POST', `/channels/${CH.channelId}/users/${userId}/messages`, { text: 'hello' });
    const ids = receiver.received.map((w) => w.body.events[0].webhookEventId);
    expect(new Set(ids).size).toBe(2);
    expect((await admin('GET', `/webhooks?type=follow`)).body.webhooks.map((w: any) => w.status)).toEqual([
      500, 503, 200,
    ]);
  });

  it('does not deliver to users who blocked the account; unblock sends follow with isUnblocked', async () => {
    const userId = await newUser();
    await admin('POST', `/channels/${CH.channelId}/users/${userId}/block`);
    expect((await call('POST', '/v2/bot/message/push', { to: userId, messages: text() })).status).toBe(200);
    const [record] = (await admin('GET', `/messages?userId=${userId}`)).body.messages;
    expect(record).toMatchObject({ to: [], notDelivered: [userId] });
    expect((await call('GET', `/v2/bot/profile/${userId}`)).status).toBe(404);
    await admin('POST', `/channels/${CH.channelId}/users/${userId}/unblock`);
    expect(receiver.events().map((e: any) => [e.type, e.follow?.isUnblocked])).toEqual([
      ['follow', false],
      ['unfollow', undefined],
      ['follow', true],
    ]);
  });

  it('uses reply tokens once', async () => {
    const userId = await newUser();
    const { replyToken } = (await admin('POST', `/channels/${CH.channelId}/users/${userId}/postbacks`, { data: 'a=1' }))
      .body;
    expect((await call('POST', '/v2/bot/message/reply', { replyToken, messages: text() })).status).toBe(200);
    expect((await call('POST', '/v2/bot/message/reply', { replyToken, messages: text() })).body).toEqual({
      message: 'Invalid reply token',
    });
  });

  it('links accounts: single-use, expiring link tokens; ok and failed accountLink webhooks', async () => {
    const userId = await newUser();
    const token = async () => (await call('POST', `/v2/bot/user/${userId}/linkToken`)).body.linkToken as string;
    const nonce = 'n0nce-0123456789';
    const t1 = await token();
    expect((await call('GET', `/dialog/bot/accountLink?linkToken=${t1}&nonce=${nonce}`)).status).toBe(200);
    expect((await call('GET', `/dialog/bot/accountLink?linkToken=${t1}&nonce=${nonce}`)).status).toBe(400);
    const t2 = await token();
    await call('GET', `/dialog/bot/accountLink?linkToken=${t2}&nonce=${nonce}-2&emulatorConsent=failed`);
    await admin('PUT', '/settings', { linkTokenTtlMs: 1 });
    const t3 = await token();
    await new Promise((r) => setTimeout(r, 5));
    expect((await call('GET', `/dialog/bot/accountLink?linkToken=${t3}&nonce=${nonce}`)).status).toBe(400);
    const links = receiver.events('accountLink') as any[];
    expect(links).toHaveLength(2);
    expect(links[0]).toMatchObject({
      source: { type: 'user', userId },
      link: { result: 'ok', nonce },
      replyToken: expect.any(String),
    });
    expect(links[1].link).toEqual({ result: 'failed', nonce: `${nonce}-2` });
    expect(links[1].source).toBeUndefined();
    expect(links[1].replyToken).toBeUndefined();
  });

  it('injects seeded faults deterministically, timeouts after doing the work, and latency', async () => {
    const statuses = async () => {
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await call('GET', '/v2/bot/info')).status);
      return out;
    };
    await admin('PUT', '/faults', { seed: 3, rate500: 0.3, rate429: 0.2, rateTimeout: 0 });
    const a = await statuses();
    await admin('PUT', '/faults', { seed: 3 });
    expect(await statuses()).toEqual(a);
    expect(a).toEqual(expect.arrayContaining([200, 429, 500]));

    await admin('PUT', '/faults', { rate500: 0, rate429: 0, rateTimeout: 1 });
    await admin('PUT', '/settings', { timeoutHangMs: 50 });
    const to = uid();
    await expect(call('POST', '/v2/bot/message/push', { to, messages: text() })).rejects.toThrow();
    expect((await admin('GET', `/users/${to}/messages`)).body.messages).toHaveLength(1);

    await admin('PUT', '/faults', { rateTimeout: 0 });
    await admin('PUT', '/settings', { latencyMs: 80 });
    const started = Date.now();
    await call('GET', '/v2/bot/info');
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('signs users in with LINE Login: authorize, token, verify, friendship', async () => {
    const userId = await newUser({ displayName: 'Login user' });
    const redirect = 'http://127.0.0.1:1/callback';
    const auth = await call(
      'GET',
      `/oauth2/v2.1/authorize?response_type=code&client_id=${LOGIN.loginChannelId}&redirect_uri=${encodeURIComponent(redirect)}&state=s1&scope=openid%20profile&nonce=abc&emulator_user=${userId}`,
    );
    expect(auth.status).toBe(302);
    const code = new URL(auth.headers.get('location') as string).searchParams.get('code') as string;
    const form = (f: Record<string, string>) => ({
      'content-type': 'application/x-www-form-urlencoded',
      body: new URLSearchParams(f).toString(),
    });
    const post = async (path: string, f: Record<string, string>) => {
      const { body, ...headers } = form(f);
      const res = await fetch(`${emulator.url}${path}`, { method: 'POST', headers, body });
      return { status: res.status, body: (await res.json()) as any };
    };
    const tokens = await post('/oauth2/v2.1/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect,
      client_id: LOGIN.loginChannelId,
      client_secret: LOGIN.loginChannelSecret,
    });
    expect(tokens.status).toBe(200);
    const verified = await post('/oauth2/v2.1/verify', {
      id_token: tokens.body.id_token,
      client_id: LOGIN.loginChannelId,
      nonce: 'abc',
    });
    expect(verified.body).toMatchObject({
      sub: userId,
      aud: LOGIN.loginChannelId,
      iss: 'https://access.line.me',
      name: 'Login user',
    });
    expect((await post('/oauth2/v2.1/verify', { id_token: tokens.body.id_token, client_id: '999' })).status).toBe(400);
    const friendship = await call('GET', '/friendship/v1/status', undefined, {
      authorization: `Bearer ${tokens.body.access_token}`,
    });
    expect(friendship.body).toEqual({ friendFlag: true });
    const minted = (await admin('POST', `/channels/${CH.channelId}/users/${userId}/id-token`, { nonce: 'n' })).body
      .idToken;
    expect((await post('/oauth2/v2.1/verify', { id_token: minted, client_id: LOGIN.loginChannelId })).body.sub).toBe(
      userId,
    );
  });

  it('pages follower ids and records rich-menu changes; reset forgets everything', async () => {
    for (let i = 0; i < 5; i++) await newUser();
    const first = await call('GET', '/v2/bot/followers/ids?limit=2');
    expect(first.body.userIds).toHaveLength(2);
    const all = [...first.body.userIds];
    let next = first.body.next as string | undefined;
    while (next !== undefined) {
      const page = await call('GET', `/v2/bot/followers/ids?limit=2&start=${next}`);
      all.push(...page.body.userIds);
      next = page.body.next;
    }
    expect(new Set(all).size).toBe(5);
    const menu = { size: { width: 2500, height: 843 }, selected: false, name: 'm', chatBarText: 'Menu', areas: [] };
    const { richMenuId } = (await call('POST', '/v2/bot/richmenu', menu)).body;
    expect((await call('POST', `/v2/bot/user/${all[0]}/richmenu/${richMenuId}`)).body.message).toMatch(/image/);
    expect((await call('POST', '/v2/bot/richmenu', { ...menu, size: { width: 100, height: 100 } })).status).toBe(400);
    expect((await admin('GET', '/rich-menu-changes')).body.changes).toMatchObject([{ action: 'create', richMenuId }]);
    await admin('POST', '/reset');
    expect((await call('GET', '/v2/bot/followers/ids')).body.userIds).toEqual([]);
    expect((await admin('GET', '/counts')).body.webhooks).toBe(0);
  });
});
