// One user in one policy, evaluated from daily totals: triggers → membership windows → daily
// insights → alert score with its explanation. Pure: the server loads the totals and stores the result.

import type { PolicyConfig } from "../policies/policyConfig.ts";
import { type AlertScore, scoreAlert } from "./alertScore.ts";
import { scoreDailyValue, type Thresholds } from "./insights.ts";
import type { Severity } from "./severity.ts";
import {
  dayInWindows,
  mergeWindows,
  type ScoringWindow,
  type UtcDay,
  type WindowSettings,
  windowForTrigger,
} from "./windows.ts";

/** Version of the scoring model, stored in every alert explanation. */
export const SCORING_MODEL_VERSION = "openirm-scoring/1";

/** One indicator's activity for one user on one UTC day. */
export interface DailyTotal {
  day: UtcDay;
  /** Sum of the indicator's value column that day (the event count for a trigger-only indicator). */
  value: number;
  eventCount: number;
  /** First event of the day, ISO 8601 UTC with microseconds. */
  firstEventAt: string;
  firstSignalId: number | null;
}

export interface ResignationEvent {
  /** Resignation date, ISO 8601 UTC with microseconds. */
  at: string;
  signalId: number | null;
}

/**
 * An account the directory disabled or deleted: a departure, used as the departing-user trigger
 * when no HR connector imports resignations.
 */
export interface AccountEvent {
  kind: "directory.account_disabled" | "directory.account_deleted";
  /** When the directory changed the account, ISO 8601 UTC with microseconds. */
  at: string;
  signalId: number | null;
}

export interface EvaluatedIndicator {
  id: string;
  name: string;
  valueColumn: string | null;
}

export type Trigger =
  | { kind: "hr.resignation"; at: string; signalId: number | null; reason: string }
  | { kind: AccountEvent["kind"]; at: string; signalId: number | null; reason: string }
  | {
      kind: "indicator";
      at: string;
      signalId: number | null;
      indicatorId: string;
      indicator: string;
      day: UtcDay;
      value: number;
      threshold: number | null;
      reason: string;
    };

/** A row of policy_memberships: one per distinct trigger time. */
export interface Membership {
  triggeredAt: string;
  window: ScoringWindow;
  reason: string;
  signalId: number | null;
}

export interface DailyInsight {
  /** "<indicatorId>|<day>": identifies the insight across scoring runs. */
  key: string;
  indicatorId: string;
  indicator: string;
  day: UtcDay;
  value: number;
  eventCount: number;
  thresholds: Thresholds;
  score: number;
  severity: Severity;
}

export interface PolicyEvaluation {
  triggers: Trigger[];
  memberships: Membership[];
  /** Union of the memberships' windows. */
  windows: ScoringWindow[];
  /** Every insight inside the windows. */
  insights: DailyInsight[];
  /** The insights an alert is made of (those not already reviewed in a closed alert), ranked. */
  alertInsights: Array<DailyInsight & { rank: number; contribution: number }>;
  /** Null when there is no unreviewed insight. */
  alert: Pick<AlertScore, "score" | "severity"> | null;
}

export interface EvaluateInput {
  config: PolicyConfig;
  indicators: ReadonlyMap<string, EvaluatedIndicator>;
  /** Daily totals per indicator id (any order). */
  daily: ReadonlyMap<string, readonly DailyTotal[]>;
  resignations: readonly ResignationEvent[];
  /**
   * Accounts disabled or deleted in the directory. The caller passes them only when no live HR
   * connector imports resignations; they then stand in for the HR resignation trigger.
   */
  accountEvents?: readonly AccountEvent[];
  settings: WindowSettings;
  /**
   * Insights already reviewed in a dismissed or resolved alert: key → value reviewed. Such an
   * insight counts again only if its value has grown since.
   */
  reviewed?: ReadonlyMap<string, number>;
}

export const insightKey = (indicatorId: string, day: UtcDay) => `${indicatorId}|${day}`;

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

/**
 * Triggers of one user in one policy: resignations (or, without an HR connector for them, the
 * directory's account departures) and trigger indicators' qualifying days.
 */
