import { ageOn, todayIn } from './dates';

describe('dates', () => {
  it('takes today in the workspace zone, not UTC', () => {
    const instant = new Date('2026-03-31T16:30:00Z'); // 01:30 on April 1st in Tokyo
    expect(todayIn('Asia/Tokyo', instant)).toBe('2026-04-01');
    expect(todayIn('UTC', instant)).toBe('2026-03-31');
  });

  it('counts an age from the birthday itself', () => {
    expect(ageOn('1990-04-01', '2026-03-31')).toBe(35);
    expect(ageOn('1990-04-01', '2026-04-01')).toBe(36);
    expect(ageOn('2000-02-29', '2026-02-28')).toBe(25);
  });
});
