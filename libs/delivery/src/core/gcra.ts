/**
 * GCRA (generic cell rate algorithm), the token bucket expressed as one timestamp: the
 * theoretical arrival time (TAT) of the next request. A request may go at
 * `max(now, TAT) - burstMs`; taking it moves TAT on by one emission interval.
 *
 * Why this and not BullMQ's limiter: BullMQ counts job starts in fixed windows per queue, so it
 * neither spreads requests inside the window (LINE meters with a token bucket and answers 429 to a
 * burst at the window edge) nor knows about channels or endpoints. Here every worker process asks
 * the same Redis key just before each HTTP request and is told *when* its slot is; it waits that
 * long instead of polling, so the slots are used back to back (no speed left unused) and the rate
 * holds whatever the number of workers. One key per (channel, endpoint): channels never slow each
 * other.
 */
export interface GcraState {
  /** Theoretical arrival time in ms; 0 when unused. */
  tat: number;
}

export interface GcraDecision {
  /** When the caller may send (ms epoch); `now` when no wait. */
  sendAt: number;
  waitMs: number;
  state: GcraState;
}

/** Pure reference of what {@link GCRA_RESERVE_LUA} does atomically in Redis. */
export function gcraReserve(state: GcraState, now: number, ratePerSecond: number, burst: number): GcraDecision {
  const interval = 1000 / ratePerSecond;
  const tolerance = interval * Math.max(0, burst - 1);
  const tat = Math.max(state.tat, now);
  const sendAt = Math.max(now, tat - tolerance);
  return { sendAt, waitMs: sendAt - now, state: { tat: tat + interval } };
}

/**
 * KEYS[1] = the (channel, endpoint) key. ARGV = emission interval in µs, tolerance in µs, TTL ms.
 * The clock is Redis's own (`TIME`), so that the workers' clocks need not agree. Returns the wait
 * in µs. The reservation is taken even when the caller must wait: it will send at that slot, and
 * others queue behind it, instead of everyone polling and racing.
 */
export const GCRA_RESERVE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local sendAt = tat - tolerance
if sendAt < now then sendAt = now end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', ARGV[3])
return sendAt - now
`;

/** The time LINE's limits allow for `requests` requests at `ratePerSecond` (for the benchmark). */
export const minimumDurationMs = (requests: number, ratePerSecond: number): number => (requests / ratePerSecond) * 1000;
