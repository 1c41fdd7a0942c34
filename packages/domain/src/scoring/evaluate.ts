// One user in one policy: triggers → membership windows → insights (indicator days, sequences,
// cumulative exfiltration), each raised by the boosters that apply → alert score with its
// explanation. Pure: the server loads what it needs and stores the result.

import type { CompiledDetections } from "../detections/compile.ts";
import type { PolicyConfig } from "../policies/policyConfig.ts";
import type { PolicyTemplate, TriggerEvent } from "../policies/templates.ts";
import {
  type AppliedBooster,
  applyBoosters,
  type Booster,
  previousViolationBooster,
  priorityContentBooster,
  UNUSUAL_ACTIVITY_BASELINE_DAYS,
  unallowedDomainBooster,
  unusualActivityBooster,
} from "../risk/boosters.ts";
import { CUMULATIVE_WINDOW_DAYS, type CumulativeFinding } from "../risk/cumulative.ts";
import { findBuiltinIndicator, isBuiltinIndicatorId } from "../risk/indicators.ts";
import type { DetectedSequence } from "../risk/sequences.ts";
import { type AlertScore, scoreAlert } from "./alertScore.ts";
import { isUnallowedDestination } from "./builtinTotals.ts";
import { scoreDailyValue, type Thresholds } from "./insights.ts";
import type { PriorityContentMatcher } from "./priorityContent.ts";
import { MEDIUM_FROM, type Severity } from "./severity.ts";
import { policyBrowsingIndicators, policyTakesTrigger, type TriggerCandidate, triggerEventOn } from "./triggers.ts";
import {
  addDays,
  dayInWindows,
  dayStartIso,
  mergeWindows,
  type ScoringWindow,
  type UtcDay,
  utcDayOf,
  type WindowSettings,
  windowForTrigger,
} from "./windows.ts";

/** Version of the scoring model, stored in every alert explanation. */
export const SCORING_MODEL_VERSION = "openirm-scoring/2";

/** Days before a manual start that a manually scoped user is scored for (the reference's 90-day look-back). */
export const MANUAL_LOOKBACK_DAYS = 90;

/** One indicator's activity for one user on one UTC day. */
export interface DailyTotal {
  day: UtcDay;
  /** Sum of the indicator's value column that day (the event count for a trigger-only indicator). */
  value: number;
  eventCount: number;
  /** First event of the day, ISO 8601 UTC with microseconds. */
  firstEventAt: string;
  firstSignalId: number | null;
  /** Events of the day that touched the policy's priority content (built-in indicators). */
  priorityEvents?: number;
  /** Events of the day that went to an unallowed domain (built-in indicators). */
  unallowedDomainEvents?: number;
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
  /** E-mail activity: scored at most `emailPastActivityDays` before a trigger. */
  emailActivity?: boolean;
}

/** A user scored in a policy by hand ("start scoring activity for users"). */
export interface ManualScoping {
  /** ISO 8601 UTC. */
  startsAt: string;
  endsAt: string;
  reason: string;
}

/**
 * What brought the user into the policy. `kind` is the signal kind (hr.resignation,
 * directory.account_deleted, activity.security.dlpAlert …), or "indicator", "sequence",
 * "cumulative" or "manual".
 */
export interface Trigger {
  kind: string;
  at: string;
  signalId: number | null;
  reason: string;
  /** The policy's triggering event (absent for indicator triggers and manual scoping). */
  event?: TriggerEvent | "cumulative";
  indicatorId?: string;
  indicator?: string;
  day?: UtcDay;
  value?: number;
  threshold?: number | null;
  /** Manual scoping: the window it opens, when it is not the tenant's usual one. */
  window?: ScoringWindow;
}

/** A row of policy_memberships: one per distinct trigger time. */
export interface Membership {
  triggeredAt: string;
  window: ScoringWindow;
  reason: string;
  signalId: number | null;
}

export type InsightKind = "indicator" | "sequence" | "cumulative";

