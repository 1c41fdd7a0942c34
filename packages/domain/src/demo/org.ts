// The demo organisation: a seeded, deterministic directory of people, an HR resignation file and a
// third-party detections file (Salesforce and Dropbox daily aggregates), with the ground truth of
// which people a "departing users data theft" policy should raise alerts for.
//
// Pure: no clock (asOf is passed in), no I/O, no Math.random. The detections file is produced as a
// generator of CSV lines so a benchmark can write millions of rows without building one string.

import { DEPARTMENTS, type DepartmentSpec, GIVEN_NAMES, SURNAMES } from "./names.ts";
import { intBetween, mixSeed, mulberry32, pick, type Random, shuffled } from "./random.ts";

export const DEMO_DOMAIN = "contoso.example";
export const DEMO_WORKLOADS = ["Salesforce", "Dropbox"] as const;
export type DemoWorkload = (typeof DEMO_WORKLOADS)[number];

/**
 * quiet: low daily counts. busy: high counts but no resignation (must not alert: nothing brings
 * them into a departing-users policy). departingRisky: resigned and moved data around the
 * resignation (must alert). departingQuiet: resigned, low counts (must not alert).
 */
export type DemoProfile = "quiet" | "busy" | "departingRisky" | "departingQuiet";

export interface DemoUser {
  index: number;
  upn: string;
  givenName: string;
  surname: string;
  displayName: string;
  department: string;
  jobTitle: string;
  managerUpn: string | null;
  profile: DemoProfile;
  /** Probability that the user has a detection row on a given day, per workload. */
  activity: Record<DemoWorkload, number>;
  /** Departing users: the resignation instant (ISO 8601 UTC). */
  resignationDate?: string;
  /** Departing risky users: first day (YYYY-MM-DD) of high counts, and the workloads involved. */
  riskFrom?: string;
  riskWorkloads?: DemoWorkload[];
}

export interface DemoResignation {
  upn: string;
  resignationDate: string;
  lastWorkingDate: string;
}

export interface DemoThresholds {
  low: number;
  medium: number;
  high: number;
}

export interface DemoOrgOptions {
  seed: number;
  /** Number of people (default 200). */
  users?: number;
  /** The "now" of the data set: resignations fall in the 30 days before it. */
  asOf: Date | string;
  /** Days of detections before asOf (default 60). */
  days?: number;
  domain?: string;
}

export interface DemoOrg {
  seed: number;
  asOf: string;
  days: number;
  domain: string;
  users: DemoUser[];
  resignations: DemoResignation[];
  /** HR connector file (resignations), small enough to hold as text. */
  hrCsv: string;
  hrColumns: readonly string[];
  indicatorColumns: readonly string[];
  /** Daily Alert_Count thresholds the demo policy uses for each workload's indicator. */
  thresholds: Record<DemoWorkload, DemoThresholds>;
  groundTruth: {
    /** UPNs a departing-users policy with `thresholds` should alert on. */
    shouldAlert: string[];
    departingQuiet: string[];
    busyBenign: string[];
  };
}

export const DEMO_HR_COLUMNS = ["EmailAddress", "ResignationDate", "LastWorkingDate"] as const;
export const DEMO_INDICATOR_COLUMNS = [
  "UPN",
  "Display_Name",
  "Alert_Severity",
  "Alert_Count",
  "Aggregation_Date",
  "Source_Workload",
  "AdditionalInfo_Salesforce",
  "AdditionalInfo_Dropbox",
] as const;

/**
 * Thresholds of the demo policy. Quiet users stay below `low` on every day (at most 8 and 6),
 * busy and risky users go well above it.
 */
export const DEMO_THRESHOLDS: Record<DemoWorkload, DemoThresholds> = {
  Salesforce: { low: 15, medium: 30, high: 50 },
  Dropbox: { low: 12, medium: 25, high: 40 },
};

const QUIET_MAX: Record<DemoWorkload, number> = { Salesforce: 8, Dropbox: 6 };
const HIGH_RANGE: Record<DemoWorkload, [number, number]> = { Salesforce: [30, 80], Dropbox: [25, 70] };
const BUSY_RANGE: Record<DemoWorkload, [number, number]> = { Salesforce: [20, 90], Dropbox: [15, 70] };

const ACTIVITIES: Record<DemoWorkload, readonly string[]> = {
  Salesforce: [
    "Salesforce - Report exported to a personal mailbox",
    "Salesforce - Bulk download of lead lists",
    "Salesforce - Reports printed",
    "Salesforce - Mass edits to opportunity records",
    "Salesforce - Contact list exported",
  ],
  Dropbox: [
    "Dropbox - Files synced to a personal account",
    "Dropbox - Unusual bulk file copy",
    "Dropbox - Shared link created for an external recipient",
    "Dropbox - Folder downloaded as an archive",
  ],
};
const REPORTS = ["Pipeline", "Top accounts", "Renewals", "Leads by region", "Forecast", "Price book"];

