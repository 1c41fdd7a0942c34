import { describe, expect, it } from "vitest";
import {
  applyAdaptiveProtectionPatch,
  defaultAdaptiveProtectionSettings,
  readAdaptiveProtectionSettings,
} from "../settings/adaptiveProtection.ts";
import {
  applyRiskLevelCriteriaPatch,
  type ComputeLevelInput,
  computeRiskLevel,
  DEFAULT_RISK_LEVEL_CRITERIA,
  insightFlagsForIndicatorKind,
  type LevelAlert,
  type LevelInsight,
  NO_PREVIOUS_LEVEL,
  type PreviousLevelState,
  type RiskLevelSettings,
  readRiskLevelCriteria,
} from "./levels.ts";

const SETTINGS: RiskLevelSettings = { ...defaultAdaptiveProtectionSettings(), enabled: true };
const NOW = "2023-06-10T12:00:00.000Z";

function level(
  parts: Partial<Omit<ComputeLevelInput, "previous">> & { previous?: PreviousLevelState },
): ReturnType<typeof computeRiskLevel> {
  return computeRiskLevel({
    alerts: [],
    insights: [],
    previous: NO_PREVIOUS_LEVEL,
    settings: SETTINGS,
    asOf: NOW,
    ...parts,
  });
}

const alert = (severity: string, updatedAt: string, extra: Partial<LevelAlert> = {}): LevelAlert => ({
  id: `a-${severity}-${updatedAt}`,
  policyId: "p1",
  status: "NeedsReview",
  severity,
  updatedAt,
  ...extra,
});
const exfil = (day: string, severity = "High", extra: Partial<LevelInsight> = {}): LevelInsight => ({
  day,
  severity,
  indicatorId: `i-${day}-${Math.random()}`,
  policyId: "p1",
  exfiltration: true,
  sequence: false,
  ...extra,
});
const sequence = (day: string, extra: Partial<LevelInsight> = {}): LevelInsight =>
  exfil(day, "High", { exfiltration: false, sequence: true, ...extra });

