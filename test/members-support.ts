import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestContext, TestContext } from '@app/testing';
import { ApiKeyScope, ApiKeysService, WorkspacesService } from '@app/workspaces';
import { createApiApp } from '../apps/api/src/api.factory';
import { createWorkerApp } from '../apps/worker/src/worker.factory';

export interface MembersHarness {
  ctx: TestContext;
  api: NestFastifyApplication;
  worker?: INestApplicationContext;
  workspaceId: string;
  call(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** The api (and optionally the worker) on a fresh database, with an admin key of the default workspace. */
export async function startMembersHarness(options: { worker?: boolean } = {}): Promise<MembersHarness> {
  const ctx = await createTestContext();
  const worker = options.worker ? await createWorkerApp(ctx.config) : undefined;
  await worker?.init();
  const api = await createApiApp(ctx.config);
  await api.listen({ port: 0, host: '127.0.0.1' });
  const base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
  const workspace = await api.get(WorkspacesService).ensureDefault();
  const { key } = await api.get(ApiKeysService).create(workspace.id, ApiKeyScope.Admin, 'test');
  return {
    ctx,
    api,
    worker,
    workspaceId: workspace.id,
    call: (path, init = {}) => {
      const { json, ...rest } = init;
      return fetch(`${base}${path}`, {
        ...rest,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
        headers: {
          ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
          authorization: `Bearer ${key}`,
          ...(rest.headers ?? {}),
        },
      });
    },
    async close() {
      await api.close();
      await worker?.close();
      await ctx.close();
    },
  };
}

export async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
