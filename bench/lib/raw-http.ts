// A minimal HTTP/1.1 client for load generators that share the machine with what they measure:
// keep-alive sockets, one request in flight per socket, each request written as one string and
// each response read only as far as its status and length. node:http's client cost the triggers
// benchmark about 0.4 ms of CPU per POST (ClientRequest, header objects, a parser and stream per
// response), which at 500 POSTs/s was a fifth of a core taken from the engine it measured.
import { connect, Socket } from 'node:net';

interface Pending {
  resolve: (status: number) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Where a chunked body starting at `from` ends (after its last chunk and trailers); -1: not all in
 * yet; -2: not a chunked body.
 */
function chunkedEnd(buffer: string, from: number): number {
  let at = from;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return -1;
    const size = parseInt(buffer.slice(at, lineEnd), 16);
    if (Number.isNaN(size)) return -2;
    if (size === 0) {
      const trailersEnd = buffer.indexOf('\r\n\r\n', lineEnd);
      return trailersEnd < 0 ? -1 : trailersEnd + 4;
    }
    at = lineEnd + 2 + size + 2;
    if (at > buffer.length) return -1;
  }
}

class Connection {
  private buffer = '';
  private pending: Pending | null = null;
  private readonly socket: Socket;
  closed = false;

  constructor(
    host: string,
    port: number,
    private readonly onIdle: (c: Connection) => void,
    private readonly onClosed: (c: Connection) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    // Bytes as characters: Content-Length counts bytes.
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => this.read(chunk));
    this.socket.on('error', (e) => this.destroy(e));
    this.socket.on('close', () => this.destroy(new Error('connection closed')));
  }

  send(request: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      this.pending = { resolve, reject, timer };
      this.socket.write(request, 'utf8');
    });
  }

  /** Closes the connection; a request in flight on it fails with `error`. */
  destroy(error: Error): void {
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.onClosed(this);
    }
    this.finish(null, error);
  }

  /** Completes the request once its head and body (Content-Length or chunked) are in. */
  private read(chunk: string): void {
    this.buffer += chunk;
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.buffer.slice(0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const end =
      length !== null
        ? headEnd + 4 + Number(length[1])
        : /\r\ntransfer-encoding:\s*chunked/i.test(head)
          ? chunkedEnd(this.buffer, headEnd + 4)
          : -2;
    if (end === -2) {
      this.destroy(new Error('unreadable response: no Content-Length, no chunked body'));
      return;
    }
    if (end < 0 || this.buffer.length < end) return;
    const status = Number(head.slice(9, 12));
    this.buffer = this.buffer.slice(end);
    this.finish(status, null);
  }

  private finish(status: number | null, error: Error | null): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    clearTimeout(p.timer);
    if (error !== null) p.reject(error);
    else p.resolve(status ?? 0);
    if (!this.closed) this.onIdle(this);
  }
}

/**
 * POSTs JSON bodies to one host over a pool of keep-alive connections (opened as needed, at most
 * `maxConnections`); resolves with the response's status. Requests beyond the pool wait in order.
 */
export class RawHttpPoster {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Array<{ request: string; resolve: (s: number) => void; reject: (e: Error) => void }> = [];
  /** The headers every request carries, before its Content-Length. */
  private readonly head: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
    headers: Record<string, string>,
    private readonly maxConnections = 256,
    private readonly timeoutMs = 10_000,
  ) {
    this.head =
      `host: ${host}:${port}\r\n` +
      Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('') +
      'content-type: application/json\r\n';
  }

  post(path: string, json: unknown): Promise<number> {
    const body = JSON.stringify(json);
    const request = `POST ${path} HTTP/1.1\r\n${this.head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  close(): void {
    for (const c of [...this.all]) c.destroy(new Error('poster closed'));
    this.idle.length = 0;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let c = this.idle.pop();
      while (c !== undefined && c.closed) c = this.idle.pop();
      if (c === undefined) {
        if (this.all.size >= this.maxConnections) return;
        c = new Connection(
          this.host,
          this.port,
          (done) => {
            this.idle.push(done);
            this.pump();
          },
          (gone) => this.all.delete(gone),
        );
        this.all.add(c);
      }
      const next = this.queue.shift();
      if (next === undefined) return;
      c.send(next.request, this.timeoutMs).then(next.resolve, (e: Error) => {
        next.reject(e);
        this.pump();
      });
    }
  }
}