describe("default criteria", () => {
  it("are the documented ones", () => {
    expect(DEFAULT_RISK_LEVEL_CRITERIA).toEqual({
      Elevated: {
        alertGenerated: ["High"],
        alertConfirmed: ["High"],
        activity: { insights: "sequence", minimumSeverity: "High", count: 3 },
      },
      Moderate: {
        alertGenerated: ["Medium"],
        alertConfirmed: [],
        activity: { insights: "exfiltration", minimumSeverity: "High", count: 2 },
      },
      Minor: {
        alertGenerated: ["Low"],
        alertConfirmed: [],
        activity: { insights: "exfiltration", minimumSeverity: "High", count: 1 },
      },
    });
    expect(defaultAdaptiveProtectionSettings()).toMatchObject({
      enabled: false,
      pastActivityDetectionDays: 7,
      levelTimeframeDays: 7,
    });
  });

  it("Elevated: a High-severity alert", () => {
    const out = level({ alerts: [alert("High", "2023-06-09T08:00:00Z")] });
    expect(out).toMatchObject({
      level: "Elevated",
      previousLevel: null,
      changed: true,
      assignedAt: NOW,
      expiresAt: "2023-06-16T08:00:00.000Z",
    });
    expect(out.reasons).toEqual([
      {
        level: "Elevated",
        criterion: "alertGenerated",
        metAt: "2023-06-09T08:00:00.000Z",
        message:
          "1 open High-severity alert generated or updated within the last 7 days (latest 2023-06-09T08:00:00.000Z).",
        alertIds: ["a-High-2023-06-09T08:00:00Z"],
      },
    ]);
  });

  it("Elevated: a confirmed High alert, counted from its confirmation", () => {
    const out = level({
      alerts: [alert("High", "2023-06-01T08:00:00Z", { status: "Confirmed", confirmedAt: "2023-06-08T09:00:00Z" })],
    });
    expect(out.level).toBe("Elevated");
    expect(out.reasons.map((r) => r.criterion)).toEqual(["alertConfirmed"]);
    expect(out.expiresAt).toBe("2023-06-15T09:00:00.000Z");
    // Confirming a Medium alert is not an Elevated condition; the alert itself still counts as Moderate.
    const medium = level({
      alerts: [alert("Medium", "2023-06-09T08:00:00Z", { status: "Confirmed" })],
    });
    expect(medium.level).toBe("Moderate");
  });

  it("Elevated: at least 3 High sequence insights within the past activity detection window", () => {
    const two = level({ insights: [sequence("2023-06-05"), sequence("2023-06-07")] });
    expect(two.level).toBeNull();
    const three = level({ insights: [sequence("2023-06-03"), sequence("2023-06-05"), sequence("2023-06-09")] });
    expect(three.level).toBe("Elevated");
    expect(three.reasons[0]).toMatchObject({
      criterion: "activity",
      metAt: "2023-06-10T00:00:00.000Z",
      insightDays: ["2023-06-03", "2023-06-05", "2023-06-09"],
      message: "3 High sequence insights within 7 days (2023-06-03 to 2023-06-09; at least 3 needed).",
    });
    expect(three.expiresAt).toBe("2023-06-17T00:00:00.000Z");
    // Spread over more than 7 days: never 3 in one window.
    const spread = level({ insights: [sequence("2023-06-01"), sequence("2023-06-05"), sequence("2023-06-09")] });
    expect(spread.level).toBeNull();
    // Medium sequence insights do not count.
    const medium = level({
      insights: ["2023-06-07", "2023-06-08", "2023-06-09"].map((d) => sequence(d, { severity: "Medium" })),
    });
    expect(medium.level).toBeNull();
  });

  it("Moderate: a Medium alert, or at least 2 High exfiltration insights", () => {
    expect(level({ alerts: [alert("Medium", "2023-06-09T08:00:00Z")] }).level).toBe("Moderate");
    const two = level({ insights: [exfil("2023-06-08"), exfil("2023-06-09")] });
    expect(two.level).toBe("Moderate");
    expect(two.reasons[0]!.message).toBe(
      "2 High exfiltration insights within 7 days (2023-06-08 to 2023-06-09; at least 2 needed).",
    );
  });

  it("Minor: a Low alert, or at least 1 High exfiltration insight", () => {
    expect(level({ alerts: [alert("Low", "2023-06-09T08:00:00Z")] }).level).toBe("Minor");
    expect(level({ insights: [exfil("2023-06-09")] }).level).toBe("Minor");
    expect(level({ insights: [exfil("2023-06-09", "Medium")] }).level).toBeNull();
    // Insights of other activities do not count.
    expect(level({ insights: [exfil("2023-06-09", "High", { exfiltration: false })] }).level).toBeNull();
  });

  it("counts insights, not events: one indicator on one day counts once across policies", () => {
    const insight = { ...exfil("2023-06-09"), indicatorId: "usb" };
    expect(level({ insights: [insight, { ...insight, policyId: "p2" }] }).level).toBe("Minor");
  });

  it("gives the highest level met, with the reasons of that level only", () => {
    const out = level({
      alerts: [alert("Low", "2023-06-09T08:00:00Z"), alert("High", "2023-06-08T08:00:00Z")],
      insights: [exfil("2023-06-09")],
    });
    expect(out.level).toBe("Elevated");
    expect(out.reasons.map((r) => `${r.level}/${r.criterion}`)).toEqual(["Elevated/alertGenerated"]);
  });

  it("ignores dismissed and resolved alerts", () => {
    expect(level({ alerts: [alert("High", "2023-06-09T08:00:00Z", { status: "Dismissed" })] }).level).toBeNull();
    expect(level({ alerts: [alert("High", "2023-06-09T08:00:00Z", { status: "Resolved" })] }).level).toBeNull();
  });
});

