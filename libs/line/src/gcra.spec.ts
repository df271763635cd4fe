import fc from 'fast-check';
import { gcraLimit, gcraReserve, GcraDecision, GcraState } from './gcra';

const take = (state: GcraState, now: number, ratePerSecond: number, burst: number, n = 1): GcraDecision => {
  const d = gcraReserve(state, now, { ratePerSecond, burst }, n);
  if (d === null) throw new Error('refused');
  return d;
};

describe('GCRA', () => {
  it('spaces requests at the emission interval, whatever how many callers ask at once', () => {
    let state: GcraState = { tat: 0 };
    const sendAts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = take(state, 1000, 200, 1);
      state = d.state;
      sendAts.push(d.sendAt);
    }
    expect(sendAts).toEqual([1000, 1005, 1010, 1015, 1020]);
  });

  it('lets a burst through at once and then holds the rate', () => {
    let state: GcraState = { tat: 0 };
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = take(state, 0, 100, 3);
      state = d.state;
      waits.push(d.waitMs);
    }
    expect(waits).toEqual([0, 0, 0, 10]);
  });

  it('takes n requests as n slots: the last of them sets when the caller may go', () => {
    const first = take({ tat: 0 }, 0, 100, 1, 3);
    expect([first.waitMs, first.state.tat]).toEqual([20, 30]);
    expect(take(first.state, 0, 100, 1).waitMs).toBe(30);
  });

  it('refuses a slot further than the longest wait and reserves nothing then', () => {
    const state: GcraState = { tat: 1000 };
    expect(gcraReserve(state, 0, { ratePerSecond: 100, burst: 1 }, 1, 999)).toBeNull();
    expect(gcraReserve(state, 0, { ratePerSecond: 100, burst: 1 }, 1, 1000)?.waitMs).toBe(1000);
  });

  it('never allows more than rate × t + burst in any window, whoever asks when', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          let state: GcraState = { tat: 0 };
          let now = 0;
          const sent: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const d = take(state, now, rate, burst);
            state = d.state;
            sent.push(d.sendAt);
          }
          for (let i = 0; i < sent.length; i++) {
            for (let j = i; j < sent.length; j++) {
              const windowMs = sent[j] - sent[i];
              expect(j - i + 1).toBeLessThanOrEqual(Math.floor((rate * windowMs) / 1000 + 1e-9) + burst);
            }
          }
        },
      ),
    );
  });

  it("derives LINE's limits: a share of the rate, half the window's allowance as burst", () => {
    expect(gcraLimit(200, 1, 99)).toEqual({ ratePerSecond: 198, burst: 99 });
    expect(gcraLimit(2000, 1, 1000)).toEqual({ ratePerSecond: 20_000, burst: 10_000 });
    expect(gcraLimit(60, 3600, 99)).toEqual({ ratePerSecond: 59.4 / 3600, burst: 29 });
    expect(gcraLimit(10, 1, 10)).toEqual({ ratePerSecond: 1, burst: 1 });
  });
});
