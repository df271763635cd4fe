// The api and one in-process worker on a fresh database, talking to a LINE emulator, with an admin
// key and one channel: what the HTTP campaign specs need to drive triggers and read what LINE got.
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestContext, TestContext } from '@app/testing';
import { ApiKeyScope, ApiKeysService } from '@app/workspaces';
import { CampaignView } from '@app/campaigns';
import { DeliveryClock } from '@app/delivery';
import { startEmulator, RunningEmulator } from '../apps/line-emulator/src/server';
import { createWorkerApp } from '../apps/worker/src/worker.factory';
import { createApiApp } from '../apps/api/src/api.factory';
import { lineUserIdOf } from '../bench/lib/delivery-harness';

export interface CampaignsHarness {
  ctx: TestContext;
  emu: RunningEmulator;
  api: NestFastifyApplication;
  worker: INestApplicationContext;
  workspaceId: string;
  channelId: string;
  lineChannelId: string;
  call<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** The texts of the first message of every request LINE received for member number `i`. */
  received(i: number): string[];
  waitForCampaign(id: string, done: (v: CampaignView) => boolean, ms?: number): Promise<CampaignView>;
  until(check: () => boolean | Promise<boolean>, ms?: number): Promise<void>;
  /** Moves the time every delivery rule sees (api and worker) to `at`. */
  setNow(at: Date): void;
  resetClock(): void;
  /** POST /events for one member; answers the HTTP status (201 accepted, 200 duplicate), throws on others. */
  event(memberId: string, type: string, properties?: Record<string, unknown>, eventId?: string): Promise<number>;
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startCampaignsHarness(lineChannelId: string): Promise<CampaignsHarness> {
  const accessToken = `token-${lineChannelId}`;
  const emu = await startEmulator({
    channels: [{ channelId: lineChannelId, channelSecret: 'secret', accessToken, monthlyQuota: null }],
  });
  const ctx = await createTestContext({
    LINE_API_BASE_URL: emu.url,
    LINE_DATA_API_BASE_URL: emu.url,
    DELIVERY_RECONCILE_INTERVAL_MS: '200',
    DELIVERY_LEASE_MS: '2000',
  });
  const worker = await createWorkerApp(ctx.config);
  await worker.init();
  const api = await createApiApp(ctx.config);
  await api.init();
  await api.getHttpAdapter().getInstance().ready();
  const ws = await ctx.sql.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('h') RETURNING id`);
  const workspaceId = ws.rows[0].id;
  const { key } = await api.get(ApiKeysService).create(workspaceId, ApiKeyScope.Admin, 'test');
  const ch = await ctx.sql.query<{ id: string }>(
    `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
     VALUES ($1, 'c', $2, 'secret', $3) RETURNING id`,
    [workspaceId, lineChannelId, accessToken],
  );
  const channelId = ch.rows[0].id;

  const call: CampaignsHarness['call'] = async <T>(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    const res = await api.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${key}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      payload: payload === undefined ? undefined : JSON.stringify(payload),
    });
    return { status: res.statusCode, body: res.json<T>() };
  };
  const until = async (check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> => {
    for (const end = Date.now() + ms; !(await check());) {
      if (Date.now() > end) throw new Error('condition not reached');
      await sleep(150);
    }
  };
  return {
    ctx,
    emu,
    api,
    worker,
    workspaceId,
    channelId,
    lineChannelId,
    call,
    received: (i) =>
      emu.recorder
        .query({ channelId: lineChannelId, userId: lineUserIdOf(i), limit: 1000 })
        .map((r) => (r.messages[0] as { text: string }).text),
    async waitForCampaign(id, done, ms = 30_000) {
      for (const end = Date.now() + ms; ;) {
        const { body } = await call<CampaignView>('GET', `/campaigns/${id}`);
        if (done(body)) return body;
        if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(body.progress)} ${body.status}`);
        await sleep(150);
      }
    },
    until,
    setNow(at) {
      for (const app of [api, worker]) app.get(DeliveryClock).setNow(at);
    },
    resetClock() {
      for (const app of [api, worker]) app.get(DeliveryClock).reset();
    },
    async event(memberId, type, properties = {}, eventId = `${type}-${memberId}-${Math.random()}`) {
      const r = await call('POST', '/events', {
        eventId,
        memberId,
        type,
        occurredAt: new Date().toISOString(),
        properties,
      });
      if (r.status !== 201 && r.status !== 200) {
        throw new Error(`POST /events answered ${r.status}: ${JSON.stringify(r.body)}`);
      }
      return r.status;
    },
    async close() {
      await api.close();
      await worker.close();
      await ctx.close();
      await emu.close();
    },
  };
}
