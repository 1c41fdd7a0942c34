import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatThresholds, loweredLevels, recommendThresholds } from "./tuning.ts";

const current = { low: 5, medium: 10, high: 20 };

describe("recommendThresholds", () => {
  it("raises each threshold by half when nobody had the activity in the last 30 days", () => {
    expect(recommendThresholds(current, [])).toEqual({ low: 8, medium: 15, high: 30 });
  });

  it("takes the 95th, 99th and 99.9th percentiles of the daily totals when they are higher", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1 … 100
    // p95 = 95.05 → 96; p99 = 99.01 → 100; p99.9 = 99.901 → 100, then above medium: 101.
    expect(recommendThresholds(current, values)).toEqual({ low: 96, medium: 100, high: 101 });
  });

  it("keeps 1.5 × the current thresholds when the activity of other days is lower", () => {
    expect(recommendThresholds(current, [1, 2, 3, 2, 1, 4])).toEqual({ low: 8, medium: 15, high: 30 });
  });

  it("makes the thresholds strictly increasing when the percentiles tie", () => {
    expect(recommendThresholds(current, Array(10).fill(50))).toEqual({ low: 50, medium: 51, high: 52 });
  });

  it("rounds up to whole numbers and ignores zero, negative and non-finite totals", () => {
    expect(recommendThresholds({ low: 1.1, medium: 2, high: 3 }, [0, -4, Number.NaN])).toEqual({
      low: 2,
      medium: 3,
      high: 5,
    });
    // 1.5 × 10 is exactly 15, not 16.
    expect(recommendThresholds({ low: 10, medium: 20, high: 40 }, []).low).toBe(15);
  });

  it("always recommends whole, strictly increasing thresholds above the current ones", () => {
    const thresholds = fc
      .tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }))
      .map(([a, b, c]) => ({ low: a, medium: a + b, high: a + b + c }));
    fc.assert(
      fc.property(thresholds, fc.array(fc.integer({ min: 0, max: 100_000 }), { maxLength: 200 }), (t, values) => {
        const r = recommendThresholds(t, values);
        expect(Number.isInteger(r.low) && Number.isInteger(r.medium) && Number.isInteger(r.high)).toBe(true);
        expect(r.low).toBeLessThan(r.medium);
        expect(r.medium).toBeLessThan(r.high);
        expect(loweredLevels(t, r)).toEqual([]);
        expect(r.low).toBeGreaterThan(t.low);
      }),
    );
  });
});

describe("loweredLevels", () => {
  it("names the levels a change would lower", () => {
    expect(loweredLevels(current, { low: 5, medium: 12, high: 30 })).toEqual([]);
    expect(loweredLevels(current, { low: 4, medium: 12, high: 19 })).toEqual(["low", "high"]);
    expect(formatThresholds(current)).toBe("5/10/20");
  });
});