/** A booster as an insight shows it: only those that counted, with the points each added. */
export interface InsightBooster {
  id: AppliedBooster["id"];
  multiplier: number;
  points: number;
  reason: string;
}

export interface DailyInsight {
  /** "<indicatorId>|<day>", the sequence's id, or "cumulative": identifies the insight across runs. */
  key: string;
  kind: InsightKind;
  /** The indicator (custom id or built-in row id); null for sequences and cumulative exfiltration. */
  indicatorId: string | null;
  /** What is shown: the indicator's name, the sequence's name, or "Cumulative exfiltration". */
  indicator: string;
  /** The indicator's day, the day a sequence completed, or the day of the latest exfiltration. */
  day: UtcDay;
  /** The day's total, the sequence's files, or the cumulative value compared. */
  value: number;
  eventCount: number;
  thresholds: Thresholds;
  /** Score from the thresholds, before boosters. */
  baseScore: number;
  score: number;
  severity: Severity;
  boosters: InsightBooster[];
  /** Sequences: type, files, times and signals; cumulative: the comparison that decided. */
  details?: Readonly<Record<string, unknown>>;
}

export const RISK_FACTORS = [
  "cumulativeExfiltration",
  "priorityContent",
  "sequence",
  "unallowedDomain",
  "priorityUserGroup",
  "highImpactUser",
] as const;
export type RiskFactor = (typeof RISK_FACTORS)[number];

export interface PolicyEvaluation {
  triggers: Trigger[];
  memberships: Membership[];
  /** Union of the memberships' windows. */
  windows: ScoringWindow[];
  /** Every insight inside the windows. */
  insights: DailyInsight[];
  /** The insights an alert is made of (those not already reviewed in a closed alert), ranked. */
  alertInsights: Array<DailyInsight & { rank: number; contribution: number }>;
  /**
   * Null when there is no unreviewed insight. `mayRaise`: whether an insight reaches the tenant's
   * alert volume, so that a new alert may be created (an open alert is updated either way).
   */
  alert: (Pick<AlertScore, "score" | "severity"> & { mayRaise: boolean; riskFactors: RiskFactor[] }) | null;
}

/** Facts about the user that boost every insight of policies that use them. */
export interface UserBoosters {
  /**
   * When each of the user's earlier cases or alerts was resolved as a confirmed violation (ISO 8601
   * UTC). Only those resolved before an insight's evidence began boost it.
   */
  confirmedViolations?: readonly string[];
  priorityUserGroup?: Booster;
  highImpactUser?: Booster;
}

export interface EvaluateInput {
  config: PolicyConfig;
  /** The policy's template: which triggering events, sequences and cumulative detection it offers. */
  template?: PolicyTemplate;
  indicators: ReadonlyMap<string, EvaluatedIndicator>;
  /** Daily totals per indicator id (any order), including the 30 days before the windows for the baseline. */
  daily: ReadonlyMap<string, readonly DailyTotal[]>;
  resignations?: readonly ResignationEvent[];
  /**
   * Accounts disabled or deleted in the directory. The caller passes them only when no live HR
   * connector imports resignations; they then stand in for the HR resignation trigger.
   */
  accountEvents?: readonly AccountEvent[];
  /** Triggering events of the user (triggers.ts triggerCandidate); each policy takes those it offers. */
  candidates?: readonly TriggerCandidate[];
  /** Manual scoping of the user in this policy. */
  manual?: readonly ManualScoping[];
  /** The user's latest removal from scoring: earlier triggers no longer count. */
  removedAt?: string | null;
  /** The user's sequences, detected with each type's default thresholds. */
  sequences?: readonly DetectedSequence[];
  /** The user's cumulative exfiltration, with the time and day of their latest exfiltration. */
  cumulative?: { finding: CumulativeFinding; at: string; signalId: number | null } | null;
  boosters?: UserBoosters;
  /** The policy's priority content (sequences touching it are boosted; days carry their own counts). */
  priorityContent?: PriorityContentMatcher | null;
  detections?: Pick<CompiledDetections, "allowsUnusualActivityBoost" | "mayRaiseAlert" | "domainClass">;
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A policy's sequence thresholds when it sets its own (else each type's default applies). */
const policySequenceThresholds = (config: PolicyConfig): Thresholds | undefined => config.sequenceDetection?.thresholds;

