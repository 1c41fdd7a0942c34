// A policy's definition (scope, triggers, scoring indicators with thresholds) and the rules that
// make one valid. Input arrives as untrusted JSON; every error names the field and what to change.

import { AppError } from "../errors.ts";
import type { Thresholds } from "../scoring/insights.ts";
import { findPolicyTemplate, POLICY_TEMPLATES, type PolicyTemplate } from "./templates.ts";

export type PolicyScope = { allUsers: true } | { users: string[] };

export interface TriggerIndicator {
  indicatorId: string;
  /** Daily total that brings a user in; null = any event of the indicator. */
  threshold: number | null;
}

export interface ScoringIndicator {
  indicatorId: string;
  thresholds: Thresholds;
}

/** What policies.config stores. */
export interface PolicyConfig {
  scope: PolicyScope;
  triggers: { hrResignation: boolean; indicators: TriggerIndicator[] };
  indicators: ScoringIndicator[];
}

export interface PolicyDefinition {
  name: string;
  template: string;
  description: string | null;
  enabled: boolean;
  config: PolicyConfig;
}

/** What the rules need to know about an indicator. */
export interface IndicatorInfo {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  /** Number column summed per day; null = trigger only. */
  valueColumn: string | null;
}

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

function parseScope(value: unknown, template: PolicyTemplate): PolicyScope {
  const scope = requireObject(value, "scope");
  if (scope.allUsers === true) {
    if (scope.users !== undefined) {
      throw invalid("scope", "scope takes either { allUsers: true } or { users: [...] }, not both.");
    }
    return { allUsers: true };
  }
  if (!Array.isArray(scope.users)) {
    throw invalid(
      "scope",
      'scope must be { "allUsers": true } or { "users": ["name@domain", ...] } (the user principal names to include).',
    );
  }
  const users: string[] = [];
  const seen = new Set<string>();
  scope.users.forEach((raw, i) => {
    const upn = typeof raw === "string" ? raw.trim().toLowerCase() : "";
    if (!UPN_RE.test(upn)) {
      throw invalid(
        `scope.users[${i}]`,
        `scope.users[${i}]: ${describe(raw)} is not a user principal name (name@domain).`,
      );
    }
    if (!seen.has(upn)) {
      seen.add(upn);
      users.push(upn);
    }
  });
  if (users.length === 0) {
    throw invalid("scope.users", 'scope.users is empty; list at least one user or use { "allUsers": true }.');
  }
  if (users.length > template.maxUsersInScope) {
    throw invalid(
      "scope.users",
      `scope.users lists ${users.length} users; a ${template.name} policy can include at most ${template.maxUsersInScope}.`,
    );
  }
  return { users };
}

function lookupIndicator(
  id: unknown,
  column: string,
  indicators: ReadonlyMap<string, IndicatorInfo>,
  template: PolicyTemplate,
): IndicatorInfo {
  if (typeof id !== "string" || !id) throw invalid(column, `${column} must be an indicator id (got ${describe(id)}).`);
  const indicator = indicators.get(id);
  if (!indicator) throw invalid(column, `${column}: indicator '${id}' does not exist.`);
  if (!indicator.enabled) {
    throw invalid(column, `${column}: indicator '${indicator.name}' is turned off; turn it on before selecting it.`);
  }
  if (indicator.kind === "custom" && !template.allowsCustomIndicators) {
    throw invalid(column, `${column}: the ${template.name} template does not accept custom indicators.`);
  }
  return indicator;
}

function positiveNumber(value: unknown, column: string, label: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalid(column, `${label} must be a positive number (got ${describe(value)}); use a value above 0.`);
  }
  return value;
}

