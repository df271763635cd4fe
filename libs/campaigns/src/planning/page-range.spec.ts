import { firstRangeWidth, nextRangeWidth } from './page-range';

describe('page ranges of a filled snapshot', () => {
  it('starts at four pages of ids', () => {
    expect(firstRangeWidth(25_000)).toBe(100_000n);
  });

  it('after a full page, twice the ids it spanned, never below four pages', () => {
    // Dense: 50,000 members in 50,000 ids.
    expect(nextRangeWidth({ pageSize: 50_000, width: 200_000n, read: 50_000, spanned: 50_000n }, 50_000)).toBe(
      200_000n,
    );
    // One member in ten ids (a workspace among ten): 500,000 ids per page.
    expect(nextRangeWidth({ pageSize: 50_000, width: 2_000_000n, read: 50_000, spanned: 500_000n }, 50_000)).toBe(
      1_000_000n,
    );
    // The floor is four of the next page's size, not of the page before (the first is smaller).
    expect(nextRangeWidth({ pageSize: 25_000, width: 100_000n, read: 25_000, spanned: 90_000n }, 50_000)).toBe(
      200_000n,
    );
  });

  it('after a short page, the width that would have filled it, half again', () => {
    // 20,000 found in 200,000 ids: 500,000 would have held 50,000; 750,000 with the margin.
    expect(nextRangeWidth({ pageSize: 50_000, width: 200_000n, read: 20_000, spanned: 0n }, 50_000)).toBe(750_000n);
  });

  it('grows fourfold over ids that hold nobody', () => {
    expect(nextRangeWidth({ pageSize: 50_000, width: 600_000n, read: 0, spanned: 0n }, 50_000)).toBe(2_400_000n);
  });
});
