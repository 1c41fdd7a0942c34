// What a scoring run reads: the run's policies, indicators and organisation-wide facts (cumulative
// exfiltration of every user, positions in the manager chain, sensitive content touched), and per
// batch of users their triggers, activity, manual scoping, removals and booster facts. The rules
// applied to them are the domain's; this file only loads.

import {
  ACTIVITY_TYPES,
  activityExclusion,
  activityType,
  type Booster,
  type BuiltinIndicator,
  type BuiltinSignal,
  type CompiledDetections,
  CUMULATIVE_WINDOW_DAYS,
  type CumulativeFinding,
  canonicalJson,
  classifyPhysicalAccess,
  compileDetections,
  type DailyTotal,
  detectCumulativeExfiltration,
  type EffectivePolicyConfig,
  type EvaluatedIndicator,
  effectivePolicyConfig,
  findBuiltinIndicator,
  findPolicyTemplate,
  highImpactUserBooster,
  importedSecurityAlert,
  MANUAL_LOOKBACK_DAYS,
  type ManualScoping,
  managerChainPositions,
  type PeerDirectoryEntry,
  type PolicyTemplate,
  type PriorityContentMatcher,
  policyBuiltinIndicatorIds,
  policyIndicatorIds,
  priorityContentMatcher,
  priorityUserGroupBooster,
  type SequenceInputEvent,
  type TenantSettings,
  TRIGGER_SIGNAL_KINDS,
  type TriggerCandidate,
  terminationOf,
  triggerCandidate,
} from "@openirm/domain";
import type { Queryable } from "../store/db.ts";
import { priorityAssetKeys } from "./physicalAssets.ts";

const DAY_MS = 86_400_000;

/** Timestamps selected as ISO 8601 UTC with exactly six fractional digits, so they compare as text. */
export const isoMicros = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface PolicyToScore {
  id: string;
  name: string;
  templateId: string;
  template: PolicyTemplate;
  config: EffectivePolicyConfig;
  /** The policy's priority content, compiled (null when it names none). */
  priority: PriorityContentMatcher | null;
  /** Policies with the same priority content share their built-in daily totals. */
  variant: string;
}

export interface CustomIndicator extends EvaluatedIndicator {
  connectorId: string;
  sourceValue: string | null;
}

/** The organisation's exfiltration of the last 30 days and its directory, kept for a while between runs. */
interface OrgFacts {
  computedAt: number;
  asOf: string;
  /** What was computed: exfiltration totals (cumulative detection) and sensitive content (high-impact booster). */
  withTotals: boolean;
  withSensitive: boolean;
  /** Per user: exfiltration events, bytes, and the latest event (time and signal). */
  totals: Map<string, { events: number; bytes: number; lastAt: string; lastId: number | null }>;
  directory: PeerDirectoryEntry[];
  /** Per user: the high-impact booster (manager chain and sensitive content). */
  highImpact: Map<string, Booster>;
}

/** Organisation-wide facts are recomputed when older than this (a full run always recomputes them). */
const ORG_FACTS_TTL_MS = 15 * 60 * 1000;
const orgFactsCache = new WeakMap<object, OrgFacts>();

/**
 * The signals that can trigger, as SQL: every kind a template's triggering events name, but of
 * health.record_access only restricted (break-the-glass) accesses. Migration 019 indexes exactly
 * these rows (partial index signals_triggers); keep the two the same.
 */
export const TRIGGER_SIGNALS_SQL = `(kind IN (${TRIGGER_SIGNAL_KINDS.filter((k) => k !== "health.record_access")
  .map((k) => `'${k}'`)
  .join(", ")}) OR (kind = 'health.record_access' AND attributes -> 'restricted' = 'true'::jsonb))`;

/** Activity types of the exfiltration stage: what cumulative exfiltration adds up. */
const EXFILTRATION_KINDS = ACTIVITY_TYPES.filter((t) => t.stage === "exfiltration").map((t) => `activity.${t.id}`);
/** Activity types with a sequence stage: what sequences are made of. */
const SEQUENCE_KINDS = ACTIVITY_TYPES.filter((t) => t.stage !== null).map((t) => `activity.${t.id}`);

