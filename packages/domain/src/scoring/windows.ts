// Policy membership windows: when a user enters a policy (a trigger) and which UTC days are scored.

/** A UTC calendar day, "YYYY-MM-DD". */
export type UtcDay = string;

const DAY_MS = 86_400_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC day of an ISO 8601 timestamp in UTC ("2023-04-24T05:52:56.962686Z" → "2023-04-24"). */
export function utcDayOf(isoUtc: string): UtcDay {
  const day = isoUtc.slice(0, 10);
  if (!DAY_RE.test(day)) throw new Error(`Not an ISO 8601 UTC timestamp: ${isoUtc}`);
  return day;
}

export function addDays(day: UtcDay, days: number): UtcDay {
  const m = DAY_RE.exec(day);
  if (!m) throw new Error(`Not a UTC day: ${day}`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + days * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

/** Midnight UTC at the start of a day, with microseconds like every timestamp the API returns. */
export function dayStartIso(day: UtcDay): string {
  return `${day}T00:00:00.000000Z`;
}

export interface WindowSettings {
  /** Days after the trigger's day that are scored (1–30). */
  activationWindowDays: number;
  /** Days before the trigger's day that are scored (0–90). */
  pastActivityDays: number;
  /** Days before the trigger's day whose e-mail activity is scored (at most pastActivityDays; default: the same). */
  emailPastActivityDays?: number;
}

/** Days scored for one trigger: [firstDay, endDay) in whole UTC days. */
export interface ScoringWindow {
  firstDay: UtcDay;
  /** First day after the window (exclusive). */
  endDay: UtcDay;
}

/**
 * The window a trigger opens. Scoring is daily, so the window is whole UTC days: from the day
 * `pastActivityDays` before the trigger's day through the day `activationWindowDays` after it.
 * A resignation on 2023-04-23 with 90/30 scores 2023-01-23 through 2023-05-23 inclusive.
 */
export function windowForTrigger(triggerAtIso: string, settings: WindowSettings): ScoringWindow {
  const day = utcDayOf(triggerAtIso);
  return {
    firstDay: addDays(day, -settings.pastActivityDays),
    endDay: addDays(day, settings.activationWindowDays + 1),
  };
}

/**
 * Several triggers give the union of their windows (overlapping or touching windows merge).
 * A union, not only the latest window, so that a later trigger never hides evidence that an
 * earlier one already brought into scope.
 */
export function mergeWindows(windows: readonly ScoringWindow[]): ScoringWindow[] {
  const sorted = [...windows].sort((a, b) => (a.firstDay < b.firstDay ? -1 : a.firstDay > b.firstDay ? 1 : 0));
  const merged: ScoringWindow[] = [];
  for (const w of sorted) {
    const last = merged[merged.length - 1];
    if (last && w.firstDay <= last.endDay) {
      if (w.endDay > last.endDay) last.endDay = w.endDay;
    } else {
      merged.push({ ...w });
    }
  }
  return merged;
}

export function dayInWindows(day: UtcDay, windows: readonly ScoringWindow[]): boolean {
  return windows.some((w) => day >= w.firstDay && day < w.endDay);
}
