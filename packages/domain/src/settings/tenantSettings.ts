// Tenant settings: policy timeframes, privacy, intelligent detections and adaptive protection.
// Stored as JSON on the tenant; read leniently (defaults for anything missing or invalid), changed
// strictly (every bad value names its field path, the limit and the fix).

import { closestName } from "../connectors/suggest.ts";
import { AppError } from "../errors.ts";
import {
  type AdaptiveProtectionSettings,
  applyAdaptiveProtectionPatch,
  defaultAdaptiveProtectionSettings,
  readAdaptiveProtectionSettings,
} from "./adaptiveProtection.ts";
import {
  applyDetectionsPatch,
  type DetectionSettings,
  defaultDetectionSettings,
  readDetectionSettings,
} from "./detections.ts";

export * from "./adaptiveProtection.ts";
export * from "./detections.ts";

export interface PrivacySettings {
  /** Show real names to roles entitled to see identities; false = everyone sees aliases. */
  showNamesToEntitledRoles: boolean;
}

export interface TenantSettings {
  /** Days after a trigger during which the user is scored. */
  activationWindowDays: number;
  /** Days before a trigger whose activity is scored. */
  pastActivityDays: number;
  /** Days before a trigger whose e-mail activity is scored: fixed (read-only), see EMAIL_PAST_ACTIVITY_DAYS. */
  emailPastActivityDays: number;
  privacy: PrivacySettings;
  detections: DetectionSettings;
  /** Adaptive protection: per-user risk levels (docs/adaptive-protection.md). */
  adaptiveProtection: AdaptiveProtectionSettings;
}

/** Ranges and defaults of the policy timeframes (the reference product's: 1–30 after, 0–90 before). */
export const SETTING_RANGES = {
  activationWindowDays: { min: 1, max: 30, default: 30 },
  pastActivityDays: { min: 0, max: 90, default: 90 },
} as const;

/**
 * E-mail activity is looked at 10 days before a trigger at most, whatever pastActivityDays says
 * (and fewer when pastActivityDays is lower: see emailLookBackDays). Fixed; not a setting.
 */
export const EMAIL_PAST_ACTIVITY_DAYS = 10;

/** Days before a trigger whose e-mail activity is scored: min(pastActivityDays, 10). */
export function emailLookBackDays(settings: Pick<TenantSettings, "pastActivityDays">): number {
  return Math.min(settings.pastActivityDays, EMAIL_PAST_ACTIVITY_DAYS);
}

export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  activationWindowDays: SETTING_RANGES.activationWindowDays.default,
  pastActivityDays: SETTING_RANGES.pastActivityDays.default,
  emailPastActivityDays: EMAIL_PAST_ACTIVITY_DAYS,
  privacy: { showNamesToEntitledRoles: true },
  detections: defaultDetectionSettings(),
  adaptiveProtection: defaultAdaptiveProtectionSettings(),
};

/** The top-level settings a change may name. */
export const SETTING_KEYS = [
  "activationWindowDays",
  "pastActivityDays",
  "emailPastActivityDays",
  "privacy",
  "detections",
  "adaptiveProtection",
] as const;

type RangedSetting = keyof typeof SETTING_RANGES;

