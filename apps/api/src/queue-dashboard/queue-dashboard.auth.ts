import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyScope, ApiKeysService, scopeAllows } from '@app/workspaces';
import { QUEUE_DASHBOARD_ROUTE } from './queue-dashboard.module';

/**
 * Browsers cannot send a bearer token to a dashboard, so /queues asks for HTTP Basic auth and
 * takes an admin API key as the password (any user name).
 */
export function protectQueueDashboard(fastify: FastifyInstance, apiKeys: ApiKeysService): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith(QUEUE_DASHBOARD_ROUTE)) return;
    const header = request.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    const password = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    const auth = password ? await apiKeys.authenticate(password).catch(() => null) : null;
    if (auth !== null && scopeAllows(auth.scope, ApiKeyScope.Admin)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Basic realm="queues", charset="UTF-8"')
      .send({
        error: { code: 'UNAUTHORIZED', message: 'Queue dashboard needs an admin API key as the password', details: [] },
      });
  });
}
