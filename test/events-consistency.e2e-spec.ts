import { Client } from 'pg';
import { body, MembersHarness, startMembersHarness } from './members-support';

const points = (eventId: string, memberId: string, at: string, balance?: number): Record<string, unknown> => ({
  eventId,
  memberId,
  type: 'point_change',
  occurredAt: at,
  properties: balance === undefined ? { delta: 10 } : { delta: 10, balance },
});
const pageView = (eventId: string, memberId: string): Record<string, unknown> => ({
  eventId,
  memberId,
  type: 'page_view',
  occurredAt: '2026-04-01T10:00:00Z',
  properties: { url: 'https://shop.example/p' },
});

describe('events: points balance, erasure against concurrent ingestion', () => {
  let h: MembersHarness;
  const balanceOf = async (externalId: string): Promise<number | null> =>
    (await body<{ pointsBalance: number | null }>(await h.call(`/members/${externalId}`))).pointsBalance;
  /** Events and aggregates whose member does not exist (events.member_id has no FK). */
  const orphans = async (): Promise<number> => {
    const { rows } = await h.ctx.sql.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = e.member_id))
            + (SELECT count(*) FROM member_aggregates a WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = a.member_id)) AS n`,
    );
    return Number(rows[0].n);
  };

  beforeAll(async () => {
    h = await startMembersHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('sets points_balance from the latest point_change with a balance, whatever the arrival order', async () => {
    // Arrival: middle, newest, oldest; and a newer event without a balance, which changes nothing.
    const res = await h.call('/events:bulk', {
      method: 'POST',
      json: {
        records: [
          points('pb-2', 'pts', '2026-03-02T10:00:00Z', 200),
          points('pb-3', 'pts', '2026-03-03T10:00:00Z', 300),
          points('pb-4', 'pts', '2026-03-04T10:00:00Z'),
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(await balanceOf('pts')).toBe(300);
    expect(
      (await h.call('/events', { method: 'POST', json: points('pb-1', 'pts', '2026-03-01T10:00:00Z', 100) })).status,
    ).toBe(201);
    expect(await balanceOf('pts')).toBe(300);
    // A replayed newer event id is a duplicate: it does not count either.
    await h.call('/events', { method: 'POST', json: { ...points('pb-3', 'pts', '2026-03-09T10:00:00Z', 999) } });
    expect(await balanceOf('pts')).toBe(300);
    expect(
      (await h.call('/events', { method: 'POST', json: points('pb-5', 'pts', '2026-03-05T10:00:00Z', 500) })).status,
    ).toBe(201);
    expect(await balanceOf('pts')).toBe(500);

    // The reverse order of arrival gives the same balance.
    for (const [id, day, balance] of [
      ['pr-3', 3, 300],
      ['pr-1', 1, 100],
      ['pr-5', 5, 500],
      ['pr-2', 2, 200],
    ] as const) {
      await h.call('/events', { method: 'POST', json: points(id, 'pts-r', `2026-03-0${day}T10:00:00Z`, balance) });
    }
    expect(await balanceOf('pts-r')).toBe(500);
  });

  it('keeps a balance written through the member API against older events, not newer ones', async () => {
    await h.call('/members/pts-m', { method: 'PUT', json: { pointsBalance: 42 } });
    await h.call('/events', { method: 'POST', json: points('pm-1', 'pts-m', '2026-01-01T10:00:00Z', 7) });
    expect(await balanceOf('pts-m')).toBe(42);
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    await h.call('/events', { method: 'POST', json: points('pm-2', 'pts-m', soon, 8) });
    expect(await balanceOf('pts-m')).toBe(8);
  });

  it('refuses a balance that does not fit the points column, naming the field', async () => {
    const res = await h.call('/events', {
      method: 'POST',
      json: points('pb-big', 'pts', '2026-03-01T10:00:00Z', 2 ** 31),
    });
    expect(res.status).toBe(400);
    expect((await body<{ error: { details: Array<{ field: string }> } }>(res)).error.details).toEqual([
      expect.objectContaining({ field: 'properties.balance' }),
    ]);
  });

  it('an ingest waiting on an erasure in progress attaches its events to a new member, not the erased one', async () => {
    await h.call('/events', { method: 'POST', json: pageView('er-0', 'erased') });
    const old = (await h.ctx.sql.query<{ id: string }>(`SELECT id FROM members WHERE external_id = 'erased'`)).rows[0]
      .id;
    const eraser = new Client({ connectionString: h.ctx.config.database.url });
    await eraser.connect();
    try {
      await eraser.query('BEGIN');
      await eraser.query(`DELETE FROM members WHERE external_id = 'erased'`);
      const pending = h.call('/events', { method: 'POST', json: pageView('er-1', 'erased') });
      // The ingest statement is now waiting for the member row's lock.
      await new Promise((r) => setTimeout(r, 300));
      await eraser.query('COMMIT');
      expect((await pending).status).toBe(201);
    } finally {
      await eraser.end();
    }
    const { rows } = await h.ctx.sql.query<{ member_id: string; event_id: string }>(
      `SELECT member_id, event_id FROM events WHERE event_id IN ('er-0', 'er-1')`,
    );
    expect(rows.map((r) => r.event_id)).toEqual(['er-1']);
    expect(rows[0].member_id).not.toBe(old);
    expect(await orphans()).toBe(0);
  });

  it('leaves no events of an erased member behind while batches for it are being ingested', async () => {
    const members = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    for (let round = 0; round < 4; round++) {
      const batches = Array.from({ length: 4 }, (_, b) => ({
        records: Array.from({ length: 1500 }, (_, k) =>
          pageView(`race-${round}-${b}-${k}`, members[(k * 7 + b) % members.length]),
        ),
      }));
      const ingests = batches.map((json) => h.call('/events:bulk', { method: 'POST', json }));
      const erasures = members.map(async (m, i) => {
        await new Promise((r) => setTimeout(r, 20 * i));
        return h.call(`/members/${m}`, { method: 'DELETE' });
      });
      for (const res of await Promise.all(ingests)) expect(res.status).toBe(200);
      for (const res of await Promise.all(erasures)) expect([204, 404]).toContain(res.status);
      expect(await orphans()).toBe(0);
    }
    // What survived belongs to members that exist and is counted in their aggregates.
    const { rows } = await h.ctx.sql.query<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM member_aggregates a
       WHERE a.event_count <> (SELECT count(*) FROM events e WHERE e.member_id = a.member_id)
         AND a.member_id IN (SELECT id FROM members WHERE external_id LIKE 'race-%')`,
    );
    expect(rows[0].bad).toBe(0);
  });
});
