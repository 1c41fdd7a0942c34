// Daily insight scores: one indicator's total for one user on one UTC day, scored against the
// policy's three thresholds (low, medium, high).

import { HIGH_FROM, MEDIUM_FROM, type Severity } from "./severity.ts";

export interface Thresholds {
  low: number;
  medium: number;
  high: number;
}

/**
 * Score of a day whose total just reaches the low threshold. Below it the day is "minimal"
 * activity and produces no insight at all; at it the insight starts at 15, the level below which
 * the reference product hides activity from its charts ("risk scores > 15"), so every insight we
 * keep is one an analyst would be shown.
 */
export const LOW_BAND_FLOOR = 15;

/** Scores never reach 100: a day can always be worse. Insight scores carry two decimals. */
export const SCORE_CEILING = 100;

export interface InsightScore {
  score: number;
  severity: Severity;
}

/** Truncates to two decimals (truncation, not rounding, so a score never crosses into the next band). */
export function floor2(x: number): number {
  return Math.floor(x * 100 + 1e-7) / 100;
}

/** Rounds to two decimals. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Scores a daily total. Piecewise linear inside the bands and hyperbolic above `high`, so the
 * score is continuous and strictly increasing in the value from `low` upwards:
 *
 *   value < low             → no insight (minimal activity)
 *   low ≤ value < medium    → 15 + 19 · (value − low) / (medium − low)        Low    [15, 34)
 *   medium ≤ value < high   → 34 + 33 · (value − medium) / (high − medium)    Medium [34, 67)
 *   value ≥ high            → 67 + 33 · (1 − high / value)                     High   [67, 100)
 *
 * The High branch gains half of its remaining room each time the value doubles past `high`
 * (2× high → 83.5, 4× high → 91.75), so very large totals keep counting without ever reaching 100.
 */
export function scoreDailyValue(value: number, thresholds: Thresholds): InsightScore | null {
  const { low, medium, high } = thresholds;
  if (!Number.isFinite(value) || value < low) return null;
  if (value < medium) {
    const raw = LOW_BAND_FLOOR + (MEDIUM_FROM - LOW_BAND_FLOOR) * ((value - low) / (medium - low));
    return { score: Math.min(floor2(raw), MEDIUM_FROM - 0.01), severity: "Low" };
  }
  if (value < high) {
    const raw = MEDIUM_FROM + (HIGH_FROM - MEDIUM_FROM) * ((value - medium) / (high - medium));
    return { score: Math.min(floor2(raw), HIGH_FROM - 0.01), severity: "Medium" };
  }
  const raw = HIGH_FROM + (SCORE_CEILING - HIGH_FROM) * (1 - high / value);
  return { score: Math.min(floor2(raw), SCORE_CEILING - 0.01), severity: "High" };
}
