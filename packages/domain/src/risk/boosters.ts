// Risk score boosters: facts about the user or the day that raise an insight's score. Each booster
// is a pure function returning whether it applies, its multiplier and a reason; applyBoosters
// combines them so that scores stay below 100, never go down, and each booster's share of the
// increase is shown.

import type { CompiledDetections } from "../detections/compile.ts";
import { floor2, round2, SCORE_CEILING } from "../scoring/insights.ts";
import { type Severity, severityForScore } from "../scoring/severity.ts";
import { percentileOfSorted, sortedFinite } from "./percentiles.ts";

export const BOOSTER_IDS = [
  "unusualActivity",
  "previousViolation",
  "priorityUserGroup",
  "highImpactUser",
  "priorityContent",
  "unallowedDomain",
] as const;
export type BoosterId = (typeof BOOSTER_IDS)[number];

export interface Booster {
  id: BoosterId;
  applies: boolean;
  /** Factor on the score's odds (≥ 1; exactly 1 when it does not apply). */
  multiplier: number;
  reason: string;
}

/** The largest multiplier of any single booster. */
export const MAX_BOOSTER_MULTIPLIER = 1.5;

const none = (id: BoosterId, reason: string): Booster => ({ id, applies: false, multiplier: 1, reason });

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

// ---- (a) Activity above the user's usual level for the day ----

/** Days of the user's own history the usual level is the average of. */
export const UNUSUAL_ACTIVITY_BASELINE_DAYS = 30;
/** The day must reach this many times the usual level. */
export const UNUSUAL_ACTIVITY_FACTOR = 2;

export interface UnusualActivityInput {
  /** The day's value of the indicator. */
  value: number;
  /** The day's number of events (compared with the tenant's minimum). */
  dailyEvents: number;
  /** The indicator's daily values on the days before (days without activity may be left out). */
  baseline: readonly number[];
  /** Days of history the baseline covers (default 30; fewer for a user seen for less long). */
  baselineDays?: number;
  /** The tenant's gate: compileDetections(settings).allowsUnusualActivityBoost. */
  detections: Pick<CompiledDetections, "allowsUnusualActivityBoost">;
}

/**
 * Applies when the day reaches twice the user's usual level (the average over the baseline days,
 * days without activity counting as 0), on days with at least the tenant's minimum of events
 * ("minimum daily events before the unusual-activity booster applies", default 50). The multiplier
 * grows with how far above: 1 + 0.25 · log2(value / usual), from ×1.25 at twice the usual level to
 * ×1.5 at four times or more (and ×1.5 when the user has no activity in the baseline at all).
 */
export function unusualActivityBooster(input: UnusualActivityInput): Booster {
  const id = "unusualActivity";
  const days = Math.max(1, Math.floor(input.baselineDays ?? UNUSUAL_ACTIVITY_BASELINE_DAYS));
  const total = input.baseline.reduce((s, v) => s + (Number.isFinite(v) && v > 0 ? v : 0), 0);
  const usual = total / days;
  const shownUsual = round2(usual);
  if (!input.detections.allowsUnusualActivityBoost(input.dailyEvents)) {
    return none(id, `${input.dailyEvents} events that day: below the minimum for the unusual-activity booster.`);
  }
  if (!(input.value > 0) || input.value < UNUSUAL_ACTIVITY_FACTOR * usual) {
    return none(id, `${input.value} that day is within twice the usual ${shownUsual} a day (${days}-day average).`);
  }
  const multiplier =
    usual === 0 ? MAX_BOOSTER_MULTIPLIER : round4(1 + 0.25 * Math.min(2, Math.log2(input.value / usual)));
  const times =
    usual === 0 ? "no activity on the days before" : `${round2(input.value / usual)}× the usual ${shownUsual} a day`;
  return { id, applies: true, multiplier, reason: `${input.value} that day: ${times} (${days}-day average).` };
}

// ---- (b) A previous case resolved as a confirmed violation ----

/**
 * ×1.25 for one earlier case of the user resolved as a confirmed policy violation, ×1.5 for two or
 * more. Count only cases resolved before the evidence being scored, so a case never boosts the
 * activity it was opened for.
 */
export function previousViolationBooster(confirmedViolations: number): Booster {
  const id = "previousViolation";
  const n = Number.isFinite(confirmedViolations) ? Math.max(0, Math.floor(confirmedViolations)) : 0;
  if (n === 0) return none(id, "No earlier case resolved as a confirmed violation.");
  return {
    id,
    applies: true,
    multiplier: n >= 2 ? 1.5 : 1.25,
    reason:
      n === 1
        ? "1 earlier case resolved as a confirmed violation."
        : `${n} earlier cases resolved as confirmed violations.`,
  };
}

// ---- (c) Member of a priority user group ----

/** ×1.5 for a member of at least one priority user group (the reason names them). */
export function priorityUserGroupBooster(groupNames: readonly string[]): Booster {
  const id = "priorityUserGroup";
  const names = [...new Set(groupNames.map((g) => g.trim()).filter((g) => g !== ""))].sort();
  if (names.length === 0) return none(id, "Not in a priority user group.");
  const list = names.map((n) => `'${n}'`).join(", ");
  return {
    id,
    applies: true,
    multiplier: 1.5,
    reason: `Member of priority user group${names.length > 1 ? "s" : ""} ${list}.`,
  };
}

