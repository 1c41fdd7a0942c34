import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetections } from "../detections/compile.ts";
import { defaultDetectionSettings } from "../settings/detections.ts";
import {
  applyBoosters,
  type Booster,
  highImpactUserBooster,
  managerChainPositions,
  previousViolationBooster,
  priorityUserGroupBooster,
  unusualActivityBooster,
} from "./boosters.ts";

const gate = (min: number) => compileDetections({ ...defaultDetectionSettings(), unusualActivityMinDailyEvents: min });
const tenDaily = Array.from({ length: 30 }, () => 10);

describe("unusualActivityBooster", () => {
  it.each([
    {
      name: "the reference example: twice the usual, but below the tenant minimum of 50",
      value: 20,
      events: 20,
      min: 50,
      applies: false,
      multiplier: 1,
    },
    { name: "twice the usual above the minimum", value: 20, events: 20, min: 10, applies: true, multiplier: 1.25 },
    { name: "three times the usual", value: 30, events: 30, min: 10, applies: true, multiplier: 1.3962 },
    {
      name: "four times the usual or more is the maximum",
      value: 400,
      events: 400,
      min: 10,
      applies: true,
      multiplier: 1.5,
    },
    { name: "below twice the usual", value: 19, events: 19, min: 10, applies: false, multiplier: 1 },
  ])("$name", ({ value, events, min, applies, multiplier }) => {
    const b = unusualActivityBooster({ value, dailyEvents: events, baseline: tenDaily, detections: gate(min) });
    expect([b.applies, b.multiplier]).toEqual([applies, multiplier]);
  });

  it("explains itself", () => {
    expect(
      unusualActivityBooster({ value: 20, dailyEvents: 20, baseline: tenDaily, detections: gate(50) }).reason,
    ).toBe("20 events that day: below the minimum for the unusual-activity booster.");
    expect(
      unusualActivityBooster({ value: 30, dailyEvents: 30, baseline: tenDaily, detections: gate(10) }).reason,
    ).toBe("30 that day: 3× the usual 10 a day (30-day average).");
    expect(unusualActivityBooster({ value: 5, dailyEvents: 60, baseline: [], detections: gate(50) })).toEqual({
      id: "unusualActivity",
      applies: true,
      multiplier: 1.5,
      reason: "5 that day: no activity on the days before (30-day average).",
    });
  });

  it("averages over the days covered, days without activity counting as 0", () => {
    // 3 active days of 20 in 30 days: usual 2 a day, so 4 already doubles it.
    const b = unusualActivityBooster({ value: 4, dailyEvents: 4, baseline: [20, 20, 20], detections: gate(1) });
    expect([b.applies, b.multiplier]).toEqual([true, 1.25]);
    const short = unusualActivityBooster({
      value: 4,
      dailyEvents: 4,
      baseline: [20, 20, 20],
      baselineDays: 3,
      detections: gate(1),
    });
    expect(short.applies).toBe(false);
  });
});

describe("previous violations and priority groups", () => {
  it.each([
    [0, false, 1],
    [1, true, 1.25],
    [2, true, 1.5],
    [7, true, 1.5],
    [Number.NaN, false, 1],
  ])("%s confirmed violations → applies %s, ×%s", (n, applies, multiplier) => {
    expect(previousViolationBooster(n)).toMatchObject({ applies, multiplier });
  });

  it("names the priority groups", () => {
    expect(priorityUserGroupBooster([])).toMatchObject({ applies: false, multiplier: 1 });
    expect(priorityUserGroupBooster(["Executives", " Finance ", "Executives"])).toEqual({
      id: "priorityUserGroup",
      applies: true,
      multiplier: 1.5,
      reason: "Member of priority user groups 'Executives', 'Finance'.",
    });
  });
});

