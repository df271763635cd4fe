/**
 * How many member ids the next page of a filled snapshot may read. A keyset page that must collect
 * `pageSize` audience members reads every member after the cursor until it has them: the last page
 * of a small segment in a large workspace (100,000 of 1,000,000) read the 900,000 members after the
 * audience before it could commit, and its batches waited for that scan (about a second under
 * load). Bounded, the page commits what it found within its ids and the tail is read by pages of
 * its own, while the found ones are sent.
 *
 * The width follows the audience's density, so that a dense audience still fills whole pages:
 * after a full page, twice the ids it spanned (at least `MIN_WIDTH_PAGES` pages' worth); after a
 * short page, the width at which it would have been full, half again; after an empty one, four
 * times the width.
 */
export const MIN_WIDTH_PAGES = 4;

export interface RangeStep {
  pageSize: number;
  /** The width the page was given. */
  width: bigint;
  /** Audience members it read. */
  read: number;
  /** Ids from the cursor to the last member it read (full pages). */
  spanned: bigint;
}

export function firstRangeWidth(pageSize: number): bigint {
  return BigInt(MIN_WIDTH_PAGES * pageSize);
}

export function nextRangeWidth(prev: RangeStep, pageSize: number): bigint {
  const floor = BigInt(MIN_WIDTH_PAGES * pageSize);
  let next: bigint;
  if (prev.read >= prev.pageSize) next = 2n * prev.spanned;
  else if (prev.read === 0) next = 4n * prev.width;
  else next = (prev.width * BigInt(pageSize) * 3n) / (2n * BigInt(prev.read));
  return next > floor ? next : floor;
}
