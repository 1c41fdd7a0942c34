import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cumulativeTotals,
  detectCumulativeExfiltration,
  type ExfiltrationTotals,
  type PeerDirectoryEntry,
} from "./cumulative.ts";

// The worked example of docs/scoring.md: Sales (8 users) and Engineering (6 users).
const SALES = [0, 2, 5, 8, 10, 12, 15, 90];
const ENGINEERING = [0, 0, 1, 3, 4, 120];
const directory: PeerDirectoryEntry[] = [
  ...SALES.map((_, i) => ({ userId: `s${i + 1}`, department: "Sales", managerId: i >= 5 ? "m1" : null })),
  ...ENGINEERING.map((_, i) => ({ userId: `e${i + 1}`, department: "engineering ", jobTitle: null })),
];
const totals: ExfiltrationTotals[] = [
  ...SALES.map((events, i) => ({ userId: `s${i + 1}`, events })),
  ...ENGINEERING.map((events, i) => ({ userId: `e${i + 1}`, events })),
];

describe("detectCumulativeExfiltration", () => {
  const findings = detectCumulativeExfiltration(directory, totals);
  const of = (id: string) => findings.find((f) => f.userId === id)!;

  it("flags a user far above their department even when the organisation hides it", () => {
    const s8 = of("s8");
    expect(s8.unusual).toBe(true);
    expect(s8.severity).toBe("Medium");
    expect(s8.score).toBe(62.87);
    expect(s8.strongest).toMatchObject({
      metric: "events",
      group: { kind: "department", key: "Sales", size: 8 },
      value: 90,
      median: 8,
      bar: 24,
      ratio: 3.75,
    });
    expect(s8.strongest?.percentile).toBe(14.82);
    const orgComparison = s8.comparisons.find((c) => c.group.kind === "organisation")!;
    expect(orgComparison.unusual).toBe(false);
    expect([orgComparison.percentile, orgComparison.median, orgComparison.bar]).toEqual([107.4, 4, 107.4]);
    expect(s8.smallGroups).toEqual([{ kind: "manager", key: "m1", size: 3 }]);
    expect(s8.reason).toBe(
      "90 exfiltration events in 30 days: 3.75× the bar of department 'Sales' (8 users) " +
        "(99th percentile 14.82, median 8, bar 24).",
    );
  });

  it("reports the strongest of several unusual comparisons", () => {
    const e6 = of("e6");
    expect([e6.score, e6.severity, e6.strongest?.group.kind, e6.strongest?.group.key]).toEqual([
      78,
      "High",
      "department",
      "engineering",
    ]);
    const org = e6.comparisons.find((c) => c.group.kind === "organisation")!;
    expect([org.unusual, org.percentile, org.median, org.bar, org.ratio, org.score]).toEqual([
      true,
      81,
      4,
      81,
      1.48,
      24.14,
    ]);
  });

  it("does not flag users within the norm or below the minimum volume", () => {
    expect(of("s7")).toMatchObject({ unusual: false, score: null, severity: null });
    expect(of("s7").reason).toMatch(/^15 exfiltration events in 30 days: within the norm of department 'Sales'/);
    expect(findings.map((f) => f.userId)).not.toContain("s1"); // no exfiltration, no finding
    const lonely = detectCumulativeExfiltration(
      ["a", "b", "c", "d", "e", "f"].map((userId) => ({ userId })),
      [{ userId: "a", events: 19 }],
    );
    expect(lonely[0]).toMatchObject({ unusual: false, strongest: { bar: 20, percentile: 0, median: 0 } });
  });

  it("treats ties as the norm", () => {
    const same = detectCumulativeExfiltration(
      ["a", "b", "c", "d", "e"].map((userId) => ({ userId })),
      ["a", "b", "c", "d", "e"].map((userId) => ({ userId, events: 40 })),
    );
    expect(same.every((f) => !f.unusual)).toBe(true);
  });

  it("does not compare in an organisation smaller than the minimum group size", () => {
    const tiny = detectCumulativeExfiltration([{ userId: "a" }, { userId: "b" }], [{ userId: "a", events: 500 }]);
    expect(tiny).toEqual([
      {
        userId: "a",
        events: 500,
        bytes: 0,
        unusual: false,
        score: null,
        severity: null,
        strongest: null,
        comparisons: [],
        smallGroups: [],
        reason: "Not compared: the organisation has too few users.",
      },
    ]);
  });

  it("compares bytes when the sources give sizes, and users missing from the directory with the organisation", () => {
    const dir = ["a", "b", "c", "d", "e"].map((userId) => ({ userId, jobTitle: "Analyst" }));
    const t = [
      ...dir.map((d) => ({ userId: d.userId, events: 1, bytes: 1_000_000 })),
      { userId: "x", events: 2, bytes: 2_000_000_000 },
    ];
    const x = detectCumulativeExfiltration(dir, t).find((f) => f.userId === "x")!;
    expect(x.comparisons.map((c) => [c.metric, c.group.kind, c.unusual])).toEqual([
      ["events", "organisation", false],
      ["bytes", "organisation", true],
    ]);
    expect(x.strongest).toMatchObject({ metric: "bytes", bar: 100 * 1024 * 1024 });
    expect(x.reason).toMatch(/^2000000000 bytes in 30 days: 19.07× the bar of the organisation \(6 users\)/);
  });

  it("is independent of input order, bounded, and never lowers a user's score when their own total grows", () => {
    const arb = fc.array(
      fc.record({
        dept: fc.constantFrom("A", "B", "a", null),
        mgr: fc.constantFrom("m1", "m2", null),
        events: fc.integer({ min: 0, max: 400 }),
      }),
      { minLength: 1, maxLength: 40 },
    );
    fc.assert(
      fc.property(arb, fc.nat(), fc.integer({ min: 1, max: 500 }), (rows, pick, extra) => {
        const dir = rows.map((r, i) => ({
          userId: `u${String(i).padStart(2, "0")}`,
          department: r.dept,
          managerId: r.mgr,
        }));
        const tot = rows.map((r, i) => ({ userId: `u${String(i).padStart(2, "0")}`, events: r.events }));
        const a = detectCumulativeExfiltration(dir, tot);
        expect(detectCumulativeExfiltration([...dir].reverse(), [...tot].reverse())).toEqual(a);
        for (const f of a) {
          if (f.score !== null) {
            expect(f.score).toBeGreaterThanOrEqual(15);
            expect(f.score).toBeLessThan(100);
            expect(f.strongest!.value).toBeGreaterThan(f.strongest!.percentile);
            expect(f.strongest!.value).toBeGreaterThanOrEqual(f.strongest!.bar);
          }
        }
        const k = pick % rows.length;
        const raised = tot.map((t, i) => (i === k ? { ...t, events: t.events + extra } : t));
        const before = a.find((f) => f.userId === tot[k]!.userId)?.score ?? 0;
        const after = detectCumulativeExfiltration(dir, raised).find((f) => f.userId === tot[k]!.userId)?.score ?? 0;
        expect(after).toBeGreaterThanOrEqual(before);
      }),
      { numRuns: 200 },
    );
  });
});