describe("timeframe, expiry and resets", () => {
  const high = alert("High", "2023-06-01T08:00:00Z");

  it("expires the level after the timeframe", () => {
    expect(level({ alerts: [high], asOf: "2023-06-08T07:59:59Z" }).level).toBe("Elevated");
    const expired = level({
      alerts: [high],
      asOf: "2023-06-08T08:00:00Z",
      previous: {
        level: "Elevated",
        assignedAt: "2023-06-01T08:00:00Z",
        expiresAt: "2023-06-08T08:00:00Z",
        resets: [],
      },
    });
    expect(expired).toEqual({
      level: null,
      previousLevel: "Elevated",
      changed: true,
      assignedAt: null,
      expiresAt: null,
      reasons: [],
    });
    // A longer timeframe holds it longer.
    expect(
      level({ alerts: [high], asOf: "2023-06-08T08:00:00Z", settings: { ...SETTINGS, levelTimeframeDays: 10 } }).level,
    ).toBe("Elevated");
  });

  it("extends the level when its criteria are met again, keeping when it was assigned", () => {
    const previous: PreviousLevelState = {
      level: "Elevated",
      assignedAt: "2023-06-01T08:05:00.000Z",
      expiresAt: "2023-06-08T08:00:00.000Z",
      resets: [],
    };
    const out = level({ alerts: [alert("High", "2023-06-06T10:00:00Z")], previous, asOf: "2023-06-09T00:00:00Z" });
    expect(out).toMatchObject({
      level: "Elevated",
      changed: false,
      assignedAt: "2023-06-01T08:05:00.000Z",
      expiresAt: "2023-06-13T10:00:00.000Z",
    });
    // Insights met again on a later day extend from the end of that day.
    const insights = [exfil("2023-06-01"), exfil("2023-06-06")];
    expect(level({ insights, asOf: "2023-06-12T00:00:00Z" }).expiresAt).toBe("2023-06-14T00:00:00.000Z");
  });

  it("falls back to a lower level when the higher one expires", () => {
    const out = level({
      alerts: [high, alert("Medium", "2023-06-05T08:00:00Z")],
      asOf: "2023-06-09T00:00:00Z",
      previous: {
        level: "Elevated",
        assignedAt: "2023-06-01T08:00:00Z",
        expiresAt: "2023-06-08T08:00:00Z",
        resets: [],
      },
    });
    expect(out).toMatchObject({ level: "Moderate", previousLevel: "Elevated", changed: true });
  });

  it("resets on a manual expire: earlier alerts and insights of that day and before stop counting", () => {
    const previous: PreviousLevelState = {
      level: "Elevated",
      assignedAt: "2023-06-09T09:00:00Z",
      expiresAt: "2023-06-16T08:00:00Z",
      resets: [{ kind: "expired", at: "2023-06-10T10:00:00Z" }],
    };
    const out = level({
      alerts: [alert("High", "2023-06-09T08:00:00Z")],
      insights: [exfil("2023-06-10")],
      previous,
    });
    expect(out).toMatchObject({ level: null, changed: true });
    // New evidence after the reset counts again.
    const later = level({
      alerts: [alert("Medium", "2023-06-10T11:00:00Z")],
      previous,
    });
    expect(later.level).toBe("Moderate");
  });

  it("resets on an alert dismissed or resolved: that alert and its policy's insights up to then stop counting", () => {
    const resets = [{ kind: "alertDismissed" as const, at: "2023-06-10T09:00:00Z", alertId: "a1", policyId: "p1" }];
    const previous: PreviousLevelState = { level: "Moderate", assignedAt: null, expiresAt: null, resets };
    const out = level({
      alerts: [alert("Medium", "2023-06-09T08:00:00Z", { id: "a1" })],
      insights: [exfil("2023-06-09"), exfil("2023-06-10", "High", { policyId: "p2" })],
      previous,
    });
    // The other policy's insight still holds Minor.
    expect(out).toMatchObject({ level: "Minor", previousLevel: "Moderate", changed: true });
    const resolved = level({
      alerts: [alert("Low", "2023-06-09T08:00:00Z", { id: "a2", policyId: "p2" })],
      previous: {
        ...NO_PREVIOUS_LEVEL,
        resets: [{ kind: "alertResolved", at: "2023-06-10T09:00:00Z", alertId: "a2", policyId: "p2" }],
      },
    });
    expect(resolved.level).toBeNull();
  });

  it("assigns nothing while adaptive protection is off, and reports the change", () => {
    const out = level({
      alerts: [alert("High", "2023-06-09T08:00:00Z")],
      settings: { ...SETTINGS, enabled: false },
      previous: { level: "Elevated", assignedAt: NOW, expiresAt: NOW, resets: [] },
    });
    expect(out).toMatchObject({ level: null, previousLevel: "Elevated", changed: true });
  });

  it("does not report a change when nothing changes", () => {
    expect(level({}).changed).toBe(false);
  });
});

