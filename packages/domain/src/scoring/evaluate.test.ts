import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetections } from "../detections/compile.ts";
import type { PolicyConfig } from "../policies/policyConfig.ts";
import { applySettingsPatch, DEFAULT_TENANT_SETTINGS } from "../settings/tenantSettings.ts";
import { type DailyTotal, evaluatePolicy, findTriggers } from "./evaluate.ts";
import { addDays, mergeWindows, windowForTrigger } from "./windows.ts";

const SF = "11111111-1111-4111-8111-111111111111";
const DB = "22222222-2222-4222-8222-222222222222";
const LEAVER = "33333333-3333-4333-8333-333333333333";

const indicators = new Map([
  [SF, { id: SF, name: "Salesforce alerts", valueColumn: "Alert_Count" }],
  [DB, { id: DB, name: "Dropbox alerts", valueColumn: "Alert_Count" }],
  [LEAVER, { id: LEAVER, name: "Leaver prediction", valueColumn: null }],
]);

const config: PolicyConfig = {
  scope: { allUsers: true },
  triggers: { hrResignation: true, indicators: [] },
  indicators: [
    { indicatorId: SF, thresholds: { low: 5, medium: 10, high: 20 } },
    { indicatorId: DB, thresholds: { low: 3, medium: 8, high: 12 } },
  ],
};

const day = (d: string, value: number, eventCount = 1, id = 1): DailyTotal => ({
  day: d,
  value,
  eventCount,
  firstEventAt: `${d}T05:52:56.962686Z`,
  firstSignalId: id,
});

const settings = { activationWindowDays: 30, pastActivityDays: 90 };
const resignation = { at: "2023-04-23T09:48:02.467504Z", signalId: 7 };

describe("scoring windows", () => {
  it("covers whole UTC days from pastActivityDays before to activationWindowDays after the trigger day", () => {
    expect(windowForTrigger("2023-04-23T09:48:02.467504Z", settings)).toEqual({
      firstDay: "2023-01-23",
      endDay: "2023-05-24",
    });
    expect(windowForTrigger("2023-04-23T23:59:59.999999Z", { activationWindowDays: 1, pastActivityDays: 0 })).toEqual({
      firstDay: "2023-04-23",
      endDay: "2023-04-25",
    });
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
  });

  it("merges overlapping and touching windows and keeps disjoint ones apart", () => {
    expect(
      mergeWindows([
        { firstDay: "2023-03-01", endDay: "2023-03-10" },
        { firstDay: "2023-01-01", endDay: "2023-01-05" },
        { firstDay: "2023-03-10", endDay: "2023-03-20" },
        { firstDay: "2023-03-05", endDay: "2023-03-08" },
      ]),
    ).toEqual([
      { firstDay: "2023-01-01", endDay: "2023-01-05" },
      { firstDay: "2023-03-01", endDay: "2023-03-20" },
    ]);
  });
});

describe("evaluatePolicy (docs/scoring.md worked example)", () => {
  const daily = new Map([
    [SF, [day("2022-12-01", 30), day("2023-04-24", 16, 2), day("2023-04-25", 7)]],
    [DB, [day("2023-04-24", 14), day("2023-04-26", 2)]],
  ]);

  it("scores only in-window days at or above low, and explains the 78.09 alert", () => {
    const result = evaluatePolicy({ config, indicators, daily, resignations: [resignation], settings });
    expect(result.memberships).toEqual([
      {
        triggeredAt: "2023-04-23T09:48:02.467504Z",
        window: { firstDay: "2023-01-23", endDay: "2023-05-24" },
        reason: "HR resignation dated 2023-04-23",
        signalId: 7,
      },
    ]);
    expect(result.insights.map((i) => [i.indicator, i.day, i.value, i.score, i.severity])).toEqual([
      ["Dropbox alerts", "2023-04-24", 14, 71.71, "High"],
      ["Salesforce alerts", "2023-04-24", 16, 53.8, "Medium"],
      ["Salesforce alerts", "2023-04-25", 7, 22.6, "Low"],
    ]);
    expect(result.alert).toMatchObject({ score: 78.09, severity: "High", mayRaise: true, riskFactors: [] });
    expect(result.alertInsights.map((i) => [i.rank, i.day, i.contribution])).toEqual([
      [1, "2023-04-24", 71.71],
      [2, "2023-04-24", 5.38],
      [3, "2023-04-25", 1],
    ]);
  });

  it("does nothing for a user without a trigger", () => {
    const result = evaluatePolicy({ config, indicators, daily, resignations: [], settings });
    expect(result).toMatchObject({ memberships: [], insights: [], alert: null });
  });

  it("ignores resignations when the policy's HR trigger is off", () => {
    const noHr = { ...config, triggers: { hrResignation: false, indicators: [{ indicatorId: DB, threshold: 20 }] } };
    expect(evaluatePolicy({ config: noHr, indicators, daily, resignations: [resignation], settings }).alert).toBeNull();
  });

  it("leaves out insights already reviewed in a closed alert unless their value grew", () => {
    const reviewed = new Map([
      [`${DB}|2023-04-24`, 14],
      [`${SF}|2023-04-24`, 12],
    ]);
    const result = evaluatePolicy({ config, indicators, daily, resignations: [resignation], settings, reviewed });
    expect(result.insights).toHaveLength(3);
    expect(result.alertInsights.map((i) => [i.indicator, i.day])).toEqual([
      ["Salesforce alerts", "2023-04-24"],
      ["Salesforce alerts", "2023-04-25"],
    ]);
    const all = new Map([...reviewed, [`${SF}|2023-04-24`, 16], [`${SF}|2023-04-25`, 7]]);
    expect(
      evaluatePolicy({ config, indicators, daily, resignations: [resignation], settings, reviewed: all }).alert,
    ).toBeNull();
  });
});

