// Policy templates as data: what each template detects, its prerequisites, the triggering events
// it offers, the indicator categories it scores, the options it takes and its limits.
// Adding a template means adding an entry here (and teaching the scorer its triggers).

import type { IndicatorCategory } from "../risk/indicators.ts";

/** Triggering events a template can offer, besides trigger indicators (config field triggers.<id>). */
export const TRIGGER_EVENTS = [
  "hrResignation",
  "dlpAlert",
  "sequences",
  "securityAlert",
  "hrJobLevelChange",
  "hrPerformanceReview",
  "hrImprovementPlan",
  "communicationCompliance",
  "healthRecordAccess",
  "riskyBrowsing",
] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];

export interface TriggerEventInfo {
  id: TriggerEvent;
  name: string;
  /** The signal kinds that carry the event. */
  signalKinds: readonly string[];
  description: string;
}

export const TRIGGER_EVENT_INFO: Readonly<Record<TriggerEvent, TriggerEventInfo>> = {
  hrResignation: {
    id: "hrResignation",
    name: "Resignation or termination (HR), or account deleted or disabled in the directory",
    signalKinds: ["hr.resignation", "directory.account_deleted", "directory.account_disabled"],
    description:
      "An HR resignation or termination date brings the user in. Without a live HR connector importing resignations, the directory's account deletions and disablements take its place.",
  },
  dlpAlert: {
    id: "dlpAlert",
    name: "High-severity DLP alert",
    signalKinds: ["activity.security.dlpAlert"],
    description:
      "A data loss prevention alert of severity High (optionally from one named DLP policy, triggers.dlpPolicy).",
  },
  sequences: {
    id: "sequences",
    name: "Risky sequence of activities",
    signalKinds: [],
    description:
      "A detected sequence (collect, obfuscate, exfiltrate, clean up) above the sequence thresholds; needs sequence detection on.",
  },
  securityAlert: {
    id: "securityAlert",
    name: "Security alert: defence evasion or unwanted software",
    signalKinds: ["activity.security.defenseEvasion", "activity.security.unwantedSoftware"],
    description: "An endpoint security alert of defence evasion or unwanted software.",
  },
  hrJobLevelChange: {
    id: "hrJobLevelChange",
    name: "Job level change (demotion) from HR",
    signalKinds: ["hr.job_level_change"],
    description: "A demotion, or a job level change whose direction cannot be read; promotions do not trigger.",
  },
  hrPerformanceReview: {
    id: "hrPerformanceReview",
    name: "Poor performance review from HR",
    signalKinds: ["hr.performance_review"],
    description: "A performance review whose rating reads as poor.",
  },
  hrImprovementPlan: {
    id: "hrImprovementPlan",
    name: "Performance improvement plan from HR",
    signalKinds: ["hr.performance_improvement_plan"],
    description: "The user was put on a performance improvement plan.",
  },
  communicationCompliance: {
    id: "communicationCompliance",
    name: "Communication compliance match",
    signalKinds: ["activity.communication.complianceMatch"],
    description: "A message with threatening, harassing or discriminating language.",
  },
  healthRecordAccess: {
    id: "healthRecordAccess",
    name: "Health record access",
    signalKinds: ["health.record_access", "health.related_patient_access", "health.unusual_volume"],
    description:
      "A restricted-record (break-the-glass) access, an access to a related patient (name or address match with the HR employee profile), or an unusual volume of access.",
  },
  riskyBrowsing: {
    id: "riskyBrowsing",
    name: "Risky browsing",
    signalKinds: ["activity.browsing.riskyWebsite"],
    description: "A visit to a website that matches one of the policy's selected browsing indicators.",
  },
};

export type TemplateFamily = "data-theft" | "data-leaks" | "security" | "health" | "browsing";

export interface TemplatePrerequisite {
  id: string;
  name: string;
  optional: boolean;
}

export interface PolicyTemplate {
  id: string;
  name: string;
  family: TemplateFamily;
  description: string;
  /** Prerequisites shown when choosing the template. */
  prerequisites: readonly TemplatePrerequisite[];
  /** Triggers the template offers (kept for older readers; `triggerEvents` lists them all). */
  triggers: {
    /** A resignation from an HR connector brings the user into the policy. */
    hrResignation: boolean;
    /** Custom indicators (from an indicators connector) can be chosen as triggers. */
    customIndicators: boolean;
  };
  /** Triggering events offered; each is on by default. */
  triggerEvents: readonly TriggerEvent[];
  /** Built-in indicators (those that can trigger, of the scored categories) can be chosen as triggers. */
  builtinTriggerIndicators: boolean;
  /** Custom indicators may be selected as scoring indicators. */
  allowsCustomIndicators: boolean;
  /** Categories of built-in indicators the template scores. */
  indicatorCategories: readonly IndicatorCategory[];
  /** Sequence detection and cumulative exfiltration detection are offered (and on by default). */
  sequenceDetection: boolean;
  cumulativeExfiltration: boolean;
  /** The scope must name at least one priority user group (and scores only its members). */
  requiresPriorityUserGroups: boolean;
  /** Policies allowed per template (deleted policies do not count). */
  maxPolicies: number;
  /** Users actively scored across the template's policies; also the most users one policy may list. */
  maxUsersInScope: number;
}

