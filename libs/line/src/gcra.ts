/**
 * GCRA (generic cell rate algorithm), the token bucket expressed as one timestamp: the
 * theoretical arrival time (TAT) of the next request. `n` requests may go at
 * `max(now, TAT) + (n - 1) × interval - tolerance`; taking them moves TAT on by `n` intervals.
 *
 * Why this and not a fixed window (rate-limiter-flexible's, or BullMQ's limiter, which counts job
 * starts per window and per queue): a fixed window lets a whole window's allowance through at its
 * edge, where LINE, metering with a token bucket, answers 429; and a caller refused by it sleeps
 * until the window ends, so slots go unused. Here every process asks the same Redis key just
 * before each request and is told *when* its slot is; it waits that long instead of polling, so
 * the slots are used back to back and the rate holds whatever the number of processes.
 */
export interface GcraState {
  /** Theoretical arrival time in ms; 0 when unused. */
  tat: number;
}

export interface GcraLimit {
  ratePerSecond: number;
  /** Requests that may go at once on an idle key (≥ 1). */
  burst: number;
}

export interface GcraDecision {
  /** When the caller may send (ms epoch); `now` when no wait. */
  sendAt: number;
  waitMs: number;
  state: GcraState;
}

/** Pure reference of what {@link GCRA_RESERVE_LUA} does atomically in Redis. */
export function gcraReserve(
  state: GcraState,
  now: number,
  limit: GcraLimit,
  n = 1,
  maxWaitMs = Infinity,
): GcraDecision | null {
  const interval = 1000 / limit.ratePerSecond;
  const tolerance = interval * Math.max(0, limit.burst - 1);
  const tat = Math.max(state.tat, now) + n * interval;
  const sendAt = Math.max(now, tat - interval - tolerance);
  if (sendAt - now > maxWaitMs) return null;
  return { sendAt, waitMs: sendAt - now, state: { tat } };
}

/**
 * KEYS[1] = the (channel, endpoint) key. ARGV = emission interval in µs, tolerance in µs,
 * requests, longest wait in µs. The key lives as long as its TAT matters (an expired key is an
 * idle bucket, full), so keys of idle channels do not pile up. The clock is Redis's own (`TIME`), so that the processes' clocks
 * need not agree. Returns the wait in µs, or -1 when it would exceed the longest wait (nothing is
 * reserved then). A reservation is taken even when the caller must wait: it will send at that
 * slot and the others queue behind it, instead of everyone polling and racing.
 */
export const GCRA_RESERVE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
tat = tat + n * interval
local sendAt = tat - interval - tolerance
if sendAt < now then sendAt = now end
if sendAt - now > tonumber(ARGV[4]) then return -1 end
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now + tolerance) / 1000) + 1000)
return sendAt - now
`;

/** A limit of `requests` per `perSeconds`, used at `percent` %, bursting half of it. */
export function gcraLimit(requests: number, perSeconds: number, percent: number): GcraLimit {
  const allowance = (requests * percent) / 100;
  return { ratePerSecond: allowance / perSeconds, burst: Math.max(1, Math.floor(allowance / 2)) };
}