export function findTriggers(input: Omit<EvaluateInput, "settings" | "reviewed">): Trigger[] {
  const triggers: Trigger[] = [];
  if (input.config.triggers.hrResignation) {
    for (const r of input.resignations) {
      triggers.push({
        kind: "hr.resignation",
        at: r.at,
        signalId: r.signalId,
        reason: `HR resignation dated ${r.at.slice(0, 10)}`,
      });
    }
    for (const e of input.accountEvents ?? []) {
      const change = e.kind === "directory.account_deleted" ? "deleted" : "disabled";
      triggers.push({
        kind: e.kind,
        at: e.at,
        signalId: e.signalId,
        reason: `Account ${change} in the directory on ${e.at.slice(0, 10)} (no HR connector imports resignations)`,
      });
    }
  }
  for (const t of input.config.triggers.indicators) {
    const indicator = input.indicators.get(t.indicatorId);
    if (!indicator) continue;
    for (const d of input.daily.get(t.indicatorId) ?? []) {
      const reached = t.threshold === null ? d.eventCount > 0 : d.value >= t.threshold;
      if (!reached) continue;
      triggers.push({
        kind: "indicator",
        at: d.firstEventAt,
        signalId: d.firstSignalId,
        indicatorId: indicator.id,
        indicator: indicator.name,
        day: d.day,
        value: d.value,
        threshold: t.threshold,
        reason:
          t.threshold === null
            ? `Indicator '${indicator.name}' had activity on ${d.day}`
            : `Indicator '${indicator.name}' reached ${formatNumber(d.value)} on ${d.day} (threshold ${formatNumber(t.threshold)})`,
      });
    }
  }
  // The same event can arrive twice (two HR connectors); keep one trigger per kind, indicator and time.
  const unique = new Map<string, Trigger>();
  for (const t of triggers) {
    const id = `${t.kind}|${t.kind === "indicator" ? t.indicatorId : ""}|${t.at}`;
    if (!unique.has(id)) unique.set(id, t);
  }
  return [...unique.values()].sort((a, b) => compare(a.at, b.at) || compare(a.reason, b.reason));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Evaluates one user in one policy. */
export function evaluatePolicy(input: EvaluateInput): PolicyEvaluation {
  const triggers = findTriggers(input);
  const byTime = new Map<string, Membership>();
  for (const t of triggers) {
    const existing = byTime.get(t.at);
    if (existing) {
      if (!existing.reason.split("; ").includes(t.reason)) existing.reason += `; ${t.reason}`;
      continue;
    }
    byTime.set(t.at, {
      triggeredAt: t.at,
      window: windowForTrigger(t.at, input.settings),
      reason: t.reason,
      signalId: t.signalId,
    });
  }
  const memberships = [...byTime.values()];
  const windows = mergeWindows(memberships.map((m) => m.window));

  const insights: DailyInsight[] = [];
  if (windows.length > 0) {
    for (const si of input.config.indicators) {
      const indicator = input.indicators.get(si.indicatorId);
      if (!indicator || indicator.valueColumn === null) continue;
      for (const d of input.daily.get(si.indicatorId) ?? []) {
        if (!dayInWindows(d.day, windows)) continue;
        const scored = scoreDailyValue(d.value, si.thresholds);
        if (!scored) continue;
        insights.push({
          key: insightKey(indicator.id, d.day),
          indicatorId: indicator.id,
          indicator: indicator.name,
          day: d.day,
          value: d.value,
          eventCount: d.eventCount,
          thresholds: si.thresholds,
          score: scored.score,
          severity: scored.severity,
        });
      }
    }
  }
  insights.sort((a, b) => compare(a.day, b.day) || compare(a.indicator, b.indicator) || compare(a.key, b.key));

  const reviewed = input.reviewed;
  const open = reviewed
    ? insights.filter((i) => {
        const seen = reviewed.get(i.key);
        return seen === undefined || i.value > seen;
      })
    : insights;
  if (open.length === 0) return { triggers, memberships, windows, insights, alertInsights: [], alert: null };
  const scored = scoreAlert(open);
  const byKey = new Map(open.map((i) => [i.key, i]));
  const alertInsights = scored.ranked.map((r) => ({
    ...byKey.get(r.key)!,
    rank: r.rank,
    contribution: r.contribution,
  }));
  return {
    triggers,
    memberships,
    windows,
    insights,
    alertInsights,
    alert: { score: scored.score, severity: scored.severity },
  };
}
