import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TestContext } from '@app/testing';
import { CampaignView } from '@app/campaigns';
import { SegmentsService } from '@app/segments';
import { RunningEmulator } from '../apps/line-emulator/src/server';
import { seedAudience } from '../bench/lib/delivery-harness';
import { CampaignsHarness, startCampaignsHarness } from './campaigns-support';

const LINE_CHANNEL = '2000000888';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

jest.setTimeout(120_000);
describe('campaigns over HTTP (segments, triggers, rules) through the LINE emulator', () => {
  let h: CampaignsHarness;
  let ctx: TestContext;
  let emu: RunningEmulator;
  let api: NestFastifyApplication;
  let workspaceId: string;
  let channelId: string;

  const call = <T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; body: T }> => h.call<T>(method, url, payload);
  const received = (i: number): string[] => h.received(i);
  const waitFor = (id: string, done: (v: CampaignView) => boolean, ms?: number): Promise<CampaignView> =>
    h.waitForCampaign(id, done, ms);
  const until = (check: () => boolean | Promise<boolean>, ms?: number): Promise<void> => h.until(check, ms);
  /** Moves the time every delivery rule sees (api and worker) to `at`. */
  const setNow = (at: Date): void => h.setNow(at);
  const settings = (body: Record<string, unknown>): Promise<{ status: number }> =>
    call('PUT', `/channels/${channelId}/delivery-settings`, body);
  const event = (memberId: string, type: string, properties: Record<string, unknown> = {}): Promise<unknown> =>
    h.event(memberId, type, properties).then((status) => expect(status).toBe(201));

  beforeAll(async () => {
    h = await startCampaignsHarness(LINE_CHANNEL);
    ({ ctx, emu, api, workspaceId, channelId } = h);
    expect((await settings({ quietStart: '00:00', quietEnd: '00:00', frequencyCapMax: 0 })).status).toBe(200);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('sends to a saved segment (snapshot) with preview and progress over HTTP', async () => {
    await seedAudience(ctx.sql, workspaceId, channelId, 1, 300, { prefix: 's' });
    const segment = await api.get(SegmentsService).create(workspaceId, {
      name: 'points ≥ 200',
      channelId,
      rules: { attr: 'pointsBalance', op: 'gte', value: 200 },
    });
    const draft = await call<CampaignView>('POST', '/campaigns', {
      name: 'segment',
      channelId,
      audience: { type: 'segment', segmentId: segment.id },
      messages: [{ type: 'text', text: 'seg {{ member.points }}' }],
      trigger: { type: 'now' },
      start: false,
    });
    expect(draft.status).toBe(201);
    const preview = await call('GET', `/campaigns/${draft.body.id}/preview`);
    expect(preview.status).toBe(200);
    expect(await call('POST', `/campaigns/${draft.body.id}/start`)).toMatchObject({ status: 200 });
    const done = await waitFor(draft.body.id, (v) => v.status === 'completed');
    // 200..300 with points ≥ 200 and following (i % 10 !== 9): the snapshot keeps reachable members only.
    const expected = Array.from({ length: 101 }, (_, k) => 200 + k).filter((i) => i % 10 !== 9);
    expect(done.progress.sent).toBe(expected.length);
    // Planning filled the run's snapshot page by page: afterwards it holds exactly the audience sent to.
    const { rows: runs } = await ctx.sql.query<{ source: { snapshotId: string; filling?: boolean } }>(
      `SELECT source FROM campaign_runs WHERE campaign_id = $1`,
      [draft.body.id],
    );
    expect(runs).toHaveLength(1);
    expect(runs[0].source.filling).toBeUndefined();
    const snapshotId = runs[0].source.snapshotId;
    expect((await call<{ size: number }>('GET', `/segments/snapshots/${snapshotId}`)).body.size).toBe(expected.length);
    const members = await call<Array<{ memberId: string }>>('GET', `/segments/snapshots/${snapshotId}/members`);
    const { rows: ids } = await ctx.sql.query<{ id: string }>(
      `SELECT id::text FROM members WHERE workspace_id = $1 AND external_id = ANY($2::text[]) ORDER BY id`,
      [workspaceId, expected.map((i) => `s${i}`)],
    );
    expect(members.body.map((m) => m.memberId)).toEqual(ids.map((r) => r.id));
    // The exactly-once guard holds after the send: a second batch of the run over a member already
    // sent to is refused by the range exclusion; the same range in another run is not.
    const { rows: batches } = await ctx.sql.query<{ id: string; run_id: string; lo: string }>(
      `SELECT b.id::text, b.run_id::text, b.member_ids[1]::text AS lo FROM delivery_batches b
        WHERE b.campaign_id = $1 AND b.status = 'done' LIMIT 1`,
      [draft.body.id],
    );
    expect(batches).toHaveLength(1);
    const twice = (runId: string) =>
      ctx.sql.query(
        `WITH b AS (
           INSERT INTO delivery_batches (run_id, campaign_id, workspace_id, channel_id, seq, status, recipient_count, member_ids, available_at)
           SELECT $1, campaign_id, workspace_id, channel_id, 999, 'pending', 1, ARRAY[$3::bigint], now()
             FROM delivery_batches WHERE id = $2
           RETURNING id, run_id)
         INSERT INTO delivery_batch_ranges (batch_id, run_id, members) SELECT id, run_id, int8range($3::bigint, $3::bigint, '[]') FROM b`,
        [runId, batches[0].id, batches[0].lo],
      );
    await expect(twice(batches[0].run_id)).rejects.toMatchObject({ code: '23P01' });
    const { rows: other } = await ctx.sql.query<{ id: string }>(
      `INSERT INTO campaign_runs (campaign_id, workspace_id, run_key, status, source, due_at)
       SELECT campaign_id, workspace_id, 'guard-test', 'completed', source, now() FROM campaign_runs WHERE id = $1
       RETURNING id::text`,
      [batches[0].run_id],
    );
    await expect(twice(other[0].id)).resolves.toMatchObject({ rowCount: 1 });
    expect(received(250)).toEqual(['seg 250']);
    expect(received(199)).toEqual([]);
    // Block rate: 250 and 251 block the channel after the send, 252 eight days after, 150 (not a recipient) too.
    await ctx.sql.query(
      `INSERT INTO line_friendship_events (workspace_id, channel_id, line_user_row_id, type, occurred_at)
       SELECT lu.workspace_id, lu.channel_id, lu.id, 'block', now() + (CASE WHEN m.external_id = 's252' THEN 8 ELSE 0 END) * interval '1 day' + interval '1 second'
       FROM line_users lu JOIN members m ON m.id = lu.member_id
       WHERE lu.channel_id = $1 AND m.external_id IN ('s250', 's251', 's252', 's150')`,
      [channelId],
    );
    const withBlocks = await call<CampaignView>('GET', `/campaigns/${draft.body.id}`);
    expect(withBlocks.body.blocks).toEqual({
      windowDays: 7,
      sent: expected.length,
      blocked: 2,
      rate: 2 / expected.length,
    });
    const bad = await call<{ error: { code: string; details: unknown[] } }>('POST', '/campaigns', {
      name: 'bad',
      channelId,
      messages: [],
      trigger: { type: 'event', event: 'purchase', condition: { attr: 'nope', op: 'eq', value: 1 } },
    });
    expect(bad.status).toBe(400);
  });

  it('event triggers: thank-you with a segment condition, cart reminder cancelled by a purchase, step sequence stopped by conversion', async () => {
    await seedAudience(ctx.sql, workspaceId, channelId, 1001, 6, { prefix: 'e', someNotFollowing: false });
    const create = (name: string, trigger: Record<string, unknown>, texts: string[]): Promise<unknown> =>
      call('POST', '/campaigns', {
        name,
        channelId,
        category: 'transactional',
        messages: texts.map((text) => ({ type: 'text', text })),
        trigger: { type: 'event', ...trigger },
      }).then((r) => expect(r.status).toBe(201));
    await create('thanks', { event: 'purchase', condition: { attr: 'pointsBalance', op: 'gte', value: 1002 } }, [
      'thanks',
    ]);
    await create('cart', { event: 'cart_abandoned', delayMinutes: 60 }, ['cart reminder']);
    await create('welcome', { event: 'signup_sequence', stepDays: [0, 3] }, ['welcome day 0', 'welcome day 3']);
    const purchase = { orderId: 'o', totalAmount: 100, items: [{ sku: 'A', price: 100, quantity: 1 }] };
    await event('e1001', 'purchase', purchase); // points 1001: condition false
    await event('e1002', 'purchase', purchase); // points 1002: thanked
    await until(() => received(1002).includes('thanks'));
    expect(received(1001)).toEqual([]);

    await event('e1003', 'cart_add', { sku: 'A' });
    await event('e1004', 'cart_add', { sku: 'A' });
    await event('e1005', 'signup');
    await event('e1006', 'signup');
    await until(() => received(1005).includes('welcome day 0') && received(1006).includes('welcome day 0'));
    await new Promise((r) => setTimeout(r, 300));
    await event('e1004', 'purchase', purchase); // cancels 1004's cart reminder
    await event('e1006', 'purchase', purchase); // converts: stops 1006's sequence
    await new Promise((r) => setTimeout(r, 500));
    setNow(new Date(Date.now() + 61 * MIN));
    await until(() => received(1003).includes('cart reminder'));
    setNow(new Date(Date.now() + 3 * DAY + MIN));
    await until(() => received(1005).includes('welcome day 3'));
    await new Promise((r) => setTimeout(r, 1000));
    // Their purchases thank them (points ≥ 1002); the reminder and day 3 never come.
    expect(received(1004)).toEqual(['thanks']);
    expect(received(1006)).toEqual(['welcome day 0', 'thanks']);
    expect(received(1003)).toEqual(['cart reminder']);
    expect(received(1005)).toEqual(['welcome day 0', 'welcome day 3']);
    const { rows } = await ctx.sql.query<{ status_reason: string }>(
      `SELECT status_reason FROM campaign_runs WHERE status = 'cancelled' ORDER BY status_reason`,
    );
    expect(rows.map((r) => r.status_reason)).toEqual(['converted (purchased)', 'purchased after the cart add']);
    h.resetClock();
  });

  it('holds a marketing send during quiet hours and sends at their end; caps frequency; refuses or trims on quota', async () => {
    await seedAudience(ctx.sql, workspaceId, channelId, 2001, 10, { prefix: 'q', someNotFollowing: false });
    const ids = Array.from({ length: 10 }, (_, k) => `q${2001 + k}`);
    expect(
      (await settings({ quietStart: '21:00', quietEnd: '09:00', frequencyCapMax: 1, frequencyCapDays: 7 })).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 2_100)); // the worker caches channel settings for 2 s
    setNow(new Date('2026-06-01T22:00:00+09:00'));
    const quiet = await call<CampaignView>('POST', '/campaigns', {
      name: 'late',
      channelId,
      audience: { type: 'members', externalIds: ids.slice(0, 5) },
      messages: [{ type: 'text', text: 'late sale' }],
      trigger: { type: 'now' },
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(received(2001)).toEqual([]);
    expect((await call<CampaignView>('GET', `/campaigns/${quiet.body.id}`)).body.progress.queued).toBe(5);
    setNow(new Date('2026-06-02T09:00:30+09:00'));
    await waitFor(quiet.body.id, (v) => v.status === 'completed');
    expect(received(2001)).toEqual(['late sale']);

    // Cap 1 per 7 days: the 5 who got "late sale" are skipped now, the others get it.
    const capped = await call<CampaignView>('POST', '/campaigns', {
      name: 'cap',
      channelId,
      audience: { type: 'members', externalIds: ids },
      messages: [{ type: 'text', text: 'second' }],
      trigger: { type: 'now' },
    });
    const c = await waitFor(capped.body.id, (v) => v.status === 'completed');
    expect(c.progress.sent).toBe(5);
    expect(c.progress.skipped).toEqual({ frequency_cap: 5 });
    expect(received(2006)).toEqual(['second']);
    await settings({ quietStart: '00:00', quietEnd: '00:00', frequencyCapMax: 0 });
    await new Promise((r) => setTimeout(r, 2_100));

    // Quota: 3 messages left this month.
    await fetch(`${emu.url}/_emulator/channels/${LINE_CHANNEL}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ monthlyQuota: emu.recorder.counts.messagesDelivered + 3 }),
    });
    const refused = await call<CampaignView>('POST', '/campaigns', {
      name: 'refuse',
      channelId,
      audience: { type: 'members', externalIds: ids },
      messages: [{ type: 'text', text: 'over quota' }],
      trigger: { type: 'now' },
    });
    const r = await waitFor(refused.body.id, (v) => v.status === 'refused');
    expect(r.statusReason).toMatch(/quota/);
    const partial = await call<CampaignView>('POST', '/campaigns', {
      name: 'partial',
      channelId,
      quotaPolicy: 'partial',
      audience: { type: 'members', externalIds: ids },
      messages: [{ type: 'text', text: 'partial' }],
      trigger: { type: 'now' },
    });
    const p = await waitFor(partial.body.id, (v) => v.status === 'completed');
    expect(p.progress.sent).toBe(3);
    expect(p.progress.skipped).toEqual({ quota: 7 });
    expect(p.statusReason).toMatch(/Partial/);
    // A segment audience: planning opens a snapshot to fill and plans its first page while LINE
    // answers the quota; told of a limit, it drops that page and counts the whole audience first.
    await fetch(`${emu.url}/_emulator/channels/${LINE_CHANNEL}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ monthlyQuota: emu.recorder.counts.messagesDelivered + 4 }),
    });
    const quotaSegment = await api.get(SegmentsService).create(workspaceId, {
      name: 'quota segment',
      channelId,
      rules: { attr: 'pointsBalance', op: 'in', value: Array.from({ length: 10 }, (_, k) => 2001 + k) },
    });
    const partialSegment = await call<CampaignView>('POST', '/campaigns', {
      name: 'partial segment',
      channelId,
      quotaPolicy: 'partial',
      audience: { type: 'segment', segmentId: quotaSegment.id },
      messages: [{ type: 'text', text: 'partial segment' }],
      trigger: { type: 'now' },
    });
    const ps = await waitFor(partialSegment.body.id, (v) => v.status === 'completed');
    expect([ps.progress.sent, ps.progress.skipped]).toEqual([4, { quota: 6 }]);
    // Checked where LINE sees it: 4 recipients, each once.
    const got = emu.recorder
      .query({ limit: 100_000 })
      .filter((x) => JSON.stringify(x.messages).includes('partial segment'))
      .flatMap((x) => x.to);
    expect([got.length, new Set(got).size]).toEqual([4, 4]);
    const { rows: sources } = await ctx.sql.query<{ source: { snapshotId?: string; filling?: boolean } }>(
      `SELECT source FROM campaign_runs WHERE campaign_id = $1`,
      [partialSegment.body.id],
    );
    expect(sources[0].source.filling).toBeUndefined();
    const { rows: snap } = await ctx.sql.query<{ n: number }>(
      `SELECT coalesce(sum(size), 0)::int AS n FROM segment_snapshot_chunks WHERE snapshot_id = $1`,
      [sources[0].source.snapshotId],
    );
    expect(snap[0].n).toBe(10);
    await fetch(`${emu.url}/_emulator/channels/${LINE_CHANNEL}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ monthlyQuota: null }),
    });
    h.resetClock();
  });

  it('two capped marketing campaigns planned at the same moment never exceed the cap for a member', async () => {
    await seedAudience(ctx.sql, workspaceId, channelId, 4001, 300, { prefix: 'c', someNotFollowing: false });
    const ids = Array.from({ length: 300 }, (_, k) => `c${4001 + k}`);
    expect(
      (await settings({ quietStart: '00:00', quietEnd: '00:00', frequencyCapMax: 1, frequencyCapDays: 7 })).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 2_100)); // the worker caches channel settings for 2 s
    // Created together: the worker plans both at once (runs concurrency 4), before either has sent.
    const [a, b] = await Promise.all(
      ['race A', 'race B'].map((text) =>
        call<CampaignView>('POST', '/campaigns', {
          name: text,
          channelId,
          audience: { type: 'members', externalIds: ids },
          messages: [{ type: 'text', text }],
          trigger: { type: 'now' },
        }),
      ),
    );
    const done = await Promise.all([a, b].map((c) => waitFor(c.body.id, (v) => v.status === 'completed')));
    // Checked from what LINE (the emulator) received: every member exactly one of the two.
    const counts = ids.map((_, k) => received(4001 + k).filter((t) => t.startsWith('race')).length);
    expect(counts.filter((n) => n !== 1)).toEqual([]);
    expect(done[0].progress.sent + done[1].progress.sent).toBe(300);
    expect((done[0].progress.skipped.frequency_cap ?? 0) + (done[1].progress.skipped.frequency_cap ?? 0)).toBe(300);
    await settings({ quietStart: '00:00', quietEnd: '00:00', frequencyCapMax: 0 });
    await new Promise((r) => setTimeout(r, 2_100));
  });

  // The claim looks LINE users up by one range scan when a batch's member ids are close together
  // and by one probe per recipient when they are spread out (CLAIM_SQL): both must see changes.
  it.each([
    { shape: 'close together (range scan)', from: 6001, seeded: 20, step: 1 },
    { shape: 'spread out (probe per recipient)', from: 6101, seeded: 100, step: 5 },
  ])(
    'skips at send time segment members who unfollowed or unlinked after planning, ids $shape',
    async ({ from, seeded, step }) => {
      await seedAudience(ctx.sql, workspaceId, channelId, from, seeded, { prefix: 'u', someNotFollowing: false });
      const picked = Array.from({ length: seeded / step }, (_, k) => from + k * step);
      const segment = await api.get(SegmentsService).create(workspaceId, {
        name: `points ${from}…, every ${step}`,
        channelId,
        rules: { attr: 'pointsBalance', op: 'in', value: picked },
      });
      expect((await settings({ quietStart: '21:00', quietEnd: '09:00', frequencyCapMax: 0 })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2_100)); // the worker caches channel settings for 2 s
      setNow(new Date('2026-07-01T22:00:00+09:00'));
      const held = await call<CampaignView>('POST', '/campaigns', {
        name: `held ${from}`,
        channelId,
        audience: { type: 'segment', segmentId: segment.id },
        messages: [{ type: 'text', text: 'held' }],
        trigger: { type: 'now' },
      });
      // Planned during quiet hours: queued (planning trusts the segment), nothing sent yet.
      await waitFor(held.body.id, (v) => v.progress.queued === picked.length);
      const [unfollowed, unlinked] = [picked[2], picked[5]];
      await ctx.sql.query(
        `UPDATE line_users SET following = false
         WHERE member_id = (SELECT id FROM members WHERE workspace_id = $1 AND external_id = $2)`,
        [workspaceId, `u${unfollowed}`],
      );
      await ctx.sql.query(
        `UPDATE line_users SET member_id = NULL
         WHERE member_id = (SELECT id FROM members WHERE workspace_id = $1 AND external_id = $2)`,
        [workspaceId, `u${unlinked}`],
      );
      setNow(new Date('2026-07-02T09:00:30+09:00'));
      const done = await waitFor(held.body.id, (v) => v.status === 'completed');
      expect(done.progress.sent).toBe(picked.length - 2);
      expect(done.progress.skipped).toEqual({ not_following: 1, not_linked: 1 });
      expect(received(unfollowed)).toEqual([]);
      expect(received(unlinked)).toEqual([]);
      for (const i of picked.filter((i) => i !== unfollowed && i !== unlinked)) expect(received(i)).toEqual(['held']);
      // Seeded but not in the audience: nothing.
      if (step > 1) expect(received(from + 1)).toEqual([]);
      await settings({ quietStart: '00:00', quietEnd: '00:00', frequencyCapMax: 0 });
      h.resetClock();
      await new Promise((r) => setTimeout(r, 2_100));
    },
  );

  it('runs a scheduled one-off at its time and a recurring campaign once per occurrence', async () => {
    await seedAudience(ctx.sql, workspaceId, channelId, 3001, 3, { prefix: 'r', someNotFollowing: false });
    const ids = ['r3001', 'r3002', 'r3003'];
    const base = Date.now();
    const once = await call<CampaignView>('POST', '/campaigns', {
      name: 'once',
      channelId,
      audience: { type: 'members', externalIds: ids },
      messages: [{ type: 'text', text: 'scheduled' }],
      trigger: { type: 'once', at: new Date(base + 10 * MIN).toISOString() },
    });
    expect(once.body.status).toBe('scheduled');
    const rec = await call<CampaignView>('POST', '/campaigns', {
      name: 'monthly',
      channelId,
      audience: { type: 'members', externalIds: ids },
      messages: [{ type: 'text', text: 'recurring' }],
      trigger: { type: 'recurring', cron: '0 * * * *', timezone: 'Asia/Tokyo' },
    });
    expect(rec.body.status).toBe('active');
    await new Promise((r) => setTimeout(r, 800));
    expect(received(3001)).toEqual([]);
    setNow(new Date(base + 11 * MIN));
    await waitFor(once.body.id, (v) => v.status === 'completed');
    expect(received(3001).filter((t) => t === 'scheduled')).toHaveLength(1);
    setNow(new Date(base + 61 * MIN));
    await until(() => received(3002).includes('recurring'));
    setNow(new Date(base + 121 * MIN));
    await until(() => received(3002).filter((t) => t === 'recurring').length >= 2);
    await new Promise((r) => setTimeout(r, 1000));
    // One run per hourly occurrence, each its own key; every member once per run.
    const runs = await call<unknown[]>('GET', `/campaigns/${rec.body.id}/runs`);
    expect(runs.body.length).toBeGreaterThanOrEqual(2);
    for (const m of [3001, 3002, 3003]) {
      expect(received(m).filter((t) => t === 'recurring')).toHaveLength(runs.body.length);
    }
    h.resetClock();
  });
});
