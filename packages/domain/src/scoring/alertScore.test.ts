import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rankWeight, scoreAlert } from "./alertScore.ts";
import { scoreDailyValue } from "./insights.ts";

const sum2 = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;

describe("alert score: docs/scoring.md worked example", () => {
  const salesforce = { low: 5, medium: 10, high: 20 };
  const dropbox = { low: 3, medium: 8, high: 12 };

  it("scores the daily insights", () => {
    expect(scoreDailyValue(16, salesforce)).toEqual({ score: 53.8, severity: "Medium" });
    expect(scoreDailyValue(14, dropbox)).toEqual({ score: 71.71, severity: "High" });
    expect(scoreDailyValue(7, salesforce)).toEqual({ score: 22.6, severity: "Low" });
    expect(scoreDailyValue(2, dropbox)).toBeNull();
    expect(scoreDailyValue(4, dropbox)).toEqual({ score: 18.8, severity: "Low" });
  });

  it("combines them into 78.09 High with contributions 71.71 + 5.38 + 1.00", () => {
    const alert = scoreAlert([
      { key: "salesforce|2023-04-24", score: 53.8 },
      { key: "dropbox|2023-04-24", score: 71.71 },
      { key: "salesforce|2023-04-25", score: 22.6 },
    ]);
    expect(alert.score).toBe(78.09);
    expect(alert.severity).toBe("High");
    expect(alert.ranked.map((r) => [r.key, r.rank, r.contribution])).toEqual([
      ["dropbox|2023-04-24", 1, 71.71],
      ["salesforce|2023-04-24", 2, 5.38],
      ["salesforce|2023-04-25", 3, 1],
    ]);
    expect(rankWeight(2)).toBeCloseTo(0.353553, 6);
    expect(rankWeight(3)).toBeCloseTo(0.19245, 6);
  });

  it("rises to 78.60 when Dropbox 4 on 2023-04-27 (18.80) is added, contributing 0.51", () => {
    const alert = scoreAlert([
      { key: "salesforce|2023-04-24", score: 53.8 },
      { key: "dropbox|2023-04-24", score: 71.71 },
      { key: "salesforce|2023-04-25", score: 22.6 },
      { key: "dropbox|2023-04-27", score: 18.8 },
    ]);
    expect(alert.score).toBe(78.6);
    expect(alert.ranked[3]).toMatchObject({ key: "dropbox|2023-04-27", rank: 4, weight: 0.125, contribution: 0.51 });
  });
});

describe("alert score properties", () => {
  const scores = fc.array(
    fc.double({ min: 0, max: 99.99, noNaN: true }).map((x) => Math.floor(x * 100) / 100),
    {
      maxLength: 40,
    },
  );
  const insights = (xs: number[]) => xs.map((score, i) => ({ key: `k${i}`, score }));

  it("is bounded in [0, 100] and never below the strongest insight", () => {
    fc.assert(
      fc.property(scores, (xs) => {
        const { score } = scoreAlert(insights(xs));
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
        expect(score).toBeGreaterThanOrEqual(Math.max(0, ...xs));
      }),
    );
  });

  it("never falls when evidence is added or an insight grows", () => {
    fc.assert(
      fc.property(scores, fc.double({ min: 0, max: 99.99, noNaN: true }), fc.nat(), (xs, extra, at) => {
        const before = scoreAlert(insights(xs)).score;
        expect(scoreAlert(insights([...xs, extra])).score).toBeGreaterThanOrEqual(before);
        if (xs.length > 0) {
          const grown = [...xs];
          const i = at % xs.length;
          grown[i] = Math.max(grown[i]!, extra);
          expect(scoreAlert(insights(grown)).score).toBeGreaterThanOrEqual(before);
        }
      }),
    );
  });

  it("gives diminishing returns for repeated similar evidence", () => {
    const runs = [1, 2, 3, 4, 10].map((n) => scoreAlert(insights(Array(n).fill(40))).score);
    const gains = runs.slice(1).map((s, i) => s - runs[i]!);
    for (let i = 1; i < gains.length - 1; i++) expect(gains[i]!).toBeLessThan(gains[i - 1]!);
    expect(runs[0]).toBe(40);
    expect(runs[4]).toBeLessThan(80);
  });

  it("has contributions that add up to the score", () => {
    fc.assert(
      fc.property(scores, (xs) => {
        const alert = scoreAlert(insights(xs));
        expect(sum2(alert.ranked.map((r) => r.contribution))).toBe(alert.score);
      }),
    );
  });

  it("maps the score to High 67–100, Medium 34–66, Low 0–33", () => {
    expect(scoreAlert([{ key: "a", score: 66.99 }]).severity).toBe("Medium");
    expect(scoreAlert([{ key: "a", score: 67 }]).severity).toBe("High");
    expect(scoreAlert([{ key: "a", score: 33.99 }]).severity).toBe("Low");
    expect(scoreAlert([{ key: "a", score: 34 }]).severity).toBe("Medium");
    expect(scoreAlert([]).score).toBe(0);
  });
});
