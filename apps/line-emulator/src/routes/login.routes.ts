import { FastifyInstance, FastifyReply } from 'fastify';
import { EmulatorContext } from '../context';
import { newToken } from '../core/ids';
import { signHs256, verifyHs256 } from '../core/jwt';
import { ChannelState, SimUser } from '../state';
import { makeEvent } from '../webhooks/webhook-dispatcher';

const CODE_TTL_MS = 10 * 60 * 1000;
const ACCESS_TOKEN_TTL_S = 30 * 24 * 3600;
const ID_TOKEN_TTL_S = 3600;
export const ID_TOKEN_ISSUER = 'https://access.line.me';

const oauthError = (reply: FastifyReply, status: number, error: string, description: string) =>
  reply.code(status).send({ error, error_description: description });

/** An ID token as LINE issues it for a login channel (HS256, the login channel's secret). */
export function mintIdToken(
  channel: ChannelState,
  user: SimUser,
  opts: { nonce?: string; ttlSeconds?: number } = {},
): string {
  if (channel.loginChannelId === undefined || channel.loginChannelSecret === undefined) {
    throw new Error(`channel ${channel.channelId} has no login channel`);
  }
  const iat = Math.floor(Date.now() / 1000);
  return signHs256(
    {
      iss: ID_TOKEN_ISSUER,
      sub: user.userId,
      aud: channel.loginChannelId,
      exp: iat + (opts.ttlSeconds ?? ID_TOKEN_TTL_S),
      iat,
      ...(opts.nonce === undefined ? {} : { nonce: opts.nonce }),
      amr: ['linesso'],
      name: user.displayName,
      ...(user.pictureUrl === undefined ? {} : { picture: user.pictureUrl }),
    },
    channel.loginChannelSecret,
  );
}