function inRange(value: unknown, key: RangedSetting): value is number {
  const { min, max } = SETTING_RANGES[key];
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Reading the lists is not free (up to 500 entries each, a few milliseconds in all), and readers
// such as the name presenter call readTenantSettings once per row: the result is remembered per
// stored object, and for the last document read (by its JSON text), so that re-reading the same
// settings from the database costs one JSON.stringify. Results are frozen, so a caller cannot
// change what another caller sees.
const readCache = new WeakMap<object, TenantSettings>();
let lastRead: { text: string; settings: TenantSettings } | undefined;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads stored settings; anything missing or invalid takes its default (documents written before
 * a setting existed read as its default). The result is frozen: copy it to change it.
 */
export function readTenantSettings(stored: Record<string, unknown> | null | undefined): TenantSettings {
  if (stored) {
    const cached = readCache.get(stored);
    if (cached) return cached;
  }
  const text = JSON.stringify(stored ?? {});
  if (lastRead?.text === text) {
    if (stored) readCache.set(stored, lastRead.settings);
    return lastRead.settings;
  }
  const s = stored ?? {};
  const privacy = isRecord(s.privacy) ? s.privacy : {};
  const showNames = privacy.showNamesToEntitledRoles;
  const settings: TenantSettings = {
    activationWindowDays: inRange(s.activationWindowDays, "activationWindowDays")
      ? s.activationWindowDays
      : DEFAULT_TENANT_SETTINGS.activationWindowDays,
    pastActivityDays: inRange(s.pastActivityDays, "pastActivityDays")
      ? s.pastActivityDays
      : DEFAULT_TENANT_SETTINGS.pastActivityDays,
    emailPastActivityDays: EMAIL_PAST_ACTIVITY_DAYS,
    privacy: {
      showNamesToEntitledRoles:
        typeof showNames === "boolean" ? showNames : DEFAULT_TENANT_SETTINGS.privacy.showNamesToEntitledRoles,
    },
    detections: readDetectionSettings(s.detections),
    adaptiveProtection: readAdaptiveProtectionSettings(s.adaptiveProtection),
  };
  deepFreeze(settings);
  if (stored) readCache.set(stored, settings);
  lastRead = { text, settings };
  return settings;
}

/** The JSON document to store: the settings without read-only values. */
export function storedSettingsDocument(settings: TenantSettings): Record<string, unknown> {
  const { emailPastActivityDays: _fixed, ...stored } = settings;
  return stored;
}

const invalid = (column: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_setting", 400, message, { column, ...details });

const describe = (value: unknown) => (value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)));

/** Dotted paths of the settings whose values differ (a list counts as one value). */
export function changedSettingPaths(before: unknown, after: unknown, prefix = ""): string[] {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => changedSettingPaths(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
}

/** The values at some dotted paths, as a nested object (for audit entries: only what changed). */
export function pickSettingPaths(settings: unknown, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const keys = path.split(".");
    let source: unknown = settings;
    let target = out;
    keys.forEach((key, i) => {
      source = isRecord(source) ? source[key] : undefined;
      if (i === keys.length - 1) target[key] = source;
      else {
        if (!isRecord(target[key])) target[key] = {};
        target = target[key] as Record<string, unknown>;
      }
    });
  }
  return out;
}

/**
 * Applies a partial change. Returns the new settings and the dotted names of the settings that
 * actually changed (empty when the patch repeats the current values).
 */
export function applySettingsPatch(
  current: TenantSettings,
  patch: unknown,
): { next: TenantSettings; changed: string[] } {
  if (!isRecord(patch)) throw invalid("body", `The settings change must be a JSON object (got ${describe(patch)}).`);
  for (const key of Object.keys(patch)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) {
      const guess = closestName(key, SETTING_KEYS);
      throw invalid(
        key,
        `Unknown setting '${key}';${guess ? ` did you mean '${guess}'?` : ""} settings are: ${SETTING_KEYS.join(", ")}.`,
      );
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
  if ("emailPastActivityDays" in patch && patch.emailPastActivityDays !== EMAIL_PAST_ACTIVITY_DAYS) {
    throw invalid(
      "emailPastActivityDays",
      `emailPastActivityDays is fixed at ${EMAIL_PAST_ACTIVITY_DAYS} days and cannot be changed (got ${describe(patch.emailPastActivityDays)}); pastActivityDays sets the look-back of other activity, and a lower pastActivityDays also shortens the e-mail look-back.`,
      { fixed: EMAIL_PAST_ACTIVITY_DAYS },
    );
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
  if ("detections" in patch) next.detections = applyDetectionsPatch(current.detections, patch.detections);
  if ("adaptiveProtection" in patch) {
    next.adaptiveProtection = applyAdaptiveProtectionPatch(current.adaptiveProtection, patch.adaptiveProtection);
  }
  return { next, changed: changedSettingPaths(current, next) };
}