// ---- (d) Potential high-impact user ----

/** Seniority: at most this far from the top of the manager chain (0 = the top), with reports. */
export const HIGH_IMPACT_MAX_DEPTH = 2;
/** Direct and indirect reports that make a user high-impact on their own. */
export const HIGH_IMPACT_MIN_REPORTS = 25;
/** Sensitive content: above this percentile of the peers … */
export const HIGH_IMPACT_SENSITIVE_PERCENTILE = 0.95;
/** … and at least this many sensitive items. */
export const HIGH_IMPACT_MIN_SENSITIVE = 10;

export interface ManagerChainPosition {
  /** Steps from the top of the manager chain (0 for a user without a manager). */
  depth: number;
  directReports: number;
  /** Direct and indirect reports. */
  totalReports: number;
}

export interface HighImpactInput {
  /** Sensitive items (labelled or with sensitive information types) the user touched, and their peers'. */
  sensitiveContent?: { user: number; peers: readonly number[] } | null;
  position?: ManagerChainPosition | null;
  /** The user holds an elevated (administrator) role. */
  elevatedRole?: boolean;
}

/**
 * A user whose misuse would do more harm. Criteria: (1) touched more sensitive content than 95 % of
 * their peers, and at least 10 items; (2) senior: at most 2 steps below the top of the manager
 * chain and managing someone (a user without manager and without reports is more likely missing
 * data than the chief executive); (3) 25 or more direct and indirect reports; (4) an elevated role.
 * One criterion ×1.25, two or more ×1.5.
 */
export function highImpactUserBooster(input: HighImpactInput): Booster {
  const id = "highImpactUser";
  const met: string[] = [];
  const sc = input.sensitiveContent;
  if (sc && sc.user >= HIGH_IMPACT_MIN_SENSITIVE) {
    const p = percentileOfSorted(sortedFinite(sc.peers), HIGH_IMPACT_SENSITIVE_PERCENTILE);
    if (p === null || sc.user > p) {
      met.push(
        `touched ${sc.user} sensitive items, above the 95th percentile of peers (${p === null ? "no peers" : round2(p)})`,
      );
    }
  }
  const pos = input.position;
  if (pos && pos.depth <= HIGH_IMPACT_MAX_DEPTH && pos.totalReports > 0) {
    met.push(
      pos.depth === 0
        ? "top of the manager chain"
        : `${pos.depth} level${pos.depth > 1 ? "s" : ""} below the top of the manager chain`,
    );
  }
  if (pos && pos.totalReports >= HIGH_IMPACT_MIN_REPORTS) {
    met.push(`${pos.totalReports} direct and indirect reports`);
  }
  if (input.elevatedRole) met.push("holds an elevated role");
  if (met.length === 0) return none(id, "Not a potential high-impact user.");
  return {
    id,
    applies: true,
    multiplier: met.length >= 2 ? 1.5 : 1.25,
    reason: `Potential high-impact user: ${met.join("; ")}.`,
  };
}

/**
 * Each user's position in the manager chain: depth from the top, direct and total reports. A
 * manager outside the list makes the user a top; a loop in the chain (bad directory data) is cut
 * where it closes, that user counting as a top. IDs are compared as given: pass managerId in the same
 * form as userId. O(n log n).
 */
export function managerChainPositions(
  users: readonly { userId: string; managerId?: string | null }[],
): Map<string, ManagerChainPosition> {
  const manager = new Map<string, string | null>();
  for (const u of users) if (!manager.has(u.userId)) manager.set(u.userId, u.managerId ?? null);
  // Parents: the manager when they are in the list; loops cut where they close.
  const parent = new Map<string, string | null>();
  for (const [id, m] of manager) parent.set(id, m !== null && m !== id && manager.has(m) ? m : null);
  const state = new Map<string, 1 | 2>(); // 1 = on the current walk, 2 = done
  for (const start of manager.keys()) {
    const path: string[] = [];
    let u: string | null = start;
    while (u !== null && state.get(u) === undefined) {
      state.set(u, 1);
      path.push(u);
      u = parent.get(u)!;
    }
    if (u !== null && state.get(u) === 1) parent.set(path.at(-1)!, null); // the walk came back to u
    for (const node of path) state.set(node, 2);
  }
  const depth = new Map<string, number>();
  for (const start of manager.keys()) {
    const path: string[] = [];
    let u: string | null = start;
    while (u !== null && !depth.has(u)) {
      path.push(u);
      u = parent.get(u)!;
    }
    let d = u === null ? -1 : depth.get(u)!;
    for (let k = path.length - 1; k >= 0; k--) depth.set(path[k]!, ++d);
  }
  const direct = new Map<string, number>();
  const total = new Map<string, number>();
  for (const id of manager.keys()) {
    direct.set(id, 0);
    total.set(id, 0);
  }
  for (const p of parent.values()) if (p !== null) direct.set(p, direct.get(p)! + 1);
  // Deepest first: add each user's subtree to their manager's.
  const order = [...manager.keys()].sort((a, b) => depth.get(b)! - depth.get(a)!);
  for (const id of order) {
    const p = parent.get(id);
    if (p) total.set(p, total.get(p)! + 1 + total.get(id)!);
  }
  const out = new Map<string, ManagerChainPosition>();
  for (const id of manager.keys()) {
    out.set(id, { depth: depth.get(id)!, directReports: direct.get(id)!, totalReports: total.get(id)! });
  }
  return out;
}

