import { TZDate } from '@date-fns/tz';

/**
 * Calendar arithmetic shared by the SQL compiler and the in-memory evaluator. Both turn
 * time-dependent conditions into the same boundary dates/instants here, so they cannot
 * disagree on "age 30" or "registered six months ago"; `now` is always passed in.
 */

/** A local calendar date as `YYYY-MM-DD`. */
export type LocalDate = string;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function parseLocalDate(d: LocalDate): { y: number; m: number; day: number } {
  return { y: Number(d.slice(0, 4)), m: Number(d.slice(5, 7)), day: Number(d.slice(8, 10)) };
}

export const formatLocalDate = (y: number, m: number, day: number): LocalDate => `${pad(y, 4)}-${pad(m)}-${pad(day)}`;

const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

export function isValidLocalDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const { y, m, day } = parseLocalDate(s);
  return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && day >= 1 && day <= daysInMonth(y, m);
}

/** The local date of an instant in a time zone. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function addDays(d: LocalDate, n: number): LocalDate {
  const { y, m, day } = parseLocalDate(d);
  const t = new Date(Date.UTC(y, m - 1, day + n));
  return formatLocalDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Calendar months back; the 31st of a shorter month clamps to its last day (Feb 29 → Feb 28). */
export function subMonths(d: LocalDate, n: number): LocalDate {
  const { y, m, day } = parseLocalDate(d);
  const total = y * 12 + (m - 1) - n;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  return formatLocalDate(ny, nm, Math.min(day, daysInMonth(ny, nm)));
}

/** The instant a local date starts in a time zone. */
export function startOfLocalDay(d: LocalDate, timeZone: string): Date {
  const { y, m, day } = parseLocalDate(d);
  return new Date(new TZDate(y, m - 1, day, timeZone).getTime());
}

export type ElapsedUnit = 'years' | 'months' | 'days';

/**
 * The local date D such that "whole units elapsed since a base date ≥ n" ⇔ base ≤ D.
 * (age ≥ 30 ⇔ born on or before today − 30 years.)
 */
export function elapsedAtLeastBoundary(today: LocalDate, n: number, unit: ElapsedUnit): LocalDate {
  if (unit === 'days') return addDays(today, -n);
  return subMonths(today, unit === 'years' ? n * 12 : n);
}

export interface TimeContext {
  now: Date;
  timeZone: string;
}

export const todayOf = (t: TimeContext): LocalDate => localDateOf(t.now, t.timeZone);

/** Resolved bounds of a window: `[from, to)` as instants; undefined = unbounded. */
export interface InstantRange {
  from?: Date;
  to?: Date;
  /** Whether `to` is inclusive (the last-N-days window ends at `now` inclusive). */
  toInclusive: boolean;
}

const DAY_MS = 86_400_000;

export function windowRange(
  window: { lastDays: number } | { from: string; to: string } | 'ever' | undefined,
  t: TimeContext,
): InstantRange {
  if (window === undefined || window === 'ever') return { toInclusive: false };
  if ('lastDays' in window) {
    return { from: new Date(t.now.getTime() - window.lastDays * DAY_MS), to: t.now, toInclusive: true };
  }
  return {
    from: startOfLocalDay(window.from, t.timeZone),
    to: startOfLocalDay(addDays(window.to, 1), t.timeZone),
    toInclusive: false,
  };
}

export function inRange(instant: Date, r: InstantRange): boolean {
  const x = instant.getTime();
  if (r.from !== undefined && x < r.from.getTime()) return false;
  if (r.to !== undefined) return r.toInclusive ? x <= r.to.getTime() : x < r.to.getTime();
  return true;
}
