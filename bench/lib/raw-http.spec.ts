import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RawHttpPoster } from './raw-http';

describe('RawHttpPoster (the triggers benchmark’s load generator)', () => {
  let server: Server;
  let port: number;
  const seen: Array<{ url: string; auth: string | undefined; body: unknown; socket: string }> = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        seen.push({
          url: req.url ?? '',
          auth: req.headers.authorization,
          body,
          socket: `${req.socket.remotePort}`,
        });
        const answer = JSON.stringify({ echo: body });
        if (req.url === '/close') res.setHeader('connection', 'close');
        res.writeHead(req.url === '/bad' ? 400 : 201, { 'content-type': 'application/json' });
        res.end(answer);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it('posts JSON (UTF-8 included) with the given headers and answers each request with its status', async () => {
    const poster = new RawHttpPoster('127.0.0.1', port, { authorization: 'Bearer k' }, 4);
    const statuses = await Promise.all([
      poster.post('/events', { memberId: 'm1', text: 'ありがとう' }),
      poster.post('/bad', { memberId: 'm2' }),
    ]);
    poster.close();
    expect(statuses).toEqual([201, 400]);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer k', 'Bearer k']);
    expect(seen.find((s) => s.url === '/events')?.body).toEqual({ memberId: 'm1', text: 'ありがとう' });
  });

  it('keeps connections alive: more requests than connections reuse them', async () => {
    const poster = new RawHttpPoster('127.0.0.1', port, {}, 2);
    const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => poster.post('/events', { i })));
    poster.close();
    expect(statuses).toEqual(Array<number>(10).fill(201));
    expect(new Set(seen.map((s) => s.socket)).size).toBeLessThanOrEqual(2);
    expect(seen.map((s) => (s.body as { i: number }).i).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('opens a new connection after the server closed one', async () => {
    const poster = new RawHttpPoster('127.0.0.1', port, {}, 1);
    expect(await poster.post('/close', { n: 1 })).toBe(201);
    // The close may still be on its way: a request sent on the dying socket fails, the next goes through.
    const second = await poster.post('/events', { n: 2 }).catch(() => poster.post('/events', { n: 2 }));
    poster.close();
    expect(second).toBe(201);
  });

  it('fails a request that gets no answer in time', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const poster = new RawHttpPoster('127.0.0.1', (silent.address() as AddressInfo).port, {}, 1, 200);
    await expect(poster.post('/events', {})).rejects.toThrow('no answer within 200 ms');
    poster.close();
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });
});
