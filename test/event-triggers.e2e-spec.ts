import { CampaignView } from '@app/campaigns';
import { seedAudience } from '../bench/lib/delivery-harness';
import { CampaignsHarness, sleep, startCampaignsHarness } from './campaigns-support';

// Event-triggered campaigns end to end (HTTP → trigger path → planning → emulator): catalog changes
// to the members who favourited the product, and the reservation reminder the day before.
jest.setTimeout(90_000);
describe('event triggers: catalog (restock, price drop) and reservation reminder', () => {
  let h: CampaignsHarness;

  beforeAll(async () => {
    h = await startCampaignsHarness('2000000999');
  });
  afterAll(async () => {
    await h?.close();
  });

  const createCampaign = async (body: Record<string, unknown>): Promise<CampaignView> => {
    const r = await h.call<CampaignView>('POST', '/campaigns', { channelId: h.channelId, ...body });
    expect(r.status).toBe(201);
    return r.body;
  };
  const putProduct = async (sku: string, body: Record<string, unknown>): Promise<number> => {
    const r = await h.call<{ catalogEvents: number }>('PUT', `/products/${sku}`, body);
    expect(r.status).toBe(200);
    return r.body.catalogEvents;
  };
  const completedRuns = (v: CampaignView): number => v.progress.runsByStatus.completed ?? 0;

  it('sends a restock and a price drop once to the linked followers who favourited the product, minus those the condition excludes', async () => {
    // No quiet hours, no cap: the subject is who gets the message, not when.
    const s = await h.call('PUT', `/channels/${h.channelId}/delivery-settings`, {
      quietStart: '00:00',
      quietEnd: '00:00',
      frequencyCapMax: 0,
    });
    expect(s.status).toBe(200);
    // c1..c10 linked, c9 not following (i % 10 === 9); c11, c12 never linked. Points = i.
    await seedAudience(h.ctx.sql, h.workspaceId, h.channelId, 1, 10, { prefix: 'c' });
    await seedAudience(h.ctx.sql, h.workspaceId, h.channelId, 11, 2, { prefix: 'c', linked: false });
    expect(await putProduct('BAG', { name: 'Bag', price: 1000, inStock: false })).toBe(0);
    expect(await putProduct('HAT', { name: 'Hat', price: 500, inStock: true })).toBe(0);
    for (const i of [1, 2, 3, 4, 5, 6, 9, 11]) await h.event(`c${i}`, 'favorite', { sku: 'BAG' });
    await h.event('c2', 'favorite', { sku: 'BAG' }); // favourited twice: still one message
    await h.event('c7', 'favorite', { sku: 'HAT' });
    await h.event('c8', 'cart_add', { sku: 'BAG' }); // interest, but not a favourite

    const restock = await createCampaign({
      name: 'restock',
      messages: [{ type: 'text', text: 'BAG is back' }],
      trigger: { type: 'event', event: 'catalog', catalogKinds: ['back_in_stock'] },
    });
    // Only members with at most 4 points: excludes c5 and c6 among the favouriters.
    const cheaper = await createCampaign({
      name: 'cheaper',
      messages: [{ type: 'text', text: 'cheaper now' }],
      trigger: {
        type: 'event',
        event: 'catalog',
        catalogKinds: ['price_drop'],
        condition: { attr: 'pointsBalance', op: 'lte', value: 4 },
      },
    });

    // The trigger path caches the workspace's event campaigns for a second.
    await sleep(1_100);
    // Back in stock at the same price: a restock, no price drop.
    expect(await putProduct('BAG', { name: 'Bag', inStock: true })).toBe(1);
    const r = await h.waitForCampaign(restock.id, (v) => completedRuns(v) === 1);
    expect(r.progress.sent).toBe(6);
    expect(r.progress.skipped).toEqual({ not_following: 1, not_linked: 1 });
    for (const i of [1, 2, 3, 4, 5, 6]) expect(h.received(i)).toEqual(['BAG is back']);

    // Cheaper: the price-drop campaign, to the favouriters the condition keeps.
    expect(await putProduct('BAG', { name: 'Bag', price: 800 })).toBe(1);
    const c = await h.waitForCampaign(cheaper.id, (v) => completedRuns(v) === 1);
    expect(c.progress.sent).toBe(4);
    // An update that changes nothing is no event.
    expect(await putProduct('BAG', { name: 'Bag', price: 800, inStock: true })).toBe(0);
    // Time for a wrong second run or a late duplicate to show up.
    await sleep(1_500);
    for (const i of [1, 2, 3, 4]) expect(h.received(i)).toEqual(['BAG is back', 'cheaper now']);
    for (const i of [5, 6]) expect(h.received(i)).toEqual(['BAG is back']);
    for (const i of [7, 8, 9, 10, 11, 12]) expect(h.received(i)).toEqual([]);
    const runs = await h.call<unknown[]>('GET', `/campaigns/${restock.id}/runs`);
    expect(runs.body).toHaveLength(1);
    expect((await h.call<unknown[]>('GET', `/campaigns/${cheaper.id}/runs`)).body).toHaveLength(1);

    // The hat gets cheaper: its only favouriter (c7, 7 points) fails the condition; nobody else hears of it.
    expect(await putProduct('HAT', { name: 'Hat', price: 400 })).toBe(1);
    await h.until(async () => (await h.call<unknown[]>('GET', `/campaigns/${cheaper.id}/runs`)).body.length === 2);
    const after = await h.waitForCampaign(cheaper.id, (v) => completedRuns(v) === 2);
    expect(after.progress.sent).toBe(4);
    for (const i of [1, 7]) expect(h.received(i).filter((t) => t === 'cheaper now')).toHaveLength(i === 1 ? 1 : 0);

    // From the emulator's side: nobody but the six received anything.
    const got = new Set(h.emu.recorder.query({ channelId: h.lineChannelId, limit: 1000 }).flatMap((q) => q.to));
    expect(got.size).toBe(6);
  });

  it('reminds of a reservation at 18:00 local the day before, not earlier, once', async () => {
    // Default quiet hours (21:00–09:00): 18:00 is outside them.
    expect(
      (
        await h.call('PUT', `/channels/${h.channelId}/delivery-settings`, {
          quietStart: '21:00',
          quietEnd: '09:00',
          frequencyCapMax: 0,
        })
      ).status,
    ).toBe(200);
    await seedAudience(h.ctx.sql, h.workspaceId, h.channelId, 101, 3, { prefix: 'r', someNotFollowing: false });
    const reminder = await createCampaign({
      name: 'reminder',
      category: 'transactional',
      messages: [{ type: 'text', text: 'see you tomorrow' }],
      trigger: { type: 'event', event: 'reservation' },
    });
    expect(reminder.trigger).toMatchObject({ timezone: 'Asia/Tokyo' });
    // The worker caches channel settings for 2 s and the trigger path the event campaigns for 1 s.
    await sleep(2_100);
    // Monday 10:00 in Tokyo; r101 reserved for Wednesday 12:00, r102 for Tuesday 10:00.
    h.setNow(new Date('2030-04-01T10:00:00+09:00'));
    const reservationId = 'resv-r101';
    await h.event('r101', 'reservation', { startsAt: '2030-04-03T12:00:00+09:00' }, reservationId);
    await h.event('r102', 'reservation', { startsAt: '2030-04-02T10:00:00+09:00' });
    await h.until(
      async () => (await h.call<CampaignView>('GET', `/campaigns/${reminder.id}`)).body.progress.runs === 2,
    );
    // Redelivered by the sender: the same event, no second reminder.
    expect(await h.event('r101', 'reservation', { startsAt: '2030-04-03T12:00:00+09:00' }, reservationId)).toBe(200);

    // Monday 18:00: r102's reminder (Tuesday's reservation) is due, r101's is not.
    h.setNow(new Date('2030-04-01T18:00:05+09:00'));
    await h.until(() => h.received(102).length === 1);
    // Tuesday 17:59: still nothing for r101.
    h.setNow(new Date('2030-04-02T17:59:00+09:00'));
    await sleep(1_500);
    expect(h.received(101)).toEqual([]);
    // Tuesday 18:00: sent.
    h.setNow(new Date('2030-04-02T18:00:05+09:00'));
    await h.until(() => h.received(101).length > 0);
    // The reservation day itself and after: never again.
    h.setNow(new Date('2030-04-03T18:00:05+09:00'));
    await sleep(1_500);
    expect(h.received(101)).toEqual(['see you tomorrow']);
    expect(h.received(102)).toEqual(['see you tomorrow']);
    expect(h.received(103)).toEqual([]);
    const done = await h.waitForCampaign(reminder.id, (v) => (v.progress.runsByStatus.completed ?? 0) === 2);
    expect(done.progress.sent).toBe(2);
    h.resetClock();
  });
});
