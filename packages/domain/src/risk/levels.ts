// Adaptive protection: a user's insider risk level (Elevated, Moderate, Minor) computed from their
// alerts and daily insights, held for a timeframe after the criteria were last met. Pure: the caller
// passes the alerts, insights, the previous level state and the time.

import { activityType } from "../activity/catalog.ts";
import { closestName } from "../connectors/suggest.ts";
import { AppError } from "../errors.ts";
import { isSeverity, SEVERITIES, type Severity } from "../scoring/severity.ts";
import { findBuiltinIndicator } from "./indicators.ts";

/** The levels, highest first. A user has at most one level at a time: the highest one met. */
export const RISK_LEVELS = ["Elevated", "Moderate", "Minor"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export function isRiskLevel(value: string): value is RiskLevel {
  return (RISK_LEVELS as readonly string[]).includes(value);
}

/** Which insights an activity condition counts: exfiltration insights, sequence insights, or any insight. */
export const LEVEL_INSIGHT_KINDS = ["exfiltration", "sequence", "any"] as const;
export type LevelInsightKind = (typeof LEVEL_INSIGHT_KINDS)[number];

/** "Specific user activity": at least `count` insights of this kind and at least this severity within the past activity detection window. */
export interface ActivityCondition {
  insights: LevelInsightKind;
  minimumSeverity: Severity;
  count: number;
}

/**
 * The conditions of one level; the level is met when ANY of them is met.
 * - alertGenerated: an open alert (NeedsReview or Confirmed) of one of these severities was generated
 *   or updated by scoring;
 * - alertConfirmed: an alert of one of these severities was confirmed by an analyst;
 * - activity: enough insights within the past activity detection window (null: no activity condition).
 */
export interface LevelCriteria {
  alertGenerated: Severity[];
  alertConfirmed: Severity[];
  activity: ActivityCondition | null;
}

export type RiskLevelCriteria = Record<RiskLevel, LevelCriteria>;

/**
 * The default criteria (those of the reference product):
 * - Elevated: a High-severity alert, or at least 1 confirmed High alert, or at least 3 High sequence insights;
 * - Moderate: a Medium-severity alert, or at least 2 High exfiltration insights;
 * - Minor: a Low-severity alert, or at least 1 High exfiltration insight.
 * "High" insights are those scored 67–100 (severity.ts HIGH_FROM).
 */
export const DEFAULT_RISK_LEVEL_CRITERIA: RiskLevelCriteria = Object.freeze({
  Elevated: {
    alertGenerated: ["High"],
    alertConfirmed: ["High"],
    activity: { insights: "sequence", minimumSeverity: "High", count: 3 },
  },
  Moderate: {
    alertGenerated: ["Medium"],
    alertConfirmed: [],
    activity: { insights: "exfiltration", minimumSeverity: "High", count: 2 },
  },
  Minor: {
    alertGenerated: ["Low"],
    alertConfirmed: [],
    activity: { insights: "exfiltration", minimumSeverity: "High", count: 1 },
  },
}) as RiskLevelCriteria;

/** Ranges of the adaptive protection timeframes (days), the reference product's: 5–30, default 7. */
export const RISK_LEVEL_RANGES = {
  pastActivityDetectionDays: { min: 5, max: 30, default: 7 },
  levelTimeframeDays: { min: 5, max: 30, default: 7 },
} as const;

/** An activity condition may ask for at most this many insights. */
export const MAX_ACTIVITY_COUNT = 100;

export interface RiskLevelSettings {
  enabled: boolean;
  /** Days of insights an activity condition counts (a sliding window ending on the day that meets it). */
  pastActivityDetectionDays: number;
  /** Days a level stays assigned after its criteria were last met. */
  levelTimeframeDays: number;
  criteria: RiskLevelCriteria;
}

// ---------------------------------------------------------------------------------------------
// Criteria as data: lenient reading of stored criteria, strict checking of changes.

const CRITERIA_FIELDS = ["alertGenerated", "alertConfirmed", "activity"] as const;
const ACTIVITY_FIELDS = ["insights", "minimumSeverity", "count"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const shown = (value: unknown) => (value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)));

