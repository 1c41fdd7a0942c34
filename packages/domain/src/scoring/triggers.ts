// Triggering events: which stored signals can bring a user into a policy, as what template event,
// and whether a given policy takes them. Pure: the scorer loads the signals of the trigger kinds and
// asks triggerCandidate for each, then policyTakesTrigger per policy.

import { hrTriggerFor } from "../connectors/hr/triggers.ts";
import type { CompiledDetections } from "../detections/compile.ts";
import type { PolicyConfig } from "../policies/policyConfig.ts";
import { type PolicyTemplate, TRIGGER_EVENT_INFO, type TriggerEvent } from "../policies/templates.ts";
import { type BuiltinIndicator, findBuiltinIndicator, indicatorMatchesSignal } from "../risk/indicators.ts";
import { importedSecurityAlert } from "./builtinTotals.ts";

/** A stored signal as the trigger rules read it. */
export interface TriggerSignal {
  id: number | null;
  kind: string;
  /** ISO 8601 UTC with microseconds. */
  at: string;
  attributes: Readonly<Record<string, unknown>>;
}

/** A signal (or a detection) that can bring its user into policies offering `event`. */
export interface TriggerCandidate {
  event: TriggerEvent | "cumulative";
  /** What the trigger shows as its kind: the signal kind, or "sequence" / "cumulative". */
  kind: string;
  at: string;
  signalId: number | null;
  reason: string;
  /** The signal, for the rules that depend on the policy (DLP policy name, browsing indicators). */
  signal?: TriggerSignal;
}

/** Signal kinds that can trigger (every kind named by a template's triggering events). */
export const TRIGGER_SIGNAL_KINDS: readonly string[] = [
  ...new Set(Object.values(TRIGGER_EVENT_INFO).flatMap((info) => info.signalKinds)),
];

const DIRECTORY_DEPARTURES = new Set(["directory.account_disabled", "directory.account_deleted"]);

const HR_EVENTS: Readonly<Record<string, TriggerEvent>> = {
  "hr.resignation": "hrResignation",
  "hr.job_level_change": "hrJobLevelChange",
  "hr.performance_review": "hrPerformanceReview",
  "hr.performance_improvement_plan": "hrImprovementPlan",
};

const text = (value: unknown): string => (typeof value === "string" ? value.trim() : "");
const day = (at: string) => at.slice(0, 10);

function titled(signal: TriggerSignal): string {
  const title = text(signal.attributes.alertTitle) || text(signal.attributes.policyName);
  return title ? ` '${title}'` : "";
}

export interface TriggerRules {
  /** Triage statuses of security alerts the tenant imports. */
  detections: Pick<CompiledDetections, "allowsTriageStatus">;
  /**
   * Whether the directory's account departures stand in for resignations (no live HR connector
   * imports resignations).
   */
  accountDepartures: boolean;
}

/**
 * The triggering event a signal is, or null when it triggers nothing: HR resignations, demotions
 * (or level changes of unreadable direction), poor reviews and improvement plans; directory
 * departures (only when they stand in for HR); DLP alerts of severity High; security alerts of
 * defence evasion or unwanted software whose triage status is imported; communication compliance
 * matches; restricted-record and related-patient accesses and unusual access volume; risky website
 * visits (each policy then checks its browsing indicators).
 */
