// Severity bands shared by insights and alerts: one score scale (0–100), three bands.

export const SEVERITIES = ["High", "Medium", "Low"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Lowest score of the Medium band. Scores are real numbers with two decimals, so "Low 0–33" means
 * every score below 34. The bands split the scale in thirds, the split the reference product
 * documents for High (67–100) and that its Low/Medium bands follow.
 */
export const MEDIUM_FROM = 34;
/** Lowest score of the High band (67–100). */
export const HIGH_FROM = 67;

export function severityForScore(score: number): Severity {
  if (score >= HIGH_FROM) return "High";
  if (score >= MEDIUM_FROM) return "Medium";
  return "Low";
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