/** Share of the in-scope user limit at which a policy gets a warning. */
export const SCOPE_WARNING_RATIO = 0.8;

const EXFILTRATION_CATEGORIES: readonly IndicatorCategory[] = ["office", "device", "cloud", "physical"];
const SECURITY_CATEGORIES: readonly IndicatorCategory[] = ["security", "device"];

const HR_CONNECTOR = (optional: boolean): TemplatePrerequisite => ({
  id: "hr-connector",
  name: "HR connector (resignation and termination dates)",
  optional,
});
const HR_STRESSORS: TemplatePrerequisite = {
  id: "hr-connector-stressors",
  name: "HR connector (job level changes, performance reviews, improvement plans)",
  optional: true,
};
const COMMUNICATION: TemplatePrerequisite = {
  id: "communication-compliance",
  name: "Activity connector with communication compliance matches",
  optional: true,
};
const DEVICES: TemplatePrerequisite = {
  id: "device-activity",
  name: "Activity connector with device activity (onboarded devices)",
  optional: true,
};
const DLP: TemplatePrerequisite = {
  id: "dlp-alerts",
  name: "Activity connector with DLP alerts of severity High",
  optional: true,
};
const SECURITY_ALERTS: TemplatePrerequisite = {
  id: "security-alerts",
  name: "Activity connector with endpoint security alerts (defence evasion, unwanted software)",
  optional: false,
};
const PRIORITY_GROUPS: TemplatePrerequisite = {
  id: "priority-user-groups",
  name: "At least one priority user group",
  optional: false,
};
const INDICATORS_ON: TemplatePrerequisite = {
  id: "indicators-enabled",
  name: "Built-in indicators of the scored categories turned on under Policy indicators",
  optional: false,
};

const base = {
  maxPolicies: 5,
  triggers: { hrResignation: false, customIndicators: false },
  builtinTriggerIndicators: false,
  allowsCustomIndicators: false,
  sequenceDetection: false,
  cumulativeExfiltration: false,
  requiresPriorityUserGroups: false,
} as const;

/**
 * The catalogue. Limits follow the reference product: five policies per template, and its
 * per-template ceiling of users actively scored.
 */
