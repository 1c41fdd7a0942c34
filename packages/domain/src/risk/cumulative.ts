// Cumulative exfiltration: a user's exfiltration over the last 30 days compared with the rest of
// the organisation and with their peer groups (same department, same manager, same job title).
// Pure: the caller passes per-user totals and the directory attributes.

import { activityType } from "../activity/catalog.ts";
import { floor2, round2, scoreDailyValue, type Thresholds } from "../scoring/insights.ts";
import type { Severity } from "../scoring/severity.ts";
import { lowerBound, percentileOfSorted } from "./percentiles.ts";

/** Days of exfiltration summed for each user (the last 30 days, evaluated daily). */
export const CUMULATIVE_WINDOW_DAYS = 30;

export interface CumulativeOptions {
  /** The user must be above this percentile of the group (leave-one-out), 0–1. */
  percentile: number;
  /** … and at least this many times the group's median. */
  medianMultiple: number;
  /** … and at least this many exfiltration events in the window. */
  minEvents: number;
  /** … or, for the bytes measure, at least this many bytes. */
  minBytes: number;
  /** Peer groups with fewer members (the user included) are not used; the organisation is. */
  minGroupSize: number;
}

/**
 * Defaults. 99th percentile: the reference flags exfiltration "above the norm" of the organisation
 * or peers; the 99th keeps it to about one user in a hundred per group. 3 × the median: in a group
 * where most people exfiltrate a lot (sales e-mailing proposals), being in the top percent is not
 * enough, the user must also do several times what is typical. Minimum 20 events (about one per
 * working day) or 100 MiB: below that, being the group's top user is not worth an analyst's time,
 * and it keeps groups where almost nobody exfiltrates (median and percentile 0) from flagging a
 * single print. Peer groups need 5 members (4 besides the user) for a percentile to mean anything.
 */
export const DEFAULT_CUMULATIVE_OPTIONS: Readonly<CumulativeOptions> = Object.freeze({
  percentile: 0.99,
  medianMultiple: 3,
  minEvents: 20,
  minBytes: 100 * 1024 * 1024,
  minGroupSize: 5,
});

/** A user's directory attributes used to form peer groups. */
export interface PeerDirectoryEntry {
  userId: string;
  department?: string | null;
  /** The manager's ID (any stable identifier). */
  managerId?: string | null;
  jobTitle?: string | null;
}

/** A user's exfiltration in the window. */
export interface ExfiltrationTotals {
  userId: string;
  /** Exfiltration-stage activity events. */
  events: number;
  /** Sum of their fileSize (0 or left out when the sources give no sizes). */
  bytes?: number;
}

export const PEER_GROUP_KINDS = ["organisation", "department", "manager", "jobTitle"] as const;
export type PeerGroupKind = (typeof PEER_GROUP_KINDS)[number];

export interface PeerGroupRef {
  kind: PeerGroupKind;
  /**
   * The attribute value shared by the group as spelt in the directory (department or job title; of
   * several spellings, the first in code-unit order), the manager's
   * ID for "manager" (pseudonymise it before showing), null for the organisation.
   */
  key: string | null;
  /** Members, the user included. */
  size: number;
}

export type CumulativeMetric = "events" | "bytes";

export interface GroupComparison {
  metric: CumulativeMetric;
  group: PeerGroupRef;
  value: number;
  /** Statistics of the group's other members (the user left out), rounded to two decimals. */
  median: number;
  percentile: number;
  /** max(percentile, medianMultiple × median, minimum volume): the level the user must reach. */
  bar: number;
  /** value / bar, two decimals. */
  ratio: number;
  unusual: boolean;
  /** Score on the insight scale against thresholds bar, 2 × bar, 4 × bar; null when not unusual. */
  score: number | null;
  severity: Severity | null;
}

export interface CumulativeFinding {
  userId: string;
  events: number;
  bytes: number;
  unusual: boolean;
  score: number | null;
  severity: Severity | null;
  /** The unusual comparison with the highest score, or (when none) the one closest to its bar. */
  strongest: GroupComparison | null;
  comparisons: GroupComparison[];
  /** Peer groups of the user too small to use (the organisation stands in for them). */
  smallGroups: PeerGroupRef[];
  reason: string;
}

function groupKey(kind: PeerGroupKind, entry: PeerDirectoryEntry): string | null {
  const raw = kind === "department" ? entry.department : kind === "manager" ? entry.managerId : entry.jobTitle;
  if (typeof raw !== "string") return null;
  const t = raw.trim();
  if (t === "") return null;
  return kind === "manager" ? t : t.toLowerCase();
}