describe("cumulativeTotals", () => {
  it("sums exfiltration-stage events and sizes in the 30 days up to the evaluation time", () => {
    const e = (userId: string, type: string, occurredAt: string, fileSize?: unknown) => ({
      userId,
      kind: `activity.${type}`,
      occurredAt,
      attributes: fileSize === undefined ? {} : { fileSize },
    });
    const out = cumulativeTotals(
      [
        e("b", "file.printed", "2024-03-31T00:00:00Z", 100),
        e("b", "email.sentExternally", "2024-03-15T00:00:00Z", "250"),
        e("b", "file.copiedToRemovableMedia", "2024-03-01T00:00:00Z", 7), // exactly 30 days before: outside
        e("b", "file.copiedToRemovableMedia", "2024-03-01T00:00:00.001Z", "n/a"),
        e("b", "file.downloadedFromDocumentSite", "2024-03-20T00:00:00Z", 999), // collection: not counted
        e("a", "file.uploadedToCloud", "2024-03-31T00:00:00.001Z", 5), // after the evaluation time
        e("a", "file.uploadedToCloud", "2024-03-30T00:00:00Z"),
        { userId: "a", kind: "indicator", occurredAt: "2024-03-30T00:00:00Z", attributes: {} },
      ],
      "2024-03-31T00:00:00Z",
    );
    expect(out).toEqual([
      { userId: "a", events: 1, bytes: 0 },
      { userId: "b", events: 3, bytes: 350 },
    ]);
  });
});