export const POLICY_TEMPLATES: readonly PolicyTemplate[] = [
  {
    ...base,
    id: "departing-users-data-theft",
    name: "Data theft by departing users",
    family: "data-theft",
    description:
      "Scores data exfiltration by users who are leaving the organisation: a resignation (or a chosen " +
      "custom trigger) brings the user into the policy, then their activity before and after that date is scored.",
    prerequisites: [
      { name: "HR connector with resignation dates", optional: true, id: "hr-connector" },
      { name: "Indicators connector with custom indicators", optional: true, id: "custom-indicators" },
      DEVICES,
    ],
    triggers: { hrResignation: true, customIndicators: true },
    triggerEvents: ["hrResignation"],
    allowsCustomIndicators: true,
    indicatorCategories: EXFILTRATION_CATEGORIES,
    sequenceDetection: true,
    cumulativeExfiltration: true,
    maxUsersInScope: 20_000,
  },
  {
    ...base,
    id: "data-leaks",
    name: "Data leaks",
    family: "data-leaks",
    description:
      "Scores accidental or deliberate data leaks by any user: a high-severity DLP alert, exfiltration above the trigger thresholds, or a risky sequence brings the user in.",
    prerequisites: [
      DLP,
      DEVICES,
      { name: "Indicators connector with custom indicators", optional: true, id: "custom-indicators" },
    ],
    triggers: { hrResignation: false, customIndicators: true },
    triggerEvents: ["dlpAlert", "sequences"],
    builtinTriggerIndicators: true,
    allowsCustomIndicators: true,
    indicatorCategories: EXFILTRATION_CATEGORIES,
    sequenceDetection: true,
    cumulativeExfiltration: true,
    maxUsersInScope: 15_000,
  },
  {
    ...base,
    id: "data-leaks-priority-users",
    name: "Data leaks by priority users",
    family: "data-leaks",
    description:
      "Data leaks by the members of priority user groups (people with access to the most sensitive information); they are scored sooner and at higher severity.",
    prerequisites: [PRIORITY_GROUPS, DLP, DEVICES],
    triggerEvents: ["dlpAlert", "sequences"],
    builtinTriggerIndicators: true,
    indicatorCategories: EXFILTRATION_CATEGORIES,
    sequenceDetection: true,
    cumulativeExfiltration: true,
    requiresPriorityUserGroups: true,
    maxUsersInScope: 1_000,
  },
  {
    ...base,
    id: "data-leaks-risky-users",
    name: "Data leaks by risky users",
    family: "data-leaks",
    description:
      "Data leaks by users under stress: a demotion, a poor performance review, an improvement plan or a communication compliance match brings the user in.",
    prerequisites: [HR_STRESSORS, COMMUNICATION, DEVICES],
    triggerEvents: ["hrJobLevelChange", "hrPerformanceReview", "hrImprovementPlan", "communicationCompliance"],
    indicatorCategories: [...EXFILTRATION_CATEGORIES, "communication"],
    sequenceDetection: true,
    cumulativeExfiltration: true,
    maxUsersInScope: 7_500,
  },
  {
    ...base,
    id: "security-policy-violations",
    name: "Security policy violations",
    family: "security",
    description:
      "Scores security policy violations (disabling protection, installing unwanted software) after an endpoint security alert of defence evasion or unwanted software.",
    prerequisites: [SECURITY_ALERTS, DEVICES],
    triggerEvents: ["securityAlert"],
    indicatorCategories: SECURITY_CATEGORIES,
    maxUsersInScope: 1_000,
  },
  {
    ...base,
    id: "security-policy-violations-departing-users",
    name: "Security policy violations by departing users",
    family: "security",
    description:
      "Security policy violations by users who are leaving: a resignation or account deletion brings them in.",
    prerequisites: [HR_CONNECTOR(true), SECURITY_ALERTS, DEVICES],
    triggers: { hrResignation: true, customIndicators: false },
    triggerEvents: ["hrResignation"],
    indicatorCategories: SECURITY_CATEGORIES,
    maxUsersInScope: 15_000,
  },
  {
    ...base,
    id: "security-policy-violations-priority-users",
    name: "Security policy violations by priority users",
    family: "security",
    description: "Security policy violations by the members of priority user groups, after a security alert.",
    prerequisites: [PRIORITY_GROUPS, SECURITY_ALERTS, DEVICES],
    triggerEvents: ["securityAlert"],
    indicatorCategories: SECURITY_CATEGORIES,
    requiresPriorityUserGroups: true,
    maxUsersInScope: 1_000,
  },
  {
    ...base,
    id: "security-policy-violations-risky-users",
    name: "Security policy violations by risky users",
    family: "security",
    description:
      "Security policy violations by users under stress: a demotion, a poor performance review, an improvement plan or a communication compliance match brings the user in.",
    prerequisites: [HR_STRESSORS, COMMUNICATION, SECURITY_ALERTS, DEVICES],
    triggerEvents: ["hrJobLevelChange", "hrPerformanceReview", "hrImprovementPlan", "communicationCompliance"],
    indicatorCategories: [...SECURITY_CATEGORIES, "communication"],
    maxUsersInScope: 7_500,
  },
  {
    ...base,
    id: "patient-data-misuse",
    name: "Patient data misuse",
    family: "health",
    description:
      "Scores misuse of patient records (restricted records, relatives' or neighbours' records, unusual volume, exports) from medical records system access logs.",
    prerequisites: [
      { id: "healthcare-connector", name: "Healthcare (EHR) or Epic connector", optional: false },
      { id: "hr-employee-profile", name: "HR connector with employee profiles (address matching)", optional: true },
      INDICATORS_ON,
    ],
    triggerEvents: ["healthRecordAccess"],
    indicatorCategories: ["health"],
    maxUsersInScope: 5_000,
  },
  {
    ...base,
    id: "risky-browser-usage",
    name: "Risky browser usage",
    family: "browsing",
    description:
      "Scores browsing to risky websites (malware, phishing, hacking, adult, violent or criminal content …); a visit matching a selected browsing indicator brings the user in.",
    prerequisites: [
      { id: "browsing-activity", name: "Activity connector with website visits and their categories", optional: false },
      INDICATORS_ON,
    ],
    triggerEvents: ["riskyBrowsing"],
    indicatorCategories: ["browsing"],
    maxUsersInScope: 7_000,
  },
];

export type PolicyTemplateId = (typeof POLICY_TEMPLATES)[number]["id"];

export function findPolicyTemplate(id: string): PolicyTemplate | undefined {
  return POLICY_TEMPLATES.find((t) => t.id === id);
}
