import type Redis from 'ioredis';
import { Queue } from 'bullmq';
import { QueueName, REDIS } from '@app/common';
import { TriggerPublisher } from '@app/members';
import { DeliveryPolicyService, TriggerLauncherService } from '@app/campaigns';
import { ChannelsService } from '@app/workspaces';
import { seedAudience } from '../bench/lib/delivery-harness';
import { CampaignsHarness, startCampaignsHarness } from './campaigns-support';

const LINE_CHANNEL = '2000000889';

jest.setTimeout(120_000);
describe('event runs started by the stream relay (set-based planning, inline send)', () => {
  let h: CampaignsHarness;

  const call = async (method: 'POST' | 'PUT', url: string, payload: unknown): Promise<number> =>
    (await h.call(method, url, payload)).status;
  const received = (i: number): string[] => h.received(i);
  const until = (check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> => h.until(check, ms);
  /** Uses the trigger-events queue of this test's Redis prefix, and closes it. */
  const withTriggerQueue = async <T>(use: (queue: Queue) => Promise<T>): Promise<T> => {
    const queue = new Queue(QueueName.TriggerEvents, {
      connection: { host: '127.0.0.1', port: 6379 },
      prefix: h.ctx.config.queue.prefix,
    });
    try {
      return await use(queue);
    } finally {
      await queue.close();
    }
  };
  /** Jobs on the trigger-events road (the relay's inline matching makes none). */
  const triggerJobCounts = (): Promise<Record<string, number>> =>
    withTriggerQueue((queue) => queue.getJobCounts('waiting', 'active', 'completed', 'failed'));
  const purchase = (i: number, n: number): Record<string, unknown> => ({
    eventId: `p-${i}-${n}`,
    memberId: `l${i}`,
    type: 'purchase',
    occurredAt: new Date().toISOString(),
    properties: { orderId: `o${i}-${n}`, totalAmount: 100, items: [{ sku: 'A', price: 100, quantity: 1 }] },
  });

  beforeAll(async () => {
    h = await startCampaignsHarness(LINE_CHANNEL);
    // Members 1..60, linked; 9, 19, 29, … not following.
    await seedAudience(h.ctx.sql, h.workspaceId, h.channelId, 1, 60, { prefix: 'l' });
    expect(
      await call('POST', '/campaigns', {
        name: 'thanks',
        channelId: h.channelId,
        category: 'transactional',
        quietHoursExempt: true,
        messages: [{ type: 'text', text: '{{ member.externalId }} thanks' }],
        trigger: { type: 'event', event: 'purchase' },
      }),
    ).toBe(201);
  });

  afterAll(async () => {
    await h?.close();
  });

  it('thanks every purchase exactly once, skips by rule, and makes nothing of a row relayed again', async () => {
    const members = Array.from({ length: 20 }, (_, k) => k + 1);
    const following = members.filter((i) => i % 10 !== 9);
    expect(await call('POST', '/events:bulk', { records: members.map((i) => purchase(i, 1)) })).toBe(200);
    await until(() => following.every((i) => received(i).length === 1));
    for (const i of following) expect(received(i)).toEqual([`l${i} thanks`]);
    expect(received(9)).toEqual([]);
    await until(async () => {
      const { rows } = await h.ctx.sql.query(`SELECT 1 FROM campaign_runs WHERE status <> 'completed'`);
      return rows.length === 0;
    });
    const runs = await h.ctx.sql.query<{ n: number; audience: number; queued: number; skipped: string }>(
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
    const ledger = await h.ctx.sql.query(`SELECT reason FROM delivery_ledger WHERE status = 'skipped'`);
    expect(ledger.rows).toEqual([{ reason: 'not_following' }, { reason: 'not_following' }]);
    // Matched in the relay: no trigger-events job was made for them.
    expect(await triggerJobCounts()).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0 });

    // The same events announced again (a relay that died between its commit and its ack would
    // re-read them; here a new outbox row with the same ids): no second run, no second message.
    const ids = (await h.ctx.sql.query<{ id: string }>(`SELECT id FROM events`)).rows.map((r) => r.id);
    expect(ids).toHaveLength(20);
    const [{ id: row }] = (
      await h.ctx.sql.query<{ id: string }>(
        `INSERT INTO trigger_outbox (workspace_id, source, ids) VALUES ($1, 'member', $2::bigint[]) RETURNING id`,
        [h.workspaceId, ids],
      )
    ).rows;
    await h.worker.get<Redis>(REDIS).xadd(h.worker.get(TriggerPublisher).streamKey, '*', 'o', row);
    await until(async () => (await h.ctx.sql.query(`SELECT 1 FROM trigger_outbox`)).rowCount === 0);
    // A second purchase of member 1 is a new event: thanked again, once.
    expect(await call('POST', '/events', purchase(1, 2))).toBe(201);
    await until(() => received(1).length === 2);
    expect((await h.ctx.sql.query(`SELECT 1 FROM campaign_runs`)).rowCount).toBe(21);
    for (const i of following.filter((x) => x !== 1)) expect(received(i)).toHaveLength(1);
  });

  it('sweeps an outbox row whose announcement was lost through the same inline matching, not as jobs', async () => {
    // As if the api committed and crashed before its XADD: an event and its row, no stream entry.
    const { rows } = await h.ctx.sql.query<{ id: string }>(
      `INSERT INTO events (workspace_id, member_id, event_id, type, occurred_at, amount, properties)
       SELECT $1, id, 'lost-4', 'purchase', now(), 100, '{"orderId": "lost-4", "totalAmount": 100}'
         FROM members WHERE workspace_id = $1 AND external_id = 'l4'
       RETURNING id`,
      [h.workspaceId],
    );
    await h.ctx.sql.query(
      `INSERT INTO trigger_outbox (workspace_id, source, ids, created_at)
       VALUES ($1, 'member', $2::bigint[], now() - interval '10 seconds')`,
      [h.workspaceId, [rows[0].id]],
    );
    await until(() => received(4).length === 2);
    expect(received(4)).toEqual(['l4 thanks', 'l4 thanks']);
    expect((await h.ctx.sql.query(`SELECT 1 FROM trigger_outbox`)).rowCount).toBe(0);
    expect(await triggerJobCounts()).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0 });
  });

  it('resends with the same retry key what LINE failed (500, 429): every member exactly once', async () => {
    h.emu.context.faults.configure({ seed: 3, rate500: 0.15, rate429: 0.15, rateTimeout: 0 });
    const members = Array.from({ length: 40 }, (_, k) => k + 21);
    const following = members.filter((i) => i % 10 !== 9);
    expect(await call('POST', '/events:bulk', { records: members.map((i) => purchase(i, 1)) })).toBe(200);
    await until(() => following.every((i) => received(i).length >= 1), 60_000);
    h.emu.context.faults.configure({ seed: 3, rate500: 0, rate429: 0, rateTimeout: 0 });
    await until(async () => {
      const { rows } = await h.ctx.sql.query(`SELECT 1 FROM campaign_runs WHERE status <> 'completed'`);
      return rows.length === 0;
    });
    for (const i of following) expect(received(i)).toEqual([`l${i} thanks`]);
    const { rows } = await h.ctx.sql.query<{ status: string; n: number }>(
      `SELECT q.status, count(*)::int AS n FROM delivery_requests q GROUP BY 1`,
    );
    // The first test's 18 + 1, the swept row's 1, these.
    expect(rows).toEqual([{ status: 'accepted', n: 18 + 1 + 1 + following.length }]);
  });

  it('matches a burst of bulk purchases on the trigger-events job road in batches, without exhausting the connection pool', async () => {
    // More events than one outbox row is matched inline: jobs of up to 200 events, each matched
    // in one transaction and launched together, against a pool of 5 connections (tests), the
    // campaign cache cold, and a campaign whose condition loads each member's facts (four queries).
    const vip = await h.call<{ id: string }>('POST', '/campaigns', {
      name: 'vip',
      channelId: h.channelId,
      category: 'transactional',
      quietHoursExempt: true,
      messages: [{ type: 'text', text: 'vip' }],
      trigger: { type: 'event', event: 'purchase', condition: { attr: 'pointsBalance', op: 'gte', value: 0 } },
    });
    expect(vip.status).toBe(201);
    await seedAudience(h.ctx.sql, h.workspaceId, h.channelId, 101, 260, { prefix: 'l', someNotFollowing: false });
    await new Promise((r) => setTimeout(r, 1_100));
    const before = await triggerJobCounts();
    const members = Array.from({ length: 260 }, (_, k) => k + 101);
    expect(await call('POST', '/events:bulk', { records: members.map((i) => purchase(i, 1)) })).toBe(200);
    await until(() => members.every((i) => received(i).length === 2), 60_000);
    for (const i of members) expect([...received(i)].sort()).toEqual([`l${i} thanks`, 'vip']);
    // Two jobs (200 + 60 events), not one per event. A job completes after its sends reached LINE.
    const completed = async (): Promise<number> => (await triggerJobCounts()).completed - before.completed;
    await until(async () => (await completed()) >= 2);
    expect(await completed()).toBe(2);
    expect((await h.call('POST', `/campaigns/${vip.body.id}/cancel`, {})).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
  });

  it('still matches a one-event job queued by an older version (member-event, eventId)', async () => {
    const late = await h.call<{ id: string }>('POST', '/campaigns', {
      name: 'late',
      channelId: h.channelId,
      category: 'transactional',
      quietHoursExempt: true,
      messages: [{ type: 'text', text: 'late' }],
      trigger: { type: 'event', event: 'purchase' },
    });
    expect(late.status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_100));
    // Member 101's purchase was matched above, before this campaign existed: only the job makes its run.
    const [{ id: eventId }] = (
      await h.ctx.sql.query<{ id: string }>(`SELECT id FROM events WHERE event_id = 'p-101-1'`)
    ).rows;
    await withTriggerQueue((queue) =>
      queue.add('member-event', { workspaceId: h.workspaceId, eventId }, { jobId: `member-event-${eventId}` }),
    );
    await until(() => received(101).includes('late'));
    expect([...received(101)].sort()).toEqual(['l101 thanks', 'late', 'vip']);
    expect((await h.call('POST', `/campaigns/${late.body.id}/cancel`, {})).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
  });

  it("catches a monthly limit set while launches remember the channel as unlimited: LINE's 429 pauses the campaign", async () => {
    const limit = async (monthlyQuota: number | null): Promise<void> => {
      await fetch(`${h.emu.url}/_emulator/channels/${LINE_CHANNEL}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ monthlyQuota }),
      });
    };
    // Launches believe a channel LINE found unlimited for a minute after asking. The tests above
    // may have taken longer than that since the last ask (then the purchase below would be
    // refused by the quota check instead of sent into LINE's 429): ask now, before the limit.
    const policy = h.worker.get(DeliveryPolicyService);
    const channel = await h.worker.get(ChannelsService).get(h.workspaceId, h.channelId);
    policy.forgetUnlimited(channel.id);
    expect((await policy.eventLaunchQuota(channel)).remaining).toBeNull();
    // Nothing is left now.
    await limit(h.emu.recorder.counts.messagesDelivered);
    expect(await call('POST', '/events', purchase(2, 3))).toBe(201);
    await until(async () => {
      const { rows } = await h.ctx.sql.query<{ status: string }>(`SELECT status FROM campaigns WHERE name = 'thanks'`);
      return rows[0]?.status === 'paused';
    });
    const { rows } = await h.ctx.sql.query<{ status_reason: string }>(
      `SELECT status_reason FROM campaigns WHERE name = 'thanks'`,
    );
    expect(rows[0].status_reason).toMatch(/monthly message quota is used up/);
    // The 429 ended the belief: the next launch asks LINE, and LINE says nothing is left.
    expect((await policy.eventLaunchQuota(channel)).remaining).toBe(0);
    // Not sent, not lost: the batch waits for the campaign to be resumed.
    expect(received(2)).toEqual(['l2 thanks']);
    const open = await h.ctx.sql.query(`SELECT 1 FROM delivery_batches WHERE status IN ('pending', 'sending')`);
    expect(open.rowCount).toBe(1);
    await limit(null);

    // A run made just before the pause (the matcher saw the campaign active) and launched after
    // it: the launch, whatever it remembered of the campaign, plans nothing for a campaign that is
    // not active; the run waits. Resumed: both members are thanked, once.
    const [{ id: campaignId }] = (
      await h.ctx.sql.query<{ id: string }>(`SELECT id FROM campaigns WHERE name = 'thanks'`)
    ).rows;
    const member3 = (await h.ctx.sql.query<{ id: string }>(`SELECT id FROM members WHERE external_id = 'l3'`)).rows[0]
      .id;
    const [{ id: runId }] = (
      await h.ctx.sql.query<{ id: string }>(
        `INSERT INTO campaign_runs (campaign_id, workspace_id, run_key, status, source, due_at, trigger_member_id)
         VALUES ($1, $2, 'event:late', 'scheduled', jsonb_build_object('kind', 'member', 'memberId', $3::text), now(), $3::bigint)
         RETURNING id`,
        [campaignId, h.workspaceId, member3],
      )
    ).rows;
    await h.worker.get(TriggerLauncherService).launchMany(h.workspaceId, [{ runId, campaignId, dueAt: new Date(0) }]);
    const runStatus = async (): Promise<string> =>
      (await h.ctx.sql.query<{ status: string }>(`SELECT status FROM campaign_runs WHERE id = $1`, [runId])).rows[0]
        .status;
    expect(await runStatus()).toBe('scheduled');
    expect(received(3)).toEqual(['l3 thanks']);
    expect(await call('POST', `/campaigns/${campaignId}/resume`, {})).toBe(200);
    await until(() => received(2).length === 2 && received(3).length === 2);
    await until(async () => (await runStatus()) === 'completed');
    expect(received(2)).toEqual(['l2 thanks', 'l2 thanks']);
    expect(received(3)).toEqual(['l3 thanks', 'l3 thanks']);
  });
});
