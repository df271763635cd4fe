import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { INestApplicationContext } from '@nestjs/common';
import { createTestContext, TestContext } from '@app/testing';
import { ApiKeyScope, ApiKeysService, ChannelsService, WorkspacesService } from '@app/workspaces';
import { SegmentsService, countByProbeSql, countSql, type MemberFacts } from '@app/segments';
import { SEGMENT_MEMBERSHIP, SegmentMembershipPort } from '@app/rich-menus';
import { createApiApp } from '../apps/api/src/api.factory';
import { createWorkerApp } from '../apps/worker/src/worker.factory';
import { EXAMPLES, loadPopulation, person, withIngestAggregates } from './segments.fixtures';

const NOW = new Date('2026-06-15T03:00:00Z'); // 12:00 in Tokyo
const hoursAgo = (h: number): Date => new Date(NOW.getTime() - h * 3_600_000);
const daysAgo = (d: number): Date => hoursAgo(d * 24);

describe('segments (api + worker, real PostgreSQL)', () => {
  let ctx: TestContext;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  let base: string;
  let admin: string;
  let writer: string;
  let channelId: string;
  let otherChannelId: string;

  const call = async (path: string, init: { method?: string; body?: unknown; key?: string } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${init.key ?? writer}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  };
  const preview = (rules: unknown, extra: Record<string, unknown> = {}) =>
    call('/segments/preview', { body: { channelId, rules, now: NOW.toISOString(), sampleSize: 100, ...extra } });

  const following = (p: MemberFacts, on = true): MemberFacts => {
    p.lineUsers.push({
      id: '',
      channelId,
      following: on,
      blockedAt: null,
      linkMethod: 'messaging_api',
      richMenuId: null,
    });
    return p;
  };
  const item = (price: number) => ({ items: [{ sku: 'x', category: 'c', price, quantity: 1 }] });
  const purchase = (at: Date, price: number) => ({
    type: 'purchase',
    name: null,
    occurredAt: at,
    amount: price,
    sku: null,
    properties: item(price),
  });
  const ev = (type: string, at: Date, sku: string | null = null) => ({
    type,
    name: null,
    occurredAt: at,
    amount: null,
    sku,
    properties: {},
  });

  beforeAll(async () => {
    // Previews split their count by member id even in this small workspace (3 parts of ~9 ids),
    // so every preview below also checks that the parts add up.
    ctx = await createTestContext({ SEGMENT_PREVIEW_PARTS: '3', SEGMENT_PREVIEW_SPLIT_MIN_MEMBERS: '0' });
    worker = await createWorkerApp(ctx.config);
    await worker.init();
    api = await createApiApp(ctx.config);
    await api.listen({ port: 0, host: '127.0.0.1' });
    base = (await api.getUrl()).replace('[::1]', '127.0.0.1');
    const ws = await api.get(WorkspacesService).ensureDefault();
    const keys = api.get(ApiKeysService);
    admin = (await keys.create(ws.id, ApiKeyScope.Admin, 'admin')).key;
    writer = (await keys.create(ws.id, ApiKeyScope.Write, 'writer')).key;
    const channels = api.get(ChannelsService);
    const fields = { channelSecret: 's', accessToken: 'token', timezone: 'Asia/Tokyo' };
    channelId = (await channels.create(ws.id, { name: 'main', lineChannelId: '100', ...fields })).id;
    otherChannelId = (await channels.create(ws.id, { name: 'other', lineChannelId: '200', ...fields })).id;

    const people: MemberFacts[] = [
      following(person('m36', { gender: 'male', birthDate: '1990-06-15' })),
      following(person('m40', { gender: 'male', birthDate: '1985-06-16' })), // 41 tomorrow
      following(person('m41', { gender: 'male', birthDate: '1985-06-15' })), // 41 today
      following(person('m29', { gender: 'male', birthDate: '1996-06-16' })),
      following(person('fJulyTokyo', { gender: 'female', birthDate: '1995-07-03', prefectureCode: 13 })),
      following(person('fJulyOsaka', { gender: 'female', birthDate: '1995-07-03', prefectureCode: 27 })),
      following(person('fJuneChiba', { gender: 'female', birthDate: '1995-06-03', prefectureCode: 12 })),
      following(person('emp20', { occupation: 'company_employee', birthDate: '2006-06-15' })),
      following(person('pt19', { occupation: 'part_time', birthDate: '2006-06-16' })),
      following(person('pt45', { occupation: 'part_time', birthDate: '1981-01-01' })),
      following(person('student25', { occupation: 'student', birthDate: '2001-01-01' })),
      following({
        ...person('bigBuyer'),
        events: [purchase(daysAgo(100), 12000), purchase(daysAgo(50), 10000), purchase(daysAgo(5), 30000)],
      }),
      following({
        ...person('twiceBig', { registeredAt: daysAgo(300) }),
        events: [purchase(daysAgo(100), 12000), purchase(daysAgo(50), 15000), purchase(daysAgo(5), 900)],
      }),
      following(person('neverBought', { registeredAt: daysAgo(20) })),
      following(person('sixMonths', { registeredAt: new Date('2025-12-10T01:00:00Z') })),
      following(person('fiveMonths', { registeredAt: new Date('2025-12-16T01:00:00Z') })),
      following(person('sevenMonths', { registeredAt: new Date('2025-11-14T01:00:00Z') })),
      following({ ...person('abandoner'), events: [ev('cart_add', daysAgo(3))] }),
      following({ ...person('converted'), events: [ev('cart_add', daysAgo(3)), purchase(hoursAgo(70), 1000)] }),
      following({ ...person('stillShopping'), events: [ev('cart_add', hoursAgo(2))] }),
      following(person('gold', { membershipTier: 'gold' })),
      following(person('silver', { membershipTier: 'silver' })),
      following(person('goldBlocked', { membershipTier: 'gold' }), false),
      person('goldUnlinked', { membershipTier: 'gold' }),
      following({ ...person('favRestocked'), events: [ev('favorite', daysAgo(30), 'SKU-A')] }),
      following({ ...person('favOld'), events: [ev('favorite', daysAgo(30), 'SKU-B')] }),
      following({ ...person('favNothing'), events: [ev('favorite', daysAgo(30), 'SKU-C')] }),
    ];
    // m41/m40 etc. have no registeredAt, so "registered but never bought" only sees those that do.
    // Aggregates as ingestion keeps them ("never bought" reads purchase_count).
    await loadPopulation(ctx.sql, ws.id, people.map(withIngestAggregates), [
      { sku: 'SKU-A', kind: 'back_in_stock', occurredAt: daysAgo(1) },
      { sku: 'SKU-B', kind: 'price_drop', occurredAt: daysAgo(10) },
    ]);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await ctx?.close();
  });

  const expected: Record<string, string[]> = {
    menAged30to40: ['m36', 'm40'],
    womenBornInJulyInTokyoArea: ['fJulyTokyo'],
    employeesAndPartTimers20Plus: ['emp20', 'pt45'],
    boughtItemsOf10000YenThreeTimes: ['bigBuyer'],
    registeredButNeverBought: ['fiveMonths', 'neverBought', 'sevenMonths', 'sixMonths'],
    sixMonthsAfterStarting: ['sixMonths'],
    cartAbandoners: ['abandoner'],
    goldMembers: ['gold'],
    favouritesRestockedOrCheaper: ['favRestocked'],
  };

  it.each(Object.keys(EXAMPLES))('expresses the example "%s" as written', async (name) => {
    const res = await preview(EXAMPLES[name]);
    expect(res.status).toBe(200);
    const ids = (res.body.sample as Array<{ externalId: string }>).map((s) => s.externalId).sort();
    expect(ids).toEqual(expected[name]);
    expect(res.body.audience).toBe(expected[name].length);
  });

  it('counts matching members and those reachable on LINE; a link rule lifts the default restriction', async () => {
    const gold = await preview(EXAMPLES.goldMembers);
    expect(gold.body).toMatchObject({ matching: 3, reachable: 1, audience: 1, restrictedToReachable: true });
    const notFollowingGold = await preview({
      all: [EXAMPLES.goldMembers, { not: { link: 'following' } }],
    });
    expect(notFollowingGold.body).toMatchObject({
      matching: 2,
      reachable: 0,
      audience: 2,
      restrictedToReachable: false,
    });
    const viaOtherChannel = await call('/segments/preview', {
      body: { channelId: otherChannelId, rules: EXAMPLES.goldMembers, now: NOW.toISOString() },
    });
    expect(viaOtherChannel.body).toMatchObject({ matching: 3, reachable: 0, audience: 0 });
  });

  it('counts the same with both count shapes (merge with all reachable users, probe per member)', async () => {
    const segments = api.get(SegmentsService);
    const ws = await api.get(WorkspacesService).ensureDefault();
    const trees = [...Object.values(EXAMPLES), { all: [EXAMPLES.goldMembers, { not: { link: 'following' } }] }];
    for (const rules of trees) {
      for (const channel of [channelId, otherChannelId]) {
        const c = segments.compile(await segments.prepare(ws.id, rules), ws.id, channel, NOW);
        const merged = await ctx.sql.query(countSql(c), c.params.values);
        const probed = await ctx.sql.query(countByProbeSql(c), c.params.values);
        expect(probed.rows).toEqual(merged.rows);
        const shown = await call('/segments/preview', { body: { channelId: channel, rules, now: NOW.toISOString() } });
        expect(merged.rows[0]).toEqual({ matching: shown.body.matching, reachable: shown.body.reachable });
      }
    }
  });

  it('counts the same in member-id parts as in one statement, wherever the cuts fall', async () => {
    const segments = api.get(SegmentsService);
    const ws = await api.get(WorkspacesService).ensureDefault();
    const { rows: ids } = await ctx.sql.query<{ id: string }>(`SELECT m.id::text AS id FROM members m ORDER BY m.id`);
    const trees = [
      ...Object.values(EXAMPLES),
      { all: [EXAMPLES.goldMembers, { not: { link: 'following' } }] },
      { any: [EXAMPLES.registeredButNeverBought, { not: EXAMPLES.boughtItemsOf10000YenThreeTimes }] },
    ];
    const sum = (rows: Array<{ matching: number; reachable: number }>) =>
      rows.reduce((a, b) => ({ matching: a.matching + b.matching, reachable: a.reachable + b.reachable }));
    for (const rules of trees) {
      const p = await segments.prepare(ws.id, rules);
      const serial = segments.compile(p, ws.id, channelId, NOW);
      const whole = (await ctx.sql.query(countSql(serial), serial.params.values)).rows[0];
      // Cuts at a third and two thirds of the members, and one part per member.
      const cutSets = [
        [ids[Math.floor(ids.length / 3)].id, ids[Math.floor((2 * ids.length) / 3)].id],
        ids.slice(1).map((r) => r.id),
      ];
      for (const cuts of cutSets) {
        const bounds = ['-9223372036854775808', ...cuts, '9223372036854775807'];
        for (const shape of [countSql, countByProbeSql]) {
          const parts: Array<{ matching: number; reachable: number }> = [];
          for (let i = 0; i + 1 < bounds.length; i++) {
            const c = segments.compile(p, ws.id, channelId, NOW, { from: bounds[i], to: bounds[i + 1] });
            parts.push(
              (await ctx.sql.query<{ matching: number; reachable: number }>(shape(c), c.params.values)).rows[0],
            );
          }
          expect(sum(parts)).toEqual(whole);
        }
      }
    }
  });

  it('reports every problem of a rule tree at once, with a path to each bad node', async () => {
    const res = await preview({
      all: [
        { attr: 'gender', op: 'eq', value: 'male' },
        { attr: 'shoeSize', op: 'eq', value: 42 },
        {
          any: [
            { attr: 'age', op: 'gte', value: 'thirty' },
            { event: 'purchase', within: { lastDays: 0 } },
          ],
        },
        { attr: 'region', op: 'in', value: ['atlantis'] },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('SEGMENT_RULES_INVALID');
    expect(res.body.error.details).toEqual([
      { field: 'rules.all[1].attr', reason: 'unknown attribute "shoeSize"' },
      { field: 'rules.all[2].any[0].value', reason: 'expected an integer from 0 to 200' },
      { field: 'rules.all[2].any[1].within.lastDays', reason: 'expected an integer from 1 to 36500' },
      { field: 'rules.all[3].value[0]', reason: expect.stringContaining('expected a region') },
    ]);
  });

  it('refuses trees deeper or larger than the documented limits', async () => {
    let deep: unknown = { attr: 'gender', op: 'eq', value: 'male' };
    for (let i = 0; i < 12; i++) deep = { not: deep };
    const tooDeep = await preview(deep);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error.details[0].reason).toMatch(/nesting deeper than 10/);
    const wide = await preview({ any: Array.from({ length: 150 }, () => ({ attr: 'gender', op: 'exists' })) });
    expect(wide.status).toBe(400);
  });

  it('shows the compiled SQL and parameters to admin keys only; user input stays in the parameters', async () => {
    const rules = { attr: 'membershipTier', op: 'eq', value: "gold'; DROP TABLE members; --" };
    const forbidden = await call('/segments/sql', { body: { channelId, rules } });
    expect(forbidden.status).toBe(403);
    const res = await call('/segments/sql', { key: admin, body: { channelId, rules } });
    expect(res.status).toBe(200);
    expect(res.body.count).not.toContain('DROP');
    expect(res.body.params).toContain("gold'; DROP TABLE members; --");
    expect((await preview(rules)).body.audience).toBe(0);
  });

  it('saves, versions on change, lists, refreshes the count in the worker, snapshots and deletes', async () => {
    const created = await call('/segments', { body: { name: 'Gold', channelId, rules: EXAMPLES.goldMembers } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.version).toBe(1);

    for (let i = 0; i < 100; i++) {
      const s = await call(`/segments/${id}`);
      if (s.body.count !== null) {
        expect(s.body.count).toMatchObject({ matching: 3, reachable: 1, audience: 1 });
        break;
      }
      if (i === 99) throw new Error('the worker never counted the segment');
      await new Promise((r) => setTimeout(r, 100));
    }

    const same = await call(`/segments/${id}`, { method: 'PUT', body: { description: 'only the description' } });
    expect(same.body.version).toBe(1);
    const changed = await call(`/segments/${id}`, {
      method: 'PUT',
      body: { rules: { attr: 'membershipTier', op: 'in', value: ['gold', 'silver'] } },
    });
    expect(changed.body.version).toBe(2);
    const versions = await call(`/segments/${id}/versions`);
    expect((versions.body as Array<{ version: number }>).map((v) => v.version)).toEqual([1, 2]);
    expect(((await call('/segments')).body as Array<{ id: string }>).map((s) => s.id)).toContain(id);

    const snap = await call(`/segments/${id}/snapshots`, { body: { now: NOW.toISOString() } });
    expect(snap.status).toBe(201);
    expect(snap.body.size).toBe(2);
    const page1 = await call(`/segments/snapshots/${snap.body.snapshotId}/members?limit=1`);
    const page2 = await call(
      `/segments/snapshots/${snap.body.snapshotId}/members?limit=1&after=${page1.body[0].memberId}`,
    );
    const page3 = await call(
      `/segments/snapshots/${snap.body.snapshotId}/members?limit=1&after=${page2.body[0].memberId}`,
    );
    expect([page1.body.length, page2.body.length, page3.body.length]).toEqual([1, 1, 0]);
    expect(page1.body[0].lineUserId).toMatch(/^\d+$/);
    const { rows } = await ctx.sql.query(
      `SELECT m.external_id FROM segment_snapshot_chunks c CROSS JOIN LATERAL unnest(c.member_ids) AS u(member_id)
        JOIN members m ON m.id = u.member_id WHERE c.snapshot_id = $1 ORDER BY 1`,
      [snap.body.snapshotId],
    );
    expect((rows as Array<{ external_id: string }>).map((r) => r.external_id)).toEqual(['gold', 'silver']);

    const user = await call('/segments', { body: { name: 'Uses gold', channelId, rules: { segment: id } } });
    expect(user.status).toBe(201);
    const cycle = await call(`/segments/${id}`, { method: 'PUT', body: { rules: { segment: user.body.id } } });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.details[0].field).toBe('rules.segment');
    const inUse = await call(`/segments/${id}`, { method: 'DELETE' });
    expect(inUse.status).toBe(409);
    expect((await call(`/segments/${user.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/segments/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`/segments/${id}`)).status).toBe(404);
    // The snapshot outlives the segment: a sent campaign's audience stays reproducible.
    expect((await call(`/segments/snapshots/${snap.body.snapshotId}`)).body.size).toBe(2);
  });

  it('answers the rich-menu port "which of these members are in the segment"', async () => {
    const created = await call('/segments', { body: { name: 'Gold 2', channelId, rules: EXAMPLES.goldMembers } });
    const { rows } = await ctx.sql.query(`SELECT id::text, external_id FROM members WHERE external_id LIKE 'gold%'`);
    const ids = (rows as Array<{ id: string; external_id: string }>).map((r) => r.id);
    const port = api.get<symbol, SegmentMembershipPort>(SEGMENT_MEMBERSHIP);
    const workspaceId = (await api.get(WorkspacesService).ensureDefault()).id;
    const inSegment = await port.membersIn(workspaceId, created.body.id as string, ids);
    const gold = (rows as Array<{ id: string; external_id: string }>).find((r) => r.external_id === 'gold');
    expect([...inSegment]).toEqual([gold?.id]);
    expect((await port.membersIn(workspaceId, '00000000-0000-4000-8000-000000000000', ids)).size).toBe(0);
  });

  it('erasing a member (DELETE /members/{externalId}) leaves none of its rows in snapshots', async () => {
    const workspaceId = (await api.get(WorkspacesService).ensureDefault()).id;
    const platinum = (id: string) => following(person(id, { membershipTier: 'platinum' }));
    const ids = await loadPopulation(ctx.sql, workspaceId, [platinum('erased'), platinum('kept')]);
    const rules = { attr: 'membershipTier', op: 'eq', value: 'platinum' };
    const created = await call('/segments', { body: { name: 'Platinum', channelId, rules } });
    const snaps = await Promise.all(
      [1, 2].map(() => call(`/segments/${created.body.id}/snapshots`, { body: { now: NOW.toISOString() } })),
    );
    expect(snaps.map((s) => Number(s.body.size))).toEqual([2, 2]);

    expect((await call('/members/erased', { method: 'DELETE', key: admin })).status).toBe(204);
    const { rows } = await ctx.sql.query<{ snapshot_id: string; member_id: string }>(
      `SELECT c.snapshot_id::text, u.member_id::text
         FROM segment_snapshot_chunks c CROSS JOIN LATERAL unnest(c.member_ids) AS u(member_id)
        WHERE u.member_id = ANY($1::bigint[])`,
      [[ids.get('erased'), ids.get('kept')]],
    );
    expect(rows.filter((r) => r.member_id === ids.get('erased'))).toEqual([]);
    // Only the erased member's rows went: the others of both snapshots stay.
    expect(rows.map((r) => r.snapshot_id).sort()).toEqual(snaps.map((s) => String(s.body.snapshotId)).sort());
    const page = await call(`/segments/snapshots/${snaps[0].body.snapshotId}/members`);
    expect((page.body as Array<{ memberId: string }>).map((m) => m.memberId)).toEqual([ids.get('kept')]);
  });

  it('documents the rule tree in the OpenAPI schema', async () => {
    const doc = (await call('/docs.json')).body;
    expect(Object.keys(doc.paths as object)).toEqual(
      expect.arrayContaining(['/segments/preview', '/segments', '/segments/sql']),
    );
    expect(JSON.stringify(doc)).toContain('favouriteChanged');
  });
});