interface Group {
  ref: PeerGroupRef;
  sorted: Record<CumulativeMetric, number[]>;
}

const PEER_KINDS = ["department", "manager", "jobTitle"] as const;

/**
 * Thresholds a value is scored against once it is above the bar: the bar is Low (15), twice the
 * bar Medium (34), four times the bar High (67); 8 × the bar scores 83.5.
 */
export function cumulativeThresholds(bar: number): Thresholds {
  return { low: bar, medium: 2 * bar, high: 4 * bar };
}

function compare(
  metric: CumulativeMetric,
  value: number,
  group: Group,
  options: CumulativeOptions,
): GroupComparison | null {
  const sorted = group.sorted[metric];
  const self = lowerBound(sorted, value);
  const rawPct = percentileOfSorted(sorted, options.percentile, self);
  const rawMed = percentileOfSorted(sorted, 0.5, self);
  if (rawPct === null || rawMed === null) return null;
  // Two decimals, so that the explanation's numbers reproduce the decision and the score exactly.
  const pct = round2(rawPct);
  const med = round2(rawMed);
  const minimum = metric === "events" ? options.minEvents : options.minBytes;
  const bar = Math.max(pct, options.medianMultiple * med, minimum);
  const unusual = bar > 0 && value > pct && value >= bar;
  const scored = unusual ? scoreDailyValue(value, cumulativeThresholds(bar)) : null;
  return {
    metric,
    group: group.ref,
    value,
    median: med,
    percentile: pct,
    bar,
    ratio: bar > 0 ? floor2(value / bar) : 0,
    unusual,
    score: scored?.score ?? null,
    severity: scored?.severity ?? null,
  };
}

function describeGroup(ref: PeerGroupRef): string {
  if (ref.kind === "organisation") return `the organisation (${ref.size} users)`;
  if (ref.kind === "manager") return `users with the same manager (${ref.size})`;
  const what = ref.kind === "department" ? "department" : "job title";
  return `${what} '${ref.key}' (${ref.size} users)`;
}

function amount(metric: CumulativeMetric, n: number): string {
  const v = Math.round(n * 100) / 100;
  return metric === "events" ? `${v} exfiltration events` : `${v} bytes`;
}

