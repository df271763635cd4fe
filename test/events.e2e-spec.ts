import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { QueueName, REDIS } from '@app/common';
import { TriggerPublisher, TriggerRelay } from '@app/members';
import { body, MembersHarness, startMembersHarness } from './members-support';

const purchase = (eventId: string, memberId: string, at: string, totalAmount: number): Record<string, unknown> => ({
  eventId,
  memberId,
  type: 'purchase',
  occurredAt: at,
  properties: {
    orderId: `o-${eventId}`,
    totalAmount,
    items: [{ sku: 'SKU-1', category: 'shoes', price: totalAmount, quantity: 1 }],
  },
});
const cartAdd = (eventId: string, memberId: string, at: string): Record<string, unknown> => ({
  eventId,
  memberId,
  type: 'cart_add',
  occurredAt: at,
  properties: { sku: 'SKU-2', price: 1200, quantity: 2 },
});

describe('events (idempotency, aggregates, publication for triggers)', () => {
  let h: MembersHarness;
  let queue: Queue;
  let relayConn: Redis;
  // What the worker's stream relay does, one pass at a time.
  const relay = async (): Promise<void> => {
    while ((await h.api.get(TriggerRelay).relayNew(relayConn, 'events-spec', 20)) > 0) {
      // drain
    }
  };
  const jobsFor = async (): Promise<Array<{ name: string; data: { workspaceId: string; eventIds: string[] } }>> =>
    (await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).map((j) => ({
      name: j.name,
      data: j.data as { workspaceId: string; eventIds: string[] },
    }));
  const waitFor = async (predicate: () => Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 100 && !(await predicate()); i++) {
      await relay();
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    h = await startMembersHarness();
    queue = new Queue(QueueName.TriggerEvents, {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: h.ctx.config.queue.prefix,
    });
    relayConn = h.api.get<Redis>(REDIS).duplicate();
    await h.api.get(TriggerRelay).ensureGroup();
  });
  afterAll(async () => {
    relayConn?.disconnect();
    await queue?.close();
    await h?.close();
  });

  it('ignores a replayed event id, within a batch and across requests', async () => {
    const batch = [
      purchase('e-1', 'p-1', '2026-02-01T10:00:00+09:00', 3000),
      purchase('e-1', 'p-1', '2026-02-01T10:00:00+09:00', 3000),
    ];
    expect(await body(await h.call('/events:bulk', { method: 'POST', json: { records: batch } }))).toEqual({
      accepted: 1,
      duplicates: 1,
      rejected: [],
    });
    expect(await body(await h.call('/events:bulk', { method: 'POST', json: { records: batch } }))).toEqual({
      accepted: 0,
      duplicates: 2,
      rejected: [],
    });
    const single = await h.call('/events', { method: 'POST', json: batch[0] });
    expect(single.status).toBe(200);
    expect(await body(single)).toEqual({ accepted: false, duplicate: true });
    expect(
      (await body<{ aggregates: { purchaseCount: number } }>(await h.call('/members/p-1'))).aggregates.purchaseCount,
    ).toBe(1);
  });

  it('answers each of many concurrent one-event requests for itself (they share statements)', async () => {
    // 40 events of 8 new members (created by their first events), each posted twice at once, and 5
    // for unknown members under reject.
    const events = Array.from({ length: 40 }, (_, i) =>
      purchase(`cc-${i}`, `cc-m${i % 8}`, `2026-05-01T10:${String(i).padStart(2, '0')}:00Z`, 100 + i),
    );
    const post = (json: Record<string, unknown>, query = ''): Promise<Response> =>
      h.call(`/events${query}`, { method: 'POST', json });
    const answers = await Promise.all([
      ...events.flatMap((e) => [post(e), post(e)]),
      ...Array.from({ length: 5 }, (_, i) =>
        post(purchase(`cc-u${i}`, `cc-nobody${i}`, '2026-05-01T10:00:00Z', 1), '?unknownMembers=reject'),
      ),
    ]);
    const statuses = answers.map((a) => a.status);
    for (let i = 0; i < 40; i++) expect([statuses[2 * i], statuses[2 * i + 1]].sort()).toEqual([200, 201]);
    expect(statuses.slice(80)).toEqual([400, 400, 400, 400, 400]);
    const { error } = await body<{ error: { details: Array<{ field: string; reason: string }> } }>(answers[80]);
    expect(error.details).toHaveLength(1);
    expect(error.details[0].field).toBe('memberId');
    expect(error.details[0].reason).toContain('cc-nobody0');
    for (let m = 0; m < 8; m++) {
      const { aggregates } = await body<{ aggregates: { purchaseCount: number; totalSpent: number } }>(
        await h.call(`/members/cc-m${m}`),
      );
      const mine = events.filter((_, i) => i % 8 === m).map((_, k) => 100 + m + 8 * k);
      expect(aggregates).toMatchObject({ purchaseCount: 5, totalSpent: mine.reduce((a, b) => a + b, 0) });
    }
    const { rows } = await h.ctx.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE event_id LIKE 'cc-%'`,
    );
    expect(rows[0].n).toBe(40);
  });

  it('keeps aggregates right whatever order the events arrive in', async () => {
    const events = [
      purchase('o-3', 'ooo', '2026-03-03T10:00:00Z', 300),
      cartAdd('o-c', 'ooo', '2026-03-02T10:00:00Z'),
      purchase('o-1', 'ooo', '2026-03-01T10:00:00Z', 100),
      {
        eventId: 'o-v',
        memberId: 'ooo',
        type: 'page_view',
        occurredAt: '2026-03-04T10:00:00Z',
        properties: { url: 'https://shop.example/a' },
      },
    ];
    // Newest first, one request each: the opposite of the order they happened in.
    for (const e of events) expect((await h.call('/events', { method: 'POST', json: e })).status).toBe(201);
    await h.call('/events:bulk', {
      method: 'POST',
      json: { records: [purchase('o-2', 'ooo', '2026-03-02T12:00:00Z', 200)] },
    });
    const { aggregates } = await body<{ aggregates: Record<string, unknown> }>(await h.call('/members/ooo'));
    expect(aggregates).toMatchObject({
      eventCount: 5,
      purchaseCount: 3,
      totalSpent: 600,
      firstPurchaseAt: '2026-03-01T10:00:00.000Z',
      lastPurchaseAt: '2026-03-03T10:00:00.000Z',
      lastCartAddAt: '2026-03-02T10:00:00.000Z',
      cartOpen: false,
      firstEventAt: '2026-03-01T10:00:00.000Z',
      lastEventAt: '2026-03-04T10:00:00.000Z',
    });
    await h.call('/events', { method: 'POST', json: cartAdd('o-c2', 'ooo', '2026-03-05T10:00:00Z') });
    expect((await body<{ aggregates: { cartOpen: boolean } }>(await h.call('/members/ooo'))).aggregates.cartOpen).toBe(
      true,
    );
    const recent = (
      await body<{ recentEvents: Array<{ eventId: string; amount: number }> }>(await h.call('/members/ooo'))
    ).recentEvents;
    expect(recent[0]).toMatchObject({ eventId: 'o-c2', amount: 2400 });
  });

  it('rejects bad events by index and field, and unknown members when asked to', async () => {
    const records = [
      purchase('r-1', 'known', '2026-02-01T10:00:00+09:00', 100),
      {
        eventId: 'r-2',
        memberId: 'known',
        type: 'purchase',
        occurredAt: '2026-02-01 10:00',
        properties: { totalAmount: -1 },
      },
      {
        eventId: 'r-3',
        memberId: 'nobody',
        type: 'favorite',
        occurredAt: '2026-02-01T10:00:00Z',
        properties: { sku: 'S' },
      },
      { eventId: 'r-4', memberId: 'known', type: 'teleport', occurredAt: '2026-02-01T10:00:00Z' },
    ];
    await h.call('/members/known', { method: 'PUT', json: {} });
    const res = await h.call('/events:bulk?unknownMembers=reject', { method: 'POST', json: { records } });
    expect(res.status).toBe(207);
    const result = await body<{ accepted: number; rejected: Array<{ index: number; field: string }> }>(res);
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((r) => `${r.index}:${r.field}`).sort()).toEqual([
      '1:occurredAt',
      '1:properties.orderId',
      '1:properties.totalAmount',
      '2:memberId',
      '3:type',
    ]);
    expect((await h.call('/members/nobody')).status).toBe(404);
    // The default policy creates the member.
    expect((await h.call('/events', { method: 'POST', json: records[2] })).status).toBe(201);
    expect((await h.call('/members/nobody')).status).toBe(200);
  });

  it('stores nothing of an atomic batch with an unknown member', async () => {
    const res = await h.call('/events:bulk?atomic=true&unknownMembers=reject', {
      method: 'POST',
      json: {
        records: [
          purchase('at-1', 'known', '2026-02-01T10:00:00Z', 1),
          purchase('at-2', 'ghost', '2026-02-01T10:00:00Z', 1),
        ],
      },
    });
    expect(res.status).toBe(400);
    expect((await body<{ error: { details: Array<{ field: string }> } }>(res)).error.details).toEqual([
      expect.objectContaining({ field: 'records[1].memberId' }),
    ]);
    expect((await h.ctx.sql.query(`SELECT 1 FROM events WHERE event_id = 'at-1'`)).rowCount).toBe(0);
  });

  it('publishes each accepted event after commit, once, with ids only', async () => {
    await h.call('/events:bulk', {
      method: 'POST',
      json: {
        records: [
          purchase('t-1', 'pub', '2026-02-01T10:00:00Z', 10),
          purchase('t-2', 'pub', '2026-02-01T11:00:00Z', 10),
        ],
      },
    });
    const { rows } = await h.ctx.sql.query<{ id: string; workspace_id: string }>(
      `SELECT id, workspace_id FROM events WHERE event_id IN ('t-1', 't-2') ORDER BY id`,
    );
    const ofRows = async (): Promise<Array<{ name: string; data: { workspaceId: string; eventIds: string[] } }>> =>
      (await jobsFor()).filter((j) => j.data.eventIds.some((id) => rows.some((r) => r.id === id)));
    await waitFor(async () => (await ofRows()).length > 0);
    // One job for the request's events, ids only.
    expect(await ofRows()).toEqual([
      { name: 'member-events', data: { workspaceId: rows[0].workspace_id, eventIds: rows.map((r) => r.id) } },
    ]);
    expect((await h.ctx.sql.query(`SELECT 1 FROM trigger_outbox`)).rowCount).toBe(0);
  });

  it('publishes nothing when the transaction rolls back', async () => {
    // A failure after the events were inserted, inside the same transaction.
    await h.ctx.sql.query(
      `CREATE FUNCTION fail_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`,
    );
    await h.ctx.sql.query(
      `CREATE TRIGGER fail_outbox BEFORE INSERT ON trigger_outbox FOR EACH ROW EXECUTE FUNCTION fail_outbox()`,
    );
    const before = (await jobsFor()).length;
    const res = await h.call('/events', { method: 'POST', json: purchase('rb-1', 'pub', '2026-02-01T12:00:00Z', 10) });
    expect(res.status).toBe(500);
    await h.ctx.sql.query(`DROP TRIGGER fail_outbox ON trigger_outbox`);
    await new Promise((r) => setTimeout(r, 200));
    expect((await jobsFor()).length).toBe(before);
    expect((await h.ctx.sql.query(`SELECT 1 FROM events WHERE event_id = 'rb-1'`)).rowCount).toBe(0);
  });

  it('re-publishes what a crash between commit and publish left in the outbox', async () => {
    await h.call('/events', { method: 'POST', json: purchase('cr-1', 'pub', '2026-02-01T13:00:00Z', 10) });
    const { rows } = await h.ctx.sql.query<{ id: string; workspace_id: string }>(
      `SELECT id, workspace_id FROM events WHERE event_id = 'cr-1'`,
    );
    await waitFor(async () => (await jobsFor()).some((j) => j.data.eventIds.includes(rows[0].id)));
    // As if the api died after commit: the job never reached Redis, the outbox row stayed.
    await queue.remove(`member-events-${rows[0].id}-${rows[0].id}`);
    await h.ctx.sql.query(
      `INSERT INTO trigger_outbox (workspace_id, source, ids, created_at) VALUES ($1, 'member', ARRAY[$2::bigint], now() - interval '1 minute')`,
      [rows[0].workspace_id, rows[0].id],
    );
    expect(await h.api.get(TriggerPublisher).sweep()).toBe(1);
    expect((await jobsFor()).filter((j) => j.data.eventIds.includes(rows[0].id))).toHaveLength(1);
    expect((await h.ctx.sql.query(`SELECT 1 FROM trigger_outbox`)).rowCount).toBe(0);
  });
});
