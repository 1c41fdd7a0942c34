// A policy's definition (scope, triggers, scoring indicators with thresholds, priority content,
// boosters, sequence and cumulative exfiltration detection) and the rules that make one valid.
// Input arrives as untrusted JSON; every error names the field and what to change.
// Stored configs are read leniently: fields added after a policy was stored take their template
// defaults (effectivePolicyConfig), so older configs load and score as before.

import { AppError } from "../errors.ts";
import {
  type BuiltinIndicator,
  findBuiltinIndicator,
  INDICATOR_CATEGORY_NAMES,
  type IndicatorCategory,
  isBuiltinIndicatorId,
} from "../risk/indicators.ts";
import type { Thresholds } from "../scoring/insights.ts";
import {
  findPolicyTemplate,
  POLICY_TEMPLATES,
  type PolicyTemplate,
  TRIGGER_EVENT_INFO,
  type TriggerEvent,
} from "./templates.ts";

export interface ScopeExclusions {
  users?: string[];
  groups?: string[];
}

/**
 * Who a policy covers: every user, or the users listed (UPNs), the members of directory groups and
 * of priority user groups (ids); either way minus the exclusions. Empty lists are left out.
 */
export type PolicyScope =
  | { allUsers: true; exclude?: ScopeExclusions }
  | { users: string[]; groups?: string[]; priorityUserGroups?: string[]; exclude?: ScopeExclusions };

export interface TriggerIndicator {
  indicatorId: string;
  /**
   * Daily total that brings a user in. null: any event of a custom indicator; the catalog's
   * default trigger threshold of a built-in one.
   */
  threshold: number | null;
}

export interface ScoringIndicator {
  indicatorId: string;
  thresholds: Thresholds;
  /** Built-in indicators only: the thresholds are the catalog defaults (and follow them). */
  defaultThresholds?: true;
}

/** Triggers: hrResignation is always present; the other events only for templates that offer them. */
export interface PolicyTriggers {
  hrResignation: boolean;
  indicators: TriggerIndicator[];
  dlpAlert?: boolean;
  /** Only DLP alerts of this DLP policy (policyName attribute) trigger; absent = any High DLP alert. */
  dlpPolicy?: string;
  sequences?: boolean;
  securityAlert?: boolean;
  hrJobLevelChange?: boolean;
  hrPerformanceReview?: boolean;
  hrImprovementPlan?: boolean;
  communicationCompliance?: boolean;
  healthRecordAccess?: boolean;
  riskyBrowsing?: boolean;
}

export interface PriorityContent {
  /** Document site URLs (SharePoint-like). */
  sites: string[];
  sensitivityLabels: string[];
  sensitiveInfoTypes: string[];
  /** Lower case, without the leading dot. */
  fileExtensions: string[];
  /** Trainable classifier names. */
  classifiers: string[];
}

export interface Boosters {
  /** Activity above the user's usual activity for the day. */
  unusualActivity: boolean;
  /** The user had a case resolved as a confirmed policy violation. */
  confirmedViolationHistory: boolean;
  /** The user is a member of a priority user group. */
  priorityUserGroup: boolean;
  /** The user is detected as a potential high-impact user (boosted once when also priority). */
  potentialHighImpactUser: boolean;
}

export interface SequenceDetectionConfig {
  enabled: boolean;
  /**
   * Files in a detected sequence for low, medium and high, for every sequence type. Left out: each
   * type's default (risk/sequences.ts defaultSequenceThresholds: fewer files for longer chains).
   */
  thresholds?: Thresholds;
}

/**
 * What policies.config stores. scope, triggers and indicators are always there; the rest only
 * when the policy sets them (read them through effectivePolicyConfig).
 */
export interface PolicyConfig {
  scope: PolicyScope;
  triggers: PolicyTriggers;
  indicators: ScoringIndicator[];
  priorityContent?: PriorityContent;
  /** true: only activity that includes priority content is scored. */
  scoreOnlyPriorityContent?: boolean;
  boosters?: Boosters;
  sequenceDetection?: SequenceDetectionConfig;
  cumulativeExfiltration?: { enabled: boolean };
}

/** A config with every optional section filled in. */
export interface EffectivePolicyConfig extends PolicyConfig {
  priorityContent: PriorityContent;
  scoreOnlyPriorityContent: boolean;
  boosters: Boosters;
  sequenceDetection: SequenceDetectionConfig;
  cumulativeExfiltration: { enabled: boolean };
}

export interface PolicyDefinition {
  name: string;
  template: string;
  description: string | null;
  enabled: boolean;
  config: PolicyConfig;
}

/** What the rules need to know about an indicator (custom ones by uuid, built-in ones by stable id). */
export interface IndicatorInfo {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  /** Number column summed per day; null = trigger only. Built-in indicators: their measure. */
  valueColumn: string | null;
}

/** What the server knows about groups; a null map means "cannot check existence" (ids are still checked for form). */
export interface PolicyContext {
  /** Priority user groups by id → name; null when the priority user groups table does not exist. */
  priorityUserGroups?: ReadonlyMap<string, string> | null;
  /** Directory groups by id → name; null when unknown. */
  directoryGroups?: ReadonlyMap<string, string> | null;
}

export const MAX_PRIORITY_FILE_EXTENSIONS = 50;
export const MAX_PRIORITY_CLASSIFIERS = 5;
export const MAX_PRIORITY_ITEMS = 100;
export const MAX_SCOPE_GROUPS = 100;

const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;
const UPN_RE = /^[^\s@]+@[^\s@]+$/;