function reasonFor(c: GroupComparison | null): string {
  if (!c) return "Not compared: the organisation has too few users.";
  const head = `${amount(c.metric, c.value)} in ${CUMULATIVE_WINDOW_DAYS} days`;
  const stats = `99th percentile ${round(c.percentile)}, median ${round(c.median)}, bar ${round(c.bar)}`;
  if (c.unusual) return `${head}: ${c.ratio}× the bar of ${describeGroup(c.group)} (${stats}).`;
  return `${head}: within the norm of ${describeGroup(c.group)} (${stats}).`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function better(a: GroupComparison, b: GroupComparison): boolean {
  if (a.unusual !== b.unusual) return a.unusual;
  if ((a.score ?? 0) !== (b.score ?? 0)) return (a.score ?? 0) > (b.score ?? 0);
  return a.ratio > b.ratio;
}

/**
 * Compares each user's totals with the distribution of the organisation and of each of their peer
 * groups. The population is every user of the directory (users without totals count as 0) plus
 * users with totals but no directory entry (organisation only). Each comparison leaves the user out
 * of their own group's statistics. A user is unusual in a comparison when their value is above the
 * group's percentile and at least the bar (see GroupComparison.bar); unusual overall when unusual in
 * any comparison, with the score of the strongest one. Bytes are compared only for users with bytes.
 * Returns a finding for every user with exfiltration (events or bytes > 0), ordered by user ID.
 * O(U log U) for U users.
 */
export function detectCumulativeExfiltration(
  directory: readonly PeerDirectoryEntry[],
  totals: readonly ExfiltrationTotals[],
  options: Partial<CumulativeOptions> = {},
): CumulativeFinding[] {
  const opts: CumulativeOptions = { ...DEFAULT_CUMULATIVE_OPTIONS, ...options };
  const byUser = new Map<string, { events: number; bytes: number }>();
  for (const t of totals) {
    const prev = byUser.get(t.userId) ?? { events: 0, bytes: 0 };
    byUser.set(t.userId, {
      events: prev.events + finite(t.events),
      bytes: prev.bytes + finite(t.bytes ?? 0),
    });
  }
  const entries = new Map<string, PeerDirectoryEntry>();
  for (const d of directory) if (!entries.has(d.userId)) entries.set(d.userId, d);
  const users = new Set<string>([...entries.keys(), ...byUser.keys()]);

  const newGroup = (ref: PeerGroupRef): Group => ({ ref, sorted: { events: [], bytes: [] } });
  const org = newGroup({ kind: "organisation", key: null, size: 0 });
  const peers = new Map<string, Group>();
  const memberOf = new Map<string, Group[]>();
  for (const userId of users) {
    const v = byUser.get(userId) ?? { events: 0, bytes: 0 };
    const groups = [org];
    const entry = entries.get(userId);
    if (entry) {
      for (const kind of PEER_KINDS) {
        const key = groupKey(kind, entry);
        if (key === null) continue;
        const id = `${kind}\u0000${key}`;
        // Shown as spelt in the directory; of several spellings the first in code-unit order (stable).
        const shown = (kind === "department" ? entry.department : kind === "jobTitle" ? entry.jobTitle : key) ?? key;
        let g = peers.get(id);
        if (!g) {
          g = newGroup({ kind, key: shown.trim(), size: 0 });
          peers.set(id, g);
        } else if (shown.trim() < g.ref.key!) g.ref.key = shown.trim();
        groups.push(g);
      }
    }
    for (const g of groups) {
      g.ref.size++;
      g.sorted.events.push(v.events);
      g.sorted.bytes.push(v.bytes);
    }
    memberOf.set(userId, groups);
  }
  for (const g of [org, ...peers.values()]) {
    g.sorted.events.sort((a, b) => a - b);
    g.sorted.bytes.sort((a, b) => a - b);
  }

  const findings: CumulativeFinding[] = [];
  for (const userId of [...users].sort()) {
    const v = byUser.get(userId);
    if (!v || (v.events <= 0 && v.bytes <= 0)) continue;
    const comparisons: GroupComparison[] = [];
    const smallGroups: PeerGroupRef[] = [];
    for (const g of memberOf.get(userId) ?? []) {
      if (g.ref.size < opts.minGroupSize) {
        if (g.ref.kind !== "organisation") smallGroups.push(g.ref);
        continue;
      }
      for (const metric of ["events", "bytes"] as const) {
        if (v[metric] <= 0) continue;
        const c = compare(metric, v[metric], g, opts);
        if (c) comparisons.push(c);
      }
    }
    let strongest: GroupComparison | null = null;
    for (const c of comparisons) if (!strongest || better(c, strongest)) strongest = c;
    const unusual = strongest?.unusual ?? false;
    findings.push({
      userId,
      events: v.events,
      bytes: v.bytes,
      unusual,
      score: unusual ? strongest!.score : null,
      severity: unusual ? strongest!.severity : null,
      strongest,
      comparisons,
      smallGroups,
      reason: reasonFor(strongest),
    });
  }
  return findings;
}

function finite(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** An activity signal of some user, as cumulativeTotals reads it. */
export interface UserActivityEvent {
  userId: string;
  kind: string;
  /** ISO 8601 UTC. */
  occurredAt: string;
  attributes: Readonly<Record<string, unknown>>;
}

/**
 * Sums each user's exfiltration-stage activity (catalog stage "exfiltration") in the 30 days up to
 * `asOf`: (asOf − 30 days, asOf]. Bytes are the sum of fileSize where the event has one (a number
 * or numeric text). Users are ordered by ID.
 */
export function cumulativeTotals(events: Iterable<UserActivityEvent>, asOf: string): ExfiltrationTotals[] {
  const end = Date.parse(asOf);
  if (!Number.isFinite(end)) throw new Error(`Not an ISO 8601 timestamp: ${asOf}`);
  const start = end - CUMULATIVE_WINDOW_DAYS * 86_400_000;
  const sums = new Map<string, { events: number; bytes: number }>();
  for (const e of events) {
    if (!e.kind.startsWith("activity.")) continue;
    if (activityType(e.kind.slice("activity.".length))?.stage !== "exfiltration") continue;
    const t = Date.parse(e.occurredAt);
    if (!(t > start && t <= end)) continue;
    const s = sums.get(e.userId) ?? { events: 0, bytes: 0 };
    s.events++;
    const size = Number(e.attributes.fileSize);
    if (e.attributes.fileSize !== null && e.attributes.fileSize !== "" && Number.isFinite(size) && size > 0) {
      s.bytes += size;
    }
    sums.set(e.userId, s);
  }
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([userId, s]) => ({ userId, events: s.events, bytes: s.bytes }));
}
