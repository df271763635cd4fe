import { body, MembersHarness, startMembersHarness } from './members-support';

interface Rejection {
  index: number;
  field: string;
  reason: string;
}

describe('members (upsert, bulk, custom attributes, erasure)', () => {
  let h: MembersHarness;

  beforeAll(async () => {
    h = await startMembersHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('upserts a member, then a partial update changes only the named fields', async () => {
    const created = await h.call('/members/m-1', {
      method: 'PUT',
      json: {
        firstName: '花子',
        lastName: '山田',
        gender: 'female',
        birthDate: '1990-04-01',
        prefecture: '東京都',
        postalCode: '1500001',
        marketingConsent: true,
      },
    });
    expect(created.status).toBe(201);
    const first = await body(created);
    expect(first).toMatchObject({ externalId: 'm-1', firstName: '花子', postalCode: '150-0001', birthMonth: 4 });
    expect(first.prefecture).toEqual({ code: 13, name: '東京都', romaji: 'tokyo', region: 'kanto' });

    const updated = await h.call('/members/m-1', {
      method: 'PUT',
      json: { membershipTier: 'gold', marketingConsent: null },
    });
    expect(updated.status).toBe(200);
    const member = await body(await h.call('/members/m-1'));
    expect(member).toMatchObject({
      firstName: '花子',
      lastName: '山田',
      gender: 'female',
      membershipTier: 'gold',
      marketingConsent: null,
      line: [],
      recentEvents: [],
    });
    expect(typeof member.age).toBe('number');
  });

  it('answers a bad field with a 400 naming it', async () => {
    const res = await h.call('/members/m-2', {
      method: 'PUT',
      json: { prefecture: 'Atlantis', birthDate: '1990-02-30', shoeSize: 27 },
    });
    expect(res.status).toBe(400);
    const fields = (await body<{ error: { details: Rejection[] } }>(res)).error.details.map((d) => d.field).sort();
    expect(fields).toEqual(['birthDate', 'prefecture', 'shoeSize']);
  });

  it('validates custom attributes against their declared types', async () => {
    expect(
      (await h.call('/attribute-definitions/favorite_brand', { method: 'PUT', json: { type: 'string' } })).status,
    ).toBe(200);
    expect((await h.call('/attribute-definitions/visits', { method: 'PUT', json: { type: 'number' } })).status).toBe(
      200,
    );
    expect((await h.call('/attribute-definitions/tags', { method: 'PUT', json: { type: 'string_list' } })).status).toBe(
      200,
    );
    const bad = await h.call('/members/m-3', {
      method: 'PUT',
      json: { attributes: { visits: 'many', tags: [1], nope: 1 } },
    });
    expect(bad.status).toBe(400);
    const details = (await body<{ error: { details: Rejection[] } }>(bad)).error.details;
    expect(details.map((d) => d.field).sort()).toEqual(['attributes.nope', 'attributes.tags', 'attributes.visits']);

    await h.call('/members/m-3', { method: 'PUT', json: { attributes: { visits: 3, tags: ['a', 'b'] } } });
    await h.call('/members/m-3', { method: 'PUT', json: { attributes: { favorite_brand: 'X', tags: null } } });
    expect((await body(await h.call('/members/m-3'))).attributes).toEqual({ visits: 3, favorite_brand: 'X' });
    // The type of an attribute in use cannot change under the stored values.
    expect((await h.call('/attribute-definitions/visits', { method: 'PUT', json: { type: 'string' } })).status).toBe(
      409,
    );
  });

  it('bulk-upserts the good records of a mixed batch and reports the bad ones (207)', async () => {
    const records = [
      { externalId: 'b-1', prefecture: 13, gender: 'male' },
      { externalId: 'b-2', birthDate: 'yesterday' },
      { externalId: 'b-3', prefecture: 'osaka' },
      { firstName: 'no id' },
      { externalId: 'b-1', membershipTier: 'silver' },
    ];
    const res = await h.call('/members:bulk', { method: 'POST', json: { records } });
    expect(res.status).toBe(207);
    const result = await body<{ accepted: number; rejected: Rejection[] }>(res);
    expect(result.accepted).toBe(3);
    expect(result.rejected).toEqual([
      { index: 1, field: 'birthDate', reason: 'must be a date YYYY-MM-DD' },
      { index: 3, field: 'externalId', reason: expect.stringContaining('non-empty') },
    ]);
    // Two records of one member in a batch merge: both named fields land.
    expect(await body(await h.call('/members/b-1'))).toMatchObject({ gender: 'male', membershipTier: 'silver' });
    expect((await h.call('/members/b-2')).status).toBe(404);
  });

  it('takes NDJSON and reports an unreadable line by its index', async () => {
    const ndjson = '{"externalId":"n-1"}\n{not json}\n\n{"externalId":"n-2","pointsBalance":120}\n';
    const res = await h.call('/members:bulk', {
      method: 'POST',
      body: ndjson,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(res.status).toBe(207);
    const result = await body<{ accepted: number; rejected: Rejection[] }>(res);
    expect(result.accepted).toBe(2);
    expect(result.rejected).toEqual([{ index: 1, field: '', reason: expect.stringContaining('not valid JSON') }]);
  });

  it('stores nothing of an atomic batch with a bad record', async () => {
    const res = await h.call('/members:bulk?atomic=true', {
      method: 'POST',
      json: { records: [{ externalId: 'a-1' }, { externalId: 'a-2', gender: 'robot' }] },
    });
    expect(res.status).toBe(400);
    const error = (await body<{ error: { code: string; details: Array<{ field: string }> } }>(res)).error;
    expect(error.code).toBe('ATOMIC_BATCH_REJECTED');
    expect(error.details.map((d) => d.field)).toEqual(['records[1].gender']);
    expect((await h.call('/members/a-1')).status).toBe(404);
  });

  it('refuses more than 10,000 records', async () => {
    const records = Array.from({ length: 10_001 }, (_, i) => ({ externalId: `x-${i}` }));
    expect((await h.call('/members:bulk', { method: 'POST', json: { records } })).status).toBe(413);
  });

  it('erases a member with their events and aggregates, leaving nothing behind', async () => {
    await h.call('/members/gone', { method: 'PUT', json: { firstName: '太郎' } });
    const events = [
      {
        eventId: 'g-1',
        memberId: 'gone',
        type: 'purchase',
        occurredAt: '2026-01-01T10:00:00+09:00',
        properties: { orderId: 'o1', totalAmount: 5000 },
      },
      {
        eventId: 'g-2',
        memberId: 'gone',
        type: 'favorite',
        occurredAt: '2026-01-02T10:00:00+09:00',
        properties: { sku: 'S1' },
      },
    ];
    expect((await h.call('/events:bulk', { method: 'POST', json: { records: events } })).status).toBe(200);
    const { rows } = await h.ctx.sql.query<{ id: string }>(`SELECT id FROM members WHERE external_id = 'gone'`);
    const id = rows[0].id;

    expect((await h.call('/members/gone', { method: 'DELETE' })).status).toBe(204);
    expect((await h.call('/members/gone')).status).toBe(404);
    // Every table with a member_id column: nothing may still point at the erased member.
    const tables = await h.ctx.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns WHERE column_name = 'member_id' AND table_schema = 'public'`,
    );
    for (const { table_name } of tables.rows) {
      const left = await h.ctx.sql.query(`SELECT 1 FROM "${table_name}" WHERE member_id = $1`, [id]);
      expect({ table_name, left: left.rowCount }).toEqual({ table_name, left: 0 });
    }
    const text = await h.ctx.sql.query(`SELECT 1 FROM events WHERE event_id IN ('g-1', 'g-2')`);
    expect(text.rowCount).toBe(0);
    expect((await h.call('/members/gone', { method: 'DELETE' })).status).toBe(404);
  });
});
