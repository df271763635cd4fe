import { RateLimit } from './core/token-bucket';

const perSecond = (n: number): RateLimit => ({ capacity: n, periodMs: 1000 });
const perMinute = (n: number): RateLimit => ({ capacity: n, periodMs: 60_000 });
const perHour = (n: number): RateLimit => ({ capacity: n, periodMs: 3_600_000 });

/** LINE's published limits, per channel and per endpoint (method + path). See LINE-FACTS.md. */
export const Limits = {
  default: perSecond(2000),
  multicast: perSecond(200),
  narrowcastBroadcast: perHour(60),
  richMenuCreateDelete: perHour(100),
  richMenuBatch: perHour(3),
  richMenuList: perSecond(10),
  audience: perMinute(60),
} as const;

export const RATE_LIMIT_MESSAGE = 'The API rate limit has been exceeded. Try again later.';
export const MONTHLY_LIMIT_MESSAGE = 'You have reached your monthly limit.';
