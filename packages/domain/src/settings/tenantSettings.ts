// Tenant settings: policy timeframes and privacy. Stored as JSON on the tenant; read leniently
// (defaults for anything missing), changed strictly (every bad value names its field and range).

import { AppError } from "../errors.ts";

export interface PrivacySettings {
  /** Show real names to roles entitled to see identities; false = everyone sees aliases. */
  showNamesToEntitledRoles: boolean;
}

export interface TenantSettings {
  /** Days after a trigger during which the user is scored. */
  activationWindowDays: number;
  /** Days before a trigger whose activity is scored. */
  pastActivityDays: number;
  privacy: PrivacySettings;
}

/** Ranges and defaults of the policy timeframes (the reference product's: 1–30 after, 0–90 before). */
export const SETTING_RANGES = {
  activationWindowDays: { min: 1, max: 30, default: 30 },
  pastActivityDays: { min: 0, max: 90, default: 90 },
} as const;

export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  activationWindowDays: SETTING_RANGES.activationWindowDays.default,
  pastActivityDays: SETTING_RANGES.pastActivityDays.default,
  privacy: { showNamesToEntitledRoles: true },
};

type RangedSetting = keyof typeof SETTING_RANGES;

function inRange(value: unknown, key: RangedSetting): value is number {
  const { min, max } = SETTING_RANGES[key];
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads stored settings; anything missing or invalid takes its default. */
export function readTenantSettings(stored: Record<string, unknown> | null | undefined): TenantSettings {
  const s = stored ?? {};
  const privacy = isRecord(s.privacy) ? s.privacy : {};
  const showNames = privacy.showNamesToEntitledRoles;
  return {
    activationWindowDays: inRange(s.activationWindowDays, "activationWindowDays")
      ? s.activationWindowDays
      : DEFAULT_TENANT_SETTINGS.activationWindowDays,
    pastActivityDays: inRange(s.pastActivityDays, "pastActivityDays")
      ? s.pastActivityDays
      : DEFAULT_TENANT_SETTINGS.pastActivityDays,
    privacy: {
      showNamesToEntitledRoles:
        typeof showNames === "boolean" ? showNames : DEFAULT_TENANT_SETTINGS.privacy.showNamesToEntitledRoles,
    },
  };
}

const invalid = (column: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_setting", 400, message, { column, ...details });

const describe = (value: unknown) => (value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)));

/**
 * Applies a partial change. Returns the new settings and the dotted names of the settings that
 * actually changed (empty when the patch repeats the current values).
 */
export function applySettingsPatch(
  current: TenantSettings,
  patch: unknown,
): { next: TenantSettings; changed: string[] } {
  if (!isRecord(patch)) throw invalid("body", `The settings change must be a JSON object (got ${describe(patch)}).`);
  const allowed = ["activationWindowDays", "pastActivityDays", "privacy"];
  for (const key of Object.keys(patch)) {
    if (!allowed.includes(key)) {
      throw invalid(key, `Unknown setting '${key}'; settings are: ${allowed.join(", ")}.`);
    }
  }
  const next: TenantSettings = { ...current, privacy: { ...current.privacy } };
  for (const key of ["activationWindowDays", "pastActivityDays"] as const) {
    if (!(key in patch)) continue;
    const value = patch[key];
    const { min, max } = SETTING_RANGES[key];
    if (!inRange(value, key)) {
      throw invalid(key, `${key} must be a whole number of days from ${min} to ${max} (got ${describe(value)}).`, {
        min,
        max,
      });
    }
    next[key] = value;
  }
  if ("privacy" in patch) {
    const privacy = patch.privacy;
    if (!isRecord(privacy)) {
      throw invalid(
        "privacy",
        `privacy must be an object such as { "showNamesToEntitledRoles": false } (got ${describe(privacy)}).`,
      );
    }
    for (const key of Object.keys(privacy)) {
      if (key !== "showNamesToEntitledRoles") {
        throw invalid(
          `privacy.${key}`,
          `Unknown setting 'privacy.${key}'; privacy settings are: showNamesToEntitledRoles.`,
        );
      }
    }
    if ("showNamesToEntitledRoles" in privacy) {
      const value = privacy.showNamesToEntitledRoles;
      if (typeof value !== "boolean") {
        throw invalid(
          "privacy.showNamesToEntitledRoles",
          `privacy.showNamesToEntitledRoles must be true or false (got ${describe(value)}).`,
        );
      }
      next.privacy.showNamesToEntitledRoles = value;
    }
  }
  const changed: string[] = [];
  if (next.activationWindowDays !== current.activationWindowDays) changed.push("activationWindowDays");
  if (next.pastActivityDays !== current.pastActivityDays) changed.push("pastActivityDays");
  if (next.privacy.showNamesToEntitledRoles !== current.privacy.showNamesToEntitledRoles) {
    changed.push("privacy.showNamesToEntitledRoles");
  }
  return { next, changed };
}
