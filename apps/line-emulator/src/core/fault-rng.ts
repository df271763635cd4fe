export type FaultKind = 'none' | 'error500' | 'rateLimited429' | 'timeout';

export interface FaultSettings {
  seed: number;
  /** Shares of LINE API requests (0..1, summing to ≤ 1) that fail in each way. */
  rate500: number;
  rate429: number;
  rateTimeout: number;
}

/** mulberry32: tiny, fast and good enough to spread faults; the same seed gives the same run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Decides, request by request, which fault (if any) to inject. One draw per request in arrival
 * order, so a test that sends the same requests sees the same faults.
 */
export class FaultPlan {
  private random: () => number;

  constructor(private settings: FaultSettings) {
    this.random = mulberry32(settings.seed);
  }

  get active(): boolean {
    return this.settings.rate500 + this.settings.rate429 + this.settings.rateTimeout > 0;
  }

  get current(): FaultSettings {
    return { ...this.settings };
  }

  configure(settings: FaultSettings): void {
    const total = settings.rate500 + settings.rate429 + settings.rateTimeout;
    for (const r of [settings.rate500, settings.rate429, settings.rateTimeout]) {
      if (!(r >= 0 && r <= 1)) throw new RangeError('fault rates must be between 0 and 1');
    }
    if (total > 1) throw new RangeError('fault rates must sum to at most 1');
    this.settings = { ...settings };
    this.random = mulberry32(settings.seed);
  }

  next(): FaultKind {
    if (!this.active) return 'none';
    const r = this.random();
    const { rate500, rate429, rateTimeout } = this.settings;
    if (r < rate500) return 'error500';
    if (r < rate500 + rate429) return 'rateLimited429';
    if (r < rate500 + rate429 + rateTimeout) return 'timeout';
    return 'none';
  }
}