describe("indicator triggers", () => {
  it("fires on a day whose total reaches the threshold, at the first event of that day", () => {
    const withTrigger = {
      ...config,
      triggers: { hrResignation: false, indicators: [{ indicatorId: SF, threshold: 10 }] },
    };
    const daily = new Map([[SF, [day("2023-04-20", 9, 1, 3), day("2023-04-24", 16, 2, 4)]]]);
    const triggers = findTriggers({ config: withTrigger, indicators, daily, resignations: [] });
    expect(triggers).toEqual([
      {
        kind: "indicator",
        at: "2023-04-24T05:52:56.962686Z",
        signalId: 4,
        indicatorId: SF,
        indicator: "Salesforce alerts",
        day: "2023-04-24",
        value: 16,
        threshold: 10,
        reason: "Indicator 'Salesforce alerts' reached 16 on 2023-04-24 (threshold 10)",
      },
    ]);
  });

  it("lets any event of a trigger-only indicator bring the user in, and unions the windows", () => {
    const leaver = {
      ...config,
      triggers: { hrResignation: false, indicators: [{ indicatorId: LEAVER, threshold: null }] },
    };
    const daily = new Map([
      [LEAVER, [day("2023-01-01", 1), day("2023-06-01", 2, 2)]],
      [SF, [day("2023-01-20", 25), day("2023-03-15", 25), day("2023-06-10", 25)]],
    ]);
    const narrow = { activationWindowDays: 30, pastActivityDays: 0 };
    const result = evaluatePolicy({ config: leaver, indicators, daily, resignations: [], settings: narrow });
    expect(result.memberships.map((m) => m.reason)).toEqual([
      "Indicator 'Leaver prediction' had activity on 2023-01-01",
      "Indicator 'Leaver prediction' had activity on 2023-06-01",
    ]);
    expect(result.windows).toEqual([
      { firstDay: "2023-01-01", endDay: "2023-02-01" },
      { firstDay: "2023-06-01", endDay: "2023-07-02" },
    ]);
    // 2023-03-15 lies between the two windows and is not scored.
    expect(result.insights.map((i) => i.day)).toEqual(["2023-01-20", "2023-06-10"]);
  });
});

describe("directory departures as the departing-user trigger", () => {
  const disabled = { kind: "directory.account_disabled" as const, at: "2023-04-23T09:48:02.467504Z", signalId: 9 };

  it("brings the user in at the account change, with a reason saying it came from the directory", () => {
    const daily = new Map([[DB, [day("2023-04-24", 14)]]]);
    const result = evaluatePolicy({ config, indicators, daily, resignations: [], accountEvents: [disabled], settings });
    expect(result.triggers).toEqual([
      {
        kind: "directory.account_disabled",
        at: "2023-04-23T09:48:02.467504Z",
        signalId: 9,
        reason: "Account disabled in the directory on 2023-04-23 (no HR connector imports resignations)",
      },
    ]);
    expect(result.memberships[0]?.window).toEqual({ firstDay: "2023-01-23", endDay: "2023-05-24" });
    expect(result.alert).toMatchObject({ score: 71.71, severity: "High" });
    const deleted = { ...disabled, kind: "directory.account_deleted" as const, at: "2023-05-01T00:00:00Z" };
    expect(
      findTriggers({ config, indicators, daily, resignations: [], accountEvents: [deleted] }).map((t) => t.reason),
    ).toEqual(["Account deleted in the directory on 2023-05-01 (no HR connector imports resignations)"]);
  });

  it("does nothing when the policy's HR resignation trigger is off", () => {
    const noHr = { ...config, triggers: { hrResignation: false, indicators: [] } };
    expect(
      findTriggers({ config: noHr, indicators, daily: new Map(), resignations: [], accountEvents: [disabled] }),
    ).toEqual([]);
  });
});

