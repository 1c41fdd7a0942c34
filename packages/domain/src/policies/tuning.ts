// Tuning a policy from an alert ("reduce alerts for this activity"): the recommended thresholds of
// one indicator, computed from how much of that activity users have on their active days, and the
// rule that a change made from an alert may only raise thresholds. Pure: the server passes the
// current thresholds and the daily totals.

import { percentile } from "../risk/percentiles.ts";
import type { Thresholds } from "../scoring/insights.ts";

/** What tuning from an alert does with one indicator of the alert's policy. */
export const TUNE_ACTIONS = ["recommended", "custom", "stop"] as const;
export type TuneAction = (typeof TUNE_ACTIONS)[number];

/** What happens to the alert after tuning: resolved as benign ("Save and dismiss") or left as it is. */
export const TUNE_THEN = ["dismiss", "none"] as const;
export type TuneThen = (typeof TUNE_THEN)[number];

/** Days of activity the recommendation reads (ending now). */
export const RECOMMENDATION_DAYS = 30;

/** Each recommended threshold is at least the current one times this factor. */
export const RECOMMENDATION_MIN_FACTOR = 1.5;

/** The percentiles of the daily totals behind the low, medium and high recommended thresholds. */
export const RECOMMENDATION_PERCENTILES: Readonly<Record<keyof Thresholds, number>> = Object.freeze({
  low: 0.95,
  medium: 0.99,
  high: 0.999,
});

const LEVELS = ["low", "medium", "high"] as const;

/** Rounds up to a whole number, forgiving floating-point noise (15.000000000000002 is 15). */
const ceilWhole = (x: number) => Math.ceil(x - 1e-9);

/**
 * Recommended thresholds for an indicator, from its current thresholds and `dailyValues`, the
 * non-zero daily totals of that indicator over all users in the last 30 days (one value per user
 * and day). Each level is the larger of a percentile of those totals and 1.5 × its current value:
 * low = max(p95, 1.5 × low), medium = max(p99, 1.5 × medium), high = max(p99.9, 1.5 × high);
 * rounded up to whole numbers, then made strictly increasing (medium ≥ low + 1, high ≥ medium + 1).
 * Without any activity the percentiles are left out, so the thresholds are 1.5 × the current ones.
 * Every recommended threshold is thus above the current one: the recommendation always reduces alerts.
 */
export function recommendThresholds(current: Thresholds, dailyValues: number[]): Thresholds {
  const values = dailyValues.filter((v) => Number.isFinite(v) && v > 0);
  const level = (name: keyof Thresholds) => {
    const p = percentile(values, RECOMMENDATION_PERCENTILES[name]);
    return ceilWhole(Math.max(p ?? 0, current[name] * RECOMMENDATION_MIN_FACTOR, 1));
  };
  const low = level("low");
  const medium = Math.max(level("medium"), low + 1);
  const high = Math.max(level("high"), medium + 1);
  return { low, medium, high };
}

/**
 * The levels at which `next` is lower than `current`, in low, medium, high order. A change made from
 * an alert reduces alerts, so it may raise or keep thresholds but not lower them.
 */
export function loweredLevels(current: Thresholds, next: Thresholds): (keyof Thresholds)[] {
  return LEVELS.filter((name) => next[name] < current[name]);
}

/** Thresholds as text, low/medium/high (e.g. "5/10/20"). */
export const formatThresholds = (t: Thresholds) => `${t.low}/${t.medium}/${t.high}`;
