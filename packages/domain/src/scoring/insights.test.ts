import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scoreDailyValue } from "./insights.ts";
import { severityForScore } from "./severity.ts";

const t = { low: 10, medium: 20, high: 30 };

describe("daily insight score", () => {
  it("ignores days below the low threshold (minimal activity)", () => {
    expect(scoreDailyValue(9.99, t)).toBeNull();
    expect(scoreDailyValue(0, t)).toBeNull();
  });

  it("maps each band onto its score range", () => {
    expect(scoreDailyValue(10, t)).toEqual({ score: 15, severity: "Low" });
    expect(scoreDailyValue(15, t)).toEqual({ score: 24.5, severity: "Low" });
    expect(scoreDailyValue(19.999, t)).toEqual({ score: 33.99, severity: "Low" });
    expect(scoreDailyValue(20, t)).toEqual({ score: 34, severity: "Medium" });
    expect(scoreDailyValue(25, t)).toEqual({ score: 50.5, severity: "Medium" });
    expect(scoreDailyValue(29.9999, t)).toEqual({ score: 66.99, severity: "Medium" });
    expect(scoreDailyValue(30, t)).toEqual({ score: 67, severity: "High" });
    expect(scoreDailyValue(60, t)).toEqual({ score: 83.5, severity: "High" });
    expect(scoreDailyValue(120, t)).toEqual({ score: 91.75, severity: "High" });
    expect(scoreDailyValue(1e12, t)).toEqual({ score: 99.99, severity: "High" });
  });

  it("is monotonic, bounded, and its severity agrees with the score bands", () => {
    const thresholds = fc
      .tuple(
        fc.double({ min: 0.01, max: 1e6, noNaN: true }),
        fc.double({ min: 0.01, max: 1e6, noNaN: true }),
        fc.double({ min: 0.01, max: 1e6, noNaN: true }),
      )
      .map(([a, b, c]) => ({ low: a, medium: a + b, high: a + b + c }));
    fc.assert(
      fc.property(
        thresholds,
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        fc.double({ min: 0, max: 1e7, noNaN: true }),
        (th, x, y) => {
          const [lo, hi] = x <= y ? [x, y] : [y, x];
          const a = scoreDailyValue(lo, th)?.score ?? 0;
          const b = scoreDailyValue(hi, th);
          expect(a).toBeLessThanOrEqual(b?.score ?? 0);
          if (b) {
            expect(b.score).toBeGreaterThanOrEqual(15);
            expect(b.score).toBeLessThan(100);
            expect(severityForScore(b.score)).toBe(b.severity);
          }
        },
      ),
    );
  });
});
