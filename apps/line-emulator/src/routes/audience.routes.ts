import { FastifyInstance } from 'fastify';
import { EmulatorContext } from '../context';
import { lineError, lineRoute, notFound, ok } from '../http/line-route';
import { Limits } from '../rate-limits';
import { AudienceGroup } from '../state';

const EXPIRE_MS = 180 * 24 * 3600 * 1000;

const groupView = (g: AudienceGroup) => ({
  audienceGroupId: g.audienceGroupId,
  type: 'UPLOAD',
  description: g.description,
  status: 'READY',
  audienceCount: g.userIds.size,
  created: Math.floor(g.created / 1000),
  permission: 'READ_WRITE',
  createRoute: 'MESSAGING_API',
  isIfaAudience: false,
  expireTimestamp: Math.floor((g.created + EXPIRE_MS) / 1000),
});

/** Audience groups made of user ids (JSON upload), enough to target narrowcasts. */
export function audienceRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  lineRoute(app, ctx, { method: 'POST', url: '/v2/bot/audienceGroup/upload', limit: Limits.audience }, (req) => {
    const problem = ctx.validators.check('CreateAudienceGroupRequest', req.body);
    if (problem !== null) return lineError(400, problem.message, problem.details);
    const b = req.body as { description?: string; audiences?: { id: string }[] };
    if (b.description === undefined)
      return lineError(400, 'The request body has 1 error(s)', [
        { message: 'must be specified', property: 'description' },
      ]);
    const group: AudienceGroup = {
      audienceGroupId: ctx.state.nextAudienceGroupId++,
      description: b.description,
      created: req.now,
      userIds: new Set((b.audiences ?? []).map((a) => a.id)),
    };
    req.channel.audienceGroups.set(group.audienceGroupId, group);
    const v = groupView(group);
    return ok(
      {
        audienceGroupId: v.audienceGroupId,
        createRoute: v.createRoute,
        type: v.type,
        description: v.description,
        created: v.created,
        permission: v.permission,
        expireTimestamp: v.expireTimestamp,
        isIfaAudience: false,
      },
      202,
    );
  });
  lineRoute(app, ctx, { method: 'PUT', url: '/v2/bot/audienceGroup/upload', limit: Limits.audience }, (req) => {
    const problem = ctx.validators.check('AddAudienceToAudienceGroupRequest', req.body);
    if (problem !== null) return lineError(400, problem.message, problem.details);
    const b = req.body as { audienceGroupId?: number; audiences?: { id: string }[] };
    const group = req.channel.audienceGroups.get(Number(b.audienceGroupId));
    if (group === undefined) return lineError(400, 'audience group not found');
    for (const a of b.audiences ?? []) group.userIds.add(a.id);
    return ok({}, 202);
  });
  lineRoute(app, ctx, { method: 'GET', url: '/v2/bot/audienceGroup/list', limit: Limits.default }, (req) => {
    const groups = [...req.channel.audienceGroups.values()].map(groupView);
    return ok({
      audienceGroups: groups,
      hasNextPage: false,
      totalCount: groups.length,
      readWriteAudienceGroupTotalCount: groups.length,
      page: 1,
      size: groups.length,
    });
  });
  lineRoute(
    app,
    ctx,
    { method: 'GET', url: '/v2/bot/audienceGroup/:audienceGroupId', limit: Limits.default },
    (req) => {
      const group = req.channel.audienceGroups.get(Number(req.params.audienceGroupId));
      return group === undefined ? notFound() : ok({ audienceGroup: groupView(group), jobs: [] });
    },
  );
  lineRoute(
    app,
    ctx,
    { method: 'DELETE', url: '/v2/bot/audienceGroup/:audienceGroupId', limit: Limits.default },
    (req) => (req.channel.audienceGroups.delete(Number(req.params.audienceGroupId)) ? ok({}) : notFound()),
  );
}