describe("high-impact users", () => {
  const org = [
    { userId: "ceo", managerId: null },
    { userId: "cfo", managerId: "ceo" },
    { userId: "vp", managerId: "cfo" },
    { userId: "lead", managerId: "vp" },
    { userId: "dev", managerId: "lead" },
    { userId: "orphan", managerId: "someone-not-listed" },
    { userId: "x", managerId: "y" },
    { userId: "y", managerId: "z" },
    { userId: "z", managerId: "x" },
  ];

  it("computes depth and reports, tolerating unknown managers and loops", () => {
    const p = managerChainPositions(org);
    expect(Object.fromEntries(p)).toEqual({
      ceo: { depth: 0, directReports: 1, totalReports: 4 },
      cfo: { depth: 1, directReports: 1, totalReports: 3 },
      vp: { depth: 2, directReports: 1, totalReports: 2 },
      lead: { depth: 3, directReports: 1, totalReports: 1 },
      dev: { depth: 4, directReports: 0, totalReports: 0 },
      orphan: { depth: 0, directReports: 0, totalReports: 0 },
      // The loop x → y → z → x is cut where it closes: z (whose manager x started the walk) is a top.
      z: { depth: 0, directReports: 1, totalReports: 2 },
      y: { depth: 1, directReports: 1, totalReports: 1 },
      x: { depth: 2, directReports: 0, totalReports: 0 },
    });
  });

  it("applies ×1.25 for one criterion and ×1.5 for two or more", () => {
    const p = managerChainPositions(org);
    expect(highImpactUserBooster({ position: p.get("dev") })).toMatchObject({ applies: false, multiplier: 1 });
    expect(highImpactUserBooster({ position: p.get("orphan") })).toMatchObject({ applies: false });
    expect(highImpactUserBooster({ position: p.get("vp") })).toEqual({
      id: "highImpactUser",
      applies: true,
      multiplier: 1.25,
      reason: "Potential high-impact user: 2 levels below the top of the manager chain.",
    });
    expect(highImpactUserBooster({ position: { depth: 5, directReports: 3, totalReports: 30 } })).toMatchObject({
      multiplier: 1.25,
      reason: "Potential high-impact user: 30 direct and indirect reports.",
    });
    const peers = [0, 1, 2, 3, 5, 8, 9, 10, 12, 40];
    expect(highImpactUserBooster({ sensitiveContent: { user: 41, peers }, elevatedRole: true })).toEqual({
      id: "highImpactUser",
      applies: true,
      multiplier: 1.5,
      reason:
        "Potential high-impact user: touched 41 sensitive items, above the 95th percentile of peers (27.4); holds an elevated role.",
    });
    expect(highImpactUserBooster({ sensitiveContent: { user: 9, peers: [0, 0, 0] } }).applies).toBe(false);
    expect(highImpactUserBooster({ sensitiveContent: { user: 27, peers } }).applies).toBe(false);
  });
});

describe("applyBoosters", () => {
  const unusual: Booster = { id: "unusualActivity", applies: true, multiplier: 1.25, reason: "u" };
  const priority: Booster = { id: "priorityUserGroup", applies: true, multiplier: 1.5, reason: "Member of 'VIP'." };
  const impact: Booster = {
    id: "highImpactUser",
    applies: true,
    multiplier: 1.25,
    reason: "Potential high-impact user.",
  };

  it("worked example of docs/scoring.md", () => {
    const r = applyBoosters(53.8, [unusual, priority, previousViolationBooster(0)]);
    expect([r.base, r.score, r.severity, r.multiplier]).toEqual([53.8, 68.58, "High", 1.875]);
    expect(r.boosters.map((b) => [b.id, b.counted, b.points])).toEqual([
      ["unusualActivity", true, 5.25],
      ["priorityUserGroup", true, 9.53],
      ["previousViolation", false, 0],
    ]);
  });

  it("boosts a priority member who is also high-impact once", () => {
    const r = applyBoosters(40, [priority, impact]);
    expect(r.multiplier).toBe(1.5);
    expect(r.score).toBe(50);
    expect(r.boosters[1]).toMatchObject({
      counted: false,
      points: 0,
      reason: "Potential high-impact user. Not counted: the priority group booster already applies (boosted once).",
    });
    const bigger = applyBoosters(40, [priority, { ...impact, multiplier: 1.5 + 0 }]);
    expect(bigger.boosters.map((b) => b.counted)).toEqual([true, false]);
  });

  it("leaves 0, and scores without boosters, unchanged", () => {
    expect(applyBoosters(0, [priority]).score).toBe(0);
    expect(applyBoosters(42.5, []).score).toBe(42.5);
    expect(applyBoosters(99.99, [priority]).score).toBe(99.99);
  });

  it("is bounded, never lowers a score, keeps the order of scores, and its points add up", () => {
    const booster = fc.record({
      id: fc.constantFrom("unusualActivity", "previousViolation", "priorityUserGroup", "highImpactUser" as const),
      applies: fc.boolean(),
      multiplier: fc.double({ min: 1, max: 1.5, noNaN: true }),
      reason: fc.constant("r"),
    });
    const score = fc.integer({ min: 0, max: 9999 }).map((n) => n / 100);
    fc.assert(
      fc.property(score, score, fc.array(booster, { maxLength: 4 }), booster, (a, b, boosters, extra) => {
        const ra = applyBoosters(a, boosters);
        const rb = applyBoosters(b, boosters);
        expect(ra.score).toBeGreaterThanOrEqual(a);
        expect(ra.score).toBeLessThan(100);
        if (a <= b) expect(ra.score).toBeLessThanOrEqual(rb.score);
        const sum = ra.boosters.reduce((s, x) => s + x.points, 0);
        expect(Math.round(sum * 100) / 100).toBe(Math.round((ra.score - ra.base) * 100) / 100);
        expect(applyBoosters(a, [...boosters, extra]).score).toBeGreaterThanOrEqual(ra.score);
      }),
      { numRuns: 500 },
    );
  });
});