describe("manual scoping and removal from scoring", () => {
  const daily = new Map([[DB, [day("2023-03-01", 14), day("2023-06-10", 9)]]]);
  const manual = { startsAt: "2023-05-20T12:00:00.000000Z", endsAt: "2023-05-30T12:00:00.000000Z", reason: "Tip-off" };

  it("scores the 90 days before the start through the end, with the reason in the trigger", () => {
    const result = evaluatePolicy({ config, indicators, daily, manual: [manual], settings });
    expect(result.triggers).toEqual([
      {
        kind: "manual",
        at: manual.startsAt,
        signalId: null,
        reason: "Scored manually from 2023-05-20 to 2023-05-30: Tip-off",
        window: { firstDay: "2023-02-19", endDay: "2023-05-31" },
      },
    ]);
    // 2023-03-01 is inside the look-back, 2023-06-10 after the end.
    expect(result.insights.map((i) => i.day)).toEqual(["2023-03-01"]);
  });

  it("drops every trigger at or before the latest removal; a later one brings the user back", () => {
    const removedAt = "2023-05-25T00:00:00.000000Z";
    expect(evaluatePolicy({ config, indicators, daily, manual: [manual], removedAt, settings }).alert).toBeNull();
    const later = { at: "2023-06-09T08:00:00.000000Z", signalId: 3 };
    const back = evaluatePolicy({
      config,
      indicators,
      daily,
      manual: [manual],
      resignations: [later],
      removedAt,
      settings,
    });
    expect(back.triggers.map((t) => t.kind)).toEqual(["hr.resignation"]);
    // The resignation's own window (from 2023-03-11) no longer reaches 2023-03-01.
    expect(back.insights.map((i) => i.day)).toEqual(["2023-06-10"]);
  });
});

describe("alert volume", () => {
  const daily = new Map([[SF, [day("2023-04-24", 6)]]]); // 15 + 19 · 1/5 = 18.80, Low
  const volume = (alertVolume: "fewer" | "default" | "more") =>
    compileDetections(applySettingsPatch(DEFAULT_TENANT_SETTINGS, { detections: { alertVolume } }).next.detections);

  it("says whether an insight may open an alert; the alert is scored either way", () => {
    for (const [v, mayRaise] of [
      ["more", true],
      ["default", false],
      ["fewer", false],
    ] as const) {
      const result = evaluatePolicy({
        config,
        indicators,
        daily,
        resignations: [resignation],
        detections: volume(v),
        settings,
      });
      expect(result.alert).toMatchObject({ score: 18.8, severity: "Low", mayRaise });
    }
  });
});

describe("properties of the whole evaluation", () => {
  const days = fc.array(
    fc.record({
      indicator: fc.constantFrom(SF, DB),
      offset: fc.integer({ min: -120, max: 40 }),
      value: fc.integer({ min: 0, max: 200 }),
    }),
    { maxLength: 25 },
  );
  const totals = (entries: { indicator: string; offset: number; value: number }[]) => {
    const byKey = new Map<string, DailyTotal>();
    for (const e of entries) {
      const d = addDays("2023-04-23", e.offset);
      const key = `${e.indicator}|${d}`;
      const prev = byKey.get(key);
      byKey.set(key, day(d, (prev?.value ?? 0) + e.value));
    }
    const out = new Map<string, DailyTotal[]>();
    for (const [key, t] of byKey) {
      const id = key.split("|")[0]!;
      out.set(id, [...(out.get(id) ?? []), t]);
    }
    return out;
  };
  const score = (entries: { indicator: string; offset: number; value: number }[]) =>
    evaluatePolicy({ config, indicators, daily: totals(entries), resignations: [resignation], settings }).alert
      ?.score ?? 0;

  it("stays within 0–100 and never falls when evidence is added", () => {
    fc.assert(
      fc.property(days, days, (base, more) => {
        const before = score(base);
        const after = score([...base, ...more]);
        expect(before).toBeGreaterThanOrEqual(0);
        expect(after).toBeLessThan(100);
        expect(after).toBeGreaterThanOrEqual(before);
      }),
    );
  });
});
