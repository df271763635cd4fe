import { FastifyInstance } from 'fastify';
import { EmulatorContext } from '../context';
import { CHAT_ID, USER_ID } from '../core/ids';
import { LineRequest, LineResponse, lineError, lineRoute, ok } from '../http/line-route';
import { Limits } from '../rate-limits';
import { deliver, isFailure } from './delivery';
import { Recipient, narrowcastTargets } from './narrowcast';

interface SendBody {
  to?: unknown;
  messages: unknown[];
  replyToken?: string;
  recipient?: Recipient;
  limit?: { max?: number };
}

const sentMessages = (ctx: EmulatorContext, ids: string[]): { id: string; quoteToken: string }[] =>
  ids.map((id) => ({ id, quoteToken: ctx.messageIds.quoteToken(id) }));

export function messageRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const v = ctx.validators;
  const checked = (schema: string, req: LineRequest): LineResponse | SendBody => {
    const problem = v.check(schema, req.body);
    return problem === null ? (req.body as SendBody) : lineError(400, problem.message, problem.details);
  };
  const isResponse = (x: LineResponse | SendBody): x is LineResponse => 'status' in x;

  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/message/push', limit: Limits.default, retryKey: true }, (req) => {
    const body = checked('PushMessageRequest', req);
    if (isResponse(body)) return body;
    const to = body.to as string;
    if (!CHAT_ID.test(to))
      return lineError(400, "The property, 'to', in the request body is invalid (line: -, column: -)");
    if (!ctx.settings.acceptUnknownUsers && to.startsWith('U') && !req.channel.users.has(to)) {
      return lineError(400, 'Failed to send messages');
    }
    const r = deliver(ctx, { ...req, kind: 'push', messages: body.messages, targets: [to] });
    return isFailure(r) ? r : ok({ sentMessages: sentMessages(ctx, r.sentMessageIds) });
  });

  lineRoute(
    app,
    ctx,
    { method: 'POST', url: '/v2/bot/message/multicast', limit: Limits.multicast, retryKey: true },
    (req) => {
      const body = checked('MulticastRequest', req);
      if (isResponse(body)) return body;
      const to = body.to as string[];
      const details: { message: string; property: string }[] = [];
      for (let i = 0; i < to.length; i++) {
        if (!USER_ID.test(to[i])) details.push({ message: 'invalid user ID', property: `to[${i}]` });
      }
      if (details.length > 0) return lineError(400, `The request body has ${details.length} error(s)`, details);
      const r = deliver(ctx, { ...req, kind: 'multicast', messages: body.messages, targets: to });
      return isFailure(r) ? r : ok({});
    },
  );

  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/message/reply', limit: Limits.default }, (req) => {
    const body = checked('ReplyMessageRequest', req);
    if (isResponse(body)) return body;
    const token = req.channel.replyTokens.get(body.replyToken as string);
    if (token === undefined || token.expiresAt <= req.now) return lineError(400, 'Invalid reply token');
    req.channel.replyTokens.delete(body.replyToken as string);
    const targets = token.userId === null ? [] : [token.userId];
    const r = deliver(ctx, { ...req, kind: 'reply', messages: body.messages, targets });
    return isFailure(r) ? r : ok({ sentMessages: sentMessages(ctx, r.sentMessageIds) });
  });

  lineRoute(
    app,
    ctx,
    { method: 'POST', url: '/v2/bot/message/broadcast', limit: Limits.narrowcastBroadcast, retryKey: true },
    (req) => {
      const body = checked('BroadcastRequest', req);
      if (isResponse(body)) return body;
      const targets = req.channel.followers().map((u) => u.userId);
      const r = deliver(ctx, { ...req, kind: 'broadcast', messages: body.messages, targets });
      return isFailure(r) ? r : ok({});
    },
  );

  lineRoute(
    app,
    ctx,
    { method: 'POST', url: '/v2/bot/message/narrowcast', limit: Limits.narrowcastBroadcast, retryKey: true },
    (req) => {
      const body = checked('NarrowcastRequest', req);
      if (isResponse(body)) return body;
      let targets = narrowcastTargets(req.channel, body.recipient);
      if (body.limit?.max !== undefined) targets = targets.slice(0, body.limit.max);
      const r = deliver(ctx, { ...req, kind: 'narrowcast', messages: body.messages, targets });
      if (isFailure(r)) return r;
      const time = new Date(req.now).toISOString();
      req.channel.narrowcasts.set(req.requestId, {
        requestId: req.requestId,
        targetCount: targets.length,
        successCount: r.delivered,
        acceptedTime: time,
        completedTime: time,
      });
      return ok({}, 202);
    },
  );

  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/message/progress/narrowcast', limit: Limits.default }, (req) => {
    const p = req.channel.narrowcasts.get(req.query.requestId ?? '');
    if (p === undefined) return lineError(404, 'Not found');
    return ok({
      phase: 'succeeded',
      successCount: p.successCount,
      failureCount: p.targetCount - p.successCount,
      targetCount: p.targetCount,
      acceptedTime: p.acceptedTime,
      completedTime: p.completedTime,
    });
  });

  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/message/quota', limit: Limits.default }, (req) =>
    ok(req.channel.monthlyQuota === null ? { type: 'none' } : { type: 'limited', value: req.channel.monthlyQuota }),
  );
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/message/quota/consumption', limit: Limits.default }, (req) =>
    ok({ totalUsage: req.channel.consumed }),
  );

  const validateSchemas: Record<string, string> = {
    reply: 'ValidateMessageRequest',
    push: 'ValidateMessageRequest',
    multicast: 'ValidateMessageRequest',
    narrowcast: 'ValidateMessageRequest',
    broadcast: 'ValidateMessageRequest',
  };
  for (const [kind, schema] of Object.entries(validateSchemas)) {
    lineRoute(app, ctx, { method: 'POST', url: `/v2/bot/message/validate/${kind}`, limit: Limits.default }, (req) => {
      const body = checked(schema, req);
      return isResponse(body) ? body : ok({});
    });
  }
}
