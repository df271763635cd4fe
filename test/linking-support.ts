import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestContext, TestContext } from '@app/testing';
import { ApiKeyScope, ApiKeysService, WorkspacesService } from '@app/workspaces';
import { computeLineSignature } from '@app/line';
import { createApiApp } from '../apps/api/src/api.factory';
import { createWorkerApp } from '../apps/worker/src/worker.factory';
import { RunningEmulator, startEmulator } from '../apps/line-emulator/src/server';

export const LINE_CHANNEL = {
  channelId: '1650000001',
  channelSecret: 'linking-e2e-secret',
  accessToken: 'linking-e2e-token',
};
export const LOGIN_CHANNEL = { loginChannelId: '1650000002', loginChannelSecret: 'linking-e2e-login-secret' };

/** A PNG signature and a few bytes: enough for the engine's and the emulator's checks. */
export const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

export const RICH_MENU = (name: string): Record<string, unknown> => ({
  size: { width: 2500, height: 843 },
  selected: true,
  name,
  chatBarText: 'メニュー',
  areas: [
    {
      bounds: { x: 0, y: 0, width: 1250, height: 843 },
      action: { type: 'postback', data: 'action=link', label: '連携' },
    },
    {
      bounds: { x: 1250, y: 0, width: 1250, height: 843 },
      action: { type: 'postback', data: 'action=unlink', label: '解除' },
    },
  ],
});

export interface LinkingWorld {
  ctx: TestContext;
  emu: RunningEmulator;
  api: NestFastifyApplication;
  worker: INestApplicationContext;
  base: string;
  workspaceId: string;
  adminKey: string;
  writeKey: string;
  channelId: string;
  call(path: string, init?: RequestInit & { key?: string; json?: unknown }): Promise<Response>;
  emulator(path: string, body?: unknown, method?: string): Promise<Record<string, unknown>>;
  signedWebhook(body: unknown, signature?: string): Promise<Response>;
  close(): Promise<void>;
}

/** PostgreSQL + Redis of the file, the emulator in-process, the api and the worker, one channel. */
export async function startLinkingWorld(overrides: Record<string, string> = {}): Promise<LinkingWorld> {
  const emu = await startEmulator({ port: 0, channels: [{ ...LINE_CHANNEL, ...LOGIN_CHANNEL, webhookUrl: null }] });
  const ctx = await createTestContext({
    LINE_API_BASE_URL: emu.url,
    LINE_DATA_API_BASE_URL: emu.url,
    LINE_ACCESS_BASE_URL: emu.url,
    LINE_OAUTH_BASE_URL: emu.url,
    RICH_MENU_RECONCILE_INTERVAL_MS: '0',
    LINK_LOGIN_PAGE_ENABLED: 'true',
    ...overrides,
  });
  const worker = await createWorkerApp(ctx.config);
  await worker.init();
  const api = await createApiApp(ctx.config);
  await api.listen({ port: 0, host: '127.0.0.1' });
  const base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  const workspaceId = (await api.get(WorkspacesService).ensureDefault()).id;
  const keys = api.get(ApiKeysService);
  const adminKey = (await keys.create(workspaceId, ApiKeyScope.Admin, 'e2e admin')).key;
  const writeKey = (await keys.create(workspaceId, ApiKeyScope.Write, 'e2e write')).key;

  const call = (path: string, init: RequestInit & { key?: string; json?: unknown } = {}): Promise<Response> =>
    fetch(`${base}${path}`, {
      ...init,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      headers: {
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
        ...(init.headers ?? {}),
      },
    });
  const emulator = async (path: string, body?: unknown, method?: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${emu.url}/_emulator${path}`, {
      method: method ?? (body === undefined ? 'GET' : 'POST'),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  const created = await call('/channels', {
    method: 'POST',
    key: adminKey,
    json: {
      name: 'e2e',
      lineChannelId: LINE_CHANNEL.channelId,
      channelSecret: LINE_CHANNEL.channelSecret,
      accessToken: LINE_CHANNEL.accessToken,
    },
  });
  const channelId = ((await created.json()) as { id: string }).id;
  await emulator(
    `/channels/${LINE_CHANNEL.channelId}`,
    { webhookUrl: `${base}/webhooks/line/${LINE_CHANNEL.channelId}` },
    'PATCH',
  );

  const signedWebhook = (body: unknown, signature?: string): Promise<Response> => {
    const raw = JSON.stringify(body);
    return fetch(`${base}/webhooks/line/${LINE_CHANNEL.channelId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-line-signature': signature ?? computeLineSignature(LINE_CHANNEL.channelSecret, raw),
      },
      body: raw,
    });
  };

  return {
    ctx,
    emu,
    api,
    worker,
    base,
    workspaceId,
    adminKey,
    writeKey,
    channelId,
    call,
    emulator,
    signedWebhook,
    async close() {
      await api?.close();
      await worker?.close();
      await emu?.close();
      await ctx?.close();
    },
  };
}

/** Polls until `check` returns a value that is not undefined/false, or fails with its last value. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const webhookEvent = (type: string, extra: Record<string, unknown>): Record<string, unknown> => ({
  type,
  mode: 'active',
  timestamp: Date.now(),
  webhookEventId: `01TEST${Math.random().toString(36).slice(2, 12).toUpperCase()}${Date.now()}`,
  deliveryContext: { isRedelivery: false },
  ...extra,
});