export function triggerCandidate(signal: TriggerSignal, rules: TriggerRules): TriggerCandidate | null {
  const base = { kind: signal.kind, at: signal.at, signalId: signal.id, signal };
  const hrEvent = HR_EVENTS[signal.kind];
  if (hrEvent) {
    const decision = hrTriggerFor({ kind: signal.kind, occurredAt: signal.at, attributes: signal.attributes });
    if (!decision?.triggers) return null;
    return { ...base, event: hrEvent, reason: decision.reason };
  }
  if (DIRECTORY_DEPARTURES.has(signal.kind)) {
    if (!rules.accountDepartures) return null;
    const change = signal.kind === "directory.account_deleted" ? "deleted" : "disabled";
    return {
      ...base,
      event: "hrResignation",
      reason: `Account ${change} in the directory on ${day(signal.at)} (no HR connector imports resignations)`,
    };
  }
  switch (signal.kind) {
    case "activity.security.dlpAlert": {
      const severity = text(signal.attributes.severity);
      if (severity.toLowerCase() !== "high") return null;
      return { ...base, event: "dlpAlert", reason: `High-severity DLP alert${titled(signal)} on ${day(signal.at)}` };
    }
    case "activity.security.defenseEvasion":
    case "activity.security.unwantedSoftware": {
      if (!importedSecurityAlert(signal, rules.detections)) return null;
      const what = signal.kind.endsWith("defenseEvasion") ? "defence evasion" : "unwanted software";
      return {
        ...base,
        event: "securityAlert",
        reason: `Security alert (${what})${titled(signal)} on ${day(signal.at)}`,
      };
    }
    case "activity.communication.complianceMatch":
      return {
        ...base,
        event: "communicationCompliance",
        reason: `Communication compliance match${titled(signal)} on ${day(signal.at)}`,
      };
    case "health.record_access": {
      if (signal.attributes.restricted !== true) return null;
      return {
        ...base,
        event: "healthRecordAccess",
        reason: `Restricted patient record accessed on ${day(signal.at)}`,
      };
    }
    case "health.related_patient_access": {
      const match = text(signal.attributes.patientMatch);
      return {
        ...base,
        event: "healthRecordAccess",
        reason: `Record of a related patient${match ? ` (${match} match)` : ""} accessed on ${day(signal.at)}`,
      };
    }
    case "health.unusual_volume":
      return { ...base, event: "healthRecordAccess", reason: `Unusual volume of record access on ${day(signal.at)}` };
    case "activity.browsing.riskyWebsite": {
      const category = text(signal.attributes.websiteCategory);
      return {
        ...base,
        event: "riskyBrowsing",
        reason: `Risky website visited${category ? ` (${category})` : ""} on ${day(signal.at)}`,
      };
    }
    default:
      return null;
  }
}

/** Whether a policy has a triggering event on: offered by its template and not turned off. */
export function triggerEventOn(config: PolicyConfig, template: PolicyTemplate, event: TriggerEvent): boolean {
  if (!template.triggerEvents.includes(event)) return false;
  if (event === "hrResignation") return config.triggers.hrResignation;
  return config.triggers[event] ?? event !== "sequences";
}

/** The browsing indicators a policy scores (a risky visit triggers only when one of them matches it). */
export function policyBrowsingIndicators(config: PolicyConfig): BuiltinIndicator[] {
  return config.indicators.flatMap((i) => {
    const b = findBuiltinIndicator(i.indicatorId);
    return b && b.category === "browsing" && b.id === i.indicatorId ? [b] : [];
  });
}

/**
 * Whether a policy takes a trigger candidate: the event is on for the policy; a DLP alert comes
 * from the policy's DLP policy when it names one; a risky visit matches one of its browsing
 * indicators. Cumulative exfiltration triggers the templates that offer DLP alerts (the data-leak
 * templates), when the policy has cumulative exfiltration detection on.
 */
export function policyTakesTrigger(
  candidate: TriggerCandidate,
  config: PolicyConfig,
  template: PolicyTemplate,
  browsing: readonly BuiltinIndicator[] = policyBrowsingIndicators(config),
): boolean {
  if (candidate.event === "cumulative") {
    return template.triggerEvents.includes("dlpAlert") && config.cumulativeExfiltration?.enabled === true;
  }
  if (!triggerEventOn(config, template, candidate.event)) return false;
  if (candidate.event === "dlpAlert" && config.triggers.dlpPolicy && candidate.signal) {
    const name = text(candidate.signal.attributes.policyName).toLowerCase();
    if (name !== config.triggers.dlpPolicy.trim().toLowerCase()) return false;
  }
  if (candidate.event === "riskyBrowsing" && candidate.signal) {
    const signal = candidate.signal;
    if (!browsing.some((b) => indicatorMatchesSignal(b, signal))) return false;
  }
  return true;
}
