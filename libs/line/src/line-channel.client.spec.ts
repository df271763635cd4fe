import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { LineChannelClient } from './line-channel.client';
import { LineErrorCode, LineException } from './line.exception';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A stand-in LINE host: each test says how it answers. */
describe('LineChannelClient (against a stand-in LINE host)', () => {
  let server: Server;
  let handler: Handler;
  let client: LineChannelClient;
  const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        handler(req, body, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new LineChannelClient({
      channelId: 'c1',
      accessToken: 'token-1',
      apiBaseUrl: base,
      dataApiBaseUrl: base,
      timeoutMs: 300,
    });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (seen.length = 0));

  const answer =
    (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
    (_req, _body, res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };

  const failure = async (p: Promise<unknown>): Promise<LineException> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof LineException) return e;
      throw e;
    }
    throw new Error('expected a LineException');
  };

  it('pushes with the retry key and bearer token and returns the request id', async () => {
    handler = answer(200, { sentMessages: [{ id: '1' }] }, { 'x-line-request-id': 'req-1' });
    const result = await client.pushMessage('U1', [{ type: 'text', text: 'hi' }], {
      retryKey: 'a1b2c3d4-0000-4000-8000-000000000000',
    });
    expect(result).toEqual({ requestId: 'req-1', sentMessages: [{ id: '1' }] });
    expect(seen[0].url).toBe('/v2/bot/message/push');
    expect(seen[0].headers['x-line-retry-key']).toBe('a1b2c3d4-0000-4000-8000-000000000000');
    expect(seen[0].headers.authorization).toBe('Bearer token-1');
  });

  it('maps a 409 on a retried key to RetryKeyAccepted with the accepted request id', async () => {
    handler = answer(409, { message: 'The retry key is already accepted' }, { 'x-line-accepted-request-id': 'orig-7' });
    const e = await failure(client.multicast(['U1'], [{ type: 'text', text: 'hi' }], { retryKey: 'k' }));
    expect(e.code).toBe(LineErrorCode.RetryKeyAccepted);
    expect(e.line.acceptedRequestId).toBe('orig-7');
    expect(e.retryable).toBe(false);
  });

  it('tells the monthly quota from the rate limit on a 429', async () => {
    handler = answer(429, { message: 'You have reached your monthly limit.' });
    const quota = await failure(client.pushMessage('U1', [{ type: 'text', text: 'x' }]));
    expect([quota.code, quota.retryable]).toEqual([LineErrorCode.QuotaExhausted, false]);
    handler = answer(429, { message: 'The API rate limit has been exceeded. Try again later.' });
    const rate = await failure(client.pushMessage('U1', [{ type: 'text', text: 'x' }]));
    expect([rate.code, rate.retryable]).toEqual([LineErrorCode.RateLimited, true]);
  });

  it('keeps LINE details of a 400 and marks 5xx retryable', async () => {
    handler = answer(400, {
      message: 'The request body has 1 error(s)',
      details: [{ message: 'May not be empty', property: 'messages[0].text' }],
    });
    const bad = await failure(client.pushMessage('U1', [{ type: 'text', text: '' }]));
    expect(bad.code).toBe(LineErrorCode.ClientError);
    expect(bad.details).toEqual([{ field: 'messages[0].text', reason: 'May not be empty' }]);
    handler = answer(503, { message: 'busy' });
    expect((await failure(client.replyMessage('r', [{ type: 'text', text: 'x' }]))).retryable).toBe(true);
  });

  it('aborts a request LINE does not answer in time', async () => {
    handler = () => undefined;
    const e = await failure(client.getProfile('U1'));
    expect(e.code).toBe(LineErrorCode.Timeout);
  });

  it('sends push and multicast as LINE documents them, and times them out as retryable', async () => {
    handler = answer(200, {}, { 'x-line-request-id': 'req-m' });
    const to = ['U1', 'U2'];
    await expect(client.multicast(to, [{ type: 'text', text: 'ええ' }], { retryKey: 'k-1' })).resolves.toEqual({
      requestId: 'req-m',
    });
    const sent = seen.at(-1);
    expect([sent?.method, sent?.url, sent?.headers['content-type']]).toEqual([
      'POST',
      '/v2/bot/message/multicast',
      'application/json',
    ]);
    expect(Number(sent?.headers['content-length'])).toBe(Buffer.byteLength(sent?.body ?? ''));
    expect(JSON.parse(sent?.body ?? '')).toEqual({ to, messages: [{ type: 'text', text: 'ええ' }] });
    expect(sent?.headers['x-line-retry-key']).toBe('k-1');
    handler = () => undefined;
    const e = await failure(client.pushMessage('U1', [{ type: 'text', text: 'x' }], { retryKey: 'k-2' }));
    expect([e.code, e.retryable]).toEqual([LineErrorCode.Timeout, true]);
  });

  it('reads "no menu" for a user as null and bulk-links at most 500 users', async () => {
    handler = answer(404, { message: 'the user has no richmenu' });
    await expect(client.getRichMenuIdOfUser('U1')).resolves.toBeNull();
    handler = answer(202, {});
    await client.bulkLinkRichMenu('rm1', ['U1', 'U2']);
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toEqual({ richMenuId: 'rm1', userIds: ['U1', 'U2'] });
    const tooMany = await failure(
      client.bulkLinkRichMenu(
        'rm1',
        Array.from({ length: 501 }, (_, i) => `U${i}`),
      ),
    );
    expect(tooMany.code).toBe(LineErrorCode.ClientError);
  });
});
