import { FastifyInstance } from 'fastify';
import { EmulatorContext } from '../context';
import { USER_ID, newRichMenuId } from '../core/ids';
import { LineRequest, LineResponse, lineError, lineRoute, notFound, ok } from '../http/line-route';
import { Limits } from '../rate-limits';
import { ChannelState, RichMenu } from '../state';
import { richMenuRuleErrors } from './rich-menu-rules';

const MAX_IMAGE_BYTES = 1024 * 1024;
const NEEDS_IMAGE = 'must upload richmenu image before applying it to user';

const menuView = (m: RichMenu): Record<string, unknown> => ({ richMenuId: m.richMenuId, ...m.body });

/** Rich menus: CRUD, image on the data host, default menu, per-user and bulk links, aliases. */
export function richMenuRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const record = (
    channel: ChannelState,
    action: string,
    extra: { richMenuId?: string; userIds?: string[]; aliasId?: string },
  ) => ctx.recorder.richMenu({ channelId: channel.channelId, action, ...extra });
  const validated = (req: LineRequest): LineResponse | null => {
    const problem = ctx.validators.check('RichMenuRequest', req.body) ?? richMenuRuleErrors(req.body);
    return problem === null ? null : lineError(400, problem.message, problem.details);
  };
  const menu = (req: LineRequest, id = req.params.richMenuId): RichMenu | undefined => req.channel.richMenus.get(id);

  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/richmenu', limit: Limits.richMenuCreateDelete }, (req) => {
    const bad = validated(req);
    if (bad !== null) return bad;
    const richMenuId = newRichMenuId();
    req.channel.richMenus.set(richMenuId, { richMenuId, body: req.body as Record<string, unknown> });
    record(req.channel, 'create', { richMenuId });
    return ok({ richMenuId });
  });
  lineRoute(
    app,
    ctx,
    { method: 'POST', url: '/v2/bot/richmenu/validate', limit: Limits.default },
    (req) => validated(req) ?? ok({}),
  );

  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/richmenu/:richMenuId/content', limit: Limits.default }, (req) => {
    const m = menu(req);
    if (m === undefined) return notFound();
    const type = String(req.raw.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (type !== 'image/jpeg' && type !== 'image/png') return lineError(415, 'Unsupported Media Type');
    const data = req.body;
    if (!Buffer.isBuffer(data) || data.length === 0) return lineError(400, 'The image is empty');
    if (data.length > MAX_IMAGE_BYTES) return lineError(413, 'Request Entity Too Large');
    if (m.image !== undefined) return lineError(400, 'An image has already been uploaded to the richmenu');
    m.image = { contentType: type, data };
    record(req.channel, 'uploadImage', { richMenuId: m.richMenuId });
    return ok({});
  });
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/richmenu/:richMenuId/content', limit: Limits.default }, (req) => {
    const image = menu(req)?.image;
    return image === undefined ? notFound() : { status: 200, binary: image };
  });

  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/richmenu/list', limit: Limits.richMenuList }, (req) =>
    ok({ richmenus: [...req.channel.richMenus.values()].map(menuView) }),
  );
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/richmenu/:richMenuId', limit: Limits.default }, (req) => {
    const m = menu(req);
    return m === undefined ? notFound() : ok(menuView(m));
  });
  lineRoute(
    app,
    ctx,
    { method: 'DELETE', url: '/v2/bot/richmenu/:richMenuId', limit: Limits.richMenuCreateDelete },
    (req) => {
      const { channel } = req;
      const id = req.params.richMenuId;
      if (!channel.richMenus.delete(id)) return notFound();
      if (channel.defaultRichMenuId === id) channel.defaultRichMenuId = null;
      for (const [userId, linked] of channel.userRichMenus) if (linked === id) channel.userRichMenus.delete(userId);
      for (const [alias, target] of channel.aliases) if (target === id) channel.aliases.delete(alias);
      record(channel, 'delete', { richMenuId: id });
      return ok({});
    },
  );

  // Default rich menu.
  lineRoute(
    app,
    ctx,
    { method: 'POST', url: '/v2/bot/user/all/richmenu/:richMenuId', limit: Limits.default },
    (req) => {
      const m = menu(req);
      if (m === undefined) return notFound();
      if (m.image === undefined) return lineError(400, NEEDS_IMAGE);
      req.channel.defaultRichMenuId = m.richMenuId;
      record(req.channel, 'setDefault', { richMenuId: m.richMenuId });
      return ok({});
    },
  );
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/user/all/richmenu', limit: Limits.default }, (req) =>
    req.channel.defaultRichMenuId === null ? notFound() : ok({ richMenuId: req.channel.defaultRichMenuId }),
  );
  lineRoute(app, ctx, { method: 'DELETE', url: '/v2/bot/user/all/richmenu', limit: Limits.default }, (req) => {
    req.channel.defaultRichMenuId = null;
    record(req.channel, 'cancelDefault', {});
    return ok({});
  });

  // Per-user links.
  lineRoute(
    app,
    ctx,
    { method: 'POST', url: '/v2/bot/user/:userId/richmenu/:richMenuId', limit: Limits.default },
    (req) => {
      if (!USER_ID.test(req.params.userId)) return lineError(400, 'Invalid user ID');
      const m = menu(req);
      if (m === undefined) return notFound();
      if (m.image === undefined) return lineError(400, NEEDS_IMAGE);
      req.channel.userRichMenus.set(req.params.userId, m.richMenuId);
      record(req.channel, 'link', { richMenuId: m.richMenuId, userIds: [req.params.userId] });
      return ok({});
    },
  );
  lineRoute(app, ctx, { method: 'DELETE', url: '/v2/bot/user/:userId/richmenu', limit: Limits.default }, (req) => {
    if (!USER_ID.test(req.params.userId)) return lineError(400, 'Invalid user ID');
    req.channel.userRichMenus.delete(req.params.userId);
    record(req.channel, 'unlink', { userIds: [req.params.userId] });
    return ok({});
  });
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/user/:userId/richmenu', limit: Limits.default }, (req) => {
    const id = req.channel.userRichMenus.get(req.params.userId);
    return id === undefined ? lineError(404, 'the user has no richmenu') : ok({ richMenuId: id });
  });

  // Bulk link / unlink (≤ 500 users, answered 202 as LINE does).
  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/richmenu/bulk/link', limit: Limits.default }, (req) => {
    const problem = ctx.validators.check('RichMenuBulkLinkRequest', req.body);
    if (problem !== null) return lineError(400, problem.message, problem.details);
    const { richMenuId, userIds } = req.body as { richMenuId: string; userIds: string[] };
    const bad = userIds.findIndex((u) => !USER_ID.test(u));
    if (bad >= 0)
      return lineError(400, 'The request body has 1 error(s)', [
        { message: 'invalid user ID', property: `userIds[${bad}]` },
      ]);
    const m = menu(req, richMenuId);
    if (m === undefined) return notFound();
    if (m.image === undefined) return lineError(400, NEEDS_IMAGE);
    for (const u of userIds) req.channel.userRichMenus.set(u, richMenuId);
    record(req.channel, 'bulkLink', { richMenuId, userIds });
    return ok({}, 202);
  });
  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/richmenu/bulk/unlink', limit: Limits.default }, (req) => {
    const problem = ctx.validators.check('RichMenuBulkUnlinkRequest', req.body);
    if (problem !== null) return lineError(400, problem.message, problem.details);
    const { userIds } = req.body as { userIds: string[] };
    for (const u of userIds) req.channel.userRichMenus.delete(u);
    record(req.channel, 'bulkUnlink', { userIds });
    return ok({}, 202);
  });

  aliasRoutes(app, ctx, record);
}

