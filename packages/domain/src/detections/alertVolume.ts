// Alert volume: which daily insights may raise (open) an alert. Severity bands do not move
// (Low 15–33.99, Medium 34–66.99, High 67–99.99, see scoring/severity.ts); the volume sets the
// lowest insight score that can raise an alert:
//
//   volume   raises from   High   Medium                    Low
//   fewer    50            all    the upper half (50–66.99)  none
//   default  25            all    all                       the upper half (25–33.99)
//   more     18            all    all                       most (18–33.99, about 84 % of the band)
//
// An insight below the line still counts in the user's activity and, once an alert is open for
// the user and policy, still adds to that alert's score: the volume decides when an alert starts,
// not what it is made of.

import { LOW_BAND_FLOOR, SCORE_CEILING } from "../scoring/insights.ts";
import { HIGH_FROM, MEDIUM_FROM, type Severity } from "../scoring/severity.ts";

export const ALERT_VOLUMES = ["fewer", "default", "more"] as const;
export type AlertVolume = (typeof ALERT_VOLUMES)[number];

/** Lowest insight score that may raise an alert, per volume. */
export const ALERT_VOLUME_MIN_SCORE: Readonly<Record<AlertVolume, number>> = { fewer: 50, default: 25, more: 18 };

/** Score range [from, to) of each severity band of an insight. */
export const SEVERITY_BANDS: Readonly<Record<Severity, { from: number; to: number }>> = {
  Low: { from: LOW_BAND_FLOOR, to: MEDIUM_FROM },
  Medium: { from: MEDIUM_FROM, to: HIGH_FROM },
  High: { from: HIGH_FROM, to: SCORE_CEILING },
};

/** Whether an insight with this score may raise an alert at this volume. */
export function mayRaiseAlert(volume: AlertVolume, insightScore: number): boolean {
  return insightScore >= ALERT_VOLUME_MIN_SCORE[volume];
}

/** Whether any of the insights may raise an alert (the alert then takes all of them). */
export function raisesAlert(volume: AlertVolume, insightScores: Iterable<number>): boolean {
  for (const score of insightScores) if (mayRaiseAlert(volume, score)) return true;
  return false;
}

export interface AlertVolumeRule {
  /** "all": every insight of the severity may raise an alert; "some": those from `fromScore`; "none": none. */
  raises: "all" | "some" | "none";
  /** Lowest score of the severity that may raise an alert; null for "none". */
  fromScore: number | null;
  /** Share of the severity band's score range that may raise an alert (0–1, two decimals). */
  shareOfBand: number;
}

/** What a volume means for insights of one severity (the table above, computed). */
export function alertVolumeRule(volume: AlertVolume, severity: Severity): AlertVolumeRule {
  const { from, to } = SEVERITY_BANDS[severity];
  const min = ALERT_VOLUME_MIN_SCORE[volume];
  if (min <= from) return { raises: "all", fromScore: from, shareOfBand: 1 };
  if (min >= to) return { raises: "none", fromScore: null, shareOfBand: 0 };
  return { raises: "some", fromScore: min, shareOfBand: Math.round(((to - min) / (to - from)) * 100) / 100 };
}
