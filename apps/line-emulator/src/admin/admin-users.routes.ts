import { FastifyInstance, FastifyReply } from 'fastify';
import { EmulatorContext } from '../context';
import { USER_ID, newToken } from '../core/ids';
import { ChannelState, SimUser } from '../state';
import { makeEvent } from '../webhooks/webhook-dispatcher';
import { mintIdToken } from '../routes/login.routes';

export const adminError = (reply: FastifyReply, status: number, message: string) =>
  reply.code(status).send({ message });

/**
 * Simulated users: they follow (signed `follow` webhook), block and unblock (`unfollow`,
 * `follow` with isUnblocked), send text and tap postbacks. Each call answers after the first
 * webhook attempt, with its outcome, so a script can see at once whether the engine took it.
 */
export function adminUserRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const channelOf = (id: string): ChannelState | undefined => ctx.state.channels.get(id);
  const replyToken = (channel: ChannelState, userId: string): string => {
    const token = newToken(24);
    channel.replyTokens.set(token, { userId, expiresAt: Date.now() + ctx.settings.replyTokenTtlMs });
    return token;
  };
  type P = { channelId: string; userId: string };
  const withUser = (params: unknown, reply: FastifyReply): { channel: ChannelState; user: SimUser } | null => {
    const { channelId, userId } = params as P;
    const channel = channelOf(channelId);
    const user = channel?.users.get(userId);
    if (channel === undefined || user === undefined) {
      void adminError(reply, 404, channel === undefined ? `unknown channel ${channelId}` : `unknown user ${userId}`);
      return null;
    }
    return { channel, user };
  };

  app.get('/_emulator/channels/:channelId/users', (req, reply) => {
    const channel = channelOf((req.params as P).channelId);
    if (channel === undefined) return adminError(reply, 404, 'unknown channel');
    return reply.send({ users: [...channel.users.values()] });
  });

  app.post('/_emulator/channels/:channelId/users', async (req, reply) => {
    const channel = channelOf((req.params as P).channelId);
    if (channel === undefined) return adminError(reply, 404, 'unknown channel');
    const b = (req.body ?? {}) as Partial<SimUser> & { follow?: boolean };
    if (b.userId !== undefined && !USER_ID.test(b.userId)) return adminError(reply, 400, 'userId must be U + 32 hex');
    if (b.userId !== undefined && channel.users.has(b.userId)) return adminError(reply, 409, 'user exists');
    const follow = b.follow !== false;
    const user = channel.addUser({ ...b, friend: follow }, Date.now());
    if (!follow) return reply.code(201).send({ user });
    const event = makeEvent('follow', user.userId, {
      replyToken: replyToken(channel, user.userId),
      follow: { isUnblocked: false },
    });
    const webhook = await ctx.webhooks.dispatch(channel, event);
    return reply.code(201).send({ user, webhook });
  });

  app.get('/_emulator/channels/:channelId/users/:userId', (req, reply) => {
    const found = withUser(req.params, reply);
    if (found === null) return reply;
    const { channel, user } = found;
    return reply.send({ ...user, richMenuId: channel.userRichMenus.get(user.userId) ?? channel.defaultRichMenuId });
  });

  app.patch('/_emulator/channels/:channelId/users/:userId', (req, reply) => {
    const found = withUser(req.params, reply);
    if (found === null) return reply;
    const b = (req.body ?? {}) as Partial<SimUser>;
    for (const k of ['displayName', 'pictureUrl', 'statusMessage', 'language', 'accountLinkResult'] as const) {
      if (b[k] !== undefined) (found.user as unknown as Record<string, unknown>)[k] = b[k];
    }
    return reply.send(found.user);
  });

  app.post('/_emulator/channels/:channelId/users/:userId/block', async (req, reply) => {
    const found = withUser(req.params, reply);
    if (found === null) return reply;
    const { channel, user } = found;
    if (user.blocked) return adminError(reply, 409, 'already blocked');
    channel.setBlocked(user, true);
    const webhook = await ctx.webhooks.dispatch(channel, makeEvent('unfollow', user.userId, {}));
    return reply.send({ user, webhook });
  });

  app.post('/_emulator/channels/:channelId/users/:userId/unblock', async (req, reply) => {
    const found = withUser(req.params, reply);
    if (found === null) return reply;
    const { channel, user } = found;
    if (!user.blocked && user.friend) return adminError(reply, 409, 'not blocked');
    const isUnblocked = user.blocked;
    channel.setBlocked(user, false);
    user.friend = true;
    const event = makeEvent('follow', user.userId, {
      replyToken: replyToken(channel, user.userId),
      follow: { isUnblocked },
    });
    const webhook = await ctx.webhooks.dispatch(channel, event);
    return reply.send({ user, webhook });
  });

  app.post('/_emulator/channels/:channelId/users/:userId/messages', async (req, reply) => {
    const found = withUser(req.params, reply);
    if (found === null) return reply;
    const { channel, user } = found;
    const { text } = (req.body ?? {}) as { text?: string };
    if (typeof text !== 'string' || text.length === 0) return adminError(reply, 400, 'text is required');
    if (user.blocked) return adminError(reply, 409, 'a user who blocked the account cannot message it');
    const id = ctx.messageIds.next();
    const token = replyToken(channel, user.userId);
    const event = makeEvent('message', user.userId, {
      replyToken: token,
      message: { type: 'text', id, text, quoteToken: ctx.messageIds.quoteToken(id) },
    });
    const webhook = await ctx.webhooks.dispatch(channel, event);
    return reply.send({ replyToken: token, webhook });
  });

  app.post('/_emulator/channels/:channelId/users/:userId/postbacks', async (req, reply) => {
    const found = withUser(req.params, reply);
    if (found === null) return reply;
    const { channel, user } = found;
    const { data, params } = (req.body ?? {}) as { data?: string; params?: Record<string, string> };
    if (typeof data !== 'string') return adminError(reply, 400, 'data is required');
    const token = replyToken(channel, user.userId);
    const event = makeEvent('postback', user.userId, {
      replyToken: token,
      postback: params === undefined ? { data } : { data, params },
    });
    const webhook = await ctx.webhooks.dispatch(channel, event);
    return reply.send({ replyToken: token, webhook });
  });

  app.post('/_emulator/channels/:channelId/users/:userId/id-token', (req, reply) => {
    const found = withUser(req.params, reply);
    if (found === null) return reply;
    const { nonce, ttlSeconds } = (req.body ?? {}) as { nonce?: string; ttlSeconds?: number };
    if (found.channel.loginChannelId === undefined) return adminError(reply, 400, 'the channel has no login channel');
    return reply.send({
      idToken: mintIdToken(found.channel, found.user, { nonce, ttlSeconds }),
      loginChannelId: found.channel.loginChannelId,
    });
  });
}
