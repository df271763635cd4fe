import { FastifyInstance } from 'fastify';
import { EmulatorContext, EmulatorSettings } from '../context';
import { FaultSettings } from '../core/fault-rng';
import { ChannelConfig } from '../state';
import { adminError, adminUserRoutes } from './admin-users.routes';

const CHANNEL_FIELDS = [
  'channelSecret',
  'accessToken',
  'webhookUrl',
  'loginChannelId',
  'loginChannelSecret',
  'monthlyQuota',
  'displayName',
] as const;

/** The emulator's own API under /_emulator: channels, users, recording, faults and knobs. */
export function adminRoutes(app: FastifyInstance, ctx: EmulatorContext, initialChannels: ChannelConfig[]): void {
  const { state, recorder } = ctx;

  app.get('/_emulator/health', () => ({ status: 'ok', channels: state.channels.size }));

  app.post('/_emulator/reset', (req) => {
    const { channels } = (req.query ?? {}) as { channels?: string };
    ctx.webhooks.cancelPending();
    recorder.reset();
    state.reset();
    if (channels === 'true') {
      for (const id of [...state.channels.keys()]) state.removeChannel(id);
      for (const c of initialChannels) state.upsertChannel(c);
    }
    return { status: 'reset' };
  });

  app.get('/_emulator/channels', () => ({ channels: [...state.channels.values()].map((c) => c.view()) }));
  app.get('/_emulator/channels/:channelId', (req, reply) => {
    const c = state.channels.get((req.params as { channelId: string }).channelId);
    return c === undefined ? adminError(reply, 404, 'unknown channel') : reply.send(c.view());
  });
  app.post('/_emulator/channels', (req, reply) => {
    const b = (req.body ?? {}) as Partial<ChannelConfig>;
    if (typeof b.channelId !== 'string' || typeof b.channelSecret !== 'string' || typeof b.accessToken !== 'string') {
      return adminError(reply, 400, 'channelId, channelSecret and accessToken are required');
    }
    const channel = state.upsertChannel(b as ChannelConfig);
    return reply.code(201).send(channel.view());
  });
  app.patch('/_emulator/channels/:channelId', (req, reply) => {
    const channel = state.channels.get((req.params as { channelId: string }).channelId);
    if (channel === undefined) return adminError(reply, 404, 'unknown channel');
    const b = (req.body ?? {}) as Partial<ChannelConfig> & { accountLinkResult?: 'ok' | 'failed' };
    const before = { accessToken: channel.accessToken, loginChannelId: channel.loginChannelId };
    const target = channel as unknown as Record<string, unknown>;
    for (const k of CHANNEL_FIELDS) if (b[k] !== undefined) target[k] = b[k];
    if (b.accountLinkResult === 'ok' || b.accountLinkResult === 'failed')
      channel.accountLinkResult = b.accountLinkResult;
    state.reindex(channel, before);
    return reply.send(channel.view());
  });
  app.delete('/_emulator/channels/:channelId', (req, reply) =>
    state.removeChannel((req.params as { channelId: string }).channelId)
      ? reply.send({ status: 'deleted' })
      : adminError(reply, 404, 'unknown channel'),
  );

  // Recording.
  app.get('/_emulator/messages', (req) => {
    const q = req.query as { channelId?: string; userId?: string; requestId?: string; kind?: string; limit?: string };
    const limit = q.limit === undefined ? 1000 : Math.max(1, Number(q.limit) || 1000);
    return { messages: recorder.query({ ...q, limit }) };
  });
  app.get('/_emulator/messages/:requestId', (req, reply) => {
    const [record] = recorder.query({ requestId: (req.params as { requestId: string }).requestId, limit: 1 });
    return record === undefined ? adminError(reply, 404, 'no such request') : reply.send(record);
  });
  app.get('/_emulator/users/:userId/messages', (req) => {
    const userId = (req.params as { userId: string }).userId;
    return {
      messages: recorder.query({ userId, limit: 10_000 }).map((r) => ({
        requestId: r.requestId,
        channelId: r.channelId,
        kind: r.kind,
        at: r.at,
        delivered: r.to.includes(userId),
        messages: r.messages,
      })),
    };
  });
  app.get('/_emulator/counts', () => recorder.counts);
  app.get('/_emulator/webhooks', (req) => {
    const q = req.query as { channelId?: string; type?: string; userId?: string };
    return {
      webhooks: recorder.webhooks.filter(
        (w) =>
          (q.channelId === undefined || w.channelId === q.channelId) &&
          (q.type === undefined || w.type === q.type) &&
          (q.userId === undefined || w.userId === q.userId),
      ),
    };
  });
  app.get('/_emulator/rich-menu-changes', () => ({ changes: recorder.richMenuChanges }));

  // Faults and knobs.
  app.get('/_emulator/faults', () => ctx.faults.current);
  app.put('/_emulator/faults', (req, reply) => {
    const b = (req.body ?? {}) as Partial<FaultSettings>;
    try {
      ctx.faults.configure({ ...ctx.faults.current, ...b });
    } catch (e) {
      return adminError(reply, 400, e instanceof Error ? e.message : String(e));
    }
    return reply.send(ctx.faults.current);
  });
  app.get('/_emulator/settings', () => ({ ...ctx.settings, webhook: ctx.webhooks.settings }));
  app.put('/_emulator/settings', (req, reply) => {
    const b = (req.body ?? {}) as Partial<EmulatorSettings> & { webhook?: Partial<typeof ctx.webhooks.settings> };
    const numbers = ['latencyMs', 'timeoutHangMs', 'replyTokenTtlMs', 'linkTokenTtlMs'] as const;
    for (const k of numbers) {
      const v = b[k];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) return adminError(reply, 400, `${k} must be ≥ 0`);
    }
    for (const k of numbers) if (b[k] !== undefined) ctx.settings[k] = b[k];
    if (typeof b.rateLimits === 'boolean') ctx.settings.rateLimits = b.rateLimits;
    if (typeof b.acceptUnknownUsers === 'boolean') ctx.settings.acceptUnknownUsers = b.acceptUnknownUsers;
    if (b.webhook !== undefined) Object.assign(ctx.webhooks.settings, b.webhook);
    return reply.send({ ...ctx.settings, webhook: ctx.webhooks.settings });
  });

  adminUserRoutes(app, ctx);
}