/** LINE Login v2.1: authorize (the emulator plays the user), token, verify, friendship, profile. */
export function loginRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx;

  app.get('/oauth2/v2.1/authorize', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const channel = state.byLoginChannelId(q.client_id ?? '');
    if (q.response_type !== 'code' || channel === undefined || q.redirect_uri === undefined || q.state === undefined) {
      return reply.code(400).type('text/html').send('<h1>400 Bad Request</h1><p>Invalid authorization request.</p>');
    }
    const target = new URL(q.redirect_uri);
    target.searchParams.set('state', q.state);
    if (q.emulator_consent === 'denied') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The resource owner denied the request.');
      return reply.redirect(target.toString(), 302);
    }
    // Which simulated user signs in: ?emulator_user=U…, else the channel's newest user, else a new one.
    const users = [...channel.users.values()];
    let user = q.emulator_user === undefined ? users.at(-1) : channel.users.get(q.emulator_user);
    user ??= channel.addUser({ userId: q.emulator_user, friend: false }, Date.now());
    let changed = false;
    if (q.bot_prompt !== undefined && (!user.friend || user.blocked)) {
      const wasBlocked = user.blocked;
      user.friend = true;
      channel.setBlocked(user, false);
      changed = true;
      const replyToken = newToken(24);
      channel.replyTokens.set(replyToken, {
        userId: user.userId,
        expiresAt: Date.now() + ctx.settings.replyTokenTtlMs,
      });
      await ctx.webhooks.dispatch(
        channel,
        makeEvent('follow', user.userId, { replyToken, follow: { isUnblocked: wasBlocked } }),
      );
    }
    const code = newToken(16);
    state.loginCodes.set(code, {
      loginChannelId: channel.loginChannelId as string,
      userId: user.userId,
      redirectUri: q.redirect_uri,
      nonce: q.nonce,
      scope: q.scope ?? 'profile openid',
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    target.searchParams.set('code', code);
    if (q.bot_prompt !== undefined) target.searchParams.set('friendship_status_changed', String(changed));
    return reply.redirect(target.toString(), 302);
  });

  app.post('/oauth2/v2.1/token', (req, reply) => {
    const f = (req.body ?? {}) as Record<string, string | undefined>;
    if (f.grant_type !== 'authorization_code')
      return oauthError(reply, 400, 'unsupported_grant_type', 'unsupported grant type');
    const entry = state.loginCodes.get(f.code ?? '');
    const channel = state.byLoginChannelId(f.client_id ?? '');
    if (channel === undefined || channel.loginChannelSecret !== f.client_secret) {
      return oauthError(reply, 400, 'invalid_client', 'invalid client');
    }
    if (entry === undefined || entry.expiresAt <= Date.now() || entry.loginChannelId !== f.client_id) {
      return oauthError(reply, 400, 'invalid_grant', 'invalid authorization code');
    }
    if (entry.redirectUri !== f.redirect_uri)
      return oauthError(reply, 400, 'invalid_grant', 'redirect_uri does not match');
    state.loginCodes.delete(f.code ?? '');
    const user = channel.users.get(entry.userId);
    if (user === undefined) return oauthError(reply, 400, 'invalid_grant', 'user no longer exists');
    const accessToken = newToken(32);
    state.loginAccessTokens.set(accessToken, {
      loginChannelId: entry.loginChannelId,
      userId: user.userId,
      scope: entry.scope,
      expiresAt: Date.now() + ACCESS_TOKEN_TTL_S * 1000,
    });
    return reply.send({
      access_token: accessToken,
      expires_in: ACCESS_TOKEN_TTL_S,
      ...(entry.scope.split(' ').includes('openid')
        ? { id_token: mintIdToken(channel, user, { nonce: entry.nonce }) }
        : {}),
      refresh_token: newToken(24),
      scope: entry.scope,
      token_type: 'Bearer',
    });
  });

  app.post('/oauth2/v2.1/verify', (req, reply) => {
    const f = (req.body ?? {}) as Record<string, string | undefined>;
    const idToken = f.id_token ?? '';
    const channel = state.byLoginChannelId(f.client_id ?? '');
    if (channel === undefined || channel.loginChannelSecret === undefined) {
      return oauthError(reply, 400, 'invalid_client', 'invalid client_id');
    }
    const payload = verifyHs256(idToken, channel.loginChannelSecret);
    if (payload === null) return oauthError(reply, 400, 'invalid_request', 'Invalid IdToken.');
    if (payload.aud !== f.client_id) return oauthError(reply, 400, 'invalid_request', 'Invalid IdToken Audience.');
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= Date.now()) {
      return oauthError(reply, 400, 'invalid_request', 'IdToken expired.');
    }
    if (f.nonce !== undefined && payload.nonce !== f.nonce)
      return oauthError(reply, 400, 'invalid_request', 'Invalid IdToken Nonce.');
    if (f.user_id !== undefined && payload.sub !== f.user_id)
      return oauthError(reply, 400, 'invalid_request', 'Invalid IdToken Subject Identifier.');
    return reply.send(payload);
  });

  app.get('/oauth2/v2.1/verify', (req, reply) => {
    const token = (req.query as { access_token?: string }).access_token ?? '';
    const entry = state.loginAccessTokens.get(token);
    if (entry === undefined || entry.expiresAt <= Date.now()) {
      return oauthError(reply, 400, 'invalid_request', 'access token expired');
    }
    return reply.send({
      scope: entry.scope,
      client_id: entry.loginChannelId,
      expires_in: Math.floor((entry.expiresAt - Date.now()) / 1000),
    });
  });

  const bearerUser = (authorization: string | undefined): { channel: ChannelState; user: SimUser } | null => {
    const entry = authorization?.startsWith('Bearer ')
      ? state.loginAccessTokens.get(authorization.slice(7))
      : undefined;
    if (entry === undefined || entry.expiresAt <= Date.now()) return null;
    const channel = state.byLoginChannelId(entry.loginChannelId);
    const user = channel?.users.get(entry.userId);
    return channel === undefined || user === undefined ? null : { channel, user };
  };

  app.get('/friendship/v1/status', (req, reply) => {
    const who = bearerUser(req.headers.authorization);
    if (who === null) return reply.code(401).send({ message: 'invalid token' });
    return reply.send({ friendFlag: who.user.friend && !who.user.blocked });
  });

  app.get('/v2/profile', (req, reply) => {
    const who = bearerUser(req.headers.authorization);
    if (who === null) return reply.code(401).send({ message: 'invalid token' });
    const u = who.user;
    return reply.send({
      userId: u.userId,
      displayName: u.displayName,
      pictureUrl: u.pictureUrl,
      statusMessage: u.statusMessage,
    });
  });
}