// ---- (e) Priority content and (f) unallowed domains ----

/**
 * ×1.5 for a day (or sequence) whose events touched the policy's priority content: a priority site,
 * sensitivity label, sensitive information type, file extension or classifier.
 */
export function priorityContentBooster(priorityEvents: number, totalEvents: number): Booster {
  const id = "priorityContent";
  const n = Number.isFinite(priorityEvents) ? Math.max(0, Math.floor(priorityEvents)) : 0;
  if (n === 0) return none(id, "No priority content.");
  return {
    id,
    applies: true,
    multiplier: 1.5,
    reason: `${n} of ${Math.max(n, totalEvents)} event${totalEvents === 1 ? "" : "s"} touched the policy's priority content.`,
  };
}

/** ×1.5 for a day whose events went to a domain on the organisation's unallowed domain list. */
export function unallowedDomainBooster(unallowedEvents: number, totalEvents: number): Booster {
  const id = "unallowedDomain";
  const n = Number.isFinite(unallowedEvents) ? Math.max(0, Math.floor(unallowedEvents)) : 0;
  if (n === 0) return none(id, "No activity with unallowed domains.");
  return {
    id,
    applies: true,
    multiplier: 1.5,
    reason: `${n} of ${Math.max(n, totalEvents)} event${totalEvents === 1 ? "" : "s"} went to an unallowed domain.`,
  };
}

// ---- Combining ----

export interface AppliedBooster extends Booster {
  /** Whether it counted (a priority-group member who is also high-impact is boosted once). */
  counted: boolean;
  /** Points it added to the score (the shares add up to the total increase). */
  points: number;
}

export interface BoostedScore {
  /** The score before boosting. */
  base: number;
  score: number;
  severity: Severity;
  /** Product of the counted multipliers. */
  multiplier: number;
  boosters: AppliedBooster[];
}

/**
 * Raises a score (0–100) by the boosters that apply, as a factor on its odds:
 *
 *   odds = s / (100 − s);   boosted = 100 · odds·M / (1 + odds·M),   M = Π counted multipliers
 *
 * so the result stays below 100, keeps the order of scores (a higher score stays higher), and never
 * lowers a score (M ≥ 1); a score of 0 stays 0. A priority user group member who is also a
 * potential high-impact user is boosted once (the larger of the two; the priority group on a tie).
 * Each counted booster's points are its share of the increase in proportion to ln(multiplier),
 * rounded so that they add up to the increase exactly. Scores carry two decimals (truncated, as
 * insight scores are, and never below the base).
 */
export function applyBoosters(base: number, boosters: readonly Booster[]): BoostedScore {
  const s = Number.isFinite(base) ? Math.min(Math.max(base, 0), SCORE_CEILING) : 0;
  const priority = boosters.find((b) => b.id === "priorityUserGroup" && b.applies);
  const impact = boosters.find((b) => b.id === "highImpactUser" && b.applies);
  const skipped: Booster | undefined =
    priority && impact ? (impact.multiplier > priority.multiplier ? priority : impact) : undefined;
  const applied: AppliedBooster[] = boosters.map((b) => ({
    ...b,
    multiplier: b.applies ? Math.max(1, b.multiplier) : 1,
    counted: b.applies && b !== skipped,
    points: 0,
    reason:
      b === skipped
        ? `${b.reason} Not counted: ${b.id === "priorityUserGroup" ? "the high-impact" : "the priority group"} booster already applies (boosted once).`
        : b.reason,
  }));
  const counted = applied.filter((b) => b.counted && b.multiplier > 1);
  const multiplier = counted.reduce((m, b) => m * b.multiplier, 1);
  let score = s;
  if (multiplier > 1 && s > 0 && s < SCORE_CEILING - 0.01) {
    const odds = (s / (SCORE_CEILING - s)) * multiplier;
    score = Math.max(s, Math.min(floor2((SCORE_CEILING * odds) / (1 + odds)), SCORE_CEILING - 0.01));
  }
  const increase = round2(score - s);
  const logSum = counted.reduce((sum, b) => sum + Math.log(b.multiplier), 0);
  let given = 0;
  counted.forEach((b, i) => {
    b.points =
      i === counted.length - 1 ? round2(increase - given) : round2((increase * Math.log(b.multiplier)) / logSum);
    given = round2(given + b.points);
  });
  return { base: s, score, severity: severityForScore(score), multiplier: round4(multiplier), boosters: applied };
}
