// Scoring runs: for each enabled policy and each user in its scope, find the triggers, store the
// memberships and insights, and create or update the user's open alert (versioned). Incremental
// (the users of one upload) or full (every user with signals). The rules are the domain's
// (evaluatePolicy); scoringData.ts loads what they read.

import { randomUUID } from "node:crypto";
import {
  builtinDailyTotals,
  canonicalJson,
  type DailyTotal,
  type DetectedSequence,
  dayStartIso,
  detectSequences,
  evaluatePolicy,
  type InsightBooster,
  insightKey,
  type PolicyEvaluation,
  policyBuiltinIndicatorIds,
  policyIndicatorIds,
  SCORING_MODEL_VERSION,
  scopeMatcher,
  type TenantSettings,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import { type Ctx, SYSTEM_ACTOR } from "../context.ts";
import type { Queryable } from "../store/db.ts";
import { isUuid } from "./indicators.ts";
import {
  type BatchUser,
  type CustomIndicator,
  earliestRelevantActivity,
  groupBy,
  isoMicros,
  loadBatch,
  loadRunContext,
  type PolicyToScore,
  type RunContext,
  sequenceEvents,
} from "./scoringData.ts";
import { loadSettings } from "./settings.ts";

export { hasLiveResignationConnector } from "./scoringData.ts";
export { canonicalJson };

export interface ScoringSummary {
  usersScored: number;
  alertsCreated: number;
  alertsUpdated: number;
  /** New alerts not opened because their policy reached its daily limit (they open on a later run). */
  alertsHeldBack: number;
  durationMs: number;
}

/** Users loaded and scored together: bounds the size of each aggregate query. */
const USERS_PER_BATCH = 500;

const OPEN_STATUSES = ["NeedsReview", "Confirmed"];

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
  insight_key: string;
  kind: string;
  indicator_id: string | null;
  day: string;
  value: number;
  event_count: number;
  base_score: number;
  score: number;
  severity: string;
  details: Record<string, unknown> | null;
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

/** One insight as an alert explains it. */
export interface ExplainedInsight {
  id: string;
  /** "<indicator id>|<day>", the sequence's id, or "cumulative" (explanations of model 1 have none). */
  key?: string;
  /** "indicator", "sequence" or "cumulative" (explanations of model 1 have none: indicator). */
  kind?: string;
  /** Null for sequences and cumulative exfiltration. */
  indicatorId: string;
  indicator: string;
  day: string;
  value: number;
  eventCount: number;
  thresholds: { low: number; medium: number; high: number };
  /** Score from the thresholds alone; the boosters raise it to `score`. */
  baseScore?: number;
  score: number;
  severity: string;
  boosters?: InsightBooster[];
  details?: Record<string, unknown>;
  rank: number;
  contribution: number;
}

/** What an alert stores to explain its score. */
export interface Explanation {
  modelVersion: string;
  policy: { id: string; name: string; template: string };
  score: number;
  severity: string;
  /** Risk factors of the alert (cumulativeExfiltration, priorityContent, sequence, unallowedDomain …). */
  riskFactors?: string[];
  settings: { activationWindowDays: number; pastActivityDays: number };
  triggers: PolicyEvaluation["triggers"];
  windows: { start: string; end: string }[];
  insights: ExplainedInsight[];
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

/** Scores the given users against every enabled policy (the incremental path, after an upload). */
export function scoreUsers(ctx: Ctx, userIds: readonly string[]): Promise<ScoringSummary> {
  return exclusive(ctx.db, () =>
    scoreUserIds(ctx, [...new Set(userIds.filter(isUuid).map((u) => u.toLowerCase()))], { full: false }),
  );
}

/** Scores every user with signals that can bring them into a policy or be scored, or a membership to refresh. */
export function scoreAllUsers(ctx: Ctx): Promise<ScoringSummary> {
  return exclusive(ctx.db, async () => {
    // Every user with a signal is in the directory table (uploads create users before their signals).
    const { rows } = await ctx.db.query<{ user_id: string }>("SELECT id AS user_id FROM directory_users ORDER BY id");
    return scoreUserIds(
      ctx,
      rows.map((r) => r.user_id),
      { full: true },
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

async function scoreUserIds(ctx: Ctx, userIds: string[], opts: { full: boolean }): Promise<ScoringSummary> {
  const started = performance.now();
  const summary: ScoringSummary = {
    usersScored: 0,
    alertsCreated: 0,
    alertsUpdated: 0,
    alertsHeldBack: 0,
    durationMs: 0,
  };
  const systemCtx: Ctx = { ...ctx, actor: SYSTEM_ACTOR, ip: undefined };
  const settings = await loadSettings(ctx);
  const run =
    userIds.length > 0
      ? await loadRunContext(ctx.db, settings, ctx.clock.now(), {
          ...opts,
          alertLimitPerPolicyPerDay: ctx.config.alertLimitPerPolicyPerDay,
        })
      : null;
  if (!run) {
    summary.durationMs = Math.round(performance.now() - started);
    return summary;
  }
  const heldBack = new Map<string, number>();
  for (let i = 0; i < userIds.length; i += USERS_PER_BATCH) {
    await scoreBatch(systemCtx, run, userIds.slice(i, i + USERS_PER_BATCH), summary, heldBack);
  }
  if (heldBack.size > 0) await recordThrottling(systemCtx, run, heldBack);
  summary.durationMs = Math.round(performance.now() - started);
  if (summary.alertsCreated + summary.alertsUpdated + summary.alertsHeldBack > 0) {
    ctx.log.info(
      {
        usersScored: summary.usersScored,
        created: summary.alertsCreated,
        updated: summary.alertsUpdated,
        heldBack: summary.alertsHeldBack,
      },
      "scoring run changed alerts",
    );
  }
  return summary;
}

/** Records, once per run and policy, that new alerts were held back by the daily limit. */
async function recordThrottling(ctx: Ctx, run: RunContext, heldBack: Map<string, number>) {
  await ctx.db.transaction(async (tx) => {
    for (const [policyId, count] of heldBack) {
      const policy = run.policies.find((p) => p.id === policyId);
      ctx.log.warn({ policyId, heldBack: count }, "policy reached its daily alert limit; new alerts held back");
      await audit(ctx, tx, {
        action: "alert.throttle",
        category: "Alerts",
        targetType: "policy",
        targetId: policyId,
        details: { policy: policy?.name ?? null, heldBack: count, limitPerDay: ctx.config.alertLimitPerPolicyPerDay },
      });
    }
  });
}

/**
 * The users of a batch whose custom indicators' days can count, and from when: every user, from
 * the start, when a custom indicator can itself trigger; otherwise only users something else can
 * bring in, from their earliest possible window (less the 30-day baseline of the unusual-activity
 * booster). Users nothing can bring in have no window, so their days are never read.
 */
function customTotalsScope(run: RunContext, users: BatchUser[]): { userIds: string[]; from: string | null } {
  if (run.policies.some((p) => p.config.triggers.indicators.some((t) => run.custom.has(t.indicatorId)))) {
    return { userIds: users.map((u) => u.id), from: null };
  }
  const userIds: string[] = [];
  let from: string | null = null;
  let unbounded = false;
  for (const u of users) {
    const start = earliestRelevantActivity(run, u);
    const activityMayTrigger = run.activityTriggers && (u.activity.length > 0 || u.cumulative !== null);
    if (start === null && !activityMayTrigger) continue;
    userIds.push(u.id);
    if (activityMayTrigger) unbounded = true;
    if (start !== null && (from === null || start < from)) from = start;
  }
  if (unbounded) from = null;
  return { userIds, from };
}

/** Daily totals of one custom indicator for a batch of users: user id → totals. */
async function loadDailyTotals(
  db: Queryable,
  indicator: CustomIndicator,
  userIds: string[],
  from: string | null,
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
        AND user_id = ANY($4::uuid[]) AND ($5::timestamptz IS NULL OR occurred_at >= $5::timestamptz)
      GROUP BY user_id, 2`,
    [indicator.connectorId, indicator.sourceValue, indicator.valueColumn, userIds, from],
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

/** The daily totals a policy reads for one user: its custom indicators and its built-in ones (per priority content). */
function userDailyTotals(
  run: RunContext,
  policy: PolicyToScore,
  user: BatchUser,
  custom: Map<string, Map<string, DailyTotal[]>>,
  builtinCache: Map<string, DailyTotal[]>,
): Map<string, DailyTotal[]> {
  const out = new Map<string, DailyTotal[]>();
  for (const id of policyIndicatorIds(policy.config)) {
    const totals = custom.get(id)?.get(user.id);
    if (totals) out.set(id, totals);
  }
  for (const id of policyBuiltinIndicatorIds(policy.config)) {
    const indicator = run.builtins.get(id);
    if (!indicator) continue;
    const cacheKey = `${policy.variant}|${id}`;
    let totals = builtinCache.get(cacheKey);
    if (!totals) {
      totals = builtinDailyTotals(indicator, user.activityByKind.get(indicator.signalKind) ?? [], run.detections, {
        priorityContent: policy.priority,
        onlyPriorityContent: policy.config.scoreOnlyPriorityContent,
        alreadyExcluded: true,
      });
      builtinCache.set(cacheKey, totals);
    }
    if (totals.length > 0) out.set(id, totals);
  }
  return out;
}

async function scoreBatch(
  ctx: Ctx,
  run: RunContext,
  userIds: string[],
  summary: ScoringSummary,
  heldBack: Map<string, number>,
) {
  const db = ctx.db;
  const users = await loadBatch(db, run, userIds);
  if (users.length === 0) return;
  const ids = users.map((u) => u.id);

  const custom = new Map<string, Map<string, DailyTotal[]>>(); // indicator → user → totals
  const scope = run.custom.size > 0 ? customTotalsScope(run, users) : { userIds: [], from: null };
  if (scope.userIds.length > 0) {
    for (const indicator of run.custom.values()) {
      custom.set(indicator.id, await loadDailyTotals(db, indicator, scope.userIds, scope.from));
    }
  }

  const memberships = groupBy(
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
  const insights = groupBy(
    (
      await db.query<InsightRow>(
        `SELECT id, policy_id, user_id, insight_key, kind, indicator_id, to_char(day, 'YYYY-MM-DD') AS day, value,
                event_count, base_score, score, severity, details
           FROM insights WHERE user_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows,
    (r) => `${r.policy_id}|${r.user_id}`,
  );
  const alerts = groupBy(
    (
      await db.query<AlertRow>(
        `SELECT id, policy_id, user_id, status, severity, score, version, explanation
           FROM alerts WHERE user_id = ANY($1::uuid[])`,
        [ids],
      )
    ).rows,
    (r) => `${r.policy_id}|${r.user_id}`,
  );

  const byUpn = new Map(users.map((u) => [u.upn, u]));
  const memberOf = {
    directoryGroups: (upn: string) => byUpn.get(upn.toLowerCase())?.directoryGroups ?? [],
    priorityUserGroups: (upn: string) => byUpn.get(upn.toLowerCase())?.priorityGroupIds ?? [],
  };
  const matchers = new Map(run.policies.map((p) => [p.id, scopeMatcher(p.config.scope, memberOf)]));
  for (const user of users) {
    const plans: UserPolicyPlan[] = [];
    let inAnyScope = false;
    let sequences: DetectedSequence[] | null = null;
    const builtinCache = new Map<string, DailyTotal[]>();
    for (const policy of run.policies) {
      const pair = `${policy.id}|${user.id}`;
      const inScope = matchers.get(policy.id)!(user.upn);
      inAnyScope ||= inScope;
      const wantsSequences = inScope && policy.template.sequenceDetection && policy.config.sequenceDetection.enabled;
      if (wantsSequences && sequences === null) sequences = detectSequences(sequenceEvents(user.activity)).sequences;
      const pairAlerts = alerts.get(pair) ?? [];
      const evaluation = evaluatePolicy({
        config: policy.config,
        template: policy.template,
        indicators: run.evaluated,
        daily: inScope ? userDailyTotals(run, policy, user, custom, builtinCache) : new Map(),
        candidates: inScope ? user.candidates : [],
        manual: inScope ? (user.manual.get(policy.id) ?? []) : [],
        removedAt: user.removedAt,
        sequences: wantsSequences ? (sequences ?? []) : [],
        cumulative: inScope ? user.cumulative : null,
        boosters: user.boosters,
        priorityContent: policy.priority,
        detections: run.detections,
        settings: run.settings,
        reviewed: reviewedInsights(pairAlerts),
      });
      const plan = planChanges(
        policy,
        user.id,
        evaluation,
        run.settings,
        memberships.get(pair) ?? [],
        insights.get(pair) ?? [],
        pairAlerts.find((a) => OPEN_STATUSES.includes(a.status)),
      );
      if (!plan) continue;
      if (plan.alert?.kind === "create") {
        const room = run.alertRoom.get(policy.id) ?? 0;
        if (room <= 0) {
          // Throttled: the evidence is stored; the alert opens on a later run, when the policy has room.
          plan.alert = null;
          summary.alertsHeldBack++;
          heldBack.set(policy.id, (heldBack.get(policy.id) ?? 0) + 1);
        } else {
          run.alertRoom.set(policy.id, room - 1);
        }
      }
      plans.push(plan);
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

/** The key an explained insight has (explanations of model 1 only have the indicator and day). */
const explainedKey = (i: ExplainedInsight) => i.key ?? insightKey(i.indicatorId, i.day);

/** Insights already reviewed in the user's dismissed or resolved alerts for this policy. */
function reviewedInsights(alerts: readonly AlertRow[]): Map<string, number> | undefined {
  const closed = alerts.filter((a) => !OPEN_STATUSES.includes(a.status));
  if (closed.length === 0) return undefined;
  const out = new Map<string, number>();
  for (const alert of closed) {
    for (const i of alert.explanation?.insights ?? []) {
      const key = explainedKey(i);
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

/** What an insight stores in `details`: its boosters and what its sequence or comparison was. */
function insightDetails(i: PolicyEvaluation["insights"][number]): Record<string, unknown> | null {
  if (i.boosters.length === 0 && !i.details) return null;
  return { ...(i.details ?? {}), ...(i.boosters.length > 0 ? { boosters: i.boosters } : {}) };
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

  const storedByKey = new Map(storedInsights.map((r) => [r.insight_key, r]));
  const wantedKeys = new Set(evaluation.insights.map((i) => i.key));
  const ids = new Map<string, string>();
  const upsertInsights: InsightRow[] = [];
  for (const insight of evaluation.insights) {
    const stored = storedByKey.get(insight.key);
    const id = stored?.id ?? randomUUID();
    ids.set(insight.key, id);
    const details = insightDetails(insight);
    if (
      stored &&
      stored.day === insight.day &&
      stored.value === insight.value &&
      stored.event_count === insight.eventCount &&
      stored.base_score === insight.baseScore &&
      stored.score === insight.score &&
      stored.severity === insight.severity &&
      canonicalJson(stored.details ?? null) === canonicalJson(details)
    ) {
      continue;
    }
    upsertInsights.push({
      id,
      policy_id: policy.id,
      user_id: userId,
      insight_key: insight.key,
      kind: insight.kind,
      indicator_id: insight.indicatorId,
      day: insight.day,
      value: insight.value,
      event_count: insight.eventCount,
      base_score: insight.baseScore,
      score: insight.score,
      severity: insight.severity,
      details,
    });
  }
  const deleteInsightIds = storedInsights.filter((r) => !wantedKeys.has(r.insight_key)).map((r) => r.id);

  let alert: UserPolicyPlan["alert"] = null;
  if (evaluation.alert && (openAlert || evaluation.alert.mayRaise)) {
    const explanation: Explanation = {
      modelVersion: SCORING_MODEL_VERSION,
      policy: { id: policy.id, name: policy.name, template: policy.templateId },
      score: evaluation.alert.score,
      severity: evaluation.alert.severity,
      riskFactors: evaluation.alert.riskFactors,
      settings: { activationWindowDays: settings.activationWindowDays, pastActivityDays: settings.pastActivityDays },
      triggers: evaluation.triggers,
      windows: evaluation.windows.map((w) => ({ start: dayStartIso(w.firstDay), end: dayStartIso(w.endDay) })),
      insights: evaluation.alertInsights.map(
        (i): ExplainedInsight => ({
          id: ids.get(i.key)!,
          key: i.key,
          kind: i.kind,
          indicatorId: i.indicatorId as string,
          indicator: i.indicator,
          day: i.day,
          value: i.value,
          eventCount: i.eventCount,
          thresholds: i.thresholds,
          baseScore: i.baseScore,
          score: i.score,
          severity: i.severity,
          boosters: i.boosters,
          ...(i.details ? { details: { ...i.details } } : {}),
          rank: i.rank,
          contribution: i.contribution,
        }),
      ),
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
      `INSERT INTO insights (id, policy_id, user_id, insight_key, kind, indicator_id, day, value, event_count,
                             base_score, score, severity, details)
       SELECT t.id, $1, $2, t.insight_key, t.kind, t.indicator_id, t.day, t.value, t.event_count, t.base_score,
              t.score, t.severity, t.details::jsonb
         FROM unnest($3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::date[], $8::double precision[],
                     $9::integer[], $10::double precision[], $11::double precision[], $12::text[], $13::text[])
           AS t(id, insight_key, kind, indicator_id, day, value, event_count, base_score, score, severity, details)
       ON CONFLICT (policy_id, user_id, insight_key)
       DO UPDATE SET kind = EXCLUDED.kind, indicator_id = EXCLUDED.indicator_id, day = EXCLUDED.day,
                     value = EXCLUDED.value, event_count = EXCLUDED.event_count, base_score = EXCLUDED.base_score,
                     score = EXCLUDED.score, severity = EXCLUDED.severity, details = EXCLUDED.details`,
      [
        policy.id,
        userId,
        ins.map((i) => i.id),
        ins.map((i) => i.insight_key),
        ins.map((i) => i.kind),
        ins.map((i) => i.indicator_id),
        ins.map((i) => i.day),
        ins.map((i) => i.value),
        ins.map((i) => i.event_count),
        ins.map((i) => i.base_score),
        ins.map((i) => i.score),
        ins.map((i) => i.severity),
        ins.map((i) => (i.details === null ? null : JSON.stringify(i.details))),
      ],
    );
  }
  const alert = plan.alert;
  if (!alert) return null;
  const now = ctx.clock.now().toISOString();
  const explanation = JSON.stringify(alert.explanation);
  if (alert.kind === "create") {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO alerts (id, policy_id, user_id, status, severity, score, version, explanation, time_detected, updated_at)
       VALUES ($1, $2, $3, 'NeedsReview', $4, $5, 1, $6::jsonb, $7, $7)`,
      [id, policy.id, userId, alert.severity, alert.score, explanation, now],
    );
    await tx.query(
      "INSERT INTO alert_versions (alert_id, version, severity, score, explanation, created_at) VALUES ($1, 1, $2, $3, $4::jsonb, $5)",
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
    "UPDATE alerts SET severity = $2, score = $3, version = $4, explanation = $5::jsonb, updated_at = $6 WHERE id = $1",
    [alert.current.id, alert.severity, alert.score, version, explanation, now],
  );
  await tx.query(
    "INSERT INTO alert_versions (alert_id, version, severity, score, explanation, created_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6)",
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
