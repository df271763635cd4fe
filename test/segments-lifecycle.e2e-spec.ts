import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { INestApplicationContext } from '@nestjs/common';
import { createTestContext, TestContext } from '@app/testing';
import { ApiKeyScope, ApiKeysService, ChannelsService, WorkspacesService } from '@app/workspaces';
import type { MemberFacts } from '@app/segments';
import { createApiApp } from '../apps/api/src/api.factory';
import { createWorkerApp } from '../apps/worker/src/worker.factory';
import { loadPopulation, person } from './segments.fixtures';

/**
 * Cached counts kept fresh by the worker's periodic sweep (no request asks for them), snapshot
 * deletion (refused while a campaign run still to send uses it) and snapshot retention.
 */
describe('segments lifecycle (periodic recount, snapshot deletion and retention)', () => {
  let ctx: TestContext;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  let base: string;
  let key: string;
  let workspaceId: string;
  let channelId: string;

  const call = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${key}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  };

  /** Polls until `done` holds (the worker acts on its own schedule); fails after ~20 s. */
  const eventually = async <T>(what: string, get: () => Promise<T>, done: (v: T) => boolean): Promise<T> => {
    for (let i = 0; i < 200; i++) {
      const v = await get();
      if (done(v)) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`never happened: ${what}`);
  };

  const gold = (id: string): MemberFacts => {
    const p = person(id, { membershipTier: 'gold' });
    p.lineUsers.push({
      id: '',
      channelId,
      following: true,
      blockedAt: null,
      linkMethod: 'messaging_api',
      richMenuId: null,
    });
    return p;
  };

  /** A campaign run (of a bare campaign row) whose source is the snapshot. */
  const runUsing = async (snapshotId: string, status: string): Promise<string> => {
    const { rows } = await ctx.sql.query<{ id: string }>(
      `WITH c AS (
         INSERT INTO campaigns (workspace_id, channel_id, name, status, category, quota_policy, messages, trigger)
         VALUES ($1, $2, 'uses a snapshot', (enum_range(NULL::campaign_status))[1],
                 (enum_range(NULL::campaign_category))[1], (enum_range(NULL::campaign_quota_policy))[1], '[]', '{}')
         RETURNING id)
       INSERT INTO campaign_runs (campaign_id, workspace_id, run_key, status, source, due_at)
       SELECT c.id, $1, 'once', $3::campaign_run_status, $4, '2100-01-01' FROM c RETURNING id::text AS id`,
      [workspaceId, channelId, status, JSON.stringify({ kind: 'segment', segmentId: snapshotId, snapshotId })],
    );
    return rows[0].id;
  };

  beforeAll(async () => {
    ctx = await createTestContext({ SEGMENT_REFRESH_INTERVAL_MS: '300', SEGMENT_SNAPSHOT_RETENTION_DAYS: '30' });
    worker = await createWorkerApp(ctx.config);
    await worker.init();
    api = await createApiApp(ctx.config);
    await api.listen({ port: 0, host: '127.0.0.1' });
    base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
    workspaceId = (await api.get(WorkspacesService).ensureDefault()).id;
    key = (await api.get(ApiKeysService).create(workspaceId, ApiKeyScope.Write, 'writer')).key;
    channelId = (
      await api.get(ChannelsService).create(workspaceId, {
        name: 'main',
        lineChannelId: '100',
        channelSecret: 's',
        accessToken: 'token',
        timezone: 'Asia/Tokyo',
      })
    ).id;
    await loadPopulation(ctx.sql, workspaceId, [gold('g1')]);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await ctx?.close();
  });

  it('recounts a saved segment periodically: GET shows the new count and when it was taken', async () => {
    const id = (
      await call('/segments', {
        body: { name: 'Gold', channelId, rules: { attr: 'membershipTier', op: 'eq', value: 'gold' } },
      })
    ).body.id as string;
    const first = await eventually(
      'the first count',
      () => call(`/segments/${id}`),
      (r) => r.body.count !== null,
    );
    expect(first.body.count).toMatchObject({ matching: 1, reachable: 1, audience: 1 });

    // New members arrive; nobody asks for a refresh.
    await loadPopulation(ctx.sql, workspaceId, [gold('g2'), gold('g3')]);
    const later = await eventually(
      'a periodic recount',
      () => call(`/segments/${id}`),
      (r) => r.body.count?.audience === 3,
    );
    expect(later.body.count).toMatchObject({ matching: 3, reachable: 3, audience: 3 });
    const countedAt = (r: { body: { count: { countedAt: string } } }): number => Date.parse(r.body.count.countedAt);
    expect(countedAt(later)).toBeGreaterThan(countedAt(first));
  });

  it('deletes a snapshot with its members, but not while a campaign run still to send uses it', async () => {
    const id = (
      await call('/segments', {
        body: { name: 'Gold 2', channelId, rules: { attr: 'membershipTier', op: 'eq', value: 'gold' } },
      })
    ).body.id as string;
    const snap = (await call(`/segments/${id}/snapshots`, { body: {} })).body as { snapshotId: string; size: number };
    expect(snap.size).toBe(3);
    const runId = await runUsing(snap.snapshotId, 'scheduled');

    const refused = await call(`/segments/snapshots/${snap.snapshotId}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('SEGMENT_SNAPSHOT_IN_USE');
    expect(refused.body.error.message).toContain(runId);
    expect((await call(`/segments/snapshots/${snap.snapshotId}/members`)).body).toHaveLength(3);

    await ctx.sql.query(`UPDATE campaign_runs SET status = 'completed' WHERE id = $1`, [runId]);
    expect((await call(`/segments/snapshots/${snap.snapshotId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/segments/snapshots/${snap.snapshotId}`)).status).toBe(404);
    const { rows } = await ctx.sql.query(`SELECT 1 FROM segment_snapshot_chunks WHERE snapshot_id = $1`, [
      snap.snapshotId,
    ]);
    expect(rows).toEqual([]);
    expect((await call(`/segments/snapshots/${snap.snapshotId}`, { method: 'DELETE' })).status).toBe(404);
    expect((await call(`/segments/snapshots/not-a-uuid`, { method: 'DELETE' })).status).toBe(400);
  });

  it('drops snapshots past retention that no campaign run refers to; keeps referenced and recent ones', async () => {
    const id = (
      await call('/segments', {
        body: { name: 'Gold 3', channelId, rules: { attr: 'membershipTier', op: 'eq', value: 'gold' } },
      })
    ).body.id as string;
    const take = async () =>
      ((await call(`/segments/${id}/snapshots`, { body: {} })).body as { snapshotId: string }).snapshotId;
    const [expired, referenced, recent] = [await take(), await take(), await take()];
    await runUsing(referenced, 'completed');
    await ctx.sql.query(
      `UPDATE segment_snapshots SET created_at = now() - interval '31 days' WHERE id = ANY($1::uuid[])`,
      [[expired, referenced]],
    );

    await eventually(
      'the retention sweep',
      () => call(`/segments/snapshots/${expired}`),
      (r) => r.status === 404,
    );
    const { rows } = await ctx.sql.query<{ snapshot_id: string; n: number }>(
      `SELECT snapshot_id::text, sum(size)::int AS n FROM segment_snapshot_chunks
        WHERE snapshot_id = ANY($1::uuid[]) GROUP BY 1`,
      [[expired, referenced, recent]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.snapshot_id, r.n]))).toEqual({ [referenced]: 3, [recent]: 3 });
    expect((await call(`/segments/snapshots/${referenced}`)).status).toBe(200);
    expect((await call(`/segments/snapshots/${recent}`)).status).toBe(200);
  });
});
