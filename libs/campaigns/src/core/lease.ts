/**
 * Runs `work` while renewing a lease every third of its length, so that a live worker keeps its
 * batch or run however long LINE or PostgreSQL take, and a SIGKILLed one loses it within one
 * lease. A failed renewal is not fatal: overlapping holders are safe (same retry keys, ledger
 * flips guarded by status), a lost lease only costs a duplicate attempt answered with 409.
 */
export async function withLease<T>(leaseMs: number, renew: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(
    () => {
      renew().catch(() => undefined);
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