function aliasRoutes(
  app: FastifyInstance,
  ctx: EmulatorContext,
  record: (channel: ChannelState, action: string, extra: { richMenuId?: string; aliasId?: string }) => void,
): void {
  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/richmenu/alias', limit: Limits.default }, (req) => {
    const problem = ctx.validators.check('CreateRichMenuAliasRequest', req.body);
    if (problem !== null) return lineError(400, problem.message, problem.details);
    const { richMenuAliasId, richMenuId } = req.body as { richMenuAliasId: string; richMenuId: string };
    if (!/^[a-z0-9_-]{1,32}$/.test(richMenuAliasId)) return lineError(400, 'Invalid richMenuAliasId');
    if (req.channel.aliases.has(richMenuAliasId)) return lineError(400, 'conflict richmenu alias id');
    const m = req.channel.richMenus.get(richMenuId);
    if (m === undefined) return lineError(400, 'richmenu not found');
    if (m.image === undefined) return lineError(400, 'richmenu image is not uploaded');
    req.channel.aliases.set(richMenuAliasId, richMenuId);
    record(req.channel, 'createAlias', { richMenuId, aliasId: richMenuAliasId });
    return ok({});
  });
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/richmenu/alias/list', limit: Limits.default }, (req) =>
    ok({ aliases: [...req.channel.aliases].map(([richMenuAliasId, richMenuId]) => ({ richMenuAliasId, richMenuId })) }),
  );
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/richmenu/alias/:aliasId', limit: Limits.default }, (req) => {
    const target = req.channel.aliases.get(req.params.aliasId);
    return target === undefined ? notFound() : ok({ richMenuAliasId: req.params.aliasId, richMenuId: target });
  });
  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/richmenu/alias/:aliasId', limit: Limits.default }, (req) => {
    const problem = ctx.validators.check('UpdateRichMenuAliasRequest', req.body);
    if (problem !== null) return lineError(400, problem.message, problem.details);
    if (!req.channel.aliases.has(req.params.aliasId)) return notFound();
    const { richMenuId } = req.body as { richMenuId: string };
    if (!req.channel.richMenus.has(richMenuId)) return lineError(400, 'richmenu not found');
    req.channel.aliases.set(req.params.aliasId, richMenuId);
    record(req.channel, 'updateAlias', { richMenuId, aliasId: req.params.aliasId });
    return ok({});
  });
  lineRoute(
    app,
    ctx,
    { method: 'DELETE', url: '/v2/bot/richmenu/alias/:aliasId', limit: Limits.richMenuCreateDelete },
    (req) => {
      if (!req.channel.aliases.delete(req.params.aliasId)) return notFound();
      record(req.channel, 'deleteAlias', { aliasId: req.params.aliasId });
      return ok({});
    },
  );
}
