import { FaultPlan, mulberry32 } from './fault-rng';

describe('FaultPlan', () => {
  it('gives the same faults for the same seed and different ones for another seed', () => {
    const run = (seed: number) => {
      const plan = new FaultPlan({ seed, rate500: 0.1, rate429: 0.1, rateTimeout: 0.05 });
      return Array.from({ length: 200 }, () => plan.next());
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('injects each fault at about its rate', () => {
    const plan = new FaultPlan({ seed: 42, rate500: 0.2, rate429: 0.1, rateTimeout: 0.05 });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const k = plan.next();
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(counts.error500 / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.rateLimited429 / 20_000).toBeCloseTo(0.1, 1);
    expect(counts.timeout / 20_000).toBeCloseTo(0.05, 1);
  });

  it('is inactive with zero rates and rejects impossible ones', () => {
    const plan = new FaultPlan({ seed: 1, rate500: 0, rate429: 0, rateTimeout: 0 });
    expect(plan.next()).toBe('none');
    expect(() => plan.configure({ seed: 1, rate500: 0.8, rate429: 0.3, rateTimeout: 0 })).toThrow(RangeError);
  });

  it('mulberry32 stays in [0, 1)', () => {
    const r = mulberry32(3);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
