import { randomUUID } from 'node:crypto';
import { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { isRetryKey } from '../core/retry-key-store';
import { RateLimit } from '../core/token-bucket';
import { EmulatorContext } from '../context';
import { RATE_LIMIT_MESSAGE } from '../rate-limits';
import { ChannelState, PushReceipt } from '../state';

export interface LineRequest {
  channel: ChannelState;
  requestId: string;
  body: unknown;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  retryKey?: string;
  now: number;
  raw: FastifyRequest;
}

export interface LineResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  binary?: { contentType: string; data: Buffer };
}

export type LineHandler = (req: LineRequest) => LineResponse;

export const ok = (body: unknown = {}, status = 200): LineResponse => ({ status, body });
export const lineError = (status: number, message: string, details?: unknown[]): LineResponse => ({
  status,
  body: details === undefined || details.length === 0 ? { message } : { message, details },
});
export const notFound = (): LineResponse => lineError(404, 'Not found');

export interface LineRouteOptions {
  method: HTTPMethods;
  url: string;
  limit: RateLimit;
  /** push, multicast, narrowcast and broadcast take X-Line-Retry-Key; any other endpoint rejects it. */
  retryKey?: boolean;
}

const MISSING_AUTH = "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'";
const BAD_AUTH = 'Authentication failed. Confirm that the access token in the authorization header is valid.';

export function send(reply: FastifyReply, res: LineResponse): void {
  if (res.headers !== undefined) reply.headers(res.headers);
  reply.code(res.status);
  if (res.binary !== undefined) {
    void reply.type(res.binary.contentType).send(res.binary.data);
  } else {
    void reply.send(res.body ?? {});
  }
}

/**
 * Registers one Messaging API endpoint with what LINE does around every call, in LINE's order:
 * request id, injected faults, bearer token, rate limit, retry key, then the handler. Handlers
 * are synchronous over in-memory state; no hooks or per-request allocations beyond the answer.
 */
export function lineRoute(
  app: FastifyInstance,
  ctx: EmulatorContext,
  opts: LineRouteOptions,
  handler: LineHandler,
): void {
  const endpoint = `${opts.method} ${opts.url}`;
  app.route({
    method: opts.method,
    url: opts.url,
    handler: (req: FastifyRequest, reply: FastifyReply): void => {
      const requestId = randomUUID();
      reply.header('x-line-request-id', requestId);
      const res = handle(ctx, opts, endpoint, handler, req, requestId);
      if (res === 'hang') return;
      if (res.status >= 400) ctx.recorder.rejected(res.status);
      const latency = ctx.settings.latencyMs;
      if (latency > 0) setTimeout(() => send(reply, res), latency);
      else send(reply, res);
    },
  });
}

function handle(
  ctx: EmulatorContext,
  opts: LineRouteOptions,
  endpoint: string,
  handler: LineHandler,
  req: FastifyRequest,
  requestId: string,
): LineResponse | 'hang' {
  const fault = ctx.faults.next();
  if (fault === 'error500') return lineError(500, 'Internal server error');
  if (fault === 'rateLimited429') return lineError(429, RATE_LIMIT_MESSAGE);

  const auth = req.headers.authorization;
  if (auth === undefined || !auth.startsWith('Bearer ')) return lineError(401, MISSING_AUTH);
  const channel = ctx.state.byAccessToken(auth.slice(7));
  if (channel === undefined) return lineError(401, BAD_AUTH);

  const now = Date.now();
  if (ctx.settings.rateLimits && !channel.allows(endpoint, opts.limit, now)) {
    return lineError(429, RATE_LIMIT_MESSAGE);
  }

  const header = req.headers['x-line-retry-key'];
  const retryKey = typeof header === 'string' ? header : undefined;
  if (retryKey !== undefined) {
    if (opts.retryKey !== true) return lineError(400, 'X-Line-Retry-Key header is not supported by this endpoint');
    if (!isRetryKey(retryKey)) return lineError(400, 'The value of the X-Line-Retry-Key header is not a UUID');
    const accepted = channel.retryKeys.find(retryKey, now);
    if (accepted !== undefined) {
      return {
        status: 409,
        headers: { 'x-line-accepted-request-id': accepted.requestId },
        body: { message: 'The retry key is already accepted', ...accepted.payload },
      };
    }
  }

  const res = handler({
    channel,
    requestId,
    body: req.body,
    params: req.params as Record<string, string>,
    query: req.query as Record<string, string | undefined>,
    retryKey,
    now,
    raw: req,
  });
  if (retryKey !== undefined && res.status >= 200 && res.status < 300) {
    const sent = (res.body as PushReceipt | undefined)?.sentMessages;
    channel.retryKeys.accept(retryKey, requestId, sent === undefined ? {} : { sentMessages: sent }, now);
  }
  if (fault === 'timeout') {
    // LINE did the work but the answer never arrives: exactly the case retry keys exist for.
    const timer = setTimeout(() => {
      ctx.hanging.delete(timer);
      req.raw.socket.destroy();
    }, ctx.settings.timeoutHangMs);
    ctx.hanging.add(timer);
    ctx.recorder.rejected(0);
    return 'hang';
  }
  return res;
}
