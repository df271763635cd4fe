import { TZDate } from '@date-fns/tz';
import { CronExpressionParser } from 'cron-parser';

export const DEFAULT_TIMEZONE = 'Asia/Tokyo';

export const isValidTimezone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/**
 * A local date-time without offset ("2026-03-01T10:00") read in `tz`; an ISO string with an
 * offset or "Z" is taken as is. Returns null when unparseable.
 */
export function parseLocalDateTime(text: string, tz: string): Date | null {
  if (/[zZ]|[+-]\d\d:?\d\d$/.test(text)) {
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0));
  const local = new TZDate(y, mo - 1, d, h, mi, s, 0, tz);
  return Number.isNaN(local.getTime()) ? null : new Date(local.getTime());
}

/** Validates a 5- or 6-field cron expression; returns the parser's message when invalid. */
export function cronProblem(expression: string, tz: string): string | null {
  try {
    CronExpressionParser.parse(expression, { tz });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The first occurrence of the cron expression strictly after `after`, in time zone `tz`. */
export function nextCronOccurrence(expression: string, tz: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { currentDate: after, tz }).next().toDate();
}

/**
 * The local time-of-day on the day `daysBefore` days before `at` in `tz` (e.g. the reminder the
 * day before a reservation at 18:00), as an instant.
 */
export function localTimeDaysBefore(at: Date, daysBefore: number, timeOfDay: string, tz: string): Date {
  const [h, mi] = timeOfDay.split(':').map(Number);
  const local = new TZDate(at.getTime(), tz);
  const d = new TZDate(local.getFullYear(), local.getMonth(), local.getDate(), h, mi, 0, 0, tz);
  d.setDate(d.getDate() - daysBefore);
  return new Date(d.getTime());
}

/** The key of a scheduled run: the instant it was due, so that a run happens once per occurrence. */
export const scheduledRunKey = (dueAt: Date): string => `at:${dueAt.toISOString()}`;
