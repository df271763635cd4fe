import fc from 'fast-check';
import { splitMemberRange } from './member-range';

const BIGINT_MIN = (-(2n ** 63n)).toString();
const BIGINT_MAX = (2n ** 63n - 1n).toString();

describe('splitMemberRange', () => {
  it('covers every bigint exactly once, in order, with non-empty parts inside the span', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 2n ** 62n }),
        fc.bigInt({ min: 0n, max: 5_000n }),
        fc.integer({ min: 2, max: 16 }),
        (min, width, parts) => {
          const ranges = splitMemberRange(min, min + width, parts, 0);
          if (width + 1n < BigInt(parts)) {
            expect(ranges).toBeNull();
            return;
          }
          expect(ranges).toHaveLength(parts);
          const r = ranges ?? [];
          expect(r[0].from).toBe(BIGINT_MIN);
          expect(r[r.length - 1].to).toBe(BIGINT_MAX);
          for (let i = 1; i < r.length; i++) {
            expect(r[i].from).toBe(r[i - 1].to);
            // Every inner cut lies within the span and after the previous one.
            expect(BigInt(r[i].from) > (i === 1 ? min - 1n : BigInt(r[i - 1].from))).toBe(true);
            expect(BigInt(r[i].from) <= min + width).toBe(true);
          }
        },
      ),
    );
  });

  it('splits 1..1,000,000 into equal halves', () => {
    expect(splitMemberRange(1n, 1_000_000n, 2, 100_000)).toEqual([
      { from: BIGINT_MIN, to: '500001' },
      { from: '500001', to: BIGINT_MAX },
    ]);
  });

  it('does not split one part, a span below the threshold, or an empty workspace', () => {
    expect(splitMemberRange(1n, 1_000_000n, 1, 0)).toBeNull();
    expect(splitMemberRange(10n, 5_000n, 4, 100_000)).toBeNull();
    expect(splitMemberRange(10n, 9n, 4, 0)).toBeNull();
  });
});