const invalid = (column: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_policy", 400, message, { column, ...details });

/** JSON with sorted object keys: stored configs come back from jsonb with their keys reordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  return JSON.stringify(value) ?? String(value);
}

function requireObject(value: unknown, column: string): Record<string, unknown> {
  if (!isRecord(value)) throw invalid(column, `${column} must be an object (got ${describe(value)}).`);
  return value;
}

function optionalBoolean(value: unknown, column: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean") throw invalid(column, `${column} must be true or false (got ${describe(value)}).`);
  return value;
}

function parseDescription(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid("description", `description must be text (got ${describe(value)}).`);
  const text = value.trim();
  if (text.length > MAX_DESCRIPTION) {
    throw invalid("description", `description is longer than ${MAX_DESCRIPTION} characters.`);
  }
  return text || null;
}

function rejectUnknownKeys(body: Record<string, unknown>, allowed: readonly string[], where: string) {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      const column = where ? `${where}.${key}` : key;
      throw invalid(
        column,
        `Unknown field '${column}'; allowed: ${allowed.map((k) => (where ? `${where}.${k}` : k)).join(", ")}.`,
      );
    }
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function stringList(value: unknown, column: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(column, `${column} must be a list (got ${describe(value)}).`);
  return value;
}

function parseUpns(value: unknown, column: string): string[] {
  const users: string[] = [];
  const seen = new Set<string>();
  stringList(value, column).forEach((raw, i) => {
    const upn = typeof raw === "string" ? raw.trim().toLowerCase() : "";
    if (!UPN_RE.test(upn)) {
      throw invalid(`${column}[${i}]`, `${column}[${i}]: ${describe(raw)} is not a user principal name (name@domain).`);
    }
    if (!seen.has(upn)) {
      seen.add(upn);
      users.push(upn);
    }
  });
  return users;
}

function parseGroupIds(
  value: unknown,
  column: string,
  known: ReadonlyMap<string, string> | null | undefined,
  what: string,
  howToFind: string,
): string[] {
  const ids: string[] = [];
  const list = stringList(value, column);
  if (list.length > MAX_SCOPE_GROUPS) {
    throw invalid(column, `${column} lists ${list.length} ${what}s; a policy can list at most ${MAX_SCOPE_GROUPS}.`);
  }
  list.forEach((raw, i) => {
    const id = typeof raw === "string" ? raw.trim().toLowerCase() : "";
    if (!UUID_RE.test(id)) {
      throw invalid(`${column}[${i}]`, `${column}[${i}]: ${describe(raw)} is not a ${what} id (a UUID); ${howToFind}.`);
    }
    if (known && !known.has(id)) {
      throw invalid(`${column}[${i}]`, `${column}[${i}]: ${what} '${id}' does not exist; ${howToFind}.`);
    }
    if (!ids.includes(id)) ids.push(id);
  });
  return ids;
}

const PRIORITY_GROUPS_HINT = "list the priority user groups with GET /api/priority-user-groups";
const GROUPS_HINT = "list the directory groups with GET /api/directory/groups";

function parseExclusions(value: unknown, context: PolicyContext): ScopeExclusions | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = requireObject(value, "scope.exclude");
  rejectUnknownKeys(raw, ["users", "groups"], "scope.exclude");
  const users = parseUpns(raw.users, "scope.exclude.users");
  const groups = parseGroupIds(
    raw.groups,
    "scope.exclude.groups",
    context.directoryGroups,
    "directory group",
    GROUPS_HINT,
  );
  if (users.length === 0 && groups.length === 0) return undefined;
  return { ...(users.length ? { users } : {}), ...(groups.length ? { groups } : {}) };
}

function parseScope(value: unknown, template: PolicyTemplate, context: PolicyContext): PolicyScope {
  const scope = requireObject(value, "scope");
  rejectUnknownKeys(scope, ["allUsers", "users", "groups", "priorityUserGroups", "exclude"], "scope");
  const exclude = parseExclusions(scope.exclude, context);
  if (scope.allUsers === true) {
    if (scope.users !== undefined || scope.groups !== undefined || scope.priorityUserGroups !== undefined) {
      throw invalid("scope", "scope takes either { allUsers: true } or { users: [...] }, not both.");
    }
    if (template.requiresPriorityUserGroups) {
      throw invalid(
        "scope.allUsers",
        `${template.name} scores only members of priority user groups: remove scope.allUsers and list the groups under scope.priorityUserGroups.`,
      );
    }
    return exclude ? { allUsers: true, exclude } : { allUsers: true };
  }
  if (![scope.users, scope.groups, scope.priorityUserGroups].some(Array.isArray)) {
    throw invalid(
      "scope",
      'scope must be { "allUsers": true } or { "users": ["name@domain", ...] } (the user principal names to include), optionally with "groups" and "priorityUserGroups" (ids).',
    );
  }
  const users = parseUpns(scope.users, "scope.users");
  const groups = parseGroupIds(scope.groups, "scope.groups", context.directoryGroups, "directory group", GROUPS_HINT);
  const priorityUserGroups = parseGroupIds(
    scope.priorityUserGroups,
    "scope.priorityUserGroups",
    context.priorityUserGroups,
    "priority user group",
    PRIORITY_GROUPS_HINT,
  );
  if (template.requiresPriorityUserGroups && priorityUserGroups.length === 0) {
    throw invalid(
      "scope.priorityUserGroups",
      `${template.name} needs at least one priority user group in scope: add its id under scope.priorityUserGroups (${PRIORITY_GROUPS_HINT}).`,
    );
  }
  if (users.length === 0 && groups.length === 0 && priorityUserGroups.length === 0) {
    throw invalid("scope.users", 'scope.users is empty; list at least one user or use { "allUsers": true }.');
  }
  if (users.length > template.maxUsersInScope) {
    throw invalid(
      "scope.users",
      `scope.users lists ${users.length} users; a ${template.name} policy can include at most ${template.maxUsersInScope}.`,
    );
  }
  for (const upn of exclude?.users ?? []) {
    if (users.includes(upn)) {
      throw invalid(
        "scope.exclude.users",
        `scope.exclude.users: ${upn} is also listed in scope.users; remove it from one of the two lists.`,
      );
    }
  }
  for (const id of exclude?.groups ?? []) {
    if (groups.includes(id)) {
      throw invalid(
        "scope.exclude.groups",
        `scope.exclude.groups: group '${id}' is also listed in scope.groups; remove it from one of the two lists.`,
      );
    }
  }
  return {
    users,
    ...(groups.length ? { groups } : {}),
    ...(priorityUserGroups.length ? { priorityUserGroups } : {}),
    ...(exclude ? { exclude } : {}),
  };
}

const builtinOf = (indicator: IndicatorInfo): BuiltinIndicator | undefined =>
  indicator.kind === "builtin" ? findBuiltinIndicator(indicator.id) : undefined;

function categoryList(template: PolicyTemplate): string {
  return template.indicatorCategories.map((c) => INDICATOR_CATEGORY_NAMES[c]).join(", ");
}

function lookupIndicator(
  id: unknown,
  column: string,
  indicators: ReadonlyMap<string, IndicatorInfo>,
  template: PolicyTemplate,
): IndicatorInfo {
  if (typeof id !== "string" || !id) throw invalid(column, `${column} must be an indicator id (got ${describe(id)}).`);
  const builtinById = findBuiltinIndicator(id);
  const indicator = indicators.get(id) ?? (builtinById ? indicators.get(builtinById.id) : undefined);
  if (!indicator) throw invalid(column, `${column}: indicator '${id}' does not exist.`);
  const builtin = builtinOf(indicator);
  if (builtin) {
    if (!template.indicatorCategories.includes(builtin.category)) {
      throw invalid(
        column,
        `${column}: '${builtin.name}' is a ${INDICATOR_CATEGORY_NAMES[builtin.category]} indicator, which the ${template.name} template does not score; choose one of these categories: ${categoryList(template)}.`,
        { category: builtin.category },
      );
    }
    if (!indicator.enabled) {
      throw invalid(
        column,
        `${column}: built-in indicator '${builtin.name}' (${builtin.id}) is not turned on for the organisation; turn it on under Policy indicators (PATCH /api/indicators/${builtin.id} with {"enabled": true}, or 'openirm indicators enable ${builtin.id}') before selecting it.`,
        { indicatorId: builtin.id },
      );
    }
    return indicator;
  }
  if (!indicator.enabled) {
    throw invalid(column, `${column}: indicator '${indicator.name}' is turned off; turn it on before selecting it.`);
  }
  if (indicator.kind === "custom" && !template.allowsCustomIndicators) {
    throw invalid(
      column,
      `${column}: the ${template.name} template does not accept custom indicators; custom indicators can be used only by Data theft by departing users and Data leaks policies.`,
    );
  }
  return indicator;
}

function positiveNumber(value: unknown, column: string, label: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalid(column, `${label} must be a positive number (got ${describe(value)}); use a value above 0.`);
  }
  return value;
}

function triggerHint(template: PolicyTemplate): string {
  const events = template.triggerEvents.map((e) => `triggers.${e}`);
  const indicators = template.triggers.customIndicators || template.builtinTriggerIndicators;
  const verb = events.length === 1 ? `keep ${events[0]} true` : `turn on one of ${events.join(", ")}`;
  const hint = indicators ? `${verb} or add an indicator under triggers.indicators` : verb;
  return template.triggerEvents.includes("dlpAlert") && template.cumulativeExfiltration
    ? `${hint}, or set cumulativeExfiltration.enabled to true`
    : hint;
}

function parseTriggers(
  value: unknown,
  template: PolicyTemplate,
  indicators: ReadonlyMap<string, IndicatorInfo>,
  sequencesOn: boolean,
  cumulativeTriggers = false,
): PolicyTriggers {
  const triggers = value === undefined || value === null ? {} : requireObject(value, "triggers");
  const offered = template.triggerEvents;
  const allowed = [
    "hrResignation",
    ...offered.filter((e) => e !== "hrResignation"),
    ...(offered.includes("dlpAlert") ? ["dlpPolicy"] : []),
    "indicators",
  ];
  for (const key of Object.keys(triggers)) {
    if ((TRIGGER_EVENT_INFO as Record<string, unknown>)[key] && !allowed.includes(key)) {
      throw invalid(
        `triggers.${key}`,
        `The ${template.name} template has no triggers.${key} trigger (${TRIGGER_EVENT_INFO[key as TriggerEvent].name}); its triggering events are: ${offered.map((e) => `triggers.${e}`).join(", ")}.`,
      );
    }
  }
  rejectUnknownKeys(triggers, allowed, "triggers");
  const hrResignation = optionalBoolean(
    triggers.hrResignation,
    "triggers.hrResignation",
    template.triggers.hrResignation,
  );
  if (hrResignation && !template.triggers.hrResignation) {
    throw invalid("triggers.hrResignation", `The ${template.name} template has no HR resignation trigger.`);
  }
  const events: Partial<Record<TriggerEvent, boolean>> = {};
  for (const event of offered) {
    if (event === "hrResignation") continue;
    // Sequences trigger only when sequence detection is on; every other event is on by default.
    const fallback = event !== "sequences";
    events[event] = optionalBoolean(triggers[event], `triggers.${event}`, fallback);
  }
  if (events.sequences && !sequencesOn) {
    throw invalid(
      "triggers.sequences",
      "triggers.sequences needs sequence detection: set sequenceDetection.enabled to true (with at least one exfiltration indicator selected), or turn triggers.sequences off.",
    );
  }
  let dlpPolicy: string | undefined;
  if (triggers.dlpPolicy !== undefined && triggers.dlpPolicy !== null) {
    if (typeof triggers.dlpPolicy !== "string" || !triggers.dlpPolicy.trim()) {
      throw invalid(
        "triggers.dlpPolicy",
        `triggers.dlpPolicy must be the name of a DLP policy (got ${describe(triggers.dlpPolicy)}).`,
      );
    }
    if (!events.dlpAlert) {
      throw invalid(
        "triggers.dlpPolicy",
        "triggers.dlpPolicy names the DLP policy whose High alerts trigger, so it needs triggers.dlpAlert true; turn it on or remove triggers.dlpPolicy.",
      );
    }
    dlpPolicy = triggers.dlpPolicy.trim();
  }
  const list = triggers.indicators ?? [];
  if (!Array.isArray(list)) {
    throw invalid("triggers.indicators", `triggers.indicators must be a list (got ${describe(list)}).`);
  }
  if (list.length > 0 && !template.triggers.customIndicators && !template.builtinTriggerIndicators) {
    throw invalid("triggers.indicators", `The ${template.name} template does not accept indicators as triggers.`);
  }
  const seen = new Set<string>();
  const parsed: TriggerIndicator[] = list.map((raw, i) => {
    const column = `triggers.indicators[${i}]`;
    const entry = requireObject(raw, column);
    rejectUnknownKeys(entry, ["indicatorId", "threshold"], column);
    const indicator = lookupIndicator(entry.indicatorId, `${column}.indicatorId`, indicators, template);
    const builtin = builtinOf(indicator);
    if (builtin && !template.builtinTriggerIndicators) {
      throw invalid(
        `${column}.indicatorId`,
        `${column}: the ${template.name} template takes only custom indicators as triggers; '${builtin.name}' can score the policy under indicators instead.`,
      );
    }
    if (builtin && !builtin.canTrigger) {
      throw invalid(
        `${column}.indicatorId`,
        `${column}: '${builtin.name}' cannot be a triggering event; choose an exfiltration indicator (for example office.documentSiteDownload) or use it under indicators.`,
      );
    }
    if (seen.has(indicator.id)) {
      throw invalid(column, `${column}: indicator '${indicator.name}' is listed twice as a trigger.`);
    }
    seen.add(indicator.id);
    if (entry.threshold === undefined || entry.threshold === null)
      return { indicatorId: indicator.id, threshold: null };
    if (indicator.valueColumn === null) {
      throw invalid(
        `${column}.threshold`,
        `${column}: indicator '${indicator.name}' is trigger-only (no value column), so it cannot have a threshold; remove threshold and any event of it triggers.`,
      );
    }
    const threshold = positiveNumber(
      entry.threshold,
      `${column}.threshold`,
      `${column}: the threshold of '${indicator.name}'`,
    );
    return { indicatorId: indicator.id, threshold };
  });
  // In the data-leak templates an unusual cumulative exfiltration brings the user in as well.
  const anyEvent = hrResignation || Object.values(events).some(Boolean) || cumulativeTriggers;
  if (!anyEvent && parsed.length === 0) {
    throw invalid("triggers", `A policy needs at least one trigger: ${triggerHint(template)}.`);
  }
  return {
    hrResignation,
    indicators: parsed,
    ...events,
    ...(dlpPolicy !== undefined ? { dlpPolicy } : {}),
  };
}

function parseLevels(value: unknown, column: string, label: string): Thresholds {
  const raw = requireObject(value, column);
  rejectUnknownKeys(raw, ["low", "medium", "high"], column);
  const t: Thresholds = { low: 0, medium: 0, high: 0 };
  for (const level of ["low", "medium", "high"] as const) {
    t[level] = positiveNumber(raw[level], `${column}.${level}`, `${label.replace("{level}", level)}`);
  }
  return t;
}

function checkAscending(t: Thresholds, column: string, prefix: string, what: string) {
  if (t.medium <= t.low) {
    throw invalid(
      `${column}.medium`,
      `${prefix}thresholds of ${what} must increase (low < medium < high): medium ${t.medium} is not above low ${t.low}; raise medium above ${t.low} or lower low.`,
    );
  }
  if (t.high <= t.medium) {
    throw invalid(
      `${column}.high`,
      `${prefix}thresholds of ${what} must increase (low < medium < high): high ${t.high} is not above medium ${t.medium}; raise high above ${t.medium} or lower medium.`,
    );
  }
}

function parseThresholds(
  value: unknown,
  column: string,
  indicator: IndicatorInfo,
): { thresholds: Thresholds; defaults: boolean } {
  const builtin = builtinOf(indicator);
  if (value === undefined || value === null || value === "default") {
    if (builtin) return { thresholds: { ...builtin.defaultThresholds }, defaults: true };
    throw invalid(
      `${column}.thresholds`,
      `${column}: indicator '${indicator.name}' needs thresholds { low, medium, high } for the daily total of column ${indicator.valueColumn}; custom indicators have no default thresholds.`,
    );
  }
  const t = parseLevels(value, `${column}.thresholds`, `${column}: the {level} threshold of '${indicator.name}'`);
  checkAscending(t, `${column}.thresholds`, `${column}: `, `'${indicator.name}'`);
  return { thresholds: t, defaults: false };
}

function parseScoringIndicators(
  value: unknown,
  template: PolicyTemplate,
  indicators: ReadonlyMap<string, IndicatorInfo>,
): ScoringIndicator[] {
  if (!Array.isArray(value)) {
    throw invalid("indicators", `indicators must be a list of { indicatorId, thresholds } (got ${describe(value)}).`);
  }
  if (value.length === 0) {
    throw invalid(
      "indicators",
      "indicators is empty; choose at least one indicator to score (without one the policy never raises alerts).",
    );
  }
  const seen = new Set<string>();
  return value.map((raw, i) => {
    const column = `indicators[${i}]`;
    const entry = requireObject(raw, column);
    rejectUnknownKeys(entry, ["indicatorId", "thresholds", "defaultThresholds"], column);
    const indicator = lookupIndicator(entry.indicatorId, `${column}.indicatorId`, indicators, template);
    if (seen.has(indicator.id)) throw invalid(column, `${column}: indicator '${indicator.name}' is listed twice.`);
    seen.add(indicator.id);
    if (indicator.valueColumn === null) {
      throw invalid(
        column,
        `${column}: indicator '${indicator.name}' is trigger-only (no value column), so it cannot score activity; use it under triggers.indicators instead.`,
      );
    }
    const useDefaults = entry.defaultThresholds === true && builtinOf(indicator) !== undefined;
    const { thresholds, defaults } = parseThresholds(useDefaults ? undefined : entry.thresholds, column, indicator);
    return defaults
      ? { indicatorId: indicator.id, thresholds, defaultThresholds: true as const }
      : { indicatorId: indicator.id, thresholds };
  });
}

const EXTENSION_RE = /^[a-z0-9][a-z0-9_+-]{0,15}$/;

function parseTextList(value: unknown, column: string, max: number, what: string): string[] {
  const out: string[] = [];
  const list = stringList(value, column);
  list.forEach((raw, i) => {
    const text = typeof raw === "string" ? raw.trim() : "";
    if (!text) throw invalid(`${column}[${i}]`, `${column}[${i}] must be a non-empty ${what} (got ${describe(raw)}).`);
    if (!out.some((o) => o.toLowerCase() === text.toLowerCase())) out.push(text);
  });
  if (out.length > max) {
    throw invalid(
      column,
      `${column} lists ${out.length} ${what}s; a policy can prioritise at most ${max}. Remove ${out.length - max}.`,
    );
  }
  return out;
}

function parsePriorityContent(value: unknown): PriorityContent | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = requireObject(value, "priorityContent");
  const keys = ["sites", "sensitivityLabels", "sensitiveInfoTypes", "fileExtensions", "classifiers"];
  rejectUnknownKeys(raw, keys, "priorityContent");
  const sites = parseTextList(raw.sites, "priorityContent.sites", MAX_PRIORITY_ITEMS, "site URL");
  sites.forEach((site, i) => {
    if (!/^https?:\/\/[^\s/]+/i.test(site)) {
      throw invalid(
        `priorityContent.sites[${i}]`,
        `priorityContent.sites[${i}]: '${site}' is not a site URL; give the full address, e.g. https://contoso.sharepoint.com/sites/Finance.`,
      );
    }
  });
  const fileExtensions = parseTextList(
    raw.fileExtensions,
    "priorityContent.fileExtensions",
    MAX_PRIORITY_FILE_EXTENSIONS,
    "file extension",
  ).map((ext, i) => {
    const normal = ext.toLowerCase().replace(/^\./, "");
    if (!EXTENSION_RE.test(normal)) {
      throw invalid(
        `priorityContent.fileExtensions[${i}]`,
        `priorityContent.fileExtensions[${i}]: '${ext}' is not a file extension; use letters and digits, with or without the leading dot (e.g. .docx or docx).`,
      );
    }
    return normal;
  });
  const content: PriorityContent = {
    sites,
    sensitivityLabels: parseTextList(
      raw.sensitivityLabels,
      "priorityContent.sensitivityLabels",
      MAX_PRIORITY_ITEMS,
      "sensitivity label",
    ),
    sensitiveInfoTypes: parseTextList(
      raw.sensitiveInfoTypes,
      "priorityContent.sensitiveInfoTypes",
      MAX_PRIORITY_ITEMS,
      "sensitive information type",
    ),
    fileExtensions: [...new Set(fileExtensions)],
    classifiers: parseTextList(raw.classifiers, "priorityContent.classifiers", MAX_PRIORITY_CLASSIFIERS, "classifier"),
  };
  if (Object.values(content).every((list) => list.length === 0)) {
    throw invalid(
      "priorityContent",
      "priorityContent lists nothing; add at least one site, sensitivity label, sensitive information type, file extension or classifier, or leave priorityContent out.",
    );
  }
  return content;
}

const BOOSTERS = [
  "unusualActivity",
  "confirmedViolationHistory",
  "priorityUserGroup",
  "potentialHighImpactUser",
] as const;

function parseBoosters(value: unknown, scoresOfficeOrDevice: boolean, template: PolicyTemplate): Boosters | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = requireObject(value, "boosters");
  rejectUnknownKeys(raw, BOOSTERS, "boosters");
  const fallback = scoresOfficeOrDevice;
  const boosters = Object.fromEntries(
    BOOSTERS.map((b) => [b, optionalBoolean(raw[b], `boosters.${b}`, fallback)]),
  ) as unknown as Boosters;
  if (!scoresOfficeOrDevice) {
    const on = BOOSTERS.filter((b) => boosters[b]);
    if (on.length > 0) {
      throw invalid(
        `boosters.${on[0]}`,
        `Risk score boosters apply to Office and Device indicators, and this ${template.name} policy selects none: add an Office or Device indicator under indicators, or set boosters.${on.join(", boosters.")} to false.`,
      );
    }
  }
  return boosters;
}

function offeredOrRefuse(
  template: PolicyTemplate,
  feature: "sequenceDetection" | "cumulativeExfiltration",
  name: string,
) {
  if (!template[feature]) {
    throw invalid(
      `${feature}`,
      `The ${template.name} template has no ${name}; remove ${feature} (it is offered by Data theft by departing users and the Data leaks templates).`,
    );
  }
}

function parseSequenceDetection(
  value: unknown,
  template: PolicyTemplate,
  exfiltrationSelected: boolean,
): SequenceDetectionConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = requireObject(value, "sequenceDetection");
  rejectUnknownKeys(raw, ["enabled", "thresholds"], "sequenceDetection");
  offeredOrRefuse(template, "sequenceDetection", "sequence detection");
  const enabled = optionalBoolean(raw.enabled, "sequenceDetection.enabled", true);
  let thresholds: Thresholds | undefined;
  if (raw.thresholds !== undefined && raw.thresholds !== null && raw.thresholds !== "default") {
    thresholds = parseLevels(
      raw.thresholds,
      "sequenceDetection.thresholds",
      "sequenceDetection: the {level} threshold (files in a sequence)",
    );
    checkAscending(thresholds, "sequenceDetection.thresholds", "sequenceDetection: ", "sequences");
  }
  if (enabled && !exfiltrationSelected) {
    throw invalid(
      "sequenceDetection.enabled",
      "Sequence detection needs at least one exfiltration indicator (e-mail, sharing, USB, printing, upload …) under indicators: add one, or set sequenceDetection.enabled to false.",
    );
  }
  return thresholds ? { enabled, thresholds } : { enabled };
}

function parseCumulative(
  value: unknown,
  template: PolicyTemplate,
  exfiltrationSelected: boolean,
): { enabled: boolean } | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = requireObject(value, "cumulativeExfiltration");
  rejectUnknownKeys(raw, ["enabled"], "cumulativeExfiltration");
  offeredOrRefuse(template, "cumulativeExfiltration", "cumulative exfiltration detection");
  const enabled = optionalBoolean(raw.enabled, "cumulativeExfiltration.enabled", true);
  if (enabled && !exfiltrationSelected) {
    throw invalid(
      "cumulativeExfiltration.enabled",
      "Cumulative exfiltration detection adds up exfiltration indicators, and none is selected: add one under indicators, or set cumulativeExfiltration.enabled to false.",
    );
  }
  return { enabled };
}

function parseTemplate(value: unknown): PolicyTemplate {
  const template = typeof value === "string" ? findPolicyTemplate(value) : undefined;
  if (!template) {
    throw invalid(
      "template",
      `template ${describe(value)} is not available; available templates: ${POLICY_TEMPLATES.map((t) => t.id).join(", ")}.`,
    );
  }
  return template;
}

function parseName(value: unknown): string {
  const name = typeof value === "string" ? value.trim() : "";
  if (!name) throw invalid("name", "name is required: give the policy a name (it cannot be changed later).");
  if (name.length > MAX_NAME) throw invalid("name", `name is longer than ${MAX_NAME} characters.`);
  return name;
}

const CONTENT_FIELDS = [
  "scope",
  "triggers",
  "indicators",
  "priorityContent",
  "scoreOnlyPriorityContent",
  "boosters",
  "sequenceDetection",
  "cumulativeExfiltration",
] as const;
type ContentField = (typeof CONTENT_FIELDS)[number];
const CREATE_FIELDS = ["name", "template", "description", "enabled", ...CONTENT_FIELDS] as const;
const PATCH_FIELDS = ["description", "enabled", ...CONTENT_FIELDS] as const;

/** Categories of the built-in indicators a list selects. */
function selectedBuiltins(list: readonly { indicatorId: string }[]): BuiltinIndicator[] {
  return list.flatMap((i) => {
    const b = isBuiltinIndicatorId(i.indicatorId) ? findBuiltinIndicator(i.indicatorId) : undefined;
    return b ? [b] : [];
  });
}

const OFFICE_OR_DEVICE: readonly IndicatorCategory[] = ["office", "device"];

/** Checks the content fields together; `input` holds raw values (stored values re-checked on a change). */
function parseContent(
  input: Partial<Record<ContentField, unknown>>,
  template: PolicyTemplate,
  indicators: ReadonlyMap<string, IndicatorInfo>,
  context: PolicyContext,
): PolicyConfig {
  const scope = parseScope(input.scope, template, context);
  const scored = parseScoringIndicators(input.indicators, template, indicators);
  const builtins = selectedBuiltins(scored);
  const exfiltrationSelected = builtins.some((b) => b.stage === "exfiltration");
  const officeOrDevice = builtins.some((b) => OFFICE_OR_DEVICE.includes(b.category));
  const sequenceDetection = parseSequenceDetection(input.sequenceDetection, template, exfiltrationSelected);
  const sequencesOn = sequenceDetection?.enabled ?? (template.sequenceDetection && exfiltrationSelected);
  const cumulativeExfiltration = parseCumulative(input.cumulativeExfiltration, template, exfiltrationSelected);
  const cumulativeOn = cumulativeExfiltration?.enabled ?? (template.cumulativeExfiltration && exfiltrationSelected);
  const triggers = parseTriggers(
    input.triggers,
    template,
    indicators,
    sequencesOn,
    cumulativeOn && template.triggerEvents.includes("dlpAlert"),
  );
  const priorityContent = parsePriorityContent(input.priorityContent);
  const scoreOnlyPriorityContent = optionalBoolean(input.scoreOnlyPriorityContent, "scoreOnlyPriorityContent", false);
  if (scoreOnlyPriorityContent && !priorityContent) {
    throw invalid(
      "scoreOnlyPriorityContent",
      "Scoring only activity with priority content needs priority content: list sites, sensitivity labels, sensitive information types, file extensions or classifiers under priorityContent, or set scoreOnlyPriorityContent to false.",
    );
  }
  const boosters = parseBoosters(input.boosters, officeOrDevice, template);
  return {
    scope,
    triggers,
    indicators: scored,
    ...(priorityContent ? { priorityContent } : {}),
    ...(input.scoreOnlyPriorityContent !== undefined && input.scoreOnlyPriorityContent !== null
      ? { scoreOnlyPriorityContent }
      : {}),
    ...(boosters ? { boosters } : {}),
    ...(sequenceDetection ? { sequenceDetection } : {}),
    ...(cumulativeExfiltration ? { cumulativeExfiltration } : {}),
  };
}

/** Validates a new policy. */
export function parsePolicyCreate(
  body: unknown,
  indicators: ReadonlyMap<string, IndicatorInfo>,
  context: PolicyContext = {},
): PolicyDefinition {
  const input = requireObject(body, "body");
  rejectUnknownKeys(input, CREATE_FIELDS, "");
  const name = parseName(input.name);
  const template = parseTemplate(input.template);
  return {
    name,
    template: template.id,
    description: parseDescription(input.description),
    enabled: optionalBoolean(input.enabled, "enabled", true),
    config: parseContent(input, template, indicators, context),
  };
}

/**
 * Validates a change to an existing policy. Name and template are fixed at creation; every other
 * field replaces the stored one when present, and the result is checked as a whole.
 * Returns the new definition and the names of the fields that changed.
 */
export function parsePolicyPatch(
  body: unknown,
  current: PolicyDefinition,
  indicators: ReadonlyMap<string, IndicatorInfo>,
  context: PolicyContext = {},
): { next: PolicyDefinition; changed: string[] } {
  const input = requireObject(body, "body");
  if (input.name !== undefined && input.name !== current.name) {
    throw invalid(
      "name",
      "A policy's name cannot be changed after it is created; create a new policy with the new name instead.",
    );
  }
  if (input.template !== undefined && input.template !== current.template) {
    throw invalid(
      "template",
      "A policy's template cannot be changed after it is created; create a new policy from the other template instead.",
    );
  }
  const { name: _name, template: _template, ...rest } = input;
  rejectUnknownKeys(rest, PATCH_FIELDS, "");
  const template = parseTemplate(current.template);
  const stored = readPolicyConfig(current.config);
  const merged: Partial<Record<ContentField, unknown>> = {};
  for (const field of CONTENT_FIELDS) merged[field] = field in rest ? rest[field] : stored[field];
  // The stored scope was valid when saved; groups deleted since must not block other changes.
  const parsed = parseContent(merged, template, indicators, "scope" in rest ? context : {});
  const config: PolicyConfig = { ...parsed, scope: "scope" in rest ? parsed.scope : stored.scope };
  const next: PolicyDefinition = {
    name: current.name,
    template: current.template,
    description: "description" in rest ? parseDescription(rest.description) : current.description,
    enabled: "enabled" in rest ? optionalBoolean(rest.enabled, "enabled", current.enabled) : current.enabled,
    config,
  };
  const changed: string[] = [];
  if (next.description !== current.description) changed.push("description");
  if (next.enabled !== current.enabled) changed.push("enabled");
  for (const key of CONTENT_FIELDS) {
    if (canonical(next.config[key]) !== canonical(stored[key])) changed.push(key);
  }
  return { next, changed };
}

/**
 * Reads a stored config leniently: a missing or malformed section becomes its empty form (no
 * trigger, no indicator), so an old or hand-edited config loads instead of failing.
 */
export function readPolicyConfig(stored: unknown): PolicyConfig {
  const raw = isRecord(stored) ? stored : {};
  const scope = isRecord(raw.scope) ? (raw.scope as unknown as PolicyScope) : { users: [] };
  const triggers = isRecord(raw.triggers) ? raw.triggers : {};
  const config: PolicyConfig = {
    ...(raw as Partial<PolicyConfig>),
    scope: "allUsers" in scope || Array.isArray((scope as { users?: unknown }).users) ? scope : { ...scope, users: [] },
    triggers: {
      ...(triggers as Partial<PolicyTriggers>),
      hrResignation: triggers.hrResignation === true,
      indicators: Array.isArray(triggers.indicators) ? (triggers.indicators as TriggerIndicator[]) : [],
    },
    indicators: Array.isArray(raw.indicators) ? (raw.indicators as ScoringIndicator[]) : [],
  };
  return config;
}

/** Every option of a stored config, with the template's defaults for what it does not set. */
export function effectivePolicyConfig(stored: unknown, template: PolicyTemplate | undefined): EffectivePolicyConfig {
  const config = readPolicyConfig(stored);
  const builtins = selectedBuiltins(config.indicators);
  const exfiltration = builtins.some((b) => b.stage === "exfiltration");
  const officeOrDevice = builtins.some((b) => OFFICE_OR_DEVICE.includes(b.category));
  const triggers: PolicyTriggers = { ...config.triggers };
  for (const event of template?.triggerEvents ?? []) {
    if (event !== "hrResignation" && triggers[event] === undefined) triggers[event] = event !== "sequences";
  }
  return {
    ...config,
    triggers,
    indicators: config.indicators.map((i) => {
      const builtin = i.defaultThresholds ? findBuiltinIndicator(i.indicatorId) : undefined;
      return builtin ? { ...i, thresholds: { ...builtin.defaultThresholds } } : i;
    }),
    priorityContent: config.priorityContent ?? {
      sites: [],
      sensitivityLabels: [],
      sensitiveInfoTypes: [],
      fileExtensions: [],
      classifiers: [],
    },
    scoreOnlyPriorityContent: config.scoreOnlyPriorityContent ?? false,
    boosters: config.boosters ?? {
      unusualActivity: officeOrDevice,
      confirmedViolationHistory: officeOrDevice,
      priorityUserGroup: officeOrDevice,
      potentialHighImpactUser: officeOrDevice,
    },
    sequenceDetection: config.sequenceDetection ?? {
      enabled: Boolean(template?.sequenceDetection) && exfiltration,
    },
    cumulativeExfiltration: config.cumulativeExfiltration ?? {
      enabled: Boolean(template?.cumulativeExfiltration) && exfiltration,
    },
  };
}

/**
 * Custom indicator ids (UUIDs of the `indicators` table) a policy refers to, as trigger or scoring
 * indicator. Built-in indicators (stable catalog ids) are left out: see policyBuiltinIndicatorIds.
 */
export function policyIndicatorIds(config: PolicyConfig): string[] {
  return allIndicatorIds(config).filter((id) => !isBuiltinIndicatorId(id));
}

/** Built-in indicator ids (catalog ids) a policy refers to, as trigger or scoring indicator. */
export function policyBuiltinIndicatorIds(config: PolicyConfig): string[] {
  return allIndicatorIds(config).filter(isBuiltinIndicatorId);
}

function allIndicatorIds(config: PolicyConfig): string[] {
  const c = readPolicyConfig(config);
  return [...new Set([...c.triggers.indicators.map((t) => t.indicatorId), ...c.indicators.map((i) => i.indicatorId)])];
}

/** Group memberships of a user, for scopes that list groups (ids, lower case). */
export interface ScopeMemberships {
  directoryGroups?: (upn: string) => Iterable<string>;
  priorityUserGroups?: (upn: string) => Iterable<string>;
}

/**
 * A test of whether a user (by UPN, any case) is in the policy's scope. Groups count only when
 * `memberships` tells the user's groups; without it a user is in scope by UPN alone.
 */
export function scopeMatcher(scope: PolicyScope, memberships: ScopeMemberships = {}): (upn: string) => boolean {
  const exclude = scope.exclude ?? {};
  const excludedUsers = new Set(exclude.users ?? []);
  const excludedGroups = new Set(exclude.groups ?? []);
  const inAny = (groups: ReadonlySet<string>, of: ((upn: string) => Iterable<string>) | undefined, upn: string) => {
    if (!of || groups.size === 0) return false;
    for (const g of of(upn)) if (groups.has(g.toLowerCase())) return true;
    return false;
  };
  const excluded = (upn: string) => excludedUsers.has(upn) || inAny(excludedGroups, memberships.directoryGroups, upn);
  if ("allUsers" in scope) return (raw) => !excluded(raw.toLowerCase());
  const users = new Set(scope.users);
  const groups = new Set(scope.groups ?? []);
  const priority = new Set(scope.priorityUserGroups ?? []);
  return (raw) => {
    const upn = raw.toLowerCase();
    const included =
      users.has(upn) ||
      inAny(groups, memberships.directoryGroups, upn) ||
      inAny(priority, memberships.priorityUserGroups, upn);
    return included && !excluded(upn);
  };
}

export interface ScopeLimitWarning {
  code: "scope_near_limit" | "active_users_near_limit";
  message: string;
}

/**
 * Warnings as a template's limit of users nears (SCOPE_WARNING_RATIO): the users a policy's scope
 * covers, and the users actively scored (with a trigger) across the template's policies.
 */
export function scopeLimitWarnings(
  template: PolicyTemplate,
  counts: { usersInScope: number; templateActiveUsers: number },
  ratio: number,
): ScopeLimitWarning[] {
  const limit = template.maxUsersInScope;
  const pct = (n: number) => Math.floor((n / limit) * 100);
  const warnings: ScopeLimitWarning[] = [];
  if (counts.usersInScope >= limit * ratio) {
    warnings.push({
      code: "scope_near_limit",
      message: `This policy's scope covers ${counts.usersInScope} users, ${pct(counts.usersInScope)}% of the ${limit} users a ${template.name} template can actively score; narrow the scope (users, groups, exclusions) so that users with triggers are not left unscored.`,
    });
  }
  if (counts.templateActiveUsers >= limit * ratio) {
    warnings.push({
      code: "active_users_near_limit",
      message: `${counts.templateActiveUsers} users are actively scored by ${template.name} policies, ${pct(counts.templateActiveUsers)}% of the template's limit of ${limit}; narrow the scopes or remove users from the policies.`,
    });
  }
  return warnings;
}
