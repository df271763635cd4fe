import { FastifyInstance } from 'fastify';
import { EmulatorContext } from '../context';
import { USER_ID, newToken } from '../core/ids';
import { lineError, lineRoute, notFound, ok } from '../http/line-route';
import { Limits } from '../rate-limits';

const FOLLOWERS_DEFAULT_LIMIT = 300;
const FOLLOWERS_MAX_LIMIT = 1000;

/** Profiles, follower ids, bot info and link tokens. */
export function userRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/profile/:userId', limit: Limits.default }, (req) => {
    const user = req.channel.users.get(req.params.userId);
    // LINE answers 404 for users who are not friends or who blocked the account.
    if (user === undefined || !user.friend || user.blocked) return notFound();
    return ok({
      displayName: user.displayName,
      userId: user.userId,
      language: user.language,
      ...(user.pictureUrl === undefined ? {} : { pictureUrl: user.pictureUrl }),
      ...(user.statusMessage === undefined ? {} : { statusMessage: user.statusMessage }),
    });
  });

  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/followers/ids', limit: Limits.default }, (req) => {
    const limit = req.query.limit === undefined ? FOLLOWERS_DEFAULT_LIMIT : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > FOLLOWERS_MAX_LIMIT) {
      return lineError(400, 'The request has 1 error(s)', [
        { message: `must be between 1 and ${FOLLOWERS_MAX_LIMIT}`, property: 'limit' },
      ]);
    }
    // `start` is an opaque continuation token on LINE; here it is the offset in follow order.
    const start =
      req.query.start === undefined ? 0 : Number.parseInt(Buffer.from(req.query.start, 'base64url').toString(), 10);
    if (!Number.isInteger(start) || start < 0) return lineError(400, 'Invalid start');
    const all = req.channel.followers();
    const page = all.slice(start, start + limit).map((u) => u.userId);
    const nextOffset = start + limit;
    return ok(
      nextOffset < all.length
        ? { userIds: page, next: Buffer.from(String(nextOffset)).toString('base64url') }
        : { userIds: page },
    );
  });

  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/info', limit: Limits.default }, (req) =>
    ok({
      userId: req.channel.botUserId,
      basicId: `@${req.channel.channelId}`,
      displayName: req.channel.displayName,
      chatMode: 'bot',
      markAsReadMode: 'auto',
    }),
  );

  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/user/:userId/linkToken', limit: Limits.default }, (req) => {
    const userId = req.params.userId;
    const user = req.channel.users.get(userId);
    if (!USER_ID.test(userId) || user === undefined || !user.friend || user.blocked) {
      return lineError(400, 'The user is not a friend of the bot or does not exist');
    }
    const linkToken = newToken(24);
    ctx.state.linkTokens.set(linkToken, {
      channelId: req.channel.channelId,
      userId,
      expiresAt: req.now + ctx.settings.linkTokenTtlMs,
      used: false,
    });
    return ok({ linkToken });
  });
}
