// Alert score: the daily insights of one user in one policy combined into one 0–100 score, with
// each insight's share of it (its marginal contribution) so that the explanation adds up.

import { round2 } from "./insights.ts";
import { type Severity, severityForScore } from "./severity.ts";

/**
 * Rank decay exponent p: the i-th strongest insight counts with weight 1 / i^p. p = 1.5 is the
 * p-series weighting used by widely deployed entity risk engines: the sum of weights converges
 * (ζ(1.5) ≈ 2.61), so a flood of weak, similar evidence cannot outgrow a few strong days, while
 * the second and third strongest insights still matter (weights 0.354 and 0.192).
 */
export const RANK_DECAY_EXPONENT = 1.5;

export interface ScorableInsight {
  /** Stable identity used to break ties and to report contributions (e.g. "<indicatorId>|<day>"). */
  key: string;
  score: number;
}

export interface RankedInsight {
  key: string;
  /** 1-based rank in the order used (score descending, then key ascending). */
  rank: number;
  score: number;
  weight: number;
  /** Alert score with this insight minus the alert score without it (given the ones ranked above). */
  contribution: number;
}

export interface AlertScore {
  score: number;
  severity: Severity;
  ranked: RankedInsight[];
}

export function rankWeight(rank: number): number {
  return 1 / rank ** RANK_DECAY_EXPONENT;
}

/** Orders insights the way the alert score uses them: strongest first, ties by key. */
export function rankInsights<T extends ScorableInsight>(insights: readonly T[]): T[] {
  return [...insights].sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Probabilistic OR of the rank-weighted insight scores:
 *
 *   score = 100 · (1 − Π_i (1 − w_i · s_i / 100)),   w_i = 1 / i^1.5, s sorted descending
 *
 * Each insight is read as an independent chance that the user's behaviour is risky, discounted by
 * its rank. The result is bounded (each factor lies in [0, 1], so 0 ≤ score < 100), never below
 * the strongest insight (w_1 = 1), and monotonic: raising an insight or adding one can only lower
 * the product. Repeated similar evidence gives diminishing returns through the rank weights.
 * The score and every contribution are rounded to two decimals; contributions are differences of
 * the rounded running scores, so they add up to the score exactly.
 */
export function scoreAlert(insights: readonly ScorableInsight[]): AlertScore {
  const ordered = rankInsights(insights);
  let remaining = 1;
  let previous = 0;
  const ranked: RankedInsight[] = ordered.map((insight, i) => {
    const rank = i + 1;
    const weight = rankWeight(rank);
    const s = Math.min(Math.max(insight.score, 0), 100);
    remaining *= 1 - (weight * s) / 100;
    const running = round2(100 * (1 - remaining));
    const contribution = round2(running - previous);
    previous = running;
    return { key: insight.key, rank, score: insight.score, weight, contribution };
  });
  return { score: previous, severity: severityForScore(previous), ranked };
}