const invalid = (column: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_setting", 400, message, { column, ...details });

function unknownKey(field: string, key: string, allowed: readonly string[]): AppError {
  const guess = closestName(key, allowed);
  return invalid(
    `${field}.${key}`,
    `Unknown setting '${field}.${key}';${guess ? ` did you mean '${field}.${guess}'?` : ""} ${field} settings are: ${allowed.join(", ")}.`,
  );
}

function severityList(value: unknown, field: string): Severity[] {
  if (!Array.isArray(value)) {
    throw invalid(
      field,
      `${field} must be a list of alert severities (High, Medium, Low), e.g. ["High"], or [] for none (got ${shown(value)}).`,
    );
  }
  const out: Severity[] = [];
  value.forEach((item, i) => {
    const match =
      typeof item === "string" ? SEVERITIES.find((s) => s.toLowerCase() === item.trim().toLowerCase()) : undefined;
    if (!match) {
      throw invalid(`${field}[${i}]`, `${field}[${i}] ${shown(item)} is not a severity; use High, Medium or Low.`, {
        index: i,
      });
    }
    if (!out.includes(match)) out.push(match);
  });
  return SEVERITIES.filter((s) => out.includes(s));
}

function activityCondition(value: unknown, field: string, current: ActivityCondition | null): ActivityCondition | null {
  if (value === null) return null;
  if (!isRecord(value)) {
    throw invalid(
      field,
      `${field} must be null (no activity condition) or an object such as {"insights": "exfiltration", "minimumSeverity": "High", "count": 2} (got ${shown(value)}).`,
    );
  }
  for (const key of Object.keys(value))
    if (!(ACTIVITY_FIELDS as readonly string[]).includes(key)) throw unknownKey(field, key, ACTIVITY_FIELDS);
  const base = current ?? { insights: "exfiltration", minimumSeverity: "High", count: 1 };
  const next: ActivityCondition = { ...base };
  if ("insights" in value) {
    const v = value.insights;
    const match = typeof v === "string" ? LEVEL_INSIGHT_KINDS.find((k) => k === v.trim().toLowerCase()) : undefined;
    if (!match) {
      throw invalid(
        `${field}.insights`,
        `${field}.insights must be one of ${LEVEL_INSIGHT_KINDS.join(", ")} (got ${shown(v)}).`,
        { allowed: LEVEL_INSIGHT_KINDS },
      );
    }
    next.insights = match;
  }
  if ("minimumSeverity" in value) {
    const v = value.minimumSeverity;
    const match =
      typeof v === "string" ? SEVERITIES.find((s) => s.toLowerCase() === v.trim().toLowerCase()) : undefined;
    if (!match) {
      throw invalid(
        `${field}.minimumSeverity`,
        `${field}.minimumSeverity must be High, Medium or Low (got ${shown(v)}); insights of that severity or higher count.`,
      );
    }
    next.minimumSeverity = match;
  }
  if ("count" in value) {
    const v = value.count;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > MAX_ACTIVITY_COUNT) {
      throw invalid(
        `${field}.count`,
        `${field}.count must be a whole number of insights from 1 to ${MAX_ACTIVITY_COUNT} (got ${shown(v)}).`,
        { min: 1, max: MAX_ACTIVITY_COUNT },
      );
    }
    next.count = v;
  }
  return next;
}

/**
 * Applies a change to the criteria: an object with levels as keys, each naming only the
 * conditions it changes. Every bad value throws an AppError naming its field path and the fix.
 */
export function applyRiskLevelCriteriaPatch(
  current: RiskLevelCriteria,
  patch: unknown,
  field = "criteria",
): RiskLevelCriteria {
  if (!isRecord(patch)) {
    throw invalid(
      field,
      `${field} must be an object with the levels to change as keys (${RISK_LEVELS.join(", ")}), e.g. {"Moderate": {"alertGenerated": ["Medium", "High"]}} (got ${shown(patch)}).`,
    );
  }
  const next = { ...current };
  for (const [levelKey, levelPatch] of Object.entries(patch)) {
    const level = RISK_LEVELS.find((l) => l.toLowerCase() === levelKey.toLowerCase());
    if (!level) {
      const guess = closestName(levelKey, RISK_LEVELS);
      throw invalid(
        `${field}.${levelKey}`,
        `Unknown risk level '${levelKey}' in ${field};${guess ? ` did you mean '${guess}'?` : ""} levels are: ${RISK_LEVELS.join(", ")}.`,
      );
    }
    const path = `${field}.${level}`;
    if (!isRecord(levelPatch)) {
      throw invalid(
        path,
        `${path} must be an object with any of ${CRITERIA_FIELDS.join(", ")} (got ${shown(levelPatch)}).`,
      );
    }
    const levelNext: LevelCriteria = { ...current[level] };
    for (const key of Object.keys(levelPatch)) {
      if (!(CRITERIA_FIELDS as readonly string[]).includes(key)) throw unknownKey(path, key, CRITERIA_FIELDS);
    }
    if ("alertGenerated" in levelPatch)
      levelNext.alertGenerated = severityList(levelPatch.alertGenerated, `${path}.alertGenerated`);
    if ("alertConfirmed" in levelPatch)
      levelNext.alertConfirmed = severityList(levelPatch.alertConfirmed, `${path}.alertConfirmed`);
    if ("activity" in levelPatch)
      levelNext.activity = activityCondition(levelPatch.activity, `${path}.activity`, current[level].activity);
    next[level] = levelNext;
  }
  return next;
}

