import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { BUILTIN_INDICATORS } from "../risk/indicators.ts";
import {
  effectivePolicyConfig,
  type IndicatorInfo,
  parsePolicyCreate,
  parsePolicyPatch,
  policyBuiltinIndicatorIds,
  policyIndicatorIds,
  scopeLimitWarnings,
  scopeMatcher,
} from "./policyConfig.ts";
import { findPolicyTemplate, POLICY_TEMPLATES } from "./templates.ts";

const CUSTOM = "11111111-1111-4111-8111-111111111111";
const GROUP = "22222222-2222-4222-8222-222222222222";
const OFF = "device.fileDeleted";

const indicators = new Map<string, IndicatorInfo>([
  [CUSTOM, { id: CUSTOM, name: "Salesforce alerts", kind: "custom", enabled: true, valueColumn: "Alert_Count" }],
  ...BUILTIN_INDICATORS.map((b): [string, IndicatorInfo] => [
    b.id,
    { id: b.id, name: b.name, kind: "builtin", enabled: b.id !== OFF, valueColumn: b.measure },
  ]),
]);
const context = { priorityUserGroups: new Map([[GROUP, "Executives"]]), directoryGroups: new Map<string, string>() };

function error(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

/** A minimal valid body per template. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  "departing-users-data-theft": { indicators: [{ indicatorId: "office.emailExternal" }] },
  "data-leaks": { indicators: [{ indicatorId: "device.print" }] },
  "data-leaks-priority-users": {
    scope: { priorityUserGroups: [GROUP] },
    indicators: [{ indicatorId: "device.print" }],
  },
  "data-leaks-risky-users": { indicators: [{ indicatorId: "office.documentSiteDownload" }] },
  "security-policy-violations": { indicators: [{ indicatorId: "security.defenseEvasion" }] },
  "security-policy-violations-departing-users": { indicators: [{ indicatorId: "security.unwantedSoftware" }] },
  "security-policy-violations-priority-users": {
    scope: { priorityUserGroups: [GROUP] },
    indicators: [{ indicatorId: "security.defenseEvasion" }],
  },
  "security-policy-violations-risky-users": { indicators: [{ indicatorId: "security.defenseEvasion" }] },
  "patient-data-misuse": { indicators: [{ indicatorId: "health.restrictedRecordAccess" }] },
  "risky-browser-usage": { indicators: [{ indicatorId: "browsing.malware" }] },
};

const create = (template: string, extra: Record<string, unknown> = {}) =>
  parsePolicyCreate(
    { name: "P", template, scope: { allUsers: true }, ...MINIMAL[template], ...extra },
    indicators,
    context,
  );

describe("templates", () => {
  it("has ten templates with five policies each, limits from the reference and a minimal policy each", () => {
    expect(POLICY_TEMPLATES.map((t) => [t.id, t.maxUsersInScope])).toEqual([
      ["departing-users-data-theft", 20_000],
      ["data-leaks", 15_000],
      ["data-leaks-priority-users", 1_000],
      ["data-leaks-risky-users", 7_500],
      ["security-policy-violations", 1_000],
      ["security-policy-violations-departing-users", 15_000],
      ["security-policy-violations-priority-users", 1_000],
      ["security-policy-violations-risky-users", 7_500],
      ["patient-data-misuse", 5_000],
      ["risky-browser-usage", 7_000],
    ]);
    for (const t of POLICY_TEMPLATES) {
      expect(t.maxPolicies).toBe(5);
      expect(t.triggerEvents.length, t.id).toBeGreaterThan(0);
      expect(MINIMAL[t.id], t.id).toBeDefined();
      expect(create(t.id).template).toBe(t.id);
    }
  });

  it("turns each template's triggering events on by default (sequences only on request)", () => {
    expect(create("data-leaks").config.triggers).toEqual({
      hrResignation: false,
      indicators: [],
      dlpAlert: true,
      sequences: false,
    });
    expect(create("data-leaks-risky-users").config.triggers).toEqual({
      hrResignation: false,
      indicators: [],
      hrJobLevelChange: true,
      hrPerformanceReview: true,
      hrImprovementPlan: true,
      communicationCompliance: true,
    });
    expect(create("security-policy-violations-departing-users").config.triggers).toEqual({
      hrResignation: true,
      indicators: [],
    });
    expect(create("patient-data-misuse").config.triggers.healthRecordAccess).toBe(true);
    expect(create("risky-browser-usage").config.triggers.riskyBrowsing).toBe(true);
  });

  it("fills built-in thresholds with the catalog defaults and keeps custom ones", () => {
    const p = create("data-leaks", {
      indicators: [
        { indicatorId: "device.print" },
        { indicatorId: "office.emailExternal", thresholds: { low: 1, medium: 2, high: 3 } },
        { indicatorId: CUSTOM, thresholds: { low: 5, medium: 10, high: 20 } },
      ],
      triggers: {
        indicators: [{ indicatorId: "office.documentSiteDownload", threshold: 120 }, { indicatorId: CUSTOM }],
      },
    });
    expect(p.config.indicators).toEqual([
      { indicatorId: "device.print", thresholds: { low: 10, medium: 25, high: 50 }, defaultThresholds: true },
      { indicatorId: "office.emailExternal", thresholds: { low: 1, medium: 2, high: 3 } },
      { indicatorId: CUSTOM, thresholds: { low: 5, medium: 10, high: 20 } },
    ]);
    expect(policyIndicatorIds(p.config)).toEqual([CUSTOM]);
    expect(policyBuiltinIndicatorIds(p.config)).toEqual([
      "office.documentSiteDownload",
      "device.print",
      "office.emailExternal",
    ]);
  });

  it("reads an older stored config with the template defaults filled in", () => {
    const stored = { scope: { allUsers: true }, triggers: { hrResignation: true, indicators: [] }, indicators: [] };
    const effective = effectivePolicyConfig(stored, findPolicyTemplate("departing-users-data-theft"));
    expect(effective).toMatchObject({
      scoreOnlyPriorityContent: false,
      boosters: { unusualActivity: false },
      sequenceDetection: { enabled: false },
      cumulativeExfiltration: { enabled: false },
    });
    // Without thresholds of its own a policy uses each sequence type's defaults.
    expect(effective.sequenceDetection.thresholds).toBeUndefined();
    const leaks = effectivePolicyConfig(create("data-leaks").config, findPolicyTemplate("data-leaks"));
    expect(leaks.boosters.unusualActivity).toBe(true);
    expect(leaks.sequenceDetection.enabled).toBe(true);
    expect(leaks.cumulativeExfiltration.enabled).toBe(true);
  });
});

describe("invalid combinations", () => {
  const msg = (template: string, extra: Record<string, unknown>) => error(() => create(template, extra)).message;

  it("needs a priority user group in the scope of the priority templates", () => {
    expect(msg("data-leaks-priority-users", { scope: { users: ["a@contoso.com"] } })).toBe(
      "Data leaks by priority users needs at least one priority user group in scope: add its id under scope.priorityUserGroups (list the priority user groups with GET /api/priority-user-groups).",
    );
    expect(msg("security-policy-violations-priority-users", { scope: { allUsers: true } })).toBe(
      "Security policy violations by priority users scores only members of priority user groups: remove scope.allUsers and list the groups under scope.priorityUserGroups.",
    );
    expect(
      msg("data-leaks-priority-users", { scope: { priorityUserGroups: ["33333333-3333-4333-8333-333333333333"] } }),
    ).toBe(
      "scope.priorityUserGroups[0]: priority user group '33333333-3333-4333-8333-333333333333' does not exist; list the priority user groups with GET /api/priority-user-groups.",
    );
    expect(msg("data-leaks-priority-users", { scope: { priorityUserGroups: ["Executives"] } })).toBe(
      'scope.priorityUserGroups[0]: "Executives" is not a priority user group id (a UUID); list the priority user groups with GET /api/priority-user-groups.',
    );
    // Without the table, only the form of the id is checked.
    const p = parsePolicyCreate(
      {
        name: "P",
        template: "data-leaks-priority-users",
        ...MINIMAL["data-leaks-priority-users"],
        scope: { priorityUserGroups: [GROUP.toUpperCase()] },
      },
      indicators,
    );
    expect(p.config.scope).toEqual({ users: [], priorityUserGroups: [GROUP] });
  });

  it("refuses a user both included and excluded", () => {
    expect(msg("data-leaks", { scope: { users: ["a@contoso.com"], exclude: { users: ["A@contoso.com"] } } })).toBe(
      "scope.exclude.users: a@contoso.com is also listed in scope.users; remove it from one of the two lists.",
    );
    const p = create("data-leaks", { scope: { allUsers: true, exclude: { users: ["b@contoso.com"] } } });
    const inScope = scopeMatcher(p.config.scope);
    expect([inScope("a@contoso.com"), inScope("B@contoso.com")]).toEqual([true, false]);
  });

  it("needs priority content to score only activity with priority content, and checks its limits", () => {
    expect(msg("data-leaks", { scoreOnlyPriorityContent: true })).toBe(
      "Scoring only activity with priority content needs priority content: list sites, sensitivity labels, sensitive information types, file extensions or classifiers under priorityContent, or set scoreOnlyPriorityContent to false.",
    );
    expect(msg("data-leaks", { priorityContent: { fileExtensions: [] } })).toBe(
      "priorityContent lists nothing; add at least one site, sensitivity label, sensitive information type, file extension or classifier, or leave priorityContent out.",
    );
    const many = Array.from({ length: 51 }, (_, i) => `ext${i}`);
    expect(msg("data-leaks", { priorityContent: { fileExtensions: many } })).toBe(
      "priorityContent.fileExtensions lists 51 file extensions; a policy can prioritise at most 50. Remove 1.",
    );
    expect(msg("data-leaks", { priorityContent: { classifiers: ["a", "b", "c", "d", "e", "f"] } })).toBe(
      "priorityContent.classifiers lists 6 classifiers; a policy can prioritise at most 5. Remove 1.",
    );
    expect(msg("data-leaks", { priorityContent: { sites: ["finance"] } })).toBe(
      "priorityContent.sites[0]: 'finance' is not a site URL; give the full address, e.g. https://contoso.sharepoint.com/sites/Finance.",
    );
    const p = create("data-leaks", {
      priorityContent: { fileExtensions: [".DOCX", "docx", "pdf"], sensitivityLabels: ["Secret"] },
      scoreOnlyPriorityContent: true,
    });
    expect(p.config.priorityContent?.fileExtensions).toEqual(["docx", "pdf"]);
  });

  it("refuses custom indicators in templates that do not take them", () => {
    expect(
      msg("data-leaks-priority-users", {
        indicators: [{ indicatorId: CUSTOM, thresholds: { low: 1, medium: 2, high: 3 } }],
      }),
    ).toBe(
      "indicators[0].indicatorId: the Data leaks by priority users template does not accept custom indicators; custom indicators can be used only by Data theft by departing users and Data leaks policies.",
    );
    expect(msg("security-policy-violations", { triggers: { indicators: [{ indicatorId: CUSTOM }] } })).toBe(
      "The Security policy violations template does not accept indicators as triggers.",
    );
  });

  it("refuses indicators of categories the template does not score, and built-ins not turned on", () => {
    expect(msg("patient-data-misuse", { indicators: [{ indicatorId: "device.print" }] })).toBe(
      "indicators[0].indicatorId: 'Printing files' is a Device indicator, which the Patient data misuse template does not score; choose one of these categories: Health record access.",
    );
    expect(msg("data-leaks", { indicators: [{ indicatorId: OFF }] })).toBe(
      "indicators[0].indicatorId: built-in indicator 'Deleting files from a device' (device.fileDeleted) is not turned on for the organisation; turn it on under Policy indicators (PATCH /api/indicators/device.fileDeleted with {\"enabled\": true}, or 'openirm indicators enable device.fileDeleted') before selecting it.",
    );
  });

  it("checks trigger indicators and trigger events against the template", () => {
    expect(msg("departing-users-data-theft", { triggers: { indicators: [{ indicatorId: "device.print" }] } })).toBe(
      "triggers.indicators[0]: the Data theft by departing users template takes only custom indicators as triggers; 'Printing files' can score the policy under indicators instead.",
    );
    expect(msg("data-leaks", { triggers: { indicators: [{ indicatorId: "office.labelRemoved" }] } })).toBe(
      "triggers.indicators[0]: 'Removing sensitivity labels from files' cannot be a triggering event; choose an exfiltration indicator (for example office.documentSiteDownload) or use it under indicators.",
    );
    expect(msg("data-leaks", { triggers: { hrResignation: true } })).toBe(
      "The Data leaks template has no HR resignation trigger.",
    );
    expect(msg("security-policy-violations", { triggers: { dlpAlert: true } })).toBe(
      "The Security policy violations template has no triggers.dlpAlert trigger (High-severity DLP alert); its triggering events are: triggers.securityAlert.",
    );
    expect(
      msg("data-leaks-risky-users", {
        triggers: {
          hrJobLevelChange: false,
          hrPerformanceReview: false,
          hrImprovementPlan: false,
          communicationCompliance: false,
        },
      }),
    ).toBe(
      "A policy needs at least one trigger: turn on one of triggers.hrJobLevelChange, triggers.hrPerformanceReview, triggers.hrImprovementPlan, triggers.communicationCompliance.",
    );
    // In the data-leak templates cumulative exfiltration detection is a trigger of its own.
    expect(create("data-leaks", { triggers: { dlpAlert: false } }).config.triggers.dlpAlert).toBe(false);
    expect(msg("data-leaks", { triggers: { dlpAlert: false }, cumulativeExfiltration: { enabled: false } })).toBe(
      "A policy needs at least one trigger: turn on one of triggers.dlpAlert, triggers.sequences or add an indicator under triggers.indicators, or set cumulativeExfiltration.enabled to true.",
    );
    expect(msg("data-leaks", { triggers: { dlpAlert: false, dlpPolicy: "PCI" } })).toBe(
      "triggers.dlpPolicy names the DLP policy whose High alerts trigger, so it needs triggers.dlpAlert true; turn it on or remove triggers.dlpPolicy.",
    );
    expect(msg("data-leaks", { triggers: { sequences: true }, sequenceDetection: { enabled: false } })).toBe(
      "triggers.sequences needs sequence detection: set sequenceDetection.enabled to true (with at least one exfiltration indicator selected), or turn triggers.sequences off.",
    );
  });

  it("refuses boosters, sequences and cumulative exfiltration where they cannot apply", () => {
    expect(msg("security-policy-violations", { boosters: { unusualActivity: true } })).toBe(
      "Risk score boosters apply to Office and Device indicators, and this Security policy violations policy selects none: add an Office or Device indicator under indicators, or set boosters.unusualActivity to false.",
    );
    expect(msg("security-policy-violations", { sequenceDetection: { enabled: true } })).toBe(
      "The Security policy violations template has no sequence detection; remove sequenceDetection (it is offered by Data theft by departing users and the Data leaks templates).",
    );
    expect(
      msg("data-leaks", { indicators: [{ indicatorId: "office.labelRemoved" }], sequenceDetection: { enabled: true } }),
    ).toBe(
      "Sequence detection needs at least one exfiltration indicator (e-mail, sharing, USB, printing, upload …) under indicators: add one, or set sequenceDetection.enabled to false.",
    );
    expect(
      msg("data-leaks", {
        indicators: [{ indicatorId: "office.labelRemoved" }],
        cumulativeExfiltration: { enabled: true },
      }),
    ).toBe(
      "Cumulative exfiltration detection adds up exfiltration indicators, and none is selected: add one under indicators, or set cumulativeExfiltration.enabled to false.",
    );
    expect(msg("data-leaks", { sequenceDetection: { thresholds: { low: 3, medium: 3, high: 9 } } })).toBe(
      "sequenceDetection: thresholds of sequences must increase (low < medium < high): medium 3 is not above low 3; raise medium above 3 or lower low.",
    );
    const p = create("data-leaks", {
      boosters: { potentialHighImpactUser: false },
      sequenceDetection: { thresholds: { low: 1, medium: 2, high: 3 } },
      triggers: { sequences: true },
    });
    expect(p.config.boosters).toEqual({
      unusualActivity: true,
      confirmedViolationHistory: true,
      priorityUserGroup: true,
      potentialHighImpactUser: false,
    });
    expect(p.config.sequenceDetection).toEqual({ enabled: true, thresholds: { low: 1, medium: 2, high: 3 } });
  });

  it("keeps the name, re-checks the whole policy on a change and reports only what changed", () => {
    const current = create("data-leaks");
    const { next, changed } = parsePolicyPatch({ boosters: { unusualActivity: false } }, current, indicators, context);
    expect(changed).toEqual(["boosters"]);
    expect(next.config.boosters?.unusualActivity).toBe(false);
    expect(
      error(() => parsePolicyPatch({ indicators: [{ indicatorId: "security.defenseEvasion" }] }, current, indicators))
        .message,
    ).toBe(
      "indicators[0].indicatorId: 'Defence evasion: attempt to bypass security controls' is a Security policy indicator, which the Data leaks template does not score; choose one of these categories: Office, Device, Cloud storage and cloud service, Physical access.",
    );
  });
});

describe("limit warnings", () => {
  it("warns at 80% of the template's users", () => {
    const t = findPolicyTemplate("data-leaks-priority-users")!;
    expect(scopeLimitWarnings(t, { usersInScope: 799, templateActiveUsers: 0 }, 0.8)).toEqual([]);
    expect(scopeLimitWarnings(t, { usersInScope: 800, templateActiveUsers: 950 }, 0.8).map((w) => w.message)).toEqual([
      "This policy's scope covers 800 users, 80% of the 1000 users a Data leaks by priority users template can actively score; narrow the scope (users, groups, exclusions) so that users with triggers are not left unscored.",
      "950 users are actively scored by Data leaks by priority users policies, 95% of the template's limit of 1000; narrow the scopes or remove users from the policies.",
    ]);
  });
});
