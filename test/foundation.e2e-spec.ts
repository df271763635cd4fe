import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QueueName } from '@app/common';
import { createTestContext, TestContext } from '@app/testing';
import { createApiApp } from '../apps/api/src/api.factory';
import { createWorkerApp } from '../apps/worker/src/worker.factory';
import { CampaignRunsProcessor } from '../apps/worker/src/campaigns/campaign-runs.processor';
import { TriggerEventsProcessor } from '../apps/worker/src/campaigns/trigger-events.processor';
import { DeliveryBatchesProcessor } from '../apps/worker/src/delivery/delivery-batches.processor';
import { ImportsProcessor } from '../apps/worker/src/imports/imports.processor';
import { LineProfilesProcessor } from '../apps/worker/src/linking/line-profiles.processor';
import { WebhookEventsProcessor } from '../apps/worker/src/linking/webhook-events.processor';
import { RichMenuSyncProcessor } from '../apps/worker/src/rich-menus/rich-menu-sync.processor';
import { SegmentRefreshProcessor } from '../apps/worker/src/segments/segment-refresh.processor';

const run = promisify(execFile);

describe('foundation (api + worker against real PostgreSQL and Redis)', () => {
  let ctx: TestContext;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  let base: string;

  const cli = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(process.execPath, [join(__dirname, '../dist/apps/cli/src/main.js'), ...args], {
      env: {
        ...process.env,
        DATABASE_URL: ctx.config.database.url,
        REDIS_URL: ctx.config.redis.url,
        LOG_LEVEL: 'silent',
      },
    });
    return stdout.trim();
  };
  const call = (path: string, init: RequestInit & { key?: string } = {}): Promise<Response> =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
        ...(init.headers ?? {}),
      },
    });

  beforeAll(async () => {
    // Verified keys are trusted for 1 s: a revocation through another process (the CLI) lands within it.
    ctx = await createTestContext({ API_KEY_CACHE_MS: '1000' });
    worker = await createWorkerApp(ctx.config);
    await worker.init();
    api = await createApiApp(ctx.config);
    await api.listen({ port: 0, host: '127.0.0.1' });
    base = await api.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await ctx?.close();
  });

  it('answers liveness and readiness with PostgreSQL, Redis and the worker up', async () => {
    expect((await call('/health')).status).toBe(200);
    const ready = await call('/health/ready');
    const body = (await ready.json()) as { status: string; info: Record<string, { status: string }> };
    expect(ready.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.info).sort()).toEqual(['postgres', 'redis', 'worker']);
  });

  it("hands every queue worker's own errors to a listener (the logger), so BullMQ does not print them itself", () => {
    const processors = [
      CampaignRunsProcessor,
      TriggerEventsProcessor,
      DeliveryBatchesProcessor,
      ImportsProcessor,
      LineProfilesProcessor,
      WebhookEventsProcessor,
      RichMenuSyncProcessor,
      SegmentRefreshProcessor,
    ];
    const heard = processors.map((p) => [p.name, worker.get(p).worker.emit('error', new Error('spec: Redis away'))]);
    expect(heard).toEqual(processors.map((p) => [p.name, true]));
    // And the queues jobs are added to, in the api and in the worker.
    const queues = [QueueName.CampaignRuns, QueueName.TriggerEvents, QueueName.WebhookEvents, QueueName.RichMenuSync];
    for (const app of [api, worker]) {
      const queueHeard = queues.map((name) => [
        name,
        app.get<Queue>(getQueueToken(name), { strict: false }).emit('error', new Error('spec: Redis away')),
      ]);
      expect(queueHeard).toEqual(queues.map((name) => [name, true]));
    }
  });

  it('refuses a request without a key or with a wrong key', async () => {
    const missing = await call('/channels');
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('API_KEY_MISSING');
    const wrong = await call('/channels', { key: 'lse_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(wrong.status).toBe(401);
  });

  it('accepts a CLI-made key, enforces scopes, and stops accepting it once revoked (here at once, elsewhere within API_KEY_CACHE_MS)', async () => {
    const admin = await cli('api-key', 'create', '--scope', 'admin');
    expect(admin).toMatch(/^lse_[0-9a-f]{12}_/);
    expect((await call('/channels', { key: admin })).status).toBe(200);

    const created = await call('/api-keys', {
      method: 'POST',
      key: admin,
      body: JSON.stringify({ scope: 'read', name: 'ro' }),
    });
    expect(created.status).toBe(201);
    const readKey = (await created.json()) as { id: string; key: string; prefix: string };
    expect(readKey.key.startsWith(readKey.prefix)).toBe(true);

    expect((await call('/channels', { key: readKey.key })).status).toBe(200);
    const forbidden = await call('/api-keys', { key: readKey.key });
    expect(forbidden.status).toBe(403);

    const listed = (await (await call('/api-keys', { key: admin })).json()) as Array<Record<string, unknown>>;
    expect(listed.map((k) => k.prefix)).toContain(readKey.prefix);
    expect(JSON.stringify(listed)).not.toContain(readKey.key);

    expect((await call(`/api-keys/${readKey.id}`, { method: 'DELETE', key: admin })).status).toBe(204);
    expect((await call('/channels', { key: readKey.key })).status).toBe(401);

    const adminId = (await cli('api-key', 'list'))
      .split('\n')
      .find((l) => l.includes(admin.slice(0, 16)))
      ?.split('\t')[0];
    await cli('api-key', 'revoke', adminId ?? 'missing');
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call('/channels', { key: admin })).status).toBe(401);
  });

  it('lists every invalid field of a bad body in one 400', async () => {
    const admin = await cli('api-key', 'create', '--scope', 'admin');
    const res = await call('/channels', {
      method: 'POST',
      key: admin,
      body: JSON.stringify({ name: '', lineChannelId: 42, timezone: 'Mars/Base', extra: true }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: Array<{ field: string; reason: string }> } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    const fields = new Set(body.error.details.map((d) => d.field));
    expect([...fields].sort()).toEqual(['accessToken', 'channelSecret', 'extra', 'lineChannelId', 'name', 'timezone']);
  });

  it('answers malformed JSON with a 400 in the error shape, not a 500', async () => {
    const admin = await cli('api-key', 'create', '--scope', 'write');
    const res = await call('/api-keys', { method: 'POST', key: admin, body: '{"scope":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });

  it('echoes a sane request id and makes one up otherwise', async () => {
    const given = await call('/health', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await call('/health', { headers: { 'x-request-id': 'bad id\n' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI document', async () => {
    const res = await call('/docs.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api-keys', '/channels', '/health/ready']));
  });
});
