import { Coalescer } from './coalescer';

/** A flush function that records its groups and resolves when told to. */
function recorder(fail?: (items: string[]) => boolean) {
  const groups: string[][] = [];
  const gates: Array<() => void> = [];
  const flush = async (items: string[]): Promise<string[]> => {
    groups.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (fail?.(items)) throw new Error(`failed ${items.join(',')}`);
    return items.map((i) => i.toUpperCase());
  };
  const openAll = async (): Promise<void> => {
    for (let i = 0; i < 20 && gates.length > 0; i++) {
      gates.splice(0).forEach((g) => g());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { groups, flush, openAll };
}

describe('Coalescer', () => {
  it('sends a lone call at once and groups the calls that arrive while a flush runs', async () => {
    const r = recorder();
    const c = new Coalescer(r.flush, { key: (s: string) => s, maxGroup: 10, concurrency: 1 });
    const first = c.run('a');
    const rest = ['b', 'c', 'd'].map((s) => c.run(s));
    expect(r.groups).toEqual([['a']]);
    await r.openAll();
    await expect(first).resolves.toBe('A');
    await expect(Promise.all(rest)).resolves.toEqual(['B', 'C', 'D']);
    expect(r.groups).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('caps a group and never puts two items with the same key in one flush', async () => {
    const r = recorder();
    const c = new Coalescer(r.flush, { key: (s: string) => s[0], maxGroup: 2, concurrency: 1 });
    const all = Promise.all(['x', 'a1', 'a2', 'b', 'c'].map((s) => c.run(s)));
    await r.openAll();
    await expect(all).resolves.toEqual(['X', 'A1', 'A2', 'B', 'C']);
    expect(r.groups).toEqual([['x'], ['a1', 'b'], ['a2', 'c']]);
  });

  it('groups only items of one partition, oldest partition first', async () => {
    const r = recorder();
    const c = new Coalescer(r.flush, {
      key: (s: string) => s,
      maxGroup: 10,
      concurrency: 1,
      partition: (s: string) => s.split(':')[0],
    });
    const all = Promise.all(['w1:a', 'w2:b', 'w1:c', 'w2:d', 'w1:e'].map((s) => c.run(s)));
    await r.openAll();
    await expect(all).resolves.toEqual(['W1:A', 'W2:B', 'W1:C', 'W2:D', 'W1:E']);
    expect(r.groups).toEqual([['w1:a'], ['w2:b', 'w2:d'], ['w1:c', 'w1:e']]);
  });

  it('runs up to `concurrency` flushes at once', async () => {
    const r = recorder();
    const c = new Coalescer(r.flush, { key: (s: string) => s, maxGroup: 10, concurrency: 2 });
    const all = Promise.all(['a', 'b', 'c'].map((s) => c.run(s)));
    expect(r.groups).toEqual([['a'], ['b']]);
    await r.openAll();
    await all;
    expect(r.groups).toEqual([['a'], ['b'], ['c']]);
  });

  it('retries a failed group item by item, so only the bad item fails', async () => {
    const r = recorder((items) => items.includes('bad'));
    const c = new Coalescer(r.flush, { key: (s: string) => s, maxGroup: 10, concurrency: 1 });
    const settled = Promise.allSettled([c.run('a'), c.run('good'), c.run('bad')]);
    await r.openAll();
    const [first, good, bad] = await settled;
    expect(first).toEqual({ status: 'fulfilled', value: 'A' });
    expect(good).toEqual({ status: 'fulfilled', value: 'GOOD' });
    expect(bad).toMatchObject({ status: 'rejected', reason: new Error('failed bad') });
    expect(r.groups).toEqual([['a'], ['good', 'bad'], ['good'], ['bad']]);
  });

  it('with join, lets a call ride on a queued entry of its key, never on one already flushing', async () => {
    const r = recorder((items) => items.includes('bad'));
    const c = new Coalescer(r.flush, {
      key: (s: string) => s,
      maxGroup: 10,
      concurrency: 1,
      join: (o: string) => `${o} (joined)`,
    });
    const flushing = c.run('a');
    // 'a' is flushing: a new 'a' queues its own entry; the next ones join the queued entries.
    const queued = [c.run('a'), c.run('b'), c.run('a'), c.run('bad'), c.run('bad')];
    expect(r.groups).toEqual([['a']]);
    const settled = Promise.allSettled(queued);
    await r.openAll();
    await expect(flushing).resolves.toBe('A');
    const [a2, b, a3, bad1, bad2] = await settled;
    expect([a2, b, a3]).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'fulfilled', value: 'B' },
      { status: 'fulfilled', value: 'A (joined)' },
    ]);
    expect([bad1.status, bad2.status]).toEqual(['rejected', 'rejected']);
    expect(r.groups).toEqual([['a'], ['a', 'b', 'bad'], ['a'], ['b'], ['bad']]);
  });
});