/** Whether the policy scores sequences (offered by the template and turned on). */
const scoresSequences = (config: PolicyConfig, template: PolicyTemplate | undefined) =>
  template?.sequenceDetection === true && config.sequenceDetection?.enabled === true;

const scoresCumulative = (config: PolicyConfig, template: PolicyTemplate | undefined) =>
  template?.cumulativeExfiltration === true && config.cumulativeExfiltration?.enabled === true;

/** A sequence scored with the policy's thresholds; null when it stays below them. */
function scoredSequence(
  sequence: DetectedSequence,
  config: PolicyConfig,
): { thresholds: Thresholds; score: number; severity: Severity } | null {
  const own = policySequenceThresholds(config);
  if (!own) return { thresholds: sequence.thresholds, score: sequence.score, severity: sequence.severity };
  const scored = scoreDailyValue(sequence.fileCount, own);
  return scored ? { thresholds: own, ...scored } : null;
}

/**
 * Triggers of one user in one policy: the triggering events the policy takes (HR, directory
 * departures standing in for HR, alerts, health, browsing, cumulative exfiltration), sequences when
 * the policy's sequence trigger is on, trigger indicators' qualifying days, and manual scoping.
 * Triggers at or before the user's latest removal from scoring are left out.
 */
export function findTriggers(input: Omit<EvaluateInput, "settings" | "reviewed">): Trigger[] {
  const { config, template } = input;
  const triggers: Trigger[] = [];
  if (config.triggers.hrResignation) {
    for (const r of input.resignations ?? []) {
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
  if (template) {
    const browsing = policyBrowsingIndicators(config);
    for (const c of input.candidates ?? []) {
      if (!policyTakesTrigger(c, config, template, browsing)) continue;
      triggers.push({ kind: c.kind, at: c.at, signalId: c.signalId, reason: c.reason, event: c.event });
    }
    if (scoresSequences(config, template) && triggerEventOn(config, template, "sequences")) {
      for (const s of input.sequences ?? []) {
        if (!scoredSequence(s, config)) continue;
        triggers.push({
          kind: "sequence",
          event: "sequences",
          at: s.firstCompletedAt,
          signalId: null,
          reason: `Sequence '${s.name}' (${s.fileCount} file${s.fileCount === 1 ? "" : "s"}) completed on ${s.firstCompletedAt.slice(0, 10)}`,
        });
      }
    }
    // As a trigger, cumulative exfiltration must stand out in the whole organisation, by at least twice
    // the bar (Medium): the top 1% of any population is above its 99th percentile on any day, and
    // a peer group's busiest member is usually only busy. Short of that it still raises the score of
    // a user something else brought in.
    const cumulative = input.cumulative;
    const orgWide = cumulative?.finding.comparisons.some(
      (c) => c.group.kind === "organisation" && c.unusual && (c.score ?? 0) >= MEDIUM_FROM,
    );
    if (cumulative?.finding.unusual && orgWide && scoresCumulative(config, template)) {
      const candidate: TriggerCandidate = {
        event: "cumulative",
        kind: "cumulative",
        at: cumulative.at,
        signalId: cumulative.signalId,
        reason: `Cumulative exfiltration: ${cumulative.finding.reason}`,
      };
      if (policyTakesTrigger(candidate, config, template)) {
        triggers.push({ ...candidate, event: "cumulative" });
      }
    }
  }
  for (const t of config.triggers.indicators) {
    const indicator = input.indicators.get(t.indicatorId);
    if (!indicator) continue;
    // A built-in indicator without a threshold of the policy's own uses the catalog's trigger threshold.
    const builtin = isBuiltinIndicatorId(t.indicatorId) ? findBuiltinIndicator(t.indicatorId) : undefined;
    const threshold = t.threshold ?? builtin?.defaultTriggerThreshold ?? null;
    for (const d of input.daily.get(t.indicatorId) ?? []) {
      const reached = threshold === null ? d.eventCount > 0 : d.value >= threshold;
      if (!reached) continue;
      triggers.push({
        kind: "indicator",
        at: d.firstEventAt,
        signalId: d.firstSignalId,
        indicatorId: indicator.id,
        indicator: indicator.name,
        day: d.day,
        value: d.value,
        threshold,
        reason:
          threshold === null
            ? `Indicator '${indicator.name}' had activity on ${d.day}`
            : `Indicator '${indicator.name}' reached ${formatNumber(d.value)} on ${d.day} (threshold ${formatNumber(threshold)})`,
      });
    }
  }
  for (const m of input.manual ?? []) {
    triggers.push({
      kind: "manual",
      at: m.startsAt,
      signalId: null,
      reason: `Scored manually from ${m.startsAt.slice(0, 10)} to ${m.endsAt.slice(0, 10)}: ${m.reason}`,
      window: {
        firstDay: addDays(utcDayOf(m.startsAt), -MANUAL_LOOKBACK_DAYS),
        endDay: addDays(utcDayOf(m.endsAt), 1),
      },
    });
  }
  // The same event can arrive twice (two HR connectors); keep one trigger per kind, indicator and time.
  // A removal from scoring ends everything that came before it (a later trigger brings the user back).
  const removedAt = input.removedAt ?? null;
  const unique = new Map<string, Trigger>();
  for (const t of triggers) {
    if (removedAt !== null && t.at <= removedAt) continue;
    const id = `${t.kind}|${t.indicatorId ?? ""}|${t.at}|${t.kind === "sequence" ? t.reason : ""}`;
    if (!unique.has(id)) unique.set(id, t);
  }
  return [...unique.values()].sort((a, b) => compare(a.at, b.at) || compare(a.reason, b.reason));
}

function shownBoosters(applied: readonly AppliedBooster[]): InsightBooster[] {
  return applied
    .filter((b) => b.counted && b.multiplier > 1)
    .map((b) => ({ id: b.id, multiplier: b.multiplier, points: b.points, reason: b.reason }));
}

/**
 * The user's boosters the policy turns on, for evidence that began on `evidenceDay`: earlier
 * confirmed violations count only when resolved before that day began, so a case never boosts the
 * activity it was opened for.
 */
function policyUserBoosters(config: PolicyConfig, boosters: UserBoosters | undefined, evidenceDay: UtcDay): Booster[] {
  if (!boosters || !config.boosters) return [];
  const out: Booster[] = [];
  if (config.boosters.confirmedViolationHistory && boosters.confirmedViolations) {
    const before = dayStartIso(evidenceDay);
    const earlier = boosters.confirmedViolations.filter((at) => at < before).length;
    if (earlier > 0) out.push(previousViolationBooster(earlier));
  }
  if (config.boosters.priorityUserGroup && boosters.priorityUserGroup) out.push(boosters.priorityUserGroup);
  if (config.boosters.potentialHighImpactUser && boosters.highImpactUser) out.push(boosters.highImpactUser);
  return out;
}

/** The indicator's values on the 30 days before `day` (days without activity are absent). */
function baselineOf(totals: readonly DailyTotal[], day: UtcDay): number[] {
  const from = addDays(day, -UNUSUAL_ACTIVITY_BASELINE_DAYS);
  return totals.filter((t) => t.day >= from && t.day < day).map((t) => t.value);
}

/** Evaluates one user in one policy. */
export function evaluatePolicy(input: EvaluateInput): PolicyEvaluation {
  const { config, template } = input;
  const triggers = findTriggers(input);
  const byTime = new Map<string, Membership>();
  for (const t of triggers) {
    const existing = byTime.get(t.at);
    const window = t.window ?? windowForTrigger(t.at, input.settings);
    if (existing) {
      if (!existing.reason.split("; ").includes(t.reason)) existing.reason += `; ${t.reason}`;
      if (window.firstDay < existing.window.firstDay) existing.window.firstDay = window.firstDay;
      if (window.endDay > existing.window.endDay) existing.window.endDay = window.endDay;
      continue;
    }
    byTime.set(t.at, { triggeredAt: t.at, window: { ...window }, reason: t.reason, signalId: t.signalId });
  }
  const memberships = [...byTime.values()];
  const windows = mergeWindows(memberships.map((m) => m.window));
  // E-mail activity is looked at fewer days before each trigger (10 at most).
  const emailDays = Math.min(input.settings.pastActivityDays, input.settings.emailPastActivityDays ?? Infinity);
  const emailWindows = mergeWindows(
    triggers.map((t) => {
      const w = t.window ?? windowForTrigger(t.at, input.settings);
      const first = addDays(utcDayOf(t.at), -emailDays);
      // biome-ignore lint/complexity/useMathMinMax: UTC days compared as text
      return { firstDay: first > w.firstDay ? first : w.firstDay, endDay: w.endDay };
    }),
  );

  const insights: DailyInsight[] = [];
  if (windows.length > 0) {
    const unusualOn = config.boosters?.unusualActivity === true && input.detections !== undefined;
    for (const si of config.indicators) {
      const indicator = input.indicators.get(si.indicatorId);
      if (!indicator || indicator.valueColumn === null) continue;
      const totals = input.daily.get(si.indicatorId) ?? [];
      const scoredWindows = indicator.emailActivity ? emailWindows : windows;
      for (const d of totals) {
        if (!dayInWindows(d.day, scoredWindows)) continue;
        const scored = scoreDailyValue(d.value, si.thresholds);
        if (!scored) continue;
        const boosters = policyUserBoosters(config, input.boosters, d.day);
        if (unusualOn && input.detections) {
          boosters.push(
            unusualActivityBooster({
              value: d.value,
              dailyEvents: d.eventCount,
              baseline: baselineOf(totals, d.day),
              detections: input.detections,
            }),
          );
        }
        if ((d.priorityEvents ?? 0) > 0) boosters.push(priorityContentBooster(d.priorityEvents ?? 0, d.eventCount));
        if ((d.unallowedDomainEvents ?? 0) > 0) {
          boosters.push(unallowedDomainBooster(d.unallowedDomainEvents ?? 0, d.eventCount));
        }
        const boosted = applyBoosters(scored.score, boosters);
        insights.push({
          key: insightKey(indicator.id, d.day),
          kind: "indicator",
          indicatorId: indicator.id,
          indicator: indicator.name,
          day: d.day,
          value: d.value,
          eventCount: d.eventCount,
          thresholds: si.thresholds,
          baseScore: scored.score,
          score: boosted.score,
          severity: boosted.severity,
          boosters: shownBoosters(boosted.boosters),
        });
      }
    }
    if (scoresSequences(config, template)) {
      for (const s of input.sequences ?? []) {
        if (!dayInWindows(s.completedDay, windows)) continue;
        const scored = scoredSequence(s, config);
        if (!scored) continue;
        const events = s.chains.flatMap((c) => c.steps.map((st) => st.event));
        const boosters = policyUserBoosters(config, input.boosters, utcDayOf(s.startedAt));
        const priority = input.priorityContent;
        const priorityEvents = priority ? events.filter((e) => priority(e.attributes) !== null).length : 0;
        if (priorityEvents > 0) boosters.push(priorityContentBooster(priorityEvents, events.length));
        const detections = input.detections;
        const unallowed = detections
          ? events.filter((e) => isUnallowedDestination(e.attributes, detections)).length
          : 0;
        if (unallowed > 0) boosters.push(unallowedDomainBooster(unallowed, events.length));
        const boosted = applyBoosters(scored.score, boosters);
        insights.push({
          key: s.id,
          kind: "sequence",
          indicatorId: null,
          indicator: s.name,
          day: s.completedDay,
          value: s.fileCount,
          eventCount: s.chains.reduce((n, c) => n + c.steps.length, 0),
          thresholds: scored.thresholds,
          baseScore: scored.score,
          score: boosted.score,
          severity: boosted.severity,
          boosters: shownBoosters(boosted.boosters),
          details: {
            typeId: s.typeId,
            steps: s.steps,
            startedAt: s.startedAt,
            completedAt: s.completedAt,
            files: s.chains.map((c) => c.fileNames[0] ?? ""),
            signalIds: [...new Set(s.chains.flatMap((c) => c.steps.map((st) => String(st.event.id))))],
          },
        });
      }
    }
    const cumulative = input.cumulative;
    const strongest = cumulative?.finding.strongest;
    if (
      cumulative &&
      strongest &&
      cumulative.finding.unusual &&
      cumulative.finding.score !== null &&
      scoresCumulative(config, template)
    ) {
      const day = utcDayOf(cumulative.at);
      if (dayInWindows(day, windows)) {
        const boosters = policyUserBoosters(config, input.boosters, addDays(day, -(CUMULATIVE_WINDOW_DAYS - 1)));
        const boosted = applyBoosters(cumulative.finding.score, boosters);
        insights.push({
          key: "cumulative",
          kind: "cumulative",
          indicatorId: null,
          indicator: "Cumulative exfiltration",
          day,
          value: strongest.value,
          eventCount: cumulative.finding.events,
          thresholds: { low: strongest.bar, medium: strongest.bar * 2, high: strongest.bar * 4 },
          baseScore: cumulative.finding.score,
          score: boosted.score,
          severity: boosted.severity,
          boosters: shownBoosters(boosted.boosters),
          details: {
            group: strongest.group,
            metric: strongest.metric,
            median: strongest.median,
            percentile: strongest.percentile,
            bar: strongest.bar,
            ratio: strongest.ratio,
            reason: cumulative.finding.reason,
          },
        });
      }
    }
  }
  insights.sort((a, b) => compare(a.day, b.day) || compare(a.indicator, b.indicator) || compare(a.key, b.key));

  const reviewed = input.reviewed;
  // A reviewed insight counts again once its value has grown; cumulative exfiltration, a rolling
  // 30-day total that grows with every event, once it has doubled.
  const open = reviewed
    ? insights.filter((i) => {
        const seen = reviewed.get(i.key);
        if (seen === undefined) return true;
        return i.kind === "cumulative" ? i.value >= 2 * seen : i.value > seen;
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
  const detections = input.detections;
  const mayRaise = detections ? open.some((i) => detections.mayRaiseAlert(i.score)) : true;
  return {
    triggers,
    memberships,
    windows,
    insights,
    alertInsights,
    alert: {
      score: scored.score,
      severity: scored.severity,
      mayRaise,
      riskFactors: riskFactorsOf(alertInsights, config),
    },
  };
}

/** The risk factors an alert shows (and the queue filters on). */
function riskFactorsOf(insights: readonly DailyInsight[], config: PolicyConfig): RiskFactor[] {
  const found = new Set<RiskFactor>();
  for (const i of insights) {
    if (i.kind === "cumulative") found.add("cumulativeExfiltration");
    if (i.kind === "sequence") found.add("sequence");
    for (const b of i.boosters) {
      if (b.id === "priorityContent") found.add("priorityContent");
      if (b.id === "unallowedDomain") found.add("unallowedDomain");
      if (b.id === "priorityUserGroup") found.add("priorityUserGroup");
      if (b.id === "highImpactUser") found.add("highImpactUser");
    }
  }
  if (config.scoreOnlyPriorityContent && insights.some((i) => i.kind === "indicator")) found.add("priorityContent");
  return RISK_FACTORS.filter((f) => found.has(f));
}
