// The adaptive protection section of the tenant settings: on/off, the two timeframes and the
// criteria of each risk level. Read leniently (defaults), changed strictly (errors name the field).

import { AppError } from "../errors.ts";
import {
  applyRiskLevelCriteriaPatch,
  DEFAULT_RISK_LEVEL_CRITERIA,
  RISK_LEVEL_RANGES,
  type RiskLevelSettings,
  readRiskLevelCriteria,
} from "../risk/levels.ts";

export type AdaptiveProtectionSettings = RiskLevelSettings;

const FIELD = "adaptiveProtection";
const KEYS = ["enabled", "pastActivityDetectionDays", "levelTimeframeDays", "criteria"] as const;

/** Off by default: levels label people, so a tenant turns them on deliberately. */
export function defaultAdaptiveProtectionSettings(): AdaptiveProtectionSettings {
  return {
    enabled: false,
    pastActivityDetectionDays: RISK_LEVEL_RANGES.pastActivityDetectionDays.default,
    levelTimeframeDays: RISK_LEVEL_RANGES.levelTimeframeDays.default,
    criteria: readRiskLevelCriteria(DEFAULT_RISK_LEVEL_CRITERIA),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Ranged = keyof typeof RISK_LEVEL_RANGES;
function inRange(value: unknown, key: Ranged): value is number {
  const { min, max } = RISK_LEVEL_RANGES[key];
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

export function readAdaptiveProtectionSettings(stored: unknown): AdaptiveProtectionSettings {
  const d = defaultAdaptiveProtectionSettings();
  if (!isRecord(stored)) return d;
  return {
    enabled: typeof stored.enabled === "boolean" ? stored.enabled : d.enabled,
    pastActivityDetectionDays: inRange(stored.pastActivityDetectionDays, "pastActivityDetectionDays")
      ? stored.pastActivityDetectionDays
      : d.pastActivityDetectionDays,
    levelTimeframeDays: inRange(stored.levelTimeframeDays, "levelTimeframeDays")
      ? stored.levelTimeframeDays
      : d.levelTimeframeDays,
    criteria: readRiskLevelCriteria(stored.criteria),
  };
}

const shown = (value: unknown) => (value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)));
const invalid = (column: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_setting", 400, message, { column, ...details });

export function applyAdaptiveProtectionPatch(
  current: AdaptiveProtectionSettings,
  patch: unknown,
): AdaptiveProtectionSettings {
  if (!isRecord(patch)) {
    throw invalid(
      FIELD,
      `${FIELD} must be an object such as {"enabled": true, "levelTimeframeDays": 7} (got ${shown(patch)}).`,
    );
  }
  for (const key of Object.keys(patch)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw invalid(`${FIELD}.${key}`, `Unknown setting '${FIELD}.${key}'; ${FIELD} settings are: ${KEYS.join(", ")}.`);
    }
  }
  const next: AdaptiveProtectionSettings = { ...current };
  if ("enabled" in patch) {
    if (typeof patch.enabled !== "boolean") {
      throw invalid(`${FIELD}.enabled`, `${FIELD}.enabled must be true or false (got ${shown(patch.enabled)}).`);
    }
    next.enabled = patch.enabled;
  }
  for (const key of ["pastActivityDetectionDays", "levelTimeframeDays"] as const) {
    if (!(key in patch)) continue;
    const value = patch[key];
    const { min, max } = RISK_LEVEL_RANGES[key];
    if (!inRange(value, key)) {
      throw invalid(
        `${FIELD}.${key}`,
        `${FIELD}.${key} must be a whole number of days from ${min} to ${max} (got ${shown(value)}).`,
        { min, max },
      );
    }
    next[key] = value;
  }
  if ("criteria" in patch)
    next.criteria = applyRiskLevelCriteriaPatch(current.criteria, patch.criteria, `${FIELD}.criteria`);
  return next;
}
