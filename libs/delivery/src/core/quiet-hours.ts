import { TZDate } from '@date-fns/tz';

/** A daily window in local time during which nothing marketing is sent, e.g. 21:00–09:00. */
export interface QuietHours {
  /** "HH:mm", inclusive. */
  start: string;
  /** "HH:mm", exclusive. */
  end: string;
  timezone: string;
}

export const DEFAULT_QUIET_HOURS: Omit<QuietHours, 'timezone'> = { start: '21:00', end: '09:00' };

const minutesOf = (hhmm: string): number => {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (m === null) throw new Error(`invalid time of day "${hhmm}" (expected HH:mm)`);
  return Number(m[1]) * 60 + Number(m[2]);
};

export const isValidTimeOfDay = (hhmm: string): boolean => /^([01]\d|2[0-3]):([0-5]\d)$/.test(hhmm);

/** True when `at` falls inside the quiet window (which may wrap past midnight). */
export function inQuietHours(at: Date, q: QuietHours): boolean {
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return false;
  const local = new TZDate(at.getTime(), q.timezone);
  const minute = local.getHours() * 60 + local.getMinutes();
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * The first instant at or after `at` outside the quiet window: `at` itself when it is allowed,
 * else the window's end in the channel's time zone (the same day or the next). Delayed, never dropped.
 */
export function nextAllowedSendTime(at: Date, q: QuietHours): Date {
  if (!inQuietHours(at, q)) return at;
  const end = minutesOf(q.end);
  const local = new TZDate(at.getTime(), q.timezone);
  const candidate = new TZDate(
    local.getFullYear(),
    local.getMonth(),
    local.getDate(),
    Math.floor(end / 60),
    end % 60,
    0,
    0,
    q.timezone,
  );
  if (candidate.getTime() <= at.getTime()) candidate.setDate(candidate.getDate() + 1);
  return new Date(candidate.getTime());
}
