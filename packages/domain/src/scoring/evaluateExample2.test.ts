// docs/scoring.md, "Worked example: a data leak with boosters and a sequence" — every number checked.

import { describe, expect, it } from "vitest";
import { compileDetections } from "../detections/compile.ts";
import { effectivePolicyConfig } from "../policies/policyConfig.ts";
import { findPolicyTemplate } from "../policies/templates.ts";
import { priorityUserGroupBooster } from "../risk/boosters.ts";
import { findBuiltinIndicator } from "../risk/indicators.ts";
import { detectSequences } from "../risk/sequences.ts";
import { applySettingsPatch, DEFAULT_TENANT_SETTINGS } from "../settings/tenantSettings.ts";
import { type BuiltinSignal, builtinDailyTotals } from "./builtinTotals.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { priorityContentMatcher } from "./priorityContent.ts";
import { triggerCandidate } from "./triggers.ts";

const template = findPolicyTemplate("data-leaks")!;
const config = effectivePolicyConfig(
  {
    scope: { allUsers: true },
    triggers: { hrResignation: false, indicators: [], dlpAlert: true, sequences: false },
    indicators: [
      { indicatorId: "office.emailFreeDomain", thresholds: { low: 3, medium: 6, high: 10 } },
      { indicatorId: "device.removableMediaCopy", thresholds: { low: 10, medium: 25, high: 50 } },
    ],
    priorityContent: {
      sites: [],
      sensitivityLabels: ["Highly Confidential"],
      sensitiveInfoTypes: [],
      fileExtensions: [],
      classifiers: [],
    },
    boosters: {
      unusualActivity: true,
      confirmedViolationHistory: true,
      priorityUserGroup: true,
      potentialHighImpactUser: true,
    },
    sequenceDetection: { enabled: true },
    cumulativeExfiltration: { enabled: false },
  },
  template,
);
const settings = applySettingsPatch(DEFAULT_TENANT_SETTINGS, { detections: { unusualActivityMinDailyEvents: 5 } }).next;
const detections = compileDetections(settings.detections);

let id = 100;
const ev = (kind: string, at: string, attributes: Record<string, unknown>): BuiltinSignal => ({
  id: id++,
  kind: `activity.${kind}`,
  at,
  attributes,
});
const email = (at: string, label?: string) =>
  ev("email.sentToFreeDomain", at, {
    recipients: ["me@gmail.com"],
    destinationDomain: "gmail.com",
    fileName: "notes.docx",
    ...(label ? { sensitivityLabel: label } : {}),
  });

const dlp = ev("security.dlpAlert", "2024-03-04T10:00:00.000000Z", { severity: "High", policyName: "PCI" });
const activity: BuiltinSignal[] = [
  // Ten quiet days: one e-mail a day to a free domain.
  ...Array.from({ length: 10 }, (_, i) => email(`2024-02-${String(10 + i).padStart(2, "0")}T09:00:00.000000Z`)),
  // 2024-03-05: eight, two of them labelled Highly Confidential.
  ...Array.from({ length: 8 }, (_, i) =>
    email(`2024-03-05T1${i}:00:00.000000Z`, i < 2 ? "Highly Confidential" : undefined),
  ),
  ev("file.downloadedFromDocumentSite", "2024-03-06T09:00:00.000000Z", { fileName: "Q1 forecast.xlsx" }),
  ev("file.copiedToRemovableMedia", "2024-03-06T09:30:00.000000Z", { fileName: "Q1 forecast.xlsx" }),
];

function evaluate() {
  const matcher = priorityContentMatcher(config.priorityContent);
  const daily = new Map(
    config.indicators.map((i) => [
      i.indicatorId,
      builtinDailyTotals(findBuiltinIndicator(i.indicatorId)!, activity, detections, { priorityContent: matcher }),
    ]),
  );
  const indicators = new Map(
    config.indicators.map((i) => {
      const b = findBuiltinIndicator(i.indicatorId)!;
      return [b.id, { id: b.rowId, name: b.name, valueColumn: b.measure }];
    }),
  );
  const candidate = triggerCandidate(dlp, { detections, accountDepartures: false })!;
  const sequences = detectSequences(
    activity.map((s) => ({ id: s.id!, kind: s.kind, occurredAt: s.at, attributes: s.attributes })),
  ).sequences;
  return evaluatePolicy({
    config,
    template,
    indicators,
    daily,
    candidates: [candidate],
    sequences,
    boosters: { priorityUserGroup: priorityUserGroupBooster(["Finance leadership"]) },
    detections,
    settings,
  });
}

describe("worked example: a data leak with boosters and a sequence", () => {
  const result = evaluate();

  it("is triggered by the High DLP alert", () => {
    expect(result.triggers.map((t) => [t.kind, t.event, t.reason])).toEqual([
      ["activity.security.dlpAlert", "dlpAlert", "High-severity DLP alert 'PCI' on 2024-03-04"],
    ]);
    expect(result.windows).toEqual([{ firstDay: "2023-12-05", endDay: "2024-04-04" }]);
  });

  it("boosts the e-mail day three times and the sequence once", () => {
    const shown = result.insights.map((i) => ({
      kind: i.kind,
      day: i.day,
      value: i.value,
      base: i.baseScore,
      score: i.score,
      boosters: i.boosters.map((b) => [b.id, b.multiplier, b.points]),
    }));
    expect(shown).toEqual([
      {
        kind: "indicator",
        day: "2024-03-05",
        value: 8,
        base: 50.5,
        score: 77.49,
        boosters: [
          ["priorityUserGroup", 1.5, 9],
          ["unusualActivity", 1.5, 9],
          ["priorityContent", 1.5, 8.99],
        ],
      },
      {
        kind: "sequence",
        day: "2024-03-06",
        value: 1,
        base: 15,
        score: 20.93,
        boosters: [["priorityUserGroup", 1.5, 5.93]],
      },
    ]);
  });

  it("adds up to the alert score", () => {
    expect(result.alertInsights.map((i) => [i.kind, i.rank, i.contribution])).toEqual([
      ["indicator", 1, 77.49],
      ["sequence", 2, 1.67],
    ]);
    expect(result.alert).toEqual({
      score: 79.16,
      severity: "High",
      mayRaise: true,
      riskFactors: ["priorityContent", "sequence", "priorityUserGroup"],
    });
  });
});
