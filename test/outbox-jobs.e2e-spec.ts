import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Worker, type Queue } from 'bullmq';
import { createTestContext, TestContext } from '@app/testing';
import { QueueName, type PayloadOf } from '@app/common';
import { CampaignsService, OutboxRelay, RunPlannerService, StrandedRunsService } from '@app/campaigns';
import { SegmentsService } from '@app/segments';
import { createApiApp } from '../apps/api/src/api.factory';
import { startEmulator, RunningEmulator } from '../apps/line-emulator/src/server';
import { seedAudience } from '../bench/lib/delivery-harness';

type BatchQueue = Queue<PayloadOf<QueueName.DeliveryBatches>>;

jest.setTimeout(60_000);
const LEASE_MS = 3_000;
// No worker runs here: the jobs the relay and the reconciler write stay in Redis to be read.
describe('outbox jobs (batches grouped per job, found again by the reconciler)', () => {
  let ctx: TestContext;
  let emu: RunningEmulator;
  let api: INestApplicationContext;
  let queue: BatchQueue;
  let workspaceId: string;
  let runId: string;
  const batches = new Map<string, number>();

  beforeAll(async () => {
    // Planning asks LINE for the channel's quota before it commits a page.
    emu = await startEmulator({
      channels: [{ channelId: '2000000888', channelSecret: 'secret', accessToken: 'token-888', monthlyQuota: null }],
    });
    ctx = await createTestContext({
      LINE_API_BASE_URL: emu.url,
      LINE_DATA_API_BASE_URL: emu.url,
      DELIVERY_LEASE_MS: String(LEASE_MS),
    });
    const ws = await ctx.sql.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('t') RETURNING id`);
    workspaceId = ws.rows[0].id;
    const ch = await ctx.sql.query<{ id: string }>(
      `INSERT INTO channels (workspace_id, name, line_channel_id, channel_secret, access_token)
       VALUES ($1, 'c', '2000000888', 'secret', 'token-888') RETURNING id`,
      [workspaceId],
    );
    const channelId = ch.rows[0].id;
    await ctx.sql.query(
      `INSERT INTO channel_delivery_settings (channel_id, workspace_id, quiet_start, quiet_end, frequency_cap_max)
       VALUES ($1, $2, '00:00', '00:00', 0)`,
      [channelId, workspaceId],
    );
    // 60,000 members, most of them following: a first page of 25,000 (50 batches), then the rest.
    await seedAudience(ctx.sql, workspaceId, channelId, 1, 60_000);
    // As autovacuum would after a bulk load; without statistics a page's plan reads every member.
    await ctx.sql.query(`VACUUM ANALYZE members, line_users`);
    api = await createApiApp(ctx.config);
    await api.init();
    queue = api.get<BatchQueue>(getQueueToken(QueueName.DeliveryBatches));
    const segment = await api.get(SegmentsService).create(workspaceId, {
      name: 'everyone',
      channelId,
      rules: { attr: 'pointsBalance', op: 'gte', value: 0 },
    });
    const campaign = await api.get(CampaignsService).create(workspaceId, {
      name: 'grouped',
      channelId,
      audience: { type: 'segment', segmentId: segment.id },
      messages: [{ type: 'text', text: 'セール' }],
      trigger: { type: 'now' },
    });
    const run = await ctx.sql.query<{ id: string }>(`SELECT id FROM campaign_runs WHERE campaign_id = $1`, [
      campaign.id,
    ]);
    runId = run.rows[0].id;
    await api.get(RunPlannerService).plan(workspaceId, runId);
    const rows = await ctx.sql.query<{ id: string; seq: number }>(
      `SELECT id, seq FROM delivery_batches WHERE run_id = $1`,
      [runId],
    );
    for (const r of rows.rows) batches.set(r.id, r.seq);
  });

  afterAll(async () => {
    await api?.close();
    await ctx?.close();
    await emu?.close();
  });

  const batchJobs = async (): Promise<Array<{ id: string; batchIds: string[] }>> =>
    (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).map((j) => ({
      id: j.id ?? '',
      batchIds: j.data.batchIds,
    }));

  it('starts each page at a multiple of eight and sends each page in jobs of at most eight batches', async () => {
    const seqs = [...batches.values()].sort((a, b) => a - b);
    // Pages are the runs of consecutive seqs: the first of 50 batches, then the rest.
    const pages: number[][] = [];
    for (const seq of seqs) {
      const page = pages.at(-1);
      if (page !== undefined && page[page.length - 1] === seq - 1) page.push(seq);
      else pages.push([seq]);
    }
    expect(pages.map((p) => p[0])).toEqual([0, 56]);
    expect(pages[0]).toHaveLength(50);
    const jobs = (await batchJobs()).filter((j) => j.id.startsWith(`g-${runId}-`));
    expect(jobs).toHaveLength(pages.reduce((n, p) => n + Math.ceil(p.length / 8), 0));
    const carried = jobs.flatMap((j) => j.batchIds);
    expect(new Set(carried).size).toBe(carried.length);
    expect(new Set(carried)).toEqual(new Set(batches.keys()));
    for (const job of jobs) {
      expect(job.batchIds.length).toBeLessThanOrEqual(8);
      // A job's batches share floor(seq / 8), the key the reconciler finds the job by.
      for (const id of job.batchIds) expect(job.id).toBe(`g-${runId}-${Math.floor((batches.get(id) ?? -1) / 8)}`);
    }
  });

  it('leaves batches whose job waits, and puts back alone those whose job Redis lost', async () => {
    const relay = api.get(OutboxRelay);
    await ctx.sql.query(`UPDATE delivery_batches SET enqueued_at = now() - interval '1 hour' WHERE run_id = $1`, [
      runId,
    ]);
    expect(await relay.reconcile()).toBe(0);

    const lost = (await batchJobs()).find((j) => j.id === `g-${runId}-2`);
    expect(lost?.batchIds).toHaveLength(8);
    await queue.remove(`g-${runId}-2`);
    expect(await relay.reconcile()).toBe(8);

    const requeued = await ctx.sql.query<{ id: string }>(
      `SELECT id FROM delivery_batches WHERE run_id = $1 AND enqueue_generation = 1`,
      [runId],
    );
    expect(new Set(requeued.rows.map((r) => r.id))).toEqual(new Set(lost?.batchIds));
    const singles = (await batchJobs()).filter((j) => j.id.startsWith('b-'));
    expect(singles.map((j) => j.id).sort()).toEqual((lost?.batchIds ?? []).map((id) => `b-${id}-1`).sort());
    expect(singles.every((j) => j.batchIds.length === 1)).toBe(true);
  });

  it('leaves the unclaimed batches of a job a worker holds until the lease would have run out', async () => {
    const relay = api.get(OutboxRelay);
    // A worker that took a job and then died (or still waits for in-flight slots): nothing claimed.
    const taker = new Worker(queue.name, null, { connection: queue.opts.connection, prefix: queue.opts.prefix });
    try {
      const held = await taker.getNextJob('dead-worker');
      expect(held?.data.batchIds.length).toBeGreaterThan(0);
      await ctx.sql.query(`UPDATE delivery_batches SET enqueued_at = now() - interval '1 hour' WHERE run_id = $1`, [
        runId,
      ]);
      expect(await relay.reconcile()).toBe(0);
      await new Promise((r) => setTimeout(r, LEASE_MS + 200));
      await ctx.sql.query(`UPDATE delivery_batches SET enqueued_at = now() - interval '1 hour' WHERE run_id = $1`, [
        runId,
      ]);
      expect(await relay.reconcile()).toBe(held?.data.batchIds.length);
    } finally {
      await taker.close(true);
    }
  });

  it('completes a run whose last sender recorded the answers and died before completing it', async () => {
    const stranded = api.get(StrandedRunsService);
    const status = async (): Promise<{ run: string; campaign: string }> => {
      const r = await ctx.sql.query<{ run: string; campaign: string }>(
        `SELECT r.status AS run, c.status AS campaign FROM campaign_runs r JOIN campaigns c ON c.id = r.campaign_id
         WHERE r.id = $1`,
        [runId],
      );
      return r.rows[0];
    };
    // Batches still open: the run is its senders' to complete.
    const [last, ...others] = [...batches.keys()];
    await ctx.sql.query(`UPDATE delivery_batches SET status = 'done', finished_at = now() WHERE id = ANY($1::uuid[])`, [
      others,
    ]);
    expect(await stranded.completeStranded()).toEqual([]);
    expect(await status()).toEqual({ run: 'sending', campaign: 'running' });

    // The last batch's answers recorded, and no completion check after them (the sender was killed).
    await ctx.sql.query(`UPDATE delivery_batches SET status = 'done', finished_at = now() WHERE id = $1`, [last]);
    expect(await stranded.completeStranded()).toEqual([runId]);
    expect(await status()).toEqual({ run: 'completed', campaign: 'completed' });
    expect(await stranded.completeStranded()).toEqual([]);
  });
});
