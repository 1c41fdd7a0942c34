import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lowerBound, median, percentile, percentileOfSorted, sortedFinite } from "./percentiles.ts";

describe("percentile", () => {
  it.each([
    { values: [], p: 0.5, expected: null },
    { values: [7], p: 0.99, expected: 7 },
    { values: [7], p: 0, expected: 7 },
    { values: [1, 2], p: 0.5, expected: 1.5 },
    { values: [3, 1, 2, 4], p: 0.5, expected: 2.5 },
    { values: [5, 5, 5, 5], p: 0.99, expected: 5 },
    { values: [0, 0, 0, 0, 100], p: 0.5, expected: 0 },
    { values: [0, 0, 0, 0, 100], p: 0.99, expected: 96 },
    { values: [1, 2, 3], p: 2, expected: 3 },
    { values: [1, 2, 3], p: -1, expected: 1 },
    { values: [1, Number.NaN, 3, Number.POSITIVE_INFINITY], p: 0.5, expected: 2 },
  ])("percentile($values, $p) = $expected", ({ values, p, expected }) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it("leaves one element out without copying", () => {
    expect(percentileOfSorted([1, 2, 3, 100], 0.5, 3)).toBe(2);
    expect(percentileOfSorted([1, 2, 3, 100], 1, 0)).toBe(100);
    expect(percentileOfSorted([4], 0.5, 0)).toBeNull();
    expect(median([9, 1, 5])).toBe(5);
  });

  it("equals the percentile of the list without the element, stays within its range and grows with p", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 30 }),
        fc.nat(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (raw, k, p, q) => {
          const sorted = sortedFinite(raw);
          const skip = k % sorted.length;
          const without = sorted.filter((_, i) => i !== skip);
          expect(percentileOfSorted(sorted, p, skip)).toBeCloseTo(percentile(without, p)!, 9);
          const v = percentile(raw, p)!;
          expect(v).toBeGreaterThanOrEqual(sorted[0]!);
          expect(v).toBeLessThanOrEqual(sorted.at(-1)!);
          if (p <= q) expect(v).toBeLessThanOrEqual(percentile(raw, q)! + 1e-9);
          expect(sorted[lowerBound(sorted, sorted[skip]!)]).toBe(sorted[skip]);
        },
      ),
    );
  });
});
