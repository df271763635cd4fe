import type { MemberRange } from './rule-compiler.context';

export type { MemberRange };

/** Bounds of PostgreSQL's bigint: the outer edges of the first and the last part. */
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;

/**
 * Splits a workspace's member ids `[min, max]` into `parts` contiguous ranges of equal width
 * (`from` inclusive, `to` exclusive). Member ids come from one sequence, so equal widths hold
 * about equal numbers of members, and each part's scans of the member-ordered indexes (members,
 * reachable users, events by member) are equal slices. The first part starts at bigint's
 * minimum and the last ends at its maximum, so that the parts cover every id, also one created
 * after min and max were read. null: one part, or fewer ids than `minIds` (a split would only
 * add connections to a query that is fast anyway).
 */
export function splitMemberRange(min: bigint, max: bigint, parts: number, minIds: number): MemberRange[] | null {
  const n = BigInt(Math.max(1, Math.trunc(parts)));
  const span = max - min + 1n;
  if (n === 1n || span < BigInt(Math.max(minIds, 1)) || span < n) return null;
  const cut = (i: bigint): string => (min + (span * i) / n).toString();
  const ranges: MemberRange[] = [];
  for (let i = 0n; i < n; i++) {
    ranges.push({
      from: i === 0n ? BIGINT_MIN.toString() : cut(i),
      to: i === n - 1n ? BIGINT_MAX.toString() : cut(i + 1n),
    });
  }
  return ranges;
}
