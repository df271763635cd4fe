import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type Redis from 'ioredis';
import { Queue } from 'bullmq';
import { QueueName, REDIS } from '@app/common';
import { createTestContext, TestContext } from '@app/testing';
import { ApiKeyScope, ApiKeysService } from '@app/workspaces';
import { TriggerPublisher } from '@app/members';
import { startEmulator, RunningEmulator } from '../apps/line-emulator/src/server';
import { createWorkerApp } from '../apps/worker/src/worker.factory';
import { createApiApp } from '../apps/api/src/api.factory';
import { lineUserIdOf, seedAudience } from '../bench/lib/delivery-harness';

const LINE_CHANNEL = '2000000889';

jest.setTimeout(120_000);
describe('event runs started by the stream relay (set-based planning, inline send)', () => {
  let ctx: TestContext;
  let emu: RunningEmulator;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  let workspaceId: string;
  let key: string;

  const call = async (method: 'POST' | 'PUT', url: string, payload: unknown): Promise<number> => {
    const res = await api.inject({
      method,
      url,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
    return res.statusCode;
  };
  const received = (i: number): string[] =>
    emu.recorder
      .query({ channelId: LINE_CHANNEL, userId: lineUserIdOf(i), limit: 1000 })
      .map((r) => (r.messages[0] as { text: string }).text);
  const until = async (check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> => {
    for (const end = Date.now() + ms; !(await check());) {
      if (Date.now() > end) throw new Error('condition not reached');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const purchase = (i: number, n: number): Record<string, unknown> => ({
    eventId: `p-${i}-${n}`,
    memberId: `l${i}`,
    type: 'purchase',
    occurredAt: new Date().toISOString(),
    properties: { orderId: `o${i}-${n}`, totalAmount: 100, items: [{ sku: 'A', price: 100, quantity: 1 }] },
  });

  beforeAll(async () => {
    emu = await startEmulator({
      channels: [{ channelId: LINE_CHANNEL, channelSecret: 'secret', accessToken: 'token-889', monthlyQuota: null }],
    });
    ctx = await createTestContext({
      LINE_API_BASE_URL: emu.url,
      LINE_DATA_API_BASE_URL: emu.url,
      // Runs and batches the inline road could not finish are the reconciler's: let it come soon.
      DELIVERY_RECONCILE_INTERVAL_MS: '200',
      DELIVERY_LEASE_MS: '2000',
    });
    worker = await createWorkerApp(ctx.config);
    await worker.init();
    api = await createApiApp(ctx.config);
    await api.init();
    await api.getHttpAdapter().getInstance().ready();
    workspaceId = (await ctx.sql.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('l') RETURNING id`))
      .rows[0].id;
    key = (await api.get(ApiKeysService).create(workspaceId, ApiKeyScope.Admin, 'test')).key;
    const channelId = (
      await ctx.sql.query<{ id: string }>(
        `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
         VALUES ($1, 'l', $2, 'secret', 'token-889') RETURNING id`,
        [workspaceId, LINE_CHANNEL],
      )
    ).rows[0].id;
    // Members 1..60, linked; 9, 19, 29, … not following.
    await seedAudience(ctx.sql, workspaceId, channelId, 1, 60, { prefix: 'l' });
    expect(
      await call('POST', '/campaigns', {
        name: 'thanks',
        channelId,
        category: 'transactional',
        quietHoursExempt: true,
        messages: [{ type: 'text', text: '{{ member.externalId }} thanks' }],
        trigger: { type: 'event', event: 'purchase' },
      }),
    ).toBe(201);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await ctx?.close();
    await emu?.close();
  });

  it('thanks every purchase exactly once, skips by rule, and makes nothing of a row relayed again', async () => {
    const members = Array.from({ length: 20 }, (_, k) => k + 1);
    const following = members.filter((i) => i % 10 !== 9);
    expect(await call('POST', '/events:bulk', { records: members.map((i) => purchase(i, 1)) })).toBe(200);
    await until(() => following.every((i) => received(i).length === 1));
    for (const i of following) expect(received(i)).toEqual([`l${i} thanks`]);
    expect(received(9)).toEqual([]);
    await until(async () => {
      const { rows } = await ctx.sql.query(`SELECT 1 FROM campaign_runs WHERE status <> 'completed'`);
      return rows.length === 0;
    });
    const runs = await ctx.sql.query<{ n: number; audience: number; queued: number; skipped: string }>(
      `SELECT count(*)::int AS n, sum(audience_size)::int AS audience, sum(queued_count)::int AS queued,
              jsonb_agg(skipped) FILTER (WHERE skipped <> '{}')::text AS skipped
       FROM campaign_runs WHERE status = 'completed'`,
    );
    expect(runs.rows[0]).toEqual({
      n: 20,
      audience: 20,
      queued: 18,
      skipped: '[{"not_following": 1}, {"not_following": 1}]',
    });
    const ledger = await ctx.sql.query(`SELECT reason FROM delivery_ledger WHERE status = 'skipped'`);
    expect(ledger.rows).toEqual([{ reason: 'not_following' }, { reason: 'not_following' }]);
    // Matched in the relay: no trigger-events job was made for them.
    const triggerJobs = new Queue(QueueName.TriggerEvents, {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: ctx.config.queue.prefix,
    });
    expect(await triggerJobs.getJobCounts('waiting', 'active', 'completed', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      completed: 0,
      failed: 0,
    });
    await triggerJobs.close();

    // The same events announced again (a relay that died between its commit and its ack would
    // re-read them; here a new outbox row with the same ids): no second run, no second message.
    const ids = (await ctx.sql.query<{ id: string }>(`SELECT id FROM events`)).rows.map((r) => r.id);
    expect(ids).toHaveLength(20);
    const [{ id: row }] = (
      await ctx.sql.query<{ id: string }>(
        `INSERT INTO trigger_outbox (workspace_id, source, ids) VALUES ($1, 'member', $2::bigint[]) RETURNING id`,
        [workspaceId, ids],
      )
    ).rows;
    await worker.get<Redis>(REDIS).xadd(worker.get(TriggerPublisher).streamKey, '*', 'o', row);
    await until(async () => (await ctx.sql.query(`SELECT 1 FROM trigger_outbox`)).rowCount === 0);
    // A second purchase of member 1 is a new event: thanked again, once.
    expect(await call('POST', '/events', purchase(1, 2))).toBe(201);
    await until(() => received(1).length === 2);
    expect((await ctx.sql.query(`SELECT 1 FROM campaign_runs`)).rowCount).toBe(21);
    for (const i of following.filter((x) => x !== 1)) expect(received(i)).toHaveLength(1);
  });

  it('resends with the same retry key what LINE failed (500, 429): every member exactly once', async () => {
    emu.context.faults.configure({ seed: 3, rate500: 0.15, rate429: 0.15, rateTimeout: 0 });
    const members = Array.from({ length: 40 }, (_, k) => k + 21);
    const following = members.filter((i) => i % 10 !== 9);
    expect(await call('POST', '/events:bulk', { records: members.map((i) => purchase(i, 1)) })).toBe(200);
    await until(() => following.every((i) => received(i).length >= 1), 60_000);
    emu.context.faults.configure({ seed: 3, rate500: 0, rate429: 0, rateTimeout: 0 });
    await until(async () => {
      const { rows } = await ctx.sql.query(`SELECT 1 FROM campaign_runs WHERE status <> 'completed'`);
      return rows.length === 0;
    });
    for (const i of following) expect(received(i)).toEqual([`l${i} thanks`]);
    const { rows } = await ctx.sql.query<{ status: string; n: number }>(
      `SELECT q.status, count(*)::int AS n FROM delivery_requests q GROUP BY 1`,
    );
    expect(rows).toEqual([{ status: 'accepted', n: 18 + 1 + following.length }]);
  });
});
