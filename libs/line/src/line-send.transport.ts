import { Agent as HttpAgent, ClientRequest, IncomingMessage, RequestOptions, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { lineHttpError } from './line-error.mapper';

/** LINE's answer to a send that it accepted (2xx). */
export interface LineAnswer {
  header(name: string): string | undefined;
  body: string;
}

/** Sockets kept per channel client; the batch sender keeps at most 128 requests in flight per process. */
const MAX_SOCKETS = 256;
/** Idle sockets are closed before a server's usual keep-alive timeout (5 s), so a reused one is rarely already closed. */
const IDLE_SOCKET_MS = 4_000;

const headerOf =
  (res: IncomingMessage) =>
  (name: string): string | undefined => {
    const v = res.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };

function asHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (typeof v === 'string') headers.set(k, v);
    else if (Array.isArray(v)) for (const x of v) headers.append(k, x);
  }
  return headers;
}

/**
 * JSON POSTs to LINE with node:http over kept-alive sockets, for the two endpoints sent hundreds
 * to thousands of times a second (push, multicast). The SDK's clients go through the global
 * fetch, whose WHATWG machinery (Request and Response objects, body streams, an abort signal per
 * call for our timeout) took ~0.7 ms of CPU per request in the workers' profiles of a 1M
 * multicast: more than the rest of sending a batch. Answers of 4xx/5xx become the same
 * LineException as through the SDK (lineHttpError); a request unanswered after `timeoutMs` is
 * destroyed and fails as a timeout (retryable, with the same retry key).
 */
export class LineSendTransport {
  private readonly base: URL;
  private readonly basePath: string;
  private readonly agent: HttpAgent;
  private readonly send: (options: RequestOptions, onResponse: (res: IncomingMessage) => void) => ClientRequest;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.base = new URL(baseUrl);
    this.basePath = this.base.pathname.replace(/\/$/, '');
    const secure = this.base.protocol === 'https:';
    const agentOptions = {
      keepAlive: true,
      maxSockets: MAX_SOCKETS,
      timeout: IDLE_SOCKET_MS,
      scheduling: 'lifo' as const,
    };
    this.agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = secure ? httpsRequest : httpRequest;
  }

  post(path: string, json: string, headers: Record<string, string>, what: string): Promise<LineAnswer> {
    return new Promise<LineAnswer>((resolve, reject) => {
      const req = this.send(
        {
          agent: this.agent,
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          path: this.basePath + path,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
          });
          res.on('end', () => {
            clearTimeout(timer);
            const body = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve({ header: headerOf(res), body });
            else reject(lineHttpError(status, asHeaders(res), body, what));
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { name: 'TimeoutError' }));
      }, this.timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(json);
    });
  }
}