/** Reads stored criteria leniently: any missing or invalid part takes its default. */
export function readRiskLevelCriteria(stored: unknown): RiskLevelCriteria {
  const out = {} as RiskLevelCriteria;
  const source = isRecord(stored) ? stored : {};
  for (const level of RISK_LEVELS) {
    const defaults = DEFAULT_RISK_LEVEL_CRITERIA[level];
    const raw = isRecord(source[level]) ? (source[level] as Record<string, unknown>) : {};
    const attempt = <T>(fn: () => T, fallback: T): T => {
      try {
        return fn();
      } catch {
        return fallback;
      }
    };
    out[level] = {
      alertGenerated:
        "alertGenerated" in raw
          ? attempt(() => severityList(raw.alertGenerated, "x"), [...defaults.alertGenerated])
          : [...defaults.alertGenerated],
      alertConfirmed:
        "alertConfirmed" in raw
          ? attempt(() => severityList(raw.alertConfirmed, "x"), [...defaults.alertConfirmed])
          : [...defaults.alertConfirmed],
      activity:
        "activity" in raw
          ? attempt(
              () =>
                raw.activity === null
                  ? null
                  : isRecord(raw.activity) && ACTIVITY_FIELDS.every((k) => k in (raw.activity as object))
                    ? activityCondition(raw.activity, "x", null)
                    : (() => {
                        throw new Error("incomplete");
                      })(),
              defaults.activity ? { ...defaults.activity } : null,
            )
          : defaults.activity
            ? { ...defaults.activity }
            : null,
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Computing a level.

/** Alert statuses as stored. Open alerts are NeedsReview and Confirmed. */
export type LevelAlertStatus = "NeedsReview" | "Confirmed" | "Dismissed" | "Resolved";

export interface LevelAlert {
  id: string;
  policyId?: string;
  status: string;
  severity: string;
  /** When scoring last generated or updated the alert (ISO 8601). */
  updatedAt: string;
  /** When an analyst confirmed it (ISO 8601); defaults to updatedAt for a Confirmed alert. */
  confirmedAt?: string | null;
}

export interface LevelInsight {
  /** UTC day of the insight, YYYY-MM-DD. */
  day: string;
  severity: string;
  /** The indicator (insights of one indicator and day in several policies count once). */
  indicatorId?: string;
  policyId?: string;
  /** An insight of an exfiltration activity (the exfiltration stage of a data-theft sequence). */
  exfiltration: boolean;
  /** A sequence insight (a detected data-theft sequence). */
  sequence: boolean;
}

/**
 * Something that resets a level:
 * - expired (manual Expire) and disabled (adaptive protection turned off): everything up to `at`
 *   stops counting (alerts generated or updated until then, insights of that UTC day and before);
 * - alertDismissed / alertResolved (a case resolved): that alert stops counting, and so do the
 *   insights of its policy up to that UTC day.
 */
export interface LevelResetEvent {
  kind: "expired" | "disabled" | "alertDismissed" | "alertResolved";
  at: string;
  alertId?: string | undefined;
  policyId?: string | undefined;
}

export interface PreviousLevelState {
  level: RiskLevel | null;
  assignedAt: string | null;
  expiresAt: string | null;
  resets: readonly LevelResetEvent[];
}

export const NO_PREVIOUS_LEVEL: PreviousLevelState = Object.freeze({
  level: null,
  assignedAt: null,
  expiresAt: null,
  resets: [],
}) as PreviousLevelState;

export interface LevelReason {
  level: RiskLevel;
  criterion: "alertGenerated" | "alertConfirmed" | "activity";
  /** When the condition was last met (ISO 8601); the level holds until this plus the timeframe. */
  metAt: string;
  message: string;
  alertIds?: string[];
  insightDays?: string[];
}

export interface LevelOutcome {
  level: RiskLevel | null;
  previousLevel: RiskLevel | null;
  /** The level differs from the previous one. */
  changed: boolean;
  /** When the current level was assigned (kept while the level stays the same). */
  assignedAt: string | null;
  /** When the level ends unless its criteria are met again. */
  expiresAt: string | null;
  /** The conditions of the assigned level that hold now. */
  reasons: LevelReason[];
}

const DAY_MS = 86_400_000;
const OPEN = new Set(["NeedsReview", "Confirmed"]);
const SEVERITY_RANK: Record<Severity, number> = { High: 3, Medium: 2, Low: 1 };

const dayNumber = (day: string) => Math.floor(Date.parse(`${day.slice(0, 10)}T00:00:00Z`) / DAY_MS);
const utcDayNumber = (ms: number) => Math.floor(ms / DAY_MS);
const iso = (ms: number) => new Date(ms).toISOString();
const dayText = (n: number) => iso(n * DAY_MS).slice(0, 10);

function parseTime(value: string, what: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError("invalid_time", 400, `${what}: '${value}' is not an ISO 8601 time.`);
  return ms;
}

/** Whether an insight counts for an activity condition's kind. */
function insightMatches(insight: LevelInsight, kind: LevelInsightKind): boolean {
  if (kind === "any") return true;
  return kind === "sequence" ? insight.sequence : insight.exfiltration;
}

/**
 * The insight flags for an indicator kind: `activity.<type>` of an exfiltration-stage activity type
 * is an exfiltration insight; `sequence` and `sequence.<id>` are sequence insights.
 */
export function insightFlagsForIndicatorKind(
  kind: string | null | undefined,
  builtinId?: string | null,
): {
  exfiltration: boolean;
  sequence: boolean;
} {
  // A built-in indicator says its own stage in the catalog.
  const builtin = builtinId ? findBuiltinIndicator(builtinId) : undefined;
  if (builtin) return { exfiltration: builtin.stage === "exfiltration", sequence: false };
  const k = (kind ?? "").trim();
  if (k === "sequence" || k.startsWith("sequence.")) return { exfiltration: false, sequence: true };
  if (k === "exfiltration") return { exfiltration: true, sequence: false };
  if (k.startsWith("activity."))
    return { exfiltration: activityType(k.slice(9))?.stage === "exfiltration", sequence: false };
  return { exfiltration: false, sequence: false };
}

export interface ComputeLevelInput {
  alerts: readonly LevelAlert[];
  insights: readonly LevelInsight[];
  previous: PreviousLevelState;
  settings: RiskLevelSettings;
  /** The time of the computation (ISO 8601). */
  asOf: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * A user's level at `asOf`. For each level, each condition is met at some moments (an alert
 * generated/updated or confirmed; the day an insight brings the count within the window to the
 * required number, as of the end of that day); the level holds for `levelTimeframeDays` after the
 * latest such moment, so meeting it again extends it. The user gets the highest level that holds.
 */
export function computeRiskLevel(input: ComputeLevelInput): LevelOutcome {
  const { previous, settings } = input;
  const asOf = parseTime(input.asOf, "asOf");
  const asOfDay = utcDayNumber(asOf);
  const timeframe = settings.levelTimeframeDays * DAY_MS;
  const none = (): LevelOutcome => ({
    level: null,
    previousLevel: previous.level,
    changed: previous.level !== null,
    assignedAt: null,
    expiresAt: null,
    reasons: [],
  });
  if (!settings.enabled) return none();

  // Resets in force now.
  let globalReset = Number.NEGATIVE_INFINITY;
  const resetAlerts = new Set<string>();
  const policyResetDay = new Map<string, number>();
  for (const reset of previous.resets) {
    const at = parseTime(reset.at, "reset.at");
    if (at > asOf) continue;
    if (reset.kind === "expired" || reset.kind === "disabled") globalReset = Math.max(globalReset, at);
    else {
      if (reset.alertId) resetAlerts.add(reset.alertId);
      if (reset.policyId)
        policyResetDay.set(reset.policyId, Math.max(policyResetDay.get(reset.policyId) ?? -Infinity, utcDayNumber(at)));
    }
  }
  const globalResetDay = Number.isFinite(globalReset) ? utcDayNumber(globalReset) : Number.NEGATIVE_INFINITY;

  // Alerts that count, with their moments.
  const alerts = input.alerts
    .filter((a) => OPEN.has(a.status) && isSeverity(a.severity) && !resetAlerts.has(a.id))
    .map((a) => {
      const updated = parseTime(a.updatedAt, `alert ${a.id} updatedAt`);
      const confirmed =
        a.status === "Confirmed" ? parseTime(a.confirmedAt ?? a.updatedAt, `alert ${a.id} confirmedAt`) : null;
      return { id: a.id, severity: a.severity as Severity, updated, confirmed };
    });

  // Insights that count: on or before today, after the resets; one per indicator and day.
  const seen = new Set<string>();
  const insights: Array<{ day: number; severity: Severity; insight: LevelInsight }> = [];
  for (const insight of input.insights) {
    if (!isSeverity(insight.severity)) continue;
    const day = dayNumber(insight.day);
    if (Number.isNaN(day) || day > asOfDay || day <= globalResetDay) continue;
    if (insight.policyId && day <= (policyResetDay.get(insight.policyId) ?? Number.NEGATIVE_INFINITY)) continue;
    if (insight.indicatorId) {
      const key = `${insight.indicatorId}|${day}|${insight.sequence}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    insights.push({ day, severity: insight.severity, insight });
  }

  const holds = (metAt: number) => metAt <= asOf && metAt > globalReset && metAt + timeframe > asOf;

  for (const level of RISK_LEVELS) {
    const criteria = settings.criteria[level];
    const reasons: LevelReason[] = [];

    const generated = alerts.filter((a) => criteria.alertGenerated.includes(a.severity) && holds(a.updated));
    if (generated.length > 0) {
      const metAt = Math.max(...generated.map((a) => a.updated));
      const severities = SEVERITIES.filter((s) => generated.some((a) => a.severity === s)).join(" or ");
      reasons.push({
        level,
        criterion: "alertGenerated",
        metAt: iso(metAt),
        message: `${plural(generated.length, `open ${severities}-severity alert`)} generated or updated within the last ${settings.levelTimeframeDays} days (latest ${iso(metAt)}).`,
        alertIds: generated.map((a) => a.id),
      });
    }

    const confirmed = alerts.filter(
      (a) => a.confirmed !== null && criteria.alertConfirmed.includes(a.severity) && holds(a.confirmed),
    );
    if (confirmed.length > 0) {
      const metAt = Math.max(...confirmed.map((a) => a.confirmed as number));
      const severities = SEVERITIES.filter((s) => confirmed.some((a) => a.severity === s)).join(" or ");
      reasons.push({
        level,
        criterion: "alertConfirmed",
        metAt: iso(metAt),
        message: `${plural(confirmed.length, `confirmed ${severities}-severity alert`)} within the last ${settings.levelTimeframeDays} days (latest confirmed ${iso(metAt)}).`,
        alertIds: confirmed.map((a) => a.id),
      });
    }

    const activity = criteria.activity;
    if (activity) {
      const counted = insights
        .filter(
          (i) =>
            SEVERITY_RANK[i.severity] >= SEVERITY_RANK[activity.minimumSeverity] &&
            insightMatches(i.insight, activity.insights),
        )
        .sort((a, b) => a.day - b.day);
      const window = settings.pastActivityDetectionDays;
      let met: { day: number; days: number[] } | undefined;
      for (let end = counted.length - 1; end >= 0 && !met; end--) {
        const day = counted[end]!.day;
        const inWindow = counted.filter((i) => i.day <= day && i.day > day - window);
        // Moment met: the end of the insight's day (the day's insight is complete then).
        const metAt = (day + 1) * DAY_MS;
        if (inWindow.length >= activity.count && metAt > globalReset && metAt + timeframe > asOf) {
          met = { day, days: inWindow.map((i) => i.day) };
        }
      }
      if (met) {
        const metAt = (met.day + 1) * DAY_MS;
        const severityText = activity.minimumSeverity === "High" ? "High" : `${activity.minimumSeverity} or higher`;
        const kindText = activity.insights === "any" ? "" : ` ${activity.insights}`;
        const days = [...new Set(met.days)].map(dayText);
        reasons.push({
          level,
          criterion: "activity",
          metAt: iso(metAt),
          message: `${plural(met.days.length, `${severityText}${kindText} insight`)} within ${settings.pastActivityDetectionDays} days (${days[0]}${days.length > 1 ? ` to ${days.at(-1)}` : ""}; at least ${activity.count} needed).`,
          insightDays: days,
        });
      }
    }

    if (reasons.length > 0) {
      const metAt = Math.max(...reasons.map((r) => Date.parse(r.metAt)));
      const same = previous.level === level && previous.assignedAt !== null;
      return {
        level,
        previousLevel: previous.level,
        changed: previous.level !== level,
        assignedAt: same ? (previous.assignedAt as string) : iso(asOf),
        expiresAt: iso(metAt + timeframe),
        reasons,
      };
    }
  }
  return none();
}