function parseTriggers(value: unknown, template: PolicyTemplate, indicators: ReadonlyMap<string, IndicatorInfo>) {
  const triggers = value === undefined || value === null ? {} : requireObject(value, "triggers");
  rejectUnknownKeys(triggers, ["hrResignation", "indicators"], "triggers");
  const hrResignation = optionalBoolean(
    triggers.hrResignation,
    "triggers.hrResignation",
    template.triggers.hrResignation,
  );
  if (hrResignation && !template.triggers.hrResignation) {
    throw invalid("triggers.hrResignation", `The ${template.name} template has no HR resignation trigger.`);
  }
  const list = triggers.indicators ?? [];
  if (!Array.isArray(list)) {
    throw invalid("triggers.indicators", `triggers.indicators must be a list (got ${describe(list)}).`);
  }
  if (list.length > 0 && !template.triggers.customIndicators) {
    throw invalid("triggers.indicators", `The ${template.name} template does not accept indicators as triggers.`);
  }
  const seen = new Set<string>();
  const parsed: TriggerIndicator[] = list.map((raw, i) => {
    const column = `triggers.indicators[${i}]`;
    const entry = requireObject(raw, column);
    rejectUnknownKeys(entry, ["indicatorId", "threshold"], column);
    const indicator = lookupIndicator(entry.indicatorId, `${column}.indicatorId`, indicators, template);
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
  if (!hrResignation && parsed.length === 0) {
    throw invalid(
      "triggers",
      "A policy needs at least one trigger: keep triggers.hrResignation true or add an indicator under triggers.indicators.",
    );
  }
  return { hrResignation, indicators: parsed };
}

function parseThresholds(value: unknown, column: string, indicator: IndicatorInfo): Thresholds {
  if (value === undefined || value === null) {
    throw invalid(
      `${column}.thresholds`,
      `${column}: indicator '${indicator.name}' needs thresholds { low, medium, high } for the daily total of column ${indicator.valueColumn}; custom indicators have no default thresholds.`,
    );
  }
  const raw = requireObject(value, `${column}.thresholds`);
  rejectUnknownKeys(raw, ["low", "medium", "high"], `${column}.thresholds`);
  const t: Thresholds = { low: 0, medium: 0, high: 0 };
  for (const level of ["low", "medium", "high"] as const) {
    t[level] = positiveNumber(
      raw[level],
      `${column}.thresholds.${level}`,
      `${column}: the ${level} threshold of '${indicator.name}'`,
    );
  }
  if (t.medium <= t.low) {
    throw invalid(
      `${column}.thresholds.medium`,
      `${column}: thresholds of '${indicator.name}' must increase (low < medium < high): medium ${t.medium} is not above low ${t.low}; raise medium above ${t.low} or lower low.`,
    );
  }
  if (t.high <= t.medium) {
    throw invalid(
      `${column}.thresholds.high`,
      `${column}: thresholds of '${indicator.name}' must increase (low < medium < high): high ${t.high} is not above medium ${t.medium}; raise high above ${t.medium} or lower medium.`,
    );
  }
  return t;
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
    rejectUnknownKeys(entry, ["indicatorId", "thresholds"], column);
    const indicator = lookupIndicator(entry.indicatorId, `${column}.indicatorId`, indicators, template);
    if (seen.has(indicator.id)) throw invalid(column, `${column}: indicator '${indicator.name}' is listed twice.`);
    seen.add(indicator.id);
    if (indicator.valueColumn === null) {
      throw invalid(
        column,
        `${column}: indicator '${indicator.name}' is trigger-only (no value column), so it cannot score activity; use it under triggers.indicators instead.`,
      );
    }
    return { indicatorId: indicator.id, thresholds: parseThresholds(entry.thresholds, column, indicator) };
  });
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

const CREATE_FIELDS = ["name", "template", "description", "scope", "triggers", "indicators", "enabled"] as const;
const PATCH_FIELDS = ["description", "scope", "triggers", "indicators", "enabled"] as const;

/** Validates a new policy. */
export function parsePolicyCreate(body: unknown, indicators: ReadonlyMap<string, IndicatorInfo>): PolicyDefinition {
  const input = requireObject(body, "body");
  rejectUnknownKeys(input, CREATE_FIELDS, "");
  const name = parseName(input.name);
  const template = parseTemplate(input.template);
  return {
    name,
    template: template.id,
    description: parseDescription(input.description),
    enabled: optionalBoolean(input.enabled, "enabled", true),
    config: {
      scope: parseScope(input.scope, template),
      triggers: parseTriggers(input.triggers, template, indicators),
      indicators: parseScoringIndicators(input.indicators, template, indicators),
    },
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
  const next: PolicyDefinition = {
    name: current.name,
    template: current.template,
    description: "description" in rest ? parseDescription(rest.description) : current.description,
    enabled: "enabled" in rest ? optionalBoolean(rest.enabled, "enabled", current.enabled) : current.enabled,
    config: {
      scope: "scope" in rest ? parseScope(rest.scope, template) : current.config.scope,
      triggers: parseTriggers("triggers" in rest ? rest.triggers : current.config.triggers, template, indicators),
      indicators: parseScoringIndicators(
        "indicators" in rest ? rest.indicators : current.config.indicators,
        template,
        indicators,
      ),
    },
  };
  const changed: string[] = [];
  if (next.description !== current.description) changed.push("description");
  if (next.enabled !== current.enabled) changed.push("enabled");
  for (const key of ["scope", "triggers", "indicators"] as const) {
    if (canonical(next.config[key]) !== canonical(current.config[key])) changed.push(key);
  }
  return { next, changed };
}

/** Indicator ids a policy refers to (as trigger or scoring indicator). */
export function policyIndicatorIds(config: PolicyConfig): string[] {
  return [
    ...new Set([
      ...config.triggers.indicators.map((t) => t.indicatorId),
      ...config.indicators.map((i) => i.indicatorId),
    ]),
  ];
}

/** A test of whether a user (by UPN, any case) is in the policy's scope. */
export function scopeMatcher(scope: PolicyScope): (upn: string) => boolean {
  if ("allUsers" in scope) return () => true;
  const users = new Set(scope.users);
  return (upn) => users.has(upn.toLowerCase());
}