export interface RunContext {
  asOf: string;
  settings: TenantSettings;
  detections: CompiledDetections;
  policies: PolicyToScore[];
  custom: Map<string, CustomIndicator>;
  /** Built-in indicators turned on for the organisation and selected by a policy (catalog id →). */
  builtins: Map<string, BuiltinIndicator>;
  /** Every indicator a policy can name (custom by uuid, built-in by catalog id, shown with the row id). */
  evaluated: Map<string, EvaluatedIndicator>;
  /** Signal kinds of the users' activity to load. */
  activityKinds: string[];
  /** Whether any policy can be triggered by activity itself (built-in trigger indicators, sequences, cumulative). */
  activityTriggers: boolean;
  sequences: boolean;
  cumulative: boolean;
  highImpact: boolean;
  physical: boolean;
  priorityAssets: Set<string>;
  accountDepartures: boolean;
  /** Policy id → alerts it may still open in the current 24 hours before throttling. */
  alertRoom: Map<string, number>;
  org: OrgFacts | null;
}

/**
 * Whether a live HR connector (neither deleted nor disabled) imports resignations. A stored
 * configuration without data types is a resignation connector (the first HR format).
 */
export async function hasLiveResignationConnector(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM connectors
                     WHERE type = 'hr' AND deleted_at IS NULL AND NOT disabled
                       AND (jsonb_typeof(config -> 'dataTypes') IS DISTINCT FROM 'array'
                            OR config -> 'dataTypes' @> '["resignation"]'::jsonb)) AS found`,
  );
  return rows[0]?.found === true;
}

export async function loadRunContext(
  db: Queryable,
  settings: TenantSettings,
  now: Date,
  opts: { full: boolean; alertLimitPerPolicyPerDay: number },
): Promise<RunContext | null> {
  const stored = (
    await db.query<{ id: string; name: string; template: string; config: unknown }>(
      "SELECT id, name, template, config FROM policies WHERE enabled AND deleted_at IS NULL ORDER BY created_at, id",
    )
  ).rows;
  const detections = compileDetections(settings.detections);
  const policies: PolicyToScore[] = [];
  for (const p of stored) {
    const template = findPolicyTemplate(p.template);
    if (!template) continue;
    const config = effectivePolicyConfig(p.config, template);
    const priority = priorityContentMatcher(config.priorityContent, detections);
    policies.push({
      id: p.id,
      name: p.name,
      templateId: p.template,
      template,
      config,
      priority,
      variant: priority ? `${canonicalJson(config.priorityContent)}|${config.scoreOnlyPriorityContent}` : "",
    });
  }
  if (policies.length === 0) return null;
  const custom = await loadCustomIndicators(
    db,
    policies.flatMap((p) => policyIndicatorIds(p.config)),
  );
  const builtins = await loadBuiltinIndicators(db, policies);
  const evaluated = new Map<string, EvaluatedIndicator>(custom);
  for (const b of builtins.values()) {
    evaluated.set(b.id, {
      id: b.rowId,
      name: b.name,
      valueColumn: b.measure,
      emailActivity: b.signalKind.startsWith("activity.email."),
    });
  }

  const sequences = policies.some((p) => p.template.sequenceDetection && p.config.sequenceDetection.enabled);
  const cumulative = policies.some((p) => p.template.cumulativeExfiltration && p.config.cumulativeExfiltration.enabled);
  const highImpact = policies.some((p) => p.config.boosters.potentialHighImpactUser);
  const physical = [...builtins.values()].some((b) => b.requiresPhysicalFinding);
  const activityTriggers =
    sequences ||
    cumulative ||
    policies.some((p) => p.config.triggers.indicators.some((t) => builtins.has(t.indicatorId)));
  const activityKinds = new Set([...builtins.values()].map((b) => b.signalKind));
  if (sequences) for (const k of SEQUENCE_KINDS) activityKinds.add(k);
  if (cumulative) for (const k of EXFILTRATION_KINDS) activityKinds.add(k);

  const wantsResignations = policies.some(
    (p) => p.template.triggerEvents.includes("hrResignation") && p.config.triggers.hrResignation,
  );
  const accountDepartures = wantsResignations && !(await hasLiveResignationConnector(db));

  const dayAgo = new Date(now.getTime() - DAY_MS).toISOString();
  const recent = (
    await db.query<{ policy_id: string; n: string | number }>(
      "SELECT policy_id, count(*) AS n FROM alerts WHERE time_detected > $1 GROUP BY policy_id",
      [dayAgo],
    )
  ).rows;
  const created = new Map(recent.map((r) => [r.policy_id, Number(r.n)]));
  const alertRoom = new Map(
    policies.map((p) => [p.id, Math.max(0, opts.alertLimitPerPolicyPerDay - (created.get(p.id) ?? 0))]),
  );

  const asOf = now.toISOString();
  let org: OrgFacts | null = null;
  if (cumulative || highImpact) {
    const cached = orgFactsCache.get(db);
    org =
      !opts.full &&
      cached &&
      now.getTime() - cached.computedAt < ORG_FACTS_TTL_MS &&
      cached.asOf <= asOf &&
      (cached.withTotals || !cumulative) &&
      (cached.withSensitive || !highImpact)
        ? cached
        : await loadOrgFacts(db, detections, now, { cumulative, highImpact });
    orgFactsCache.set(db, org);
  }
  return {
    asOf,
    settings,
    detections,
    policies,
    custom,
    builtins,
    evaluated,
    activityKinds: [...activityKinds].sort(),
    activityTriggers,
    sequences,
    cumulative,
    highImpact,
    physical,
    priorityAssets: physical ? await priorityAssetKeys(db) : new Set(),
    accountDepartures,
    alertRoom,
    org,
  };
}

async function loadCustomIndicators(db: Queryable, ids: string[]): Promise<Map<string, CustomIndicator>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { rows } = await db.query<{
    id: string;
    name: string;
    connector_id: string | null;
    source_value: string | null;
    value_column: string | null;
  }>(
    "SELECT id, name, connector_id, source_value, value_column FROM indicators WHERE enabled AND id = ANY($1::uuid[])",
    [unique],
  );
  const out = new Map<string, CustomIndicator>();
  for (const r of rows) {
    if (!r.connector_id) continue;
    out.set(r.id, {
      id: r.id,
      name: r.name,
      valueColumn: r.value_column,
      connectorId: r.connector_id,
      sourceValue: r.source_value,
    });
  }
  return out;
}

/** The built-in indicators, turned on tenant-wide, that policies select (as scoring or trigger indicators). */
async function loadBuiltinIndicators(db: Queryable, policies: PolicyToScore[]): Promise<Map<string, BuiltinIndicator>> {
  const ids = new Set(policies.flatMap((p) => policyBuiltinIndicatorIds(p.config)));
  const wanted = [...ids].flatMap((id) => findBuiltinIndicator(id) ?? []);
  if (wanted.length === 0) return new Map();
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM indicators WHERE enabled AND kind = 'builtin' AND id = ANY($1::uuid[])",
    [wanted.map((b) => b.rowId)],
  );
  const on = new Set(rows.map((r) => r.id));
  return new Map(wanted.filter((b) => on.has(b.rowId)).map((b) => [b.id, b]));
}

/** Numeric file size of an event (a number or numeric text); 0 when it has none. */
function fileSizeOf(attributes: Readonly<Record<string, unknown>>): number {
  const raw = attributes.fileSize;
  if (raw === null || raw === undefined || raw === "") return 0;
  const n = typeof raw === "number" ? raw : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * The organisation's exfiltration over the 30 days up to `asOf` (events the tenant's detections
 * exclude are left out), its directory (peer groups, manager chain), and each user's high-impact
 * booster.
 */
async function loadOrgFacts(
  db: Queryable,
  detections: CompiledDetections,
  now: Date,
  wants: { cumulative: boolean; highImpact: boolean },
): Promise<OrgFacts> {
  const asOf = now.toISOString();
  const from = new Date(Date.parse(asOf) - CUMULATIVE_WINDOW_DAYS * DAY_MS).toISOString();
  const { rows } = wants.cumulative
    ? await db.query<{ user_id: string; id: string; at: string; attributes: unknown }>(
        `SELECT user_id, id, ${isoMicros("occurred_at")} AS at, attributes FROM signals
          WHERE kind = ANY($1::text[]) AND occurred_at > $2 AND occurred_at <= $3`,
        [EXFILTRATION_KINDS, from, asOf],
      )
    : { rows: [] };
  const totals: OrgFacts["totals"] = new Map();
  for (const r of rows) {
    const attributes = asRecord(r.attributes);
    if (activityExclusion(attributes, detections) !== null) continue;
    addExfiltration(totals, r.user_id, r.at, Number(r.id), attributes);
  }
  const people = (
    await db.query<{
      id: string;
      upn: string;
      department: string | null;
      job_title: string | null;
      manager: string | null;
    }>(
      `SELECT id, upn, department, job_title, lower(btrim(manager_upn)) AS manager
         FROM directory_users WHERE deleted_at IS NULL`,
    )
  ).rows;
  const directory: PeerDirectoryEntry[] = people.map((p) => ({
    userId: p.id,
    department: p.department,
    jobTitle: p.job_title,
    managerId: p.manager,
  }));
  const sensitive = new Map(
    (wants.highImpact
      ? await db.query<{ user_id: string; n: string | number }>(
          `SELECT user_id, count(*) AS n FROM signals
          WHERE kind LIKE 'activity.%' AND occurred_at > $1 AND occurred_at <= $2
            AND (attributes ? 'sensitivityLabel' OR attributes ? 'sensitiveInfoTypes')
          GROUP BY user_id`,
          [from, asOf],
        )
      : { rows: [] }
    ).rows.map((r) => [r.user_id, Number(r.n)]),
  );
  const positions = managerChainPositions(people.map((p) => ({ userId: p.upn, managerId: p.manager })));
  const byDepartment = new Map<string, number[]>();
  for (const p of people) {
    const key = (p.department ?? "").trim().toLowerCase();
    const list = byDepartment.get(key) ?? [];
    list.push(sensitive.get(p.id) ?? 0);
    byDepartment.set(key, list);
  }
  const highImpact = new Map<string, Booster>();
  for (const p of people) {
    const own = sensitive.get(p.id) ?? 0;
    const key = (p.department ?? "").trim().toLowerCase();
    const peers = [...(byDepartment.get(key) ?? [])];
    const at = peers.indexOf(own);
    if (at >= 0) peers.splice(at, 1);
    highImpact.set(
      p.id,
      highImpactUserBooster({
        sensitiveContent: { user: own, peers },
        position: positions.get(p.upn) ?? null,
      }),
    );
  }
  return {
    computedAt: now.getTime(),
    asOf,
    withTotals: wants.cumulative,
    withSensitive: wants.highImpact,
    totals,
    directory,
    highImpact,
  };
}

function addExfiltration(
  totals: OrgFacts["totals"],
  userId: string,
  at: string,
  id: number | null,
  attributes: Readonly<Record<string, unknown>>,
) {
  const t = totals.get(userId) ?? { events: 0, bytes: 0, lastAt: at, lastId: id };
  t.events++;
  t.bytes += fileSizeOf(attributes);
  if (at > t.lastAt || (at === t.lastAt && id !== null && (t.lastId === null || id > t.lastId))) {
    t.lastAt = at;
    t.lastId = id;
  }
  totals.set(userId, t);
}

/** One user's activity as the batch holds it. */
export interface UserActivity {
  signals: BuiltinSignal[];
}

export interface BatchUser {
  id: string;
  upn: string;
  directoryGroups: string[];
  priorityGroupIds: string[];
  candidates: TriggerCandidate[];
  /** Policy id → manual scoping of the user in it. */
  manual: Map<string, ManualScoping[]>;
  removedAt: string | null;
  /** Activity the tenant's detections do not exclude, and the same by signal kind. */
  activity: BuiltinSignal[];
  activityByKind: Map<string, BuiltinSignal[]>;
  boosters: { confirmedViolations: string[]; priorityUserGroup: Booster; highImpactUser?: Booster };
  cumulative: { finding: CumulativeFinding; at: string; signalId: number | null } | null;
}

/** Rows grouped by a key, in their order. */
export function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/** Loads what scoring needs about a batch of users. */
export async function loadBatch(db: Queryable, run: RunContext, userIds: string[]): Promise<BatchUser[]> {
  const people = (
    await db.query<{ id: string; upn: string; disabled_at: string | null; deleted_at: string | null }>(
      `SELECT id, upn, ${isoMicros("disabled_at")} AS disabled_at, ${isoMicros("deleted_at")} AS deleted_at
         FROM directory_users WHERE id = ANY($1::uuid[])`,
      [userIds],
    )
  ).rows;
  if (people.length === 0) return [];
  const ids = people.map((p) => p.id);

  const directoryGroups = groupBy(
    (
      await db.query<{ user_id: string; group_id: string }>(
        "SELECT user_id, group_id FROM directory_group_members WHERE user_id = ANY($1::uuid[])",
        [ids],
      )
    ).rows,
    (r) => r.user_id,
  );
  const priorityGroups = groupBy(
    (
      await db.query<{ user_id: string; group_id: string; name: string }>(
        `SELECT m.user_id, m.group_id, g.name FROM priority_user_group_members m
           JOIN priority_user_groups g ON g.id = m.group_id WHERE m.user_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows,
    (r) => r.user_id,
  );
  const triggerRows = groupBy(
    (
      await db.query<{ user_id: string; id: string; kind: string; at: string; attributes: unknown }>(
        `SELECT user_id, id, kind, ${isoMicros("occurred_at")} AS at, attributes FROM signals
          WHERE ${TRIGGER_SIGNALS_SQL} AND user_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows,
    (r) => r.user_id,
  );
  const manual = groupBy(
    (
      await db.query<{ user_id: string; policy_id: string; reason: string; starts_at: string; ends_at: string }>(
        `SELECT user_id, policy_id, reason, ${isoMicros("starts_at")} AS starts_at, ${isoMicros("ends_at")} AS ends_at
           FROM manual_scoping WHERE user_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows,
    (r) => r.user_id,
  );
  const removals = new Map(
    (
      await db.query<{ user_id: string; at: string }>(
        `SELECT user_id, ${isoMicros("max(removed_at)")} AS at FROM scoring_removals
          WHERE user_id = ANY($1::uuid[]) GROUP BY user_id`,
        [ids],
      )
    ).rows.map((r) => [r.user_id, r.at]),
  );
  const violations = groupBy(
    (
      await db.query<{ user_id: string; at: string }>(
        `SELECT user_id, ${isoMicros("COALESCE(triaged_at, updated_at)")} AS at FROM alerts
          WHERE user_id = ANY($1::uuid[]) AND status = 'Resolved' AND resolution = 'ConfirmedViolation'`,
        [ids],
      )
    ).rows,
    (r) => r.user_id,
  );

  const users: BatchUser[] = people.map((p) => {
    const rows = triggerRows.get(p.id) ?? [];
    const candidates: TriggerCandidate[] = [];
    for (const r of rows) {
      const c = triggerCandidate(
        { id: Number(r.id), kind: r.kind, at: r.at, attributes: asRecord(r.attributes) },
        { detections: run.detections, accountDepartures: run.accountDepartures },
      );
      if (c) candidates.push(c);
    }
    const groups = priorityGroups.get(p.id) ?? [];
    return {
      id: p.id,
      upn: p.upn,
      directoryGroups: (directoryGroups.get(p.id) ?? []).map((g) => g.group_id.toLowerCase()),
      priorityGroupIds: groups.map((g) => g.group_id.toLowerCase()),
      candidates,
      manual: groupManual(manual.get(p.id) ?? []),
      removedAt: removals.get(p.id) ?? null,
      activity: [],
      activityByKind: new Map(),
      boosters: {
        confirmedViolations: (violations.get(p.id) ?? []).map((v) => v.at),
        priorityUserGroup: priorityUserGroupBooster(groups.map((g) => g.name)),
        ...(run.org?.highImpact.get(p.id) ? { highImpactUser: run.org.highImpact.get(p.id) } : {}),
      },
      cumulative: null,
    };
  });

  await loadActivity(db, run, users, people);
  if (run.cumulative && run.org) attachCumulative(run, users);
  return users;
}

function groupManual(rows: { policy_id: string; reason: string; starts_at: string; ends_at: string }[]) {
  const out = new Map<string, ManualScoping[]>();
  for (const r of rows) {
    const list = out.get(r.policy_id) ?? [];
    list.push({ startsAt: r.starts_at, endsAt: r.ends_at, reason: r.reason });
    out.set(r.policy_id, list);
  }
  return out;
}

/**
 * The earliest moment whose activity can count for a user: the start of the earliest window their
 * triggering signals and manual scoping can open, less the 30-day baseline of the unusual-activity
 * booster (and a day of margin). Null when nothing of theirs can open a window.
 */
export function earliestRelevantActivity(run: RunContext, user: BatchUser): string | null {
  let earliest: number | null = null;
  for (const c of user.candidates) {
    const ms = Date.parse(c.at) - run.settings.pastActivityDays * DAY_MS;
    if (Number.isFinite(ms) && (earliest === null || ms < earliest)) earliest = ms;
  }
  for (const list of user.manual.values()) {
    for (const m of list) {
      const ms = Date.parse(m.startsAt) - MANUAL_LOOKBACK_DAYS * DAY_MS;
      if (Number.isFinite(ms) && (earliest === null || ms < earliest)) earliest = ms;
    }
  }
  return earliest === null ? null : new Date(earliest - 31 * DAY_MS).toISOString();
}

/**
 * Loads the users' activity of the kinds the run's built-in indicators, sequences and cumulative
 * exfiltration read. When activity can itself trigger, every user's activity is loaded; otherwise
 * only that of users with a trigger, from their earliest window (less the 30-day baseline).
 */
async function loadActivity(
  db: Queryable,
  run: RunContext,
  users: BatchUser[],
  people: { id: string; disabled_at: string | null; deleted_at: string | null }[],
) {
  if (run.activityKinds.length === 0) return;
  let wanted: string[];
  let from: string | null = null;
  if (run.activityTriggers) {
    wanted = users.map((u) => u.id);
  } else {
    wanted = [];
    let earliest: string | null = null;
    for (const u of users) {
      const start = earliestRelevantActivity(run, u);
      if (start === null) continue;
      wanted.push(u.id);
      if (earliest === null || start < earliest) earliest = start;
    }
    from = earliest;
    // Custom indicator triggers also bring users in: their activity is loaded with everyone's when
    // any policy has one (the batch query stays one query).
    if (run.policies.some((p) => p.config.triggers.indicators.some((t) => run.custom.has(t.indicatorId)))) {
      wanted = users.map((u) => u.id);
      from = null;
    }
  }
  if (wanted.length === 0) return;
  const { rows } = await db.query<{ user_id: string; id: string; kind: string; at: string; attributes: unknown }>(
    `SELECT user_id, id, kind, ${isoMicros("occurred_at")} AS at, attributes FROM signals
      WHERE kind = ANY($1::text[]) AND user_id = ANY($2::uuid[])
        AND ($3::timestamptz IS NULL OR occurred_at >= $3::timestamptz)`,
    [run.activityKinds, wanted, from],
  );
  const byUser = new Map(users.map((u) => [u.id, u]));
  const terminations = run.physical ? terminationsOf(users, people) : new Map();
  for (const r of rows) {
    const user = byUser.get(r.user_id);
    if (!user) continue;
    const attributes = asRecord(r.attributes);
    const signal: BuiltinSignal = { id: Number(r.id), kind: r.kind, at: r.at, attributes };
    // What the tenant's detections exclude counts nowhere: left out once here rather than per use.
    if (activityExclusion(attributes, run.detections) !== null || !importedSecurityAlert(signal, run.detections))
      continue;
    if (r.kind === "physical.access" && run.physical) {
      signal.physicalFindings = classifyPhysicalAccess(
        {
          occurredAt: r.at,
          assetId: typeof attributes.AssetId === "string" ? attributes.AssetId : "",
          accessStatus: typeof attributes.AccessStatus === "string" ? attributes.AccessStatus : "",
        },
        { priorityAssets: run.priorityAssets, termination: terminations.get(user.id) ?? null },
      );
    }
    user.activity.push(signal);
    const sameKind = user.activityByKind.get(signal.kind);
    if (sameKind) sameKind.push(signal);
    else user.activityByKind.set(signal.kind, [signal]);
  }
}

/** Each user's termination: the last working day of their latest resignation, else the directory's departure. */
function terminationsOf(
  users: BatchUser[],
  people: { id: string; disabled_at: string | null; deleted_at: string | null }[],
) {
  const byId = new Map(people.map((p) => [p.id, p]));
  const out = new Map<string, ReturnType<typeof terminationOf>>();
  for (const u of users) {
    let latest: { at: string; lastWorkingDate: string | null } | null = null;
    for (const c of u.candidates) {
      if (c.kind !== "hr.resignation" || !c.signal) continue;
      const lwd = c.signal.attributes.LastWorkingDate;
      if (latest === null || c.at > latest.at)
        latest = { at: c.at, lastWorkingDate: typeof lwd === "string" ? lwd : null };
    }
    const p = byId.get(u.id);
    out.set(
      u.id,
      terminationOf({
        lastWorkingDate: latest?.lastWorkingDate ?? null,
        disabledAt: p?.disabled_at ?? null,
        deletedAt: p?.deleted_at ?? null,
      }),
    );
  }
  return out;
}

/**
 * Each user's cumulative exfiltration: their own 30 days recomputed from the activity just loaded
 * (so an upload counts at once), compared with the organisation's figures.
 */
function attachCumulative(run: RunContext, users: BatchUser[]) {
  const org = run.org!;
  const from = new Date(Date.parse(run.asOf) - CUMULATIVE_WINDOW_DAYS * DAY_MS).toISOString();
  const exfiltration = new Set(EXFILTRATION_KINDS);
  for (const u of users) {
    if (!run.activityTriggers && u.activity.length === 0) continue;
    org.totals.delete(u.id);
    for (const s of u.activity) {
      if (!exfiltration.has(s.kind) || s.at <= from || s.at > run.asOf) continue;
      addExfiltration(org.totals, u.id, s.at, s.id, s.attributes);
    }
  }
  const findings = detectCumulativeExfiltration(
    org.directory,
    [...org.totals.entries()].map(([userId, t]) => ({ userId, events: t.events, bytes: t.bytes })),
  );
  const byUser = new Map(findings.map((f) => [f.userId, f]));
  for (const u of users) {
    const finding = byUser.get(u.id);
    const t = org.totals.get(u.id);
    if (finding && t) u.cumulative = { finding, at: t.lastAt, signalId: t.lastId };
  }
}

/** A user's activity as sequence detection reads it: activity with a stage (excluded events are already out). */
export function sequenceEvents(activity: readonly BuiltinSignal[]): SequenceInputEvent[] {
  const out: SequenceInputEvent[] = [];
  for (const s of activity) {
    if (!s.kind.startsWith("activity.")) continue;
    if (activityType(s.kind.slice("activity.".length))?.stage == null) continue;
    out.push({ id: s.id ?? `${s.kind}|${s.at}`, kind: s.kind, occurredAt: s.at, attributes: s.attributes });
  }
  return out;
}

export type { DailyTotal };
