/** At most `max` marketing messages per user in any `windowDays` days (0 disables the cap). */
export interface FrequencyCap {
  max: number;
  windowDays: number;
}

export const DEFAULT_FREQUENCY_CAP: FrequencyCap = { max: 3, windowDays: 7 };

/** Start of the sliding window that ends at `now`. */
export const capWindowStart = (now: Date, cap: FrequencyCap): Date =>
  new Date(now.getTime() - cap.windowDays * 24 * 3600 * 1000);

/** Whether a user who already got `sentInWindow` marketing sends may get one more. */
export const withinCap = (sentInWindow: number, cap: FrequencyCap): boolean => cap.max <= 0 || sentInWindow < cap.max;

/**
 * Quota arithmetic of a send: LINE bills one message per recipient per message object.
 * `allowed` is how many recipients fit in the remaining quota (all when unlimited).
 */
export function quotaFit(
  recipients: number,
  messagesPerRecipient: number,
  remaining: number | null,
): { needed: number; allowed: number; fits: boolean } {
  const needed = recipients * messagesPerRecipient;
  if (remaining === null) return { needed, allowed: recipients, fits: true };
  const allowed = Math.max(0, Math.min(recipients, Math.floor(remaining / messagesPerRecipient)));
  return { needed, allowed, fits: needed <= remaining };
}
