// Scoring runs: for each enabled policy and each user in its scope, find the triggers, store the
// memberships and daily insights, and create or update the user's open alert (versioned).
// Incremental (the users of one upload) or full (every user with signals).

import { randomUUID } from "node:crypto";
import {
  type AccountEvent,
  type BuiltinIndicator,
  type BuiltinSignal,
  builtinDailyTotals,
  type CompiledDetections,
  compileDetections,
  type DailyTotal,
  dayStartIso,
  type EvaluatedIndicator,
  effectivePolicyConfig,
  evaluatePolicy,
  findBuiltinIndicator,
  findPolicyTemplate,
  insightKey,
  type PolicyConfig,
  type PolicyEvaluation,
  policyBuiltinIndicatorIds,
  policyIndicatorIds,
  type ResignationEvent,
  SCORING_MODEL_VERSION,
  scopeMatcher,
  type TenantSettings,
  windowForTrigger,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import { type Ctx, SYSTEM_ACTOR } from "../context.ts";
import type { Queryable } from "../store/db.ts";
import { isUuid } from "./indicators.ts";
import { loadSettings } from "./settings.ts";

export interface ScoringSummary {
  usersScored: number;
  alertsCreated: number;
  alertsUpdated: number;
  durationMs: number;
}

/** Users loaded and scored together: bounds the size of each aggregate query. */
const USERS_PER_BATCH = 500;

const OPEN_STATUSES = ["NeedsReview", "Confirmed"];

/** Timestamps selected as ISO 8601 UTC with exactly six fractional digits, so they compare as text. */
const isoMicros = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

interface PolicyToScore {
  id: string;
  name: string;
  template: string;
  config: PolicyConfig;
}

interface IndicatorToScore extends EvaluatedIndicator {
  connectorId: string;
  sourceValue: string | null;
}

/** The built-in indicators a run scores (catalog id → indicator), with the tenant's compiled detections. */
interface BuiltinsToScore {
  indicators: Map<string, BuiltinIndicator>;
  detections: CompiledDetections;
}

/** Whether the scorer scores a policy's built-in indicators: those of the templates it evaluates today. */
const scoresBuiltins = (policy: PolicyToScore) => findPolicyTemplate(policy.template)?.scoredToday === true;

interface MembershipRow {
  policy_id: string;
  user_id: string;
  triggered_at: string;
  window_start: string;
  window_end: string;
  reason: string;
  trigger_signal_id: number | null;
}

interface InsightRow {
  id: string;
  policy_id: string;
  user_id: string;
  indicator_id: string;
  day: string;
  value: number;
  event_count: number;
  score: number;
  severity: string;
}

interface AlertRow {
  id: string;
  policy_id: string;
  user_id: string;
  status: string;
  severity: string;
  score: number;
  version: number;
  explanation: Explanation;
}

/** What an alert stores to explain its score. */
export interface Explanation {
  modelVersion: string;
  policy: { id: string; name: string; template: string };
  score: number;
  severity: string;
  settings: { activationWindowDays: number; pastActivityDays: number };
  triggers: PolicyEvaluation["triggers"];
  windows: { start: string; end: string }[];
  insights: Array<{
    id: string;
    indicatorId: string;
    indicator: string;
    day: string;
    value: number;
    eventCount: number;
    thresholds: { low: number; medium: number; high: number };
    score: number;
    severity: string;
    rank: number;
    contribution: number;
  }>;
}

/** Directory departures: the departing-user trigger when no HR connector imports resignations. */
const ACCOUNT_KINDS: readonly AccountEvent["kind"][] = ["directory.account_disabled", "directory.account_deleted"];
const ACCOUNT_KINDS_SQL = ACCOUNT_KINDS.map((k) => `'${k}'`).join(", ");

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

/** One scoring run at a time per database in this process; other replicas are held off per user. */
const runs = new WeakMap<object, Promise<unknown>>();
function exclusive<T>(key: object, fn: () => Promise<T>): Promise<T> {
  const result = (runs.get(key) ?? Promise.resolve()).then(fn, fn);
  runs.set(
    key,
    result.catch(() => undefined),
  );
  return result;
}

/** JSON with object keys sorted, to compare documents that went through jsonb (which reorders keys). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Scores the given users against every enabled policy (the incremental path, after an upload). */
export function scoreUsers(ctx: Ctx, userIds: readonly string[]): Promise<ScoringSummary> {
  return exclusive(ctx.db, () => scoreUserIds(ctx, [...new Set(userIds.filter(isUuid).map((u) => u.toLowerCase()))]));
}

/** Scores every user with triggers or indicator activity, or a membership to refresh. */
export function scoreAllUsers(ctx: Ctx): Promise<ScoringSummary> {
  return exclusive(ctx.db, async () => {
    const { rows } = await ctx.db.query<{ user_id: string }>(
      `SELECT DISTINCT user_id FROM signals WHERE kind IN ('hr.resignation', 'indicator', ${ACCOUNT_KINDS_SQL})
       UNION SELECT user_id FROM policy_memberships`,
    );
    return scoreUserIds(
      ctx,
      rows.map((r) => r.user_id),
    );
  });
}

/** A full run requested by a person: scores everyone and records who asked in the audit log. */
export async function runScoringNow(ctx: Ctx): Promise<ScoringSummary> {
  const summary = await scoreAllUsers(ctx);
  await ctx.db.transaction((tx) =>
    audit(ctx, tx, { action: "scoring.run", category: "Policies", details: { ...summary } }),
  );
  return summary;
}

async function scoreUserIds(ctx: Ctx, userIds: string[]): Promise<ScoringSummary> {
  const started = performance.now();
  const summary: ScoringSummary = { usersScored: 0, alertsCreated: 0, alertsUpdated: 0, durationMs: 0 };
  const systemCtx: Ctx = { ...ctx, actor: SYSTEM_ACTOR, ip: undefined };
  const settings = await loadSettings(ctx);
  const policies = (
    await ctx.db.query<PolicyToScore>(
      "SELECT id, name, template, config FROM policies WHERE enabled AND deleted_at IS NULL ORDER BY created_at, id",
    )
  ).rows.map((p) =>
    // Built-in indicators on catalog defaults follow the catalog's current thresholds.
    scoresBuiltins(p)
      ? {
          ...p,
          config: {
            ...p.config,
            indicators: effectivePolicyConfig(p.config, findPolicyTemplate(p.template)).indicators,
          },
        }
      : p,
  );
  if (policies.length === 0 || userIds.length === 0) {
    summary.durationMs = Math.round(performance.now() - started);
    return summary;
  }
  const indicators = await loadIndicators(
    ctx.db,
    policies.flatMap((p) => policyIndicatorIds(p.config)),
  );
  const builtinIndicators = await loadBuiltinIndicators(ctx.db, policies);
  const builtins: BuiltinsToScore | null =
    builtinIndicators.size > 0
      ? { indicators: builtinIndicators, detections: compileDetections(settings.detections) }
      : null;
  const wantsResignations = policies.some((p) => p.config.triggers.hrResignation);
  // Without an HR connector for resignations, the directory's departures take their place.
  const wantsAccountEvents = wantsResignations && !(await hasLiveResignationConnector(ctx.db));
  for (let i = 0; i < userIds.length; i += USERS_PER_BATCH) {
    const batch = userIds.slice(i, i + USERS_PER_BATCH);
    const wants = { wantsResignations, wantsAccountEvents };
    await scoreBatch(systemCtx, batch, policies, indicators, builtins, settings, wants, summary);
  }
  summary.durationMs = Math.round(performance.now() - started);
  if (summary.alertsCreated + summary.alertsUpdated > 0) {
    ctx.log.info(
      { usersScored: summary.usersScored, created: summary.alertsCreated, updated: summary.alertsUpdated },
      "scoring run changed alerts",
    );
  }
  return summary;
}

async function loadIndicators(db: Queryable, ids: string[]): Promise<Map<string, IndicatorToScore>> {
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
  const out = new Map<string, IndicatorToScore>();
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

/** Daily totals of one indicator for a batch of users: user id → totals. */
async function loadDailyTotals(
  db: Queryable,
  indicator: IndicatorToScore,
  userIds: string[],
): Promise<Map<string, DailyTotal[]>> {
  const { rows } = await db.query<{
    user_id: string;
    day: string;
    value: number;
    event_count: number;
    first_at: string;
    first_id: number | null;
  }>(
    `SELECT user_id,
            to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
            COALESCE(sum(CASE WHEN jsonb_typeof(attributes -> $3::text) = 'number'
                              THEN (attributes ->> $3::text)::double precision END), 0) AS value,
            count(*) AS event_count,
            ${isoMicros("min(occurred_at)")} AS first_at,
            (array_agg(id ORDER BY occurred_at, id))[1] AS first_id
       FROM signals
      WHERE kind = 'indicator' AND connector_id = $1 AND source_value IS NOT DISTINCT FROM $2::text
        AND user_id = ANY($4::uuid[])
      GROUP BY user_id, 2`,
    [indicator.connectorId, indicator.sourceValue, indicator.valueColumn, userIds],
  );
  const out = new Map<string, DailyTotal[]>();
  for (const r of rows) {
    const list = out.get(r.user_id) ?? [];
    list.push({
      day: r.day,
      value: indicator.valueColumn === null ? Number(r.event_count) : Number(r.value),
      eventCount: Number(r.event_count),
      firstEventAt: r.first_at,
      firstSignalId: r.first_id === null ? null : Number(r.first_id),
    });
    out.set(r.user_id, list);
  }
  return out;
}

/** The built-in indicators, turned on tenant-wide, that policies of scored templates select. */
async function loadBuiltinIndicators(db: Queryable, policies: PolicyToScore[]): Promise<Map<string, BuiltinIndicator>> {
  const ids = new Set(policies.filter(scoresBuiltins).flatMap((p) => policyBuiltinIndicatorIds(p.config)));
  const wanted = [...ids].flatMap((id) => findBuiltinIndicator(id) ?? []);
  if (wanted.length === 0) return new Map();
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM indicators WHERE enabled AND kind = 'builtin' AND id = ANY($1::uuid[])",
    [wanted.map((b) => b.rowId)],
  );
  const on = new Set(rows.map((r) => r.id));
  return new Map(wanted.filter((b) => on.has(b.rowId)).map((b) => [b.id, b]));
}

/**
 * Daily totals of the built-in indicators for the given users (catalog id → user id → totals):
 * their signals of the kinds the indicators read since `from` (one query), filtered and added up
 * by builtinDailyTotals.
 */
async function loadBuiltinTotals(
  db: Queryable,
  builtins: BuiltinsToScore,
  userIds: string[],
  from: string | null,
): Promise<Map<string, Map<string, DailyTotal[]>>> {
  const out = new Map<string, Map<string, DailyTotal[]>>();
  if (userIds.length === 0) return out;
  const kinds = [...new Set([...builtins.indicators.values()].map((b) => b.signalKind))];
  const { rows } = await db.query<{ user_id: string; id: number; kind: string; at: string; attributes: unknown }>(
    `SELECT user_id, id, kind, ${isoMicros("occurred_at")} AS at, attributes FROM signals
      WHERE kind = ANY($1::text[]) AND user_id = ANY($2::uuid[])
        AND ($3::timestamptz IS NULL OR occurred_at >= $3::timestamptz)`,
    [kinds, userIds, from],
  );
  const byUser = group(
    rows.map((r) => ({
      userId: r.user_id,
      signal: {
        id: Number(r.id),
        kind: r.kind,
        at: r.at,
        attributes: r.attributes && typeof r.attributes === "object" ? (r.attributes as Record<string, unknown>) : {},
      } satisfies BuiltinSignal,
    })),
    (r) => r.userId,
  );
  for (const indicator of builtins.indicators.values()) {
    const perUser = new Map<string, DailyTotal[]>();
    for (const [userId, list] of byUser) {
      const totals = builtinDailyTotals(
        indicator,
        list.map((r) => r.signal),
        builtins.detections,
      );
      if (totals.length > 0) perUser.set(userId, totals);
    }
    out.set(indicator.id, perUser);
  }
  return out;
}

/**
 * Which users of a batch can have a scoring window in a policy that scores built-in indicators,
 * and the earliest day such a window can start (null: unbounded, when a built-in indicator is
 * itself a trigger). Users without any trigger have no window, so their activity is not loaded.
 */
function builtinScope(
  policies: PolicyToScore[],
  builtins: BuiltinsToScore,
  userIds: string[],
  triggerTimes: Map<string, string[]>,
  settings: TenantSettings,
): { userIds: string[]; from: string | null } {
  const scored = policies.filter(scoresBuiltins);
  const builtinTrigger = scored.some((p) =>
    p.config.triggers.indicators.some((t) => builtins.indicators.has(t.indicatorId)),
  );
  if (builtinTrigger) return { userIds, from: null };
  let earliest: string | null = null;
  const users: string[] = [];
  for (const [userId, times] of triggerTimes) {
    if (times.length === 0) continue;
    users.push(userId);
    for (const t of times) if (earliest === null || t < earliest) earliest = t;
  }
  if (earliest === null) return { userIds: [], from: null };
  return { userIds: users, from: dayStartIso(windowForTrigger(earliest, settings).firstDay) };
}

function group<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

async function scoreBatch(
  ctx: Ctx,
  userIds: string[],
  policies: PolicyToScore[],
  indicators: Map<string, IndicatorToScore>,
  builtins: BuiltinsToScore | null,
  settings: TenantSettings,
  wants: { wantsResignations: boolean; wantsAccountEvents: boolean },
  summary: ScoringSummary,
) {
  const { wantsResignations, wantsAccountEvents } = wants;
  const db = ctx.db;
  const users = (
    await db.query<{ id: string; upn: string }>("SELECT id, upn FROM directory_users WHERE id = ANY($1::uuid[])", [
      userIds,
    ])
  ).rows;
  if (users.length === 0) return;
  const ids = users.map((u) => u.id);

  const resignations = wantsResignations
    ? group(
        (
          await db.query<{ user_id: string; id: number; at: string }>(
            `SELECT user_id, id, ${isoMicros("occurred_at")} AS at FROM signals
              WHERE kind = 'hr.resignation' AND user_id = ANY($1::uuid[])`,
            [ids],
          )
        ).rows,
        (r) => r.user_id,
      )
    : new Map<string, { user_id: string; id: number; at: string }[]>();
  const accountEvents = wantsAccountEvents
    ? group(
        (
          await db.query<{ user_id: string; id: number; kind: AccountEvent["kind"]; at: string }>(
            `SELECT user_id, id, kind, ${isoMicros("occurred_at")} AS at FROM signals
              WHERE kind IN (${ACCOUNT_KINDS_SQL}) AND user_id = ANY($1::uuid[])`,
            [ids],
          )
        ).rows,
        (r) => r.user_id,
      )
    : new Map<string, { user_id: string; id: number; kind: AccountEvent["kind"]; at: string }[]>();

  const daily = new Map<string, Map<string, DailyTotal[]>>(); // indicator → user → totals
  for (const indicator of indicators.values()) daily.set(indicator.id, await loadDailyTotals(db, indicator, ids));
  const evaluated = new Map<string, EvaluatedIndicator>(indicators);
  if (builtins) {
    // Built-in indicators: keyed by catalog id as policies store them; insights use the row id.
    for (const b of builtins.indicators.values()) {
      evaluated.set(b.id, { id: b.rowId, name: b.name, valueColumn: b.measure });
    }
    const triggerTimes = new Map<string, string[]>(ids.map((id) => [id, []]));
    const add = (userId: string, at: string) => triggerTimes.get(userId)?.push(at);
    for (const [userId, list] of resignations) for (const r of list) add(userId, r.at);
    for (const [userId, list] of accountEvents) for (const r of list) add(userId, r.at);
    for (const p of policies.filter(scoresBuiltins)) {
      for (const t of p.config.triggers.indicators) {
        for (const [userId, totals] of daily.get(t.indicatorId) ?? [])
          for (const d of totals) add(userId, d.firstEventAt);
      }
    }
    const scope = builtinScope(policies, builtins, ids, triggerTimes, settings);
    for (const [id, perUser] of await loadBuiltinTotals(db, builtins, scope.userIds, scope.from))
      daily.set(id, perUser);
  }

  const memberships = group(
    (
      await db.query<MembershipRow>(
        `SELECT policy_id, user_id, ${isoMicros("triggered_at")} AS triggered_at, ${isoMicros("window_start")} AS window_start,
                ${isoMicros("window_end")} AS window_end, reason, trigger_signal_id
           FROM policy_memberships WHERE user_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows,
    (r) => `${r.policy_id}|${r.user_id}`,
  );
  const insights = group(
    (
      await db.query<InsightRow>(
        `SELECT id, policy_id, user_id, indicator_id, to_char(day, 'YYYY-MM-DD') AS day, value, event_count, score, severity
           FROM insights WHERE user_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows,
    (r) => `${r.policy_id}|${r.user_id}`,
  );
  const alerts = group(
    (
      await db.query<AlertRow>(
        `SELECT id, policy_id, user_id, status, severity, score, version, explanation
           FROM alerts WHERE user_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows,
    (r) => `${r.policy_id}|${r.user_id}`,
  );

  const matchers = new Map(policies.map((p) => [p.id, scopeMatcher(p.config.scope)]));
  for (const user of users) {
    const plans: UserPolicyPlan[] = [];
    let inAnyScope = false;
    for (const policy of policies) {
      const pair = `${policy.id}|${user.id}`;
      const inScope = matchers.get(policy.id)!(user.upn);
      inAnyScope ||= inScope;
      const userDaily = new Map<string, DailyTotal[]>();
      if (inScope) {
        const builtinIds = builtins && scoresBuiltins(policy) ? policyBuiltinIndicatorIds(policy.config) : [];
        for (const id of [...policyIndicatorIds(policy.config), ...builtinIds]) {
          const totals = daily.get(id)?.get(user.id);
          if (totals) userDaily.set(id, totals);
        }
      }
      const pairAlerts = alerts.get(pair) ?? [];
      const evaluation = evaluatePolicy({
        config: policy.config,
        indicators: evaluated,
        daily: userDaily,
        resignations: inScope
          ? (resignations.get(user.id) ?? []).map((r): ResignationEvent => ({ at: r.at, signalId: Number(r.id) }))
          : [],
        accountEvents: inScope
          ? (accountEvents.get(user.id) ?? []).map(
              (r): AccountEvent => ({ kind: r.kind, at: r.at, signalId: Number(r.id) }),
            )
          : [],
        settings,
        reviewed: reviewedInsights(pairAlerts),
      });
      const plan = planChanges(
        policy,
        user.id,
        evaluation,
        settings,
        memberships.get(pair) ?? [],
        insights.get(pair) ?? [],
        pairAlerts.find((a) => OPEN_STATUSES.includes(a.status)),
      );
      if (plan) plans.push(plan);
    }
    if (inAnyScope) summary.usersScored++;
    if (plans.length === 0) continue;
    try {
      await db.transaction(async (tx) => {
        // Another server replica scoring the same user waits here.
        await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`openirm-scoring:${user.id}`]);
        for (const plan of plans) {
          const outcome = await applyPlan(ctx, tx, plan);
          if (outcome === "created") summary.alertsCreated++;
          if (outcome === "updated") summary.alertsUpdated++;
        }
      });
    } catch (err) {
      ctx.log.error({ err, userId: user.id }, "scoring failed for one user; the others continue");
    }
  }
}

/** Insights already reviewed in the user's dismissed or resolved alerts for this policy. */
function reviewedInsights(alerts: readonly AlertRow[]): Map<string, number> | undefined {
  const closed = alerts.filter((a) => !OPEN_STATUSES.includes(a.status));
  if (closed.length === 0) return undefined;
  const out = new Map<string, number>();
  for (const alert of closed) {
    for (const i of alert.explanation?.insights ?? []) {
      const key = insightKey(i.indicatorId, i.day);
      out.set(key, Math.max(out.get(key) ?? Number.NEGATIVE_INFINITY, i.value));
    }
  }
  return out;
}

interface UserPolicyPlan {
  policy: PolicyToScore;
  userId: string;
  memberships: MembershipRow[] | null;
  upsertInsights: InsightRow[];
  deleteInsightIds: string[];
  alert:
    | { kind: "create"; score: number; severity: string; explanation: Explanation }
    | { kind: "update"; current: AlertRow; score: number; severity: string; explanation: Explanation }
    | null;
}

/** Compares the evaluation with what is stored; null when nothing changes. */
function planChanges(
  policy: PolicyToScore,
  userId: string,
  evaluation: PolicyEvaluation,
  settings: TenantSettings,
  storedMemberships: MembershipRow[],
  storedInsights: InsightRow[],
  openAlert: AlertRow | undefined,
): UserPolicyPlan | null {
  const wantedMemberships: MembershipRow[] = evaluation.memberships.map((m) => ({
    policy_id: policy.id,
    user_id: userId,
    triggered_at: m.triggeredAt,
    window_start: dayStartIso(m.window.firstDay),
    window_end: dayStartIso(m.window.endDay),
    reason: m.reason,
    trigger_signal_id: m.signalId,
  }));
  const membershipKey = (m: MembershipRow) =>
    `${m.triggered_at}|${m.window_start}|${m.window_end}|${m.reason}|${m.trigger_signal_id ?? ""}`;
  const sameMemberships =
    canonicalJson(storedMemberships.map(membershipKey).sort()) ===
    canonicalJson(wantedMemberships.map(membershipKey).sort());

  const storedByKey = new Map(storedInsights.map((r) => [insightKey(r.indicator_id, r.day), r]));
  const wantedKeys = new Set(evaluation.insights.map((i) => i.key));
  const ids = new Map<string, string>();
  const upsertInsights: InsightRow[] = [];
  for (const insight of evaluation.insights) {
    const stored = storedByKey.get(insight.key);
    const id = stored?.id ?? randomUUID();
    ids.set(insight.key, id);
    if (
      stored &&
      stored.value === insight.value &&
      stored.event_count === insight.eventCount &&
      stored.score === insight.score &&
      stored.severity === insight.severity
    ) {
      continue;
    }
    upsertInsights.push({
      id,
      policy_id: policy.id,
      user_id: userId,
      indicator_id: insight.indicatorId,
      day: insight.day,
      value: insight.value,
      event_count: insight.eventCount,
      score: insight.score,
      severity: insight.severity,
    });
  }
  const deleteInsightIds = storedInsights
    .filter((r) => !wantedKeys.has(insightKey(r.indicator_id, r.day)))
    .map((r) => r.id);

  let alert: UserPolicyPlan["alert"] = null;
  if (evaluation.alert) {
    const explanation: Explanation = {
      modelVersion: SCORING_MODEL_VERSION,
      policy: { id: policy.id, name: policy.name, template: policy.template },
      score: evaluation.alert.score,
      severity: evaluation.alert.severity,
      settings: { activationWindowDays: settings.activationWindowDays, pastActivityDays: settings.pastActivityDays },
      triggers: evaluation.triggers,
      windows: evaluation.windows.map((w) => ({ start: dayStartIso(w.firstDay), end: dayStartIso(w.endDay) })),
      insights: evaluation.alertInsights.map((i) => ({
        id: ids.get(i.key)!,
        indicatorId: i.indicatorId,
        indicator: i.indicator,
        day: i.day,
        value: i.value,
        eventCount: i.eventCount,
        thresholds: i.thresholds,
        score: i.score,
        severity: i.severity,
        rank: i.rank,
        contribution: i.contribution,
      })),
    };
    const { score, severity } = evaluation.alert;
    if (!openAlert) {
      alert = { kind: "create", score, severity, explanation };
    } else if (
      openAlert.score !== score ||
      openAlert.severity !== severity ||
      canonicalJson(openAlert.explanation) !== canonicalJson(explanation)
    ) {
      alert = { kind: "update", current: openAlert, score, severity, explanation };
    }
  }
  // No evidence left (signals removed, scope or window changed): an alert under review keeps its evidence.

  if (sameMemberships && upsertInsights.length === 0 && deleteInsightIds.length === 0 && !alert) return null;
  return {
    policy,
    userId,
    memberships: sameMemberships ? null : wantedMemberships,
    upsertInsights,
    deleteInsightIds,
    alert,
  };
}

async function applyPlan(ctx: Ctx, tx: Queryable, plan: UserPolicyPlan): Promise<"created" | "updated" | null> {
  const { policy, userId } = plan;
  if (plan.memberships) {
    await tx.query("DELETE FROM policy_memberships WHERE policy_id = $1 AND user_id = $2", [policy.id, userId]);
    const m = plan.memberships;
    if (m.length > 0) {
      await tx.query(
        `INSERT INTO policy_memberships (policy_id, user_id, triggered_at, window_start, window_end, reason, trigger_signal_id)
         SELECT $1, $2, t.* FROM unnest($3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::bigint[])
           AS t(triggered_at, window_start, window_end, reason, trigger_signal_id)`,
        [
          policy.id,
          userId,
          m.map((r) => r.triggered_at),
          m.map((r) => r.window_start),
          m.map((r) => r.window_end),
          m.map((r) => r.reason),
          m.map((r) => (r.trigger_signal_id === null ? null : String(r.trigger_signal_id))) as string[],
        ],
      );
    }
  }
  if (plan.deleteInsightIds.length > 0) {
    await tx.query("DELETE FROM insights WHERE id = ANY($1::uuid[])", [plan.deleteInsightIds]);
  }
  const ins = plan.upsertInsights;
  if (ins.length > 0) {
    await tx.query(
      `INSERT INTO insights (id, policy_id, user_id, indicator_id, day, value, event_count, score, severity)
       SELECT t.id, $1, $2, t.indicator_id, t.day, t.value, t.event_count, t.score, t.severity
         FROM unnest($3::uuid[], $4::uuid[], $5::date[], $6::double precision[], $7::integer[],
                     $8::double precision[], $9::text[])
           AS t(id, indicator_id, day, value, event_count, score, severity)
       ON CONFLICT (policy_id, user_id, indicator_id, day)
       DO UPDATE SET value = EXCLUDED.value, event_count = EXCLUDED.event_count, score = EXCLUDED.score,
                     severity = EXCLUDED.severity`,
      [
        policy.id,
        userId,
        ins.map((i) => i.id),
        ins.map((i) => i.indicator_id),
        ins.map((i) => i.day),
        ins.map((i) => i.value),
        ins.map((i) => i.event_count),
        ins.map((i) => i.score),
        ins.map((i) => i.severity),
      ],
    );
  }
  const alert = plan.alert;
  if (!alert) return null;
  const now = ctx.clock.now().toISOString();
  const explanation = alert.explanation as unknown as Record<string, unknown>;
  if (alert.kind === "create") {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO alerts (id, policy_id, user_id, status, severity, score, version, explanation, time_detected, updated_at)
       VALUES ($1, $2, $3, 'NeedsReview', $4, $5, 1, $6, $7, $7)`,
      [id, policy.id, userId, alert.severity, alert.score, explanation, now],
    );
    await tx.query(
      "INSERT INTO alert_versions (alert_id, version, severity, score, explanation, created_at) VALUES ($1, 1, $2, $3, $4, $5)",
      [id, alert.severity, alert.score, explanation, now],
    );
    await audit(ctx, tx, {
      action: "alert.create",
      category: "Alerts",
      targetType: "alert",
      targetId: id,
      details: { policyId: policy.id, policy: policy.name, score: alert.score, severity: alert.severity },
    });
    return "created";
  }
  const version = alert.current.version + 1;
  await tx.query(
    "UPDATE alerts SET severity = $2, score = $3, version = $4, explanation = $5, updated_at = $6 WHERE id = $1",
    [alert.current.id, alert.severity, alert.score, version, explanation, now],
  );
  await tx.query(
    "INSERT INTO alert_versions (alert_id, version, severity, score, explanation, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    [alert.current.id, version, alert.severity, alert.score, explanation, now],
  );
  await audit(ctx, tx, {
    action: "alert.update",
    category: "Alerts",
    targetType: "alert",
    targetId: alert.current.id,
    details: {
      policyId: policy.id,
      version,
      previous: { score: alert.current.score, severity: alert.current.severity },
      next: { score: alert.score, severity: alert.severity },
    },
  });
  return "updated";
}
