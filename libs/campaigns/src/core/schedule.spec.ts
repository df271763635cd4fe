import { localTimeDaysBefore, nextCronOccurrence, parseLocalDateTime, cronProblem, isValidTimezone } from './schedule';

describe('schedule', () => {
  it('reads a local date-time in the campaign time zone (default Asia/Tokyo)', () => {
    expect(parseLocalDateTime('2026-03-01T10:00', 'Asia/Tokyo')?.toISOString()).toBe('2026-03-01T01:00:00.000Z');
    expect(parseLocalDateTime('2026-03-01T10:00:00Z', 'Asia/Tokyo')?.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(parseLocalDateTime('yesterday', 'Asia/Tokyo')).toBeNull();
  });

  it('computes the next cron occurrence in the time zone', () => {
    const next = nextCronOccurrence('0 10 1 * *', 'Asia/Tokyo', new Date('2026-01-15T00:00:00Z'));
    expect(next.toISOString()).toBe('2026-02-01T01:00:00.000Z');
    expect(cronProblem('not a cron', 'Asia/Tokyo')).not.toBeNull();
    expect(isValidTimezone('Mars/Base')).toBe(false);
  });

  it('puts a reservation reminder at 18:00 local the day before', () => {
    const reservation = new Date('2026-04-01T03:00:00Z'); // 12:00 JST on 1 April
    expect(localTimeDaysBefore(reservation, 1, '18:00', 'Asia/Tokyo').toISOString()).toBe('2026-03-31T09:00:00.000Z');
  });
});