const DAY_MS = 86_400_000;

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** ISO 8601 UTC with six fractional digits, like the connector files ("…56.962686Z"). */
function isoMicros(ms: number, micros: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros).padStart(6, "0")}Z`;
}

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csvLine(fields: readonly (string | number)[]): string {
  return fields.map(csvField).join(",");
}

function asciiName(s: string): string {
  return s
    .normalize("NFKD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}

function weightedDepartment(point: number): DepartmentSpec {
  let remaining = point;
  for (const d of DEPARTMENTS) {
    remaining -= d.weight;
    if (remaining < 0) return d;
  }
  return DEPARTMENTS[DEPARTMENTS.length - 1] as DepartmentSpec;
}

export function generateDemoOrg(opts: DemoOrgOptions): DemoOrg {
  const userCount = opts.users ?? 200;
  const days = opts.days ?? 60;
  const domain = opts.domain ?? DEMO_DOMAIN;
  if (!Number.isInteger(userCount) || userCount < 2) throw new RangeError("users: at least 2 people are needed.");
  if (!Number.isInteger(days) || days < 7) throw new RangeError("days: at least 7 days of data are needed.");
  const asOfMs = new Date(opts.asOf).getTime();
  if (Number.isNaN(asOfMs)) throw new RangeError(`asOf: '${String(opts.asOf)}' is not a date.`);
  const seed = opts.seed >>> 0;
  const random = mulberry32(mixSeed(seed, 1));

  // People, departments and the management chain.
  const taken = new Map<string, number>();
  const totalWeight = DEPARTMENTS.reduce((s, d) => s + d.weight, 0);
  const deptState = new Map<string, { head: string | null; lead: string | null; members: number }>();
  const users: DemoUser[] = [];
  for (let index = 0; index < userCount; index++) {
    const givenName = pick(random, GIVEN_NAMES);
    const surname = pick(random, SURNAMES);
    const base = `${asciiName(givenName)}.${asciiName(surname)}`;
    const n = (taken.get(base) ?? 0) + 1;
    taken.set(base, n);
    const upn = `${base}${n > 1 ? n : ""}@${domain}`;
    let department: string;
    let jobTitle: string;
    let managerUpn: string | null;
    if (index === 0) {
      department = "Executive";
      jobTitle = "Chief Executive Officer";
      managerUpn = null;
    } else {
      const spec = weightedDepartment(random() * totalWeight);
      department = spec.name;
      const state = deptState.get(spec.name) ?? { head: null, lead: null, members: 0 };
      deptState.set(spec.name, state);
      const ceo = (users[0] as DemoUser).upn;
      if (!state.head) {
        state.head = upn;
        jobTitle = spec.head;
        managerUpn = ceo;
      } else if (state.members % 8 === 0) {
        state.lead = upn;
        jobTitle = spec.lead;
        managerUpn = state.head;
      } else {
        jobTitle = pick(random, spec.titles);
        managerUpn = state.lead ?? state.head;
      }
      if (state.head !== upn) state.members++;
    }
    users.push({
      index,
      upn,
      givenName,
      surname,
      displayName: `${givenName} ${surname}`,
      department,
      jobTitle,
      managerUpn,
      profile: "quiet",
      activity: {
        Salesforce: 0.3 + random() * 0.4,
        Dropbox: 0.3 + random() * 0.4,
      },
    });
  }

  // Profiles: ~5% departing (about 60% of them risky), ~10% busy but benign. Never the CEO.
  const departingCount = Math.max(1, Math.round(userCount * 0.05));
  const riskyCount = Math.max(1, Math.ceil(departingCount * 0.6));
  const busyCount = Math.max(1, Math.round(userCount * 0.1));
  const order = shuffled(
    random,
    users.slice(1).map((u) => u.index),
  );
  const asOfDay = startOfUtcDay(asOfMs);
  const latestResignationDaysAgo = Math.min(28, days - 1);
  const resignations: DemoResignation[] = [];
  order.slice(0, departingCount + busyCount).forEach((userIndex, i) => {
    const user = users[userIndex] as DemoUser;
    if (i >= departingCount) {
      user.profile = "busy";
      user.activity = { Salesforce: 0.75, Dropbox: 0.75 };
      return;
    }
    user.profile = i < riskyCount ? "departingRisky" : "departingQuiet";
    const daysAgo = intBetween(random, 2, latestResignationDaysAgo);
    const resignationMs = asOfDay - daysAgo * DAY_MS + intBetween(random, 8 * 3600, 17 * 3600) * 1000;
    const resignationDate = isoMicros(resignationMs, intBetween(random, 0, 999_999));
    user.resignationDate = resignationDate;
    resignations.push({
      upn: user.upn,
      resignationDate,
      lastWorkingDate: isoMicros(resignationMs + 14 * DAY_MS, 0),
    });
    if (user.profile === "departingRisky") {
      const leadDays = intBetween(random, 3, 10);
      user.riskFrom = new Date(startOfUtcDay(resignationMs) - leadDays * DAY_MS).toISOString().slice(0, 10);
      const which = intBetween(random, 0, 2);
      user.riskWorkloads = which === 0 ? ["Salesforce"] : which === 1 ? ["Dropbox"] : ["Salesforce", "Dropbox"];
    }
  });
  resignations.sort((a, b) => a.upn.localeCompare(b.upn));

  const hrCsv = `${[
    csvLine(DEMO_HR_COLUMNS),
    ...resignations.map((r) => csvLine([r.upn, r.resignationDate, r.lastWorkingDate])),
  ].join("\n")}\n`;

  const byProfile = (p: DemoProfile) =>
    users
      .filter((u) => u.profile === p)
      .map((u) => u.upn)
      .sort();
  return {
    seed,
    asOf: new Date(asOfMs).toISOString(),
    days,
    domain,
    users,
    resignations,
    hrCsv,
    hrColumns: DEMO_HR_COLUMNS,
    indicatorColumns: DEMO_INDICATOR_COLUMNS,
    thresholds: DEMO_THRESHOLDS,
    groundTruth: {
      shouldAlert: byProfile("departingRisky"),
      departingQuiet: byProfile("departingQuiet"),
      busyBenign: byProfile("busy"),
    },
  };
}

function severityOf(workload: DemoWorkload, count: number): "Low" | "Medium" | "High" {
  const t = DEMO_THRESHOLDS[workload];
  return count >= t.high ? "High" : count >= t.low ? "Medium" : "Low";
}

/** One detection row for (user, day, workload), or null when the user had no activity that day. */
function detectionRow(
  org: DemoOrg,
  user: DemoUser,
  dayIndex: number,
  dayStartMs: number,
  workloadIndex: number,
): string | null {
  const workload = DEMO_WORKLOADS[workloadIndex] as DemoWorkload;
  const random: Random = mulberry32(mixSeed(org.seed, 2, user.index, dayIndex, workloadIndex));
  const day = new Date(dayStartMs).toISOString().slice(0, 10);
  const risky =
    user.profile === "departingRisky" &&
    user.riskFrom !== undefined &&
    day >= user.riskFrom &&
    (user.riskWorkloads ?? []).includes(workload);
  let count: number;
  if (risky) {
    // Always active on the resignation day itself; most other days of the risk period.
    const resignationDay = user.resignationDate?.slice(0, 10);
    if (day !== resignationDay && random() >= 0.85) return null;
    count = intBetween(random, ...HIGH_RANGE[workload]);
  } else if (user.profile === "busy") {
    if (random() >= user.activity[workload]) return null;
    count = intBetween(random, ...BUSY_RANGE[workload]);
  } else {
    if (random() >= user.activity[workload]) return null;
    count = intBetween(random, 1, QUIET_MAX[workload]);
  }
  const timeMs = dayStartMs + intBetween(random, 3600, 22 * 3600) * 1000;
  const time = isoMicros(timeMs, intBetween(random, 0, 999_999));
  const activity = pick(random, ACTIVITIES[workload]);
  const info =
    workload === "Salesforce"
      ? `Report ${pick(random, REPORTS)} (${intBetween(random, 20, 5000)} rows)`
      : `Folder /Shared/${user.department}`;
  return csvLine([
    user.upn,
    activity,
    severityOf(workload, count),
    count,
    time,
    workload,
    workload === "Salesforce" ? info : "",
    workload === "Dropbox" ? info : "",
  ]);
}

/**
 * The detections file as CSV lines (no line terminators): the header, then one row per person, day
 * and workload with activity, day by day. `limit` caps the number of data rows.
 */
export function* demoIndicatorLines(
  org: DemoOrg,
  opts: { limit?: number; header?: boolean } = {},
): Generator<string, void, undefined> {
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  if (opts.header !== false) yield csvLine(org.indicatorColumns);
  const firstDay = startOfUtcDay(new Date(org.asOf).getTime()) - org.days * DAY_MS;
  let emitted = 0;
  for (let d = 0; d < org.days; d++) {
    const dayStart = firstDay + d * DAY_MS;
    for (const user of org.users) {
      for (let w = 0; w < DEMO_WORKLOADS.length; w++) {
        if (emitted >= limit) return;
        const line = detectionRow(org, user, d, dayStart, w);
        if (line !== null) {
          emitted++;
          yield line;
        }
      }
    }
  }
}

/** The whole detections file as one string (for small organisations). */
export function demoIndicatorCsv(org: DemoOrg, opts: { limit?: number } = {}): string {
  let out = "";
  for (const line of demoIndicatorLines(org, opts)) out += `${line}\n`;
  return out;
}

/**
 * How many people to generate so the detections file has at least `rows` rows over `days` days.
 * Every person averages at least one row a day (two workloads, activity ≥ 0.3 each, mostly ~0.5);
 * the factor 0.75 leaves a margin, and `demoIndicatorLines({ limit: rows })` trims the excess.
 */
export function demoUsersForRows(rows: number, days = 60): number {
  return Math.max(2, Math.ceil(rows / (days * 0.75)));
}
