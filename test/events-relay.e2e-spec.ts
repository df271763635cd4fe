import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { QueueName, REDIS } from '@app/common';
import { TRIGGER_RELAY_GROUP, TriggerPublisher, TriggerRelay } from '@app/members';
import { MembersHarness, startMembersHarness } from './members-support';

const pageView = (eventId: string, memberId: string): Record<string, unknown> => ({
  eventId,
  memberId,
  type: 'page_view',
  occurredAt: '2026-03-01T10:00:00+09:00',
  properties: { url: 'https://shop.example.jp/x' },
});

describe('trigger stream relay (publication after commit through a Redis stream)', () => {
  let h: MembersHarness;
  let queue: Queue;
  let redis: Redis;
  let conn: Redis;
  let relay: TriggerRelay;
  let stream: string;

  const eventIds = async (prefix: string): Promise<string[]> =>
    (
      await h.ctx.sql.query<{ id: string }>(`SELECT id FROM events WHERE event_id LIKE $1 ORDER BY id`, [`${prefix}%`])
    ).rows.map((r) => r.id);
  /** The jobs holding any of `ids`, as `<job id> <name> <event ids>`. */
  const jobIdsOf = async (ids: string[]): Promise<string[]> =>
    (await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']))
      .map((j) => ({ j, events: (j.data as { eventIds: string[] }).eventIds }))
      .filter(({ events }) => events.some((id) => ids.includes(id)))
      .map(({ j, events }) => `${j.id} ${j.name} ${events.join(',')}`)
      .sort();
  /** The one job a row of these events (ascending) becomes. */
  const batchJob = (ids: string[]): string =>
    `member-events-${ids[0]}-${ids[ids.length - 1]} member-events ${ids.join(',')}`;
  const pending = async (): Promise<number> =>
    Number(((await redis.xpending(stream, TRIGGER_RELAY_GROUP)) as [number, ...unknown[]])[0]);
  const outboxRows = async (): Promise<number> => (await h.ctx.sql.query(`SELECT 1 FROM trigger_outbox`)).rowCount ?? 0;
  /** publishAfterCommit is fire and forget: wait until the XADD has landed. */
  const streamLength = async (atLeast: number): Promise<number> => {
    for (let i = 0; i < 100 && (await redis.xlen(stream)) < atLeast; i++) await new Promise((r) => setTimeout(r, 20));
    return redis.xlen(stream);
  };
  /** Transactions open on the file's database, other than the one asking. */
  const openTransactions = async (): Promise<number> =>
    (
      await h.ctx.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()`,
      )
    ).rows[0].n;
  const post = (records: unknown[]): Promise<Response> => h.call('/events:bulk', { method: 'POST', json: { records } });

  beforeAll(async () => {
    h = await startMembersHarness();
    queue = new Queue(QueueName.TriggerEvents, {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: h.ctx.config.queue.prefix,
    });
    redis = h.api.get<Redis>(REDIS);
    conn = redis.duplicate();
    relay = h.api.get(TriggerRelay);
    stream = h.api.get(TriggerPublisher).streamKey;
    await relay.ensureGroup();
  });
  afterAll(async () => {
    conn?.disconnect();
    await queue?.close();
    await h?.close();
  });

  it('announces a committed batch with one stream entry; the relay makes one job of its events and acks', async () => {
    const before = await redis.xlen(stream);
    expect((await post([pageView('s-1', 'sm-1'), pageView('s-2', 'sm-1'), pageView('s-3', 'sm-2')])).status).toBe(200);
    expect(await streamLength(before + 1)).toBe(before + 1);
    const [[, fields]] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    const { rows } = await h.ctx.sql.query<{ id: string }>(`SELECT id FROM trigger_outbox`);
    expect(fields).toEqual(['o', rows[0].id, 'w', h.workspaceId]);
    // Committed but not relayed yet: the row is the only record of the pending publication.
    expect(await outboxRows()).toBe(1);

    expect(await relay.relayNew(conn, 'c-1', 200)).toBe(1);
    const ids = await eventIds('s-');
    expect(await jobIdsOf(ids)).toEqual([batchJob(ids)]);
    expect(await outboxRows()).toBe(0);
    expect(await pending()).toBe(0);
  });

  it('announces nothing when the transaction rolls back', async () => {
    await h.ctx.sql.query(
      `CREATE FUNCTION fail_outbox_relay() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`,
    );
    await h.ctx.sql.query(
      `CREATE TRIGGER fail_outbox_relay BEFORE INSERT ON trigger_outbox FOR EACH ROW EXECUTE FUNCTION fail_outbox_relay()`,
    );
    const before = await redis.xlen(stream);
    expect((await h.call('/events', { method: 'POST', json: pageView('rb-1', 'sm-3') })).status).toBe(500);
    await h.ctx.sql.query(`DROP TRIGGER fail_outbox_relay ON trigger_outbox`);
    await new Promise((r) => setTimeout(r, 200));
    expect(await redis.xlen(stream)).toBe(before);
    expect(await relay.relayNew(conn, 'c-1', 50)).toBe(0);
    expect(await eventIds('rb-')).toEqual([]);
  });

  it('takes over the entries of a consumer that died before publishing', async () => {
    const before = await redis.xlen(stream);
    await post([pageView('d-1', 'sm-4'), pageView('d-2', 'sm-5')]);
    await streamLength(before + 1);
    // A worker reads the entry and dies: it stays pending, its outbox row stays in PostgreSQL.
    await conn.xreadgroup('GROUP', TRIGGER_RELAY_GROUP, 'dead', 'COUNT', 10, 'STREAMS', stream, '>');
    expect(await pending()).toBe(1);
    expect(await outboxRows()).toBe(1);
    const ids = await eventIds('d-');
    expect(await jobIdsOf(ids)).toEqual([]);

    expect(await relay.reclaim('alive', 0)).toBe(1);
    expect(await jobIdsOf(ids)).toEqual([batchJob(ids)]);
    expect(await pending()).toBe(0);
    expect(await outboxRows()).toBe(0);
  });

  it('publishes through the sweeper a row whose announcement never reached Redis (api crash after commit)', async () => {
    await post([pageView('lost-1', 'sm-6')]);
    const before = await redis.xlen(stream);
    await streamLength(before);
    const [id] = await eventIds('lost-');
    await relay.relayNew(conn, 'c-1', 200);
    await queue.remove(`member-events-${id}-${id}`);
    // As if the commit happened and the XADD did not: a row, no entry.
    await h.ctx.sql.query(
      `INSERT INTO trigger_outbox (workspace_id, source, ids, created_at) VALUES ($1, 'member', ARRAY[$2::bigint], now() - interval '1 minute')`,
      [h.workspaceId, id],
    );
    expect(await relay.relayNew(conn, 'c-1', 50)).toBe(0);
    expect(await h.api.get(TriggerPublisher).sweep()).toBe(1);
    expect(await jobIdsOf([id])).toEqual([batchJob([id])]);
    expect(await outboxRows()).toBe(0);
  });

  it('is harmless when an announcement or a row is relayed twice', async () => {
    const before = await redis.xlen(stream);
    await post([pageView('dup-1', 'sm-7'), pageView('dup-2', 'sm-7')]);
    await streamLength(before + 1);
    const { rows } = await h.ctx.sql.query<{ id: string; ids: string[] }>(`SELECT id, ids FROM trigger_outbox`);
    // The same row announced twice (an api retry, a sweeper racing the relay).
    await redis.xadd(stream, '*', 'o', rows[0].id);
    expect(await relay.relayNew(conn, 'c-1', 200)).toBe(2);
    const ids = await eventIds('dup-');
    expect(await jobIdsOf(ids)).toEqual([batchJob(ids)]);
    // The same events published again (a relay that died between the jobs and the row's delete).
    await h.ctx.sql.query(
      `INSERT INTO trigger_outbox (workspace_id, source, ids) VALUES ($1, 'member', $2::bigint[])`,
      [h.workspaceId, ids],
    );
    const [{ id: again }] = (await h.ctx.sql.query<{ id: string }>(`SELECT id FROM trigger_outbox`)).rows;
    expect(await h.api.get(TriggerPublisher).publish([again])).toBe(2);
    // Named by its events: the same batch again is the same job, not a second one.
    expect(await jobIdsOf(ids)).toEqual([batchJob(ids)]);
    expect(await pending()).toBe(0);
    expect(await outboxRows()).toBe(0);
  });

  it('hands small member rows to the consumer in the transaction that deletes them; bigger rows become jobs', async () => {
    const before = await redis.xlen(stream);
    await post([pageView('i-1', 'im-1'), pageView('i-2', 'im-2')]);
    await post([pageView('i-3', 'im-3'), pageView('i-4', 'im-3'), pageView('i-5', 'im-4')]);
    await streamLength(before + 2);
    const seen: Array<{ workspaceId: string; eventIds: string[]; rowsInTx: number }> = [];
    const prepared: Array<{ workspaceIds: string[]; openTransactions: number; consumedBefore: number }> = [];
    const taken = await relay.relayNew(conn, 'c-1', 200, 64, {
      maxIds: 2,
      prepare: async (workspaceIds) => {
        prepared.push({ workspaceIds, openTransactions: await openTransactions(), consumedBefore: seen.length });
      },
      consume: async (em, batches) => {
        // Inside the publisher's transaction: the rows are still there (deleted after the consumer).
        const [{ n }] = await em.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM trigger_outbox`);
        for (const b of batches) seen.push({ ...b, rowsInTx: n });
      },
    });
    expect(taken).toBe(2);
    const ids = (
      await h.ctx.sql.query<{ id: string; event_id: string }>(
        `SELECT id, event_id FROM events WHERE event_id LIKE 'i-%' ORDER BY event_id`,
      )
    ).rows;
    expect(seen).toEqual([{ workspaceId: h.workspaceId, eventIds: [ids[0].id, ids[1].id], rowsInTx: 2 }]);
    // Prepared once for the read, before any transaction was open on the database.
    expect(prepared).toEqual([{ workspaceIds: [h.workspaceId], openTransactions: 0, consumedBefore: 0 }]);
    const bigRow = ids
      .slice(2)
      .map((r) => r.id)
      .sort((a, b) => Number(a) - Number(b));
    expect(await jobIdsOf(ids.map((r) => r.id))).toEqual([batchJob(bigRow)]);
    expect(await outboxRows()).toBe(0);
    expect(await pending()).toBe(0);
  });

  it('makes jobs of a row whose workspace turned up after the consumer was prepared', async () => {
    await post([pageView('w-1', 'wm-1')]);
    await relay.relayNew(conn, 'c-1', 200, 64, {
      maxIds: 100,
      prepare: () => Promise.resolve(),
      consume: () => Promise.resolve(),
    });
    const [id] = await eventIds('w-');
    const old = (workspaceId: string): Promise<unknown> =>
      h.ctx.sql.query(
        `INSERT INTO trigger_outbox (workspace_id, source, ids, created_at)
         VALUES ($1, 'member', ARRAY[$2::bigint], now() - interval '1 minute')`,
        [workspaceId, id],
      );
    await old(h.workspaceId);
    const other = '00000000-0000-4000-8000-00000000beef';
    const consumed: string[] = [];
    const swept = await h.api.get(TriggerPublisher).sweep(5_000, 50, {
      maxIds: 100,
      // Another workspace's row becomes due between the read of the workspaces and the lock.
      prepare: async (workspaceIds) => {
        expect(workspaceIds).toEqual([h.workspaceId]);
        await old(other);
      },
      consume: (_em, batches) => Promise.resolve(void consumed.push(...batches.map((b) => b.workspaceId))),
    });
    expect(swept).toBe(2);
    expect(consumed).toEqual([h.workspaceId]);
    const jobs = (await queue.getJobs(['waiting', 'delayed'])).filter((j) => j.id === `member-events-${id}-${id}`);
    expect(jobs.map((j) => (j.data as { workspaceId: string }).workspaceId)).toEqual([other]);
    expect(await outboxRows()).toBe(0);
  });

  it("rolls back on the consumer's failure: the row stays and the entry stays pending for a retry", async () => {
    const before = await redis.xlen(stream);
    await post([pageView('f-1', 'im-5')]);
    await streamLength(before + 1);
    const failing = {
      maxIds: 100,
      prepare: (): Promise<void> => Promise.resolve(),
      consume: (): Promise<void> => Promise.reject(new Error('matcher down')),
    };
    await expect(relay.relayNew(conn, 'c-1', 200, 64, failing)).rejects.toThrow('matcher down');
    expect(await outboxRows()).toBe(1);
    expect(await pending()).toBe(1);
    const seen: string[][] = [];
    expect(
      await relay.reclaim('c-2', 0, 64, {
        maxIds: 100,
        prepare: () => Promise.resolve(),
        consume: (_em, batches) => Promise.resolve(void seen.push(...batches.map((b) => b.eventIds))),
      }),
    ).toBe(1);
    expect(seen).toHaveLength(1);
    expect(await outboxRows()).toBe(0);
    expect(await pending()).toBe(0);
  });
});