describe("custom criteria", () => {
  const message = (patch: unknown) => {
    try {
      applyRiskLevelCriteriaPatch(DEFAULT_RISK_LEVEL_CRITERIA, patch, "adaptiveProtection.criteria");
      return "ok";
    } catch (err) {
      return (err as Error).message;
    }
  };

  it("changes only the conditions named", () => {
    const next = applyRiskLevelCriteriaPatch(DEFAULT_RISK_LEVEL_CRITERIA, {
      moderate: { alertGenerated: ["high", "Medium"], activity: { count: 4 } },
      Minor: { activity: null },
    });
    expect(next.Moderate).toEqual({
      alertGenerated: ["High", "Medium"],
      alertConfirmed: [],
      activity: { insights: "exfiltration", minimumSeverity: "High", count: 4 },
    });
    expect(next.Minor.activity).toBeNull();
    expect(next.Elevated).toEqual(DEFAULT_RISK_LEVEL_CRITERIA.Elevated);
    const settings = { ...SETTINGS, criteria: next };
    expect(level({ settings, insights: [exfil("2023-06-09")] }).level).toBeNull();
    const any = applyRiskLevelCriteriaPatch(DEFAULT_RISK_LEVEL_CRITERIA, {
      Minor: { activity: { insights: "any", minimumSeverity: "Medium" } },
    });
    expect(
      level({
        settings: { ...SETTINGS, criteria: any },
        insights: [exfil("2023-06-09", "Medium", { exfiltration: false })],
      }).level,
    ).toBe("Minor");
  });

  it("names the field and the fix for every bad value", () => {
    expect(message({ Severe: {} })).toBe(
      "Unknown risk level 'Severe' in adaptiveProtection.criteria; levels are: Elevated, Moderate, Minor.",
    );
    expect(message({ Elevatd: {} })).toBe(
      "Unknown risk level 'Elevatd' in adaptiveProtection.criteria; did you mean 'Elevated'? levels are: Elevated, Moderate, Minor.",
    );
    expect(message({ Moderate: { alertGenerated: "High" } })).toBe(
      'adaptiveProtection.criteria.Moderate.alertGenerated must be a list of alert severities (High, Medium, Low), e.g. ["High"], or [] for none (got "High").',
    );
    expect(message({ Moderate: { alertConfirmed: ["High", "Critical"] } })).toBe(
      'adaptiveProtection.criteria.Moderate.alertConfirmed[1] "Critical" is not a severity; use High, Medium or Low.',
    );
    expect(message({ Minor: { activity: { count: 0 } } })).toBe(
      "adaptiveProtection.criteria.Minor.activity.count must be a whole number of insights from 1 to 100 (got 0).",
    );
    expect(message({ Minor: { activity: { insights: "downloads" } } })).toBe(
      'adaptiveProtection.criteria.Minor.activity.insights must be one of exfiltration, sequence, any (got "downloads").',
    );
    expect(message({ Minor: { activity: { minimumSeverity: "Urgent" } } })).toBe(
      'adaptiveProtection.criteria.Minor.activity.minimumSeverity must be High, Medium or Low (got "Urgent"); insights of that severity or higher count.',
    );
    expect(message({ Minor: { activty: null } })).toBe(
      "Unknown setting 'adaptiveProtection.criteria.Minor.activty'; did you mean 'adaptiveProtection.criteria.Minor.activity'? adaptiveProtection.criteria.Minor settings are: alertGenerated, alertConfirmed, activity.",
    );
    expect(message([])).toBe(
      'adaptiveProtection.criteria must be an object with the levels to change as keys (Elevated, Moderate, Minor), e.g. {"Moderate": {"alertGenerated": ["Medium", "High"]}} (got []).',
    );
  });

  it("reads stored criteria leniently", () => {
    const read = readRiskLevelCriteria({
      Elevated: { alertGenerated: ["Bogus"], activity: { insights: "sequence" } },
      Minor: { activity: null },
    });
    expect(read.Elevated).toEqual(DEFAULT_RISK_LEVEL_CRITERIA.Elevated);
    expect(read.Minor.activity).toBeNull();
  });
});

