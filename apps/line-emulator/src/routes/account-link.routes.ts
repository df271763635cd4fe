import { FastifyInstance } from 'fastify';
import { EmulatorContext } from '../context';
import { newToken } from '../core/ids';
import { makeEvent } from '../webhooks/webhook-dispatcher';

const page = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body><h1>${title}</h1><p>${text}</p><p><small>LINE emulator</small></p></body></html>`;

/**
 * The account-link dialog of access.line.me. The emulator plays the user: it consents (or not,
 * by `emulatorConsent=failed`, the user's or the channel's setting) and sends the `accountLink`
 * webhook. An unknown, expired or used link token shows an error and sends nothing, as on LINE.
 */
export function accountLinkRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/dialog/bot/accountLink', async (req, reply) => {
    const q = req.query as { linkToken?: string; nonce?: string; emulatorConsent?: string };
    const html = (status: number, title: string, text: string) =>
      reply.code(status).type('text/html; charset=utf-8').send(page(title, text));
    const entry = q.linkToken === undefined ? undefined : ctx.state.linkTokens.get(q.linkToken);
    if (entry === undefined || entry.used || entry.expiresAt <= Date.now()) {
      return html(400, 'Unable to link', 'This link has expired or has already been used.');
    }
    if (q.nonce === undefined || q.nonce.length < 10 || q.nonce.length > 255) {
      return html(400, 'Unable to link', 'The nonce must be 10 to 255 characters.');
    }
    entry.used = true;
    const channel = ctx.state.channels.get(entry.channelId);
    if (channel === undefined) return html(400, 'Unable to link', 'The channel no longer exists.');
    const user = channel.users.get(entry.userId);
    const result =
      q.emulatorConsent === 'failed' || q.emulatorConsent === 'ok'
        ? q.emulatorConsent
        : (user?.accountLinkResult ?? channel.accountLinkResult);
    const link = { result, nonce: q.nonce };
    let event;
    if (result === 'ok') {
      const replyToken = newToken(24);
      channel.replyTokens.set(replyToken, {
        userId: entry.userId,
        expiresAt: Date.now() + ctx.settings.replyTokenTtlMs,
      });
      event = makeEvent('accountLink', entry.userId, { replyToken, link });
    } else {
      event = makeEvent('accountLink', null, { link });
    }
    // Answered after the first delivery attempt so that a test can look at the webhook at once.
    await ctx.webhooks.dispatch(channel, event);
    return result === 'ok'
      ? html(200, 'Accounts linked', 'Your LINE account is now linked. You can return to LINE.')
      : html(200, 'Accounts not linked', 'The account link was not completed.');
  });
}
