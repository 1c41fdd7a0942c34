import { describe, expect, it } from "vitest";
import { compileDetections } from "../detections/compile.ts";
import { effectivePolicyConfig, type PolicyConfig } from "../policies/policyConfig.ts";
import { findPolicyTemplate } from "../policies/templates.ts";
import { applySettingsPatch, DEFAULT_TENANT_SETTINGS } from "../settings/tenantSettings.ts";
import { policyTakesTrigger, type TriggerSignal, triggerCandidate, triggerEventOn } from "./triggers.ts";

const detections = (patch: Record<string, unknown> = {}) =>
  compileDetections(applySettingsPatch(DEFAULT_TENANT_SETTINGS, { detections: patch }).next.detections);
const rules = { detections: detections(), accountDepartures: false };
const signal = (kind: string, attributes: Record<string, unknown> = {}): TriggerSignal => ({
  id: 1,
  kind,
  at: "2024-03-04T10:00:00.000000Z",
  attributes,
});
const event = (s: TriggerSignal, r = rules) => triggerCandidate(s, r)?.event ?? null;

describe("triggerCandidate", () => {
  it.each([
    ["a resignation", signal("hr.resignation", { ResignationDate: "2024-03-04" }), "hrResignation"],
    ["an improvement plan", signal("hr.performance_improvement_plan", {}), "hrImprovementPlan"],
    ["a poor review", signal("hr.performance_review", { Rating: "Below expectations" }), "hrPerformanceReview"],
    ["a good review", signal("hr.performance_review", { Rating: "Exceeds expectations" }), null],
    ["a demotion", signal("hr.job_level_change", { OldLevel: "Level 62", NewLevel: "Level 60" }), "hrJobLevelChange"],
    ["a promotion", signal("hr.job_level_change", { OldLevel: "Level 60", NewLevel: "Level 62" }), null],
    ["an employee profile", signal("hr.employee_profile", {}), null],
    ["a High DLP alert", signal("activity.security.dlpAlert", { severity: "high" }), "dlpAlert"],
    ["a Medium DLP alert", signal("activity.security.dlpAlert", { severity: "Medium" }), null],
    ["defence evasion", signal("activity.security.defenseEvasion", { triageStatus: "New" }), "securityAlert"],
    ["unwanted software", signal("activity.security.unwantedSoftware"), "securityAlert"],
    [
      "a compliance match",
      signal("activity.communication.complianceMatch", { category: "threat" }),
      "communicationCompliance",
    ],
    ["a restricted record", signal("health.record_access", { restricted: true }), "healthRecordAccess"],
    ["an ordinary record view", signal("health.record_access", { restricted: false, action: "view" }), null],
    ["a related patient", signal("health.related_patient_access", { patientMatch: "address" }), "healthRecordAccess"],
    ["unusual volume", signal("health.unusual_volume"), "healthRecordAccess"],
    ["a risky website", signal("activity.browsing.riskyWebsite", { websiteCategory: "Malware" }), "riskyBrowsing"],
    ["an ordinary download", signal("activity.file.downloadedFromDocumentSite"), null],
  ])("%s", (_name, s, expected) => {
    expect(event(s)).toBe(expected);
  });

  it("takes the directory's departures only when they stand in for HR", () => {
    const disabled = signal("directory.account_disabled");
    expect(event(disabled)).toBeNull();
    expect(triggerCandidate(disabled, { ...rules, accountDepartures: true })).toMatchObject({
      event: "hrResignation",
      reason: "Account disabled in the directory on 2024-03-04 (no HR connector imports resignations)",
    });
  });

  it("leaves out security alerts whose triage status the tenant does not import", () => {
    const onlyNew = { detections: detections({ securityAlertStatuses: ["New"] }), accountDepartures: false };
    expect(event(signal("activity.security.defenseEvasion", { triageStatus: "Resolved" }), onlyNew)).toBeNull();
    expect(event(signal("activity.security.defenseEvasion", { triageStatus: "new" }), onlyNew)).toBe("securityAlert");
  });

  it("gives reasons an analyst can read", () => {
    expect(
      triggerCandidate(signal("activity.security.dlpAlert", { severity: "High", policyName: "PCI" }), rules)?.reason,
    ).toBe("High-severity DLP alert 'PCI' on 2024-03-04");
    expect(
      triggerCandidate(signal("activity.browsing.riskyWebsite", { websiteCategory: "Phishing" }), rules)?.reason,
    ).toBe("Risky website visited (Phishing) on 2024-03-04");
  });
});

describe("policyTakesTrigger", () => {
  const leaks = findPolicyTemplate("data-leaks")!;
  const browsingTemplate = findPolicyTemplate("risky-browser-usage")!;
  const base: PolicyConfig = {
    scope: { allUsers: true },
    triggers: { hrResignation: false, indicators: [] },
    indicators: [{ indicatorId: "office.emailFreeDomain", thresholds: { low: 3, medium: 6, high: 10 } }],
  };
  const dlp = (policyName: string) =>
    triggerCandidate(signal("activity.security.dlpAlert", { severity: "High", policyName }), rules)!;

  it("takes an event the template offers and the policy leaves on", () => {
    const config = effectivePolicyConfig(base, leaks);
    expect(triggerEventOn(config, leaks, "dlpAlert")).toBe(true);
    expect(triggerEventOn(config, leaks, "sequences")).toBe(false); // off unless turned on
    expect(triggerEventOn(config, leaks, "hrResignation")).toBe(false); // not offered
    expect(policyTakesTrigger(dlp("PCI"), config, leaks)).toBe(true);
    const off = effectivePolicyConfig({ ...base, triggers: { ...base.triggers, dlpAlert: false } }, leaks);
    expect(policyTakesTrigger(dlp("PCI"), off, leaks)).toBe(false);
  });

  it("takes only the named DLP policy's alerts when the policy names one", () => {
    const config = effectivePolicyConfig({ ...base, triggers: { ...base.triggers, dlpPolicy: "pci" } }, leaks);
    expect(policyTakesTrigger(dlp("PCI"), config, leaks)).toBe(true);
    expect(policyTakesTrigger(dlp("GDPR"), config, leaks)).toBe(false);
  });

  it("takes a risky visit only when one of the policy's browsing indicators matches it", () => {
    const config = effectivePolicyConfig(
      { ...base, indicators: [{ indicatorId: "browsing.malware", thresholds: { low: 1, medium: 3, high: 5 } }] },
      browsingTemplate,
    );
    const visit = (category: string) =>
      triggerCandidate(signal("activity.browsing.riskyWebsite", { websiteCategory: category }), rules)!;
    expect(policyTakesTrigger(visit("Malware"), config, browsingTemplate)).toBe(true);
    expect(policyTakesTrigger(visit("Gambling"), config, browsingTemplate)).toBe(false);
  });

  it("lets cumulative exfiltration trigger the data-leak templates with cumulative detection on", () => {
    const candidate = {
      event: "cumulative" as const,
      kind: "cumulative",
      at: "2024-03-04T10:00:00Z",
      signalId: null,
      reason: "",
    };
    const on = effectivePolicyConfig({ ...base, cumulativeExfiltration: { enabled: true } }, leaks);
    const off = effectivePolicyConfig({ ...base, cumulativeExfiltration: { enabled: false } }, leaks);
    expect(policyTakesTrigger(candidate, on, leaks)).toBe(true);
    expect(policyTakesTrigger(candidate, off, leaks)).toBe(false);
    const departing = findPolicyTemplate("departing-users-data-theft")!;
    expect(policyTakesTrigger(candidate, effectivePolicyConfig(base, departing), departing)).toBe(false);
  });
});