describe("adaptive protection settings", () => {
  it("reads leniently and changes strictly", () => {
    expect(
      readAdaptiveProtectionSettings({ enabled: "yes", levelTimeframeDays: 40, pastActivityDetectionDays: 14 }),
    ).toMatchObject({
      enabled: false,
      levelTimeframeDays: 7,
      pastActivityDetectionDays: 14,
    });
    const current = defaultAdaptiveProtectionSettings();
    expect(applyAdaptiveProtectionPatch(current, { enabled: true, levelTimeframeDays: 30 })).toMatchObject({
      enabled: true,
      levelTimeframeDays: 30,
    });
    expect(() => applyAdaptiveProtectionPatch(current, { levelTimeframeDays: 4 })).toThrow(
      "adaptiveProtection.levelTimeframeDays must be a whole number of days from 5 to 30 (got 4).",
    );
    expect(() => applyAdaptiveProtectionPatch(current, { pastActivityDetectionDays: 31 })).toThrow(
      "adaptiveProtection.pastActivityDetectionDays must be a whole number of days from 5 to 30 (got 31).",
    );
    expect(() => applyAdaptiveProtectionPatch(current, { enabled: 1 })).toThrow(
      "adaptiveProtection.enabled must be true or false (got 1).",
    );
    expect(() => applyAdaptiveProtectionPatch(current, { timeframe: 7 })).toThrow(
      "Unknown setting 'adaptiveProtection.timeframe'; adaptiveProtection settings are: enabled, pastActivityDetectionDays, levelTimeframeDays, criteria.",
    );
  });
});

describe("insight flags", () => {
  it("marks exfiltration activity types and sequences", () => {
    expect(insightFlagsForIndicatorKind("sequence")).toEqual({ exfiltration: false, sequence: true });
    expect(insightFlagsForIndicatorKind("custom")).toEqual({ exfiltration: false, sequence: false });
    // Built-in indicators: their catalog stage decides (sharing a file outside is exfiltration).
    expect(insightFlagsForIndicatorKind("builtin", "office.fileSharedExternally")).toEqual({
      exfiltration: true,
      sequence: false,
    });
    expect(insightFlagsForIndicatorKind("builtin", "office.documentSiteDownload")).toEqual({
      exfiltration: false,
      sequence: false,
    });
    expect(insightFlagsForIndicatorKind("exfiltration")).toEqual({ exfiltration: true, sequence: false });
    expect(insightFlagsForIndicatorKind("activity.file.sharedExternally")).toEqual({
      exfiltration: true,
      sequence: false,
    });
  });
});
