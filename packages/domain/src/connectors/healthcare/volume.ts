// Unusual volume of record access: a user's distinct patient records of one day against the same
// user's own baseline, the days with accesses among the 30 days before. Documented in
// docs/connectors/healthcare.md#unusual-volume, with the reasons for each threshold.

export const UNUSUAL_VOLUME = {
  /** Days before the judged day that make the baseline. A month covers every shift pattern. */
  baselineDays: 30,
  /**
   * Days with accesses the baseline needs before any day is judged: with fewer, a user's normal is
   * not known (a new hire, a part-timer's first week) and every busy day would look unusual.
   */
  minBaselineDays: 5,
  /** A day with fewer distinct records is never unusual: small counts swing for ordinary reasons. */
  minRecords: 20,
  /** The count must exceed the baseline mean by this many (population) standard deviations … */
  stdDevs: 3,
  /**
   * … and be at least this many times the baseline median. The deviation test alone fires on users
   * whose days hardly vary (a standard deviation near 0); the median test alone on users whose days
   * vary a lot. Both together flag a day that is far out and at least twice the typical day.
   */
  medianMultiple: 2,
} as const;

export interface DailyBaseline {
  /** Days with accesses in the baseline window. */
  days: number;
  mean: number;
  /** Population standard deviation. */
  stdDev: number;
  median: number;
}

/** The baseline of a user's daily record counts (days without accesses are not in it). */
export function dailyBaseline(counts: readonly number[]): DailyBaseline {
  const days = counts.length;
  if (days === 0) return { days: 0, mean: 0, stdDev: 0, median: 0 };
  const mean = counts.reduce((a, b) => a + b, 0) / days;
  const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / days;
  const sorted = [...counts].sort((a, b) => a - b);
  const mid = Math.floor(days / 2);
  const median = days % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { days, mean, stdDev: Math.sqrt(variance), median };
}

export interface VolumeVerdict {
  unusual: boolean;
  /** The smallest count that is unusual against this baseline; null when the baseline is too short. */
  threshold: number | null;
  /** Why, in words. */
  reason: string;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Whether `records` distinct records in one day are unusual for a user with this baseline. */
export function judgeDailyVolume(records: number, baseline: DailyBaseline): VolumeVerdict {
  const rules = UNUSUAL_VOLUME;
  if (baseline.days < rules.minBaselineDays) {
    return {
      unusual: false,
      threshold: null,
      reason: `the baseline has ${baseline.days} day(s) with accesses; at least ${rules.minBaselineDays} are needed.`,
    };
  }
  const deviation = baseline.mean + rules.stdDevs * baseline.stdDev;
  // Counts are whole numbers: "more than x" is "at least floor(x) + 1".
  const threshold = Math.max(
    rules.minRecords,
    Math.floor(deviation) + 1,
    Math.ceil(rules.medianMultiple * baseline.median),
  );
  const unusual = records >= threshold;
  const against = `baseline of ${baseline.days} day(s): mean ${round(baseline.mean)}, standard deviation ${round(baseline.stdDev)}, median ${round(baseline.median)}`;
  return {
    unusual,
    threshold,
    reason: `${records} record(s) in the day ${unusual ? "reach" : "stay below"} the threshold of ${threshold} (at least ${rules.minRecords}, above mean + ${rules.stdDevs} standard deviations, at least ${rules.medianMultiple}× the median; ${against}).`,
  };
}
