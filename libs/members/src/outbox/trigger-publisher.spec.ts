import { eventBatches, TRIGGER_BATCH_MAX_EVENTS } from './trigger-publisher';

describe('eventBatches', () => {
  it('orders ids numerically, not as text', () => {
    expect(eventBatches(['10', '9', '100', '11'])).toEqual([['9', '10', '11', '100']]);
  });

  it('cuts a bulk row into batches of at most TRIGGER_BATCH_MAX_EVENTS, each id once', () => {
    const ids = Array.from({ length: 2 * TRIGGER_BATCH_MAX_EVENTS + 3 }, (_, i) =>
      String(9_007_199_254_740_993n + BigInt(i)),
    );
    const batches = eventBatches([...ids].reverse());
    expect(batches.map((b) => b.length)).toEqual([TRIGGER_BATCH_MAX_EVENTS, TRIGGER_BATCH_MAX_EVENTS, 3]);
    expect(batches.flat()).toEqual(ids);
  });

  it('makes no batch of an empty row', () => {
    expect(eventBatches([])).toEqual([]);
  });
});
