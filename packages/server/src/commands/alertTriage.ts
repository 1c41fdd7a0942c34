// Alert triage and inline tuning. Triage: confirm, dismiss (one alert or up to 400 at once) and
// resolve, each from the statuses that allow it, audited, followed by the user's risk level.
// Tuning ("reduce alerts for this activity"): for each indicator of an alert, the policy's current
// thresholds, the recommended ones and earlier edits; raising the thresholds or no longer scoring
// the indicator, optionally resolving the alert in the same transaction, then rescoring the user.

import {
  AppError,
  type BuiltinIndicator,
  type BuiltinSignal,
  builtinDailyTotals,
  compileDetections,
  conflict,
  effectivePolicyConfig,
  findBuiltinIndicator,
  findPolicyTemplate,
  formatThresholds,
  loweredLevels,
  notFound,
  type PolicyDefinition,
  parsePolicyPatch,
  RECOMMENDATION_DAYS,
  readPolicyConfig,
  recommendThresholds,
  type ScoringIndicator,
  type Thresholds,
  TUNE_ACTIONS,
  TUNE_THEN,
  type TuneAction,
  type TuneThen,
  toIsoUtc,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import { type Ctx, SYSTEM_ACTOR } from "../context.ts";
import type { Queryable, SqlParam } from "../store/db.ts";
import type { AlertListRow } from "./alerts.ts";
import { isUuid, loadIndicatorInfo, syncBuiltinIndicators } from "./indicators.ts";
import { visibleUserSql } from "./priorityGroups.ts";
import { type ChangeCause, recomputeRiskLevels } from "./riskLevels.ts";
import { processDeliveries } from "./riskLevelWebhooks.ts";
import type { Explanation } from "./scoring.ts";
import { scoreUsers } from "./scoring.ts";
import { loadSettings } from "./settings.ts";

// ── vocabulary ──────────────────────────────────────────────────────────────────────────────

/** Why an alert is dismissed. */
export const DISMISSAL_REASONS = ["ExpectedActivity", "NeedsInvestigationElsewhere", "TooMuchActivity"] as const;
export type DismissalReason = (typeof DISMISSAL_REASONS)[number];

export const DISMISSAL_REASON_LABELS: Readonly<Record<DismissalReason, string>> = {
  ExpectedActivity: "Activity is expected for this user",
  NeedsInvestigationElsewhere: "Worth investigating further outside this alert",
  TooMuchActivity: "The user's alerts contain too much activity",
};

/** How a resolved alert ended; ConfirmedViolation is what the previous-violation booster counts. */
export const RESOLUTIONS = ["ConfirmedViolation", "Benign"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const MAX_NOTES_LENGTH = 2000;
/** Most alerts one bulk dismissal takes. */
export const MAX_BULK_DISMISS = 400;

export type TriageAction = "confirm" | "dismiss" | "resolve";

const OPEN_STATUSES = ["NeedsReview", "Confirmed"] as const;

const TRANSITIONS: Readonly<Record<TriageAction, { from: readonly string[]; to: string; verb: string }>> = {
  confirm: { from: ["NeedsReview"], to: "Confirmed", verb: "confirmed" },
  dismiss: { from: OPEN_STATUSES, to: "Dismissed", verb: "dismissed" },
  resolve: { from: OPEN_STATUSES, to: "Resolved", verb: "resolved" },
};

/** The latest triage decision stored on an alert. */
export interface AlertTriageRow {
  dismissal_reason: string | null;
  resolution: string | null;
  triage_notes: string | null;
  triaged_at: string | null;
  triaged_by: string | null;
}

// ── request bodies ──────────────────────────────────────────────────────────────────────────

const invalid = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_request", 400, message, { column: field, ...details });

const shown = (value: unknown) => (value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value)));

function bodyObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  const raw = body === undefined || body === null ? {} : body;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new AppError("invalid_request", 400, "The request body must be a JSON object.");
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) throw invalid(key, `Unknown field '${key}'; allowed fields: ${allowed.join(", ")}.`);
  }
  return input;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], required: boolean): T | null {
  if (value === undefined || value === null) {
    if (!required) return null;
    throw invalid(field, `${field} is required; allowed values: ${allowed.join(", ")}.`, { allowed });
  }
  const match =
    typeof value === "string" ? allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase()) : undefined;
  if (!match) {
    throw invalid(field, `${field}: ${shown(value)} is not allowed; allowed values: ${allowed.join(", ")}.`, {
      allowed,
    });
  }
  return match;
}

function parseNotes(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid("notes", `notes must be text (got ${shown(value)}).`);
  const text = value.trim();
  if (text.length > MAX_NOTES_LENGTH) {
    throw invalid(
      "notes",
      `notes is ${text.length} characters long; at most ${MAX_NOTES_LENGTH} are kept. Shorten the notes.`,
      { max: MAX_NOTES_LENGTH },
    );
  }
  return text || null;
}

export interface TriageInput {
  reason: DismissalReason | null;
  resolution: Resolution | null;
  notes: string | null;
}

/** The body of confirm, dismiss or resolve. */
export function parseTriageBody(action: TriageAction, body: unknown): TriageInput {
  const fields =
    action === "dismiss" ? ["reason", "notes"] : action === "resolve" ? ["resolution", "notes"] : ["notes"];
  const input = bodyObject(body, fields);
  return {
    reason: action === "dismiss" ? oneOf(input.reason, "reason", DISMISSAL_REASONS, true) : null,
    resolution: action === "resolve" ? oneOf(input.resolution, "resolution", RESOLUTIONS, true) : null,
    notes: parseNotes(input.notes),
  };
}

export interface BulkDismissInput {
  ids: string[];
  reason: DismissalReason;
  notes: string | null;
}

export function parseBulkDismissBody(body: unknown): BulkDismissInput {
  const input = bodyObject(body, ["ids", "reason", "notes"]);
  const raw = input.ids;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalid(
      "ids",
      `ids must list the alerts to dismiss (1 to ${MAX_BULK_DISMISS} alert ids), e.g. {"ids": ["…"], "reason": "ExpectedActivity"} (got ${shown(raw)}).`,
      { max: MAX_BULK_DISMISS },
    );
  }
  if (raw.length > MAX_BULK_DISMISS) {
    throw invalid(
      "ids",
      `ids lists ${raw.length} alerts; at most ${MAX_BULK_DISMISS} can be dismissed at once. Send the rest in another request.`,
      { max: MAX_BULK_DISMISS },
    );
  }
  const ids: string[] = [];
  raw.forEach((id, i) => {
    if (typeof id !== "string" || !id.trim()) {
      throw invalid(`ids[${i}]`, `ids[${i}] must be an alert id (got ${shown(id)}).`);
    }
    if (!ids.includes(id.trim())) ids.push(id.trim());
  });
  return {
    ids,
    reason: oneOf(input.reason, "reason", DISMISSAL_REASONS, true) as DismissalReason,
    notes: parseNotes(input.notes),
  };
}

export interface TuneInput {
  indicatorId: string;
  action: TuneAction;
  thresholds: Thresholds | null;
  then: TuneThen;
}

export function parseTuneBody(body: unknown): TuneInput {
  const input = bodyObject(body, ["indicatorId", "action", "thresholds", "then"]);
  if (typeof input.indicatorId !== "string" || !input.indicatorId.trim()) {
    throw invalid(
      "indicatorId",
      `indicatorId is required: the indicator to tune, as GET /api/alerts/:id/tuning lists it (got ${shown(input.indicatorId)}).`,
    );
  }
  const action = oneOf(input.action, "action", TUNE_ACTIONS, true) as TuneAction;
  const then = oneOf(input.then, "then", TUNE_THEN, false) ?? "none";
  let thresholds: Thresholds | null = null;
  if (action === "custom") {
    const raw = input.thresholds;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw invalid(
        "thresholds",
        `action custom needs thresholds {"low": …, "medium": …, "high": …}, the daily totals for low, medium and high severity (got ${shown(raw)}).`,
      );
    }
    const t = raw as Record<string, unknown>;
    for (const key of Object.keys(t)) {
      if (!["low", "medium", "high"].includes(key)) {
        throw invalid(`thresholds.${key}`, `Unknown field 'thresholds.${key}'; thresholds has low, medium and high.`);
      }
    }
    const level = (name: keyof Thresholds) => {
      const v = t[name];
      if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
        throw invalid(
          `thresholds.${name}`,
          `thresholds.${name} must be a positive number (got ${shown(v)}); use a value above 0.`,
        );
      }
      return v;
    };
    thresholds = { low: level("low"), medium: level("medium"), high: level("high") };
  } else if (input.thresholds !== undefined && input.thresholds !== null) {
    throw invalid(
      "thresholds",
      `thresholds are given only with action custom; action ${action} ${action === "recommended" ? "uses the recommended thresholds" : "removes the indicator from the policy"}. Remove thresholds or use action custom.`,
    );
  }
  return { indicatorId: input.indicatorId.trim(), action, thresholds, then };
}

// ── reading ─────────────────────────────────────────────────────────────────────────────────

/** Triage decisions of these alerts (by id). */
export async function loadAlertTriage(db: Queryable, ids: readonly string[]): Promise<Map<string, AlertTriageRow>> {
  const wanted = ids.filter(isUuid);
  if (wanted.length === 0) return new Map();
  const { rows } = await db.query<AlertTriageRow & { id: string }>(
    `SELECT id, dismissal_reason, resolution, triage_notes, triaged_at, triaged_by
       FROM alerts WHERE id = ANY($1::uuid[])`,
    [wanted],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** One alert as the queue lists it, with its triage decision (visible ones only). */
export async function loadAlertItem(ctx: Ctx, id: string): Promise<AlertListRow & AlertTriageRow> {
  const params: SqlParam[] = [id];
  const visible = visibleUserSql(ctx.actor, "a.user_id", params);
  const row = isUuid(id)
    ? (
        await ctx.db.query<AlertListRow & AlertTriageRow>(
          `SELECT a.id, a.policy_id, p.name AS policy_name, a.user_id, u.upn, u.display_name, a.status, a.severity,
                  a.score, a.version, a.time_detected, a.updated_at,
                  a.dismissal_reason, a.resolution, a.triage_notes, a.triaged_at, a.triaged_by
             FROM alerts a
             JOIN policies p ON p.id = a.policy_id
             JOIN directory_users u ON u.id = a.user_id
            WHERE a.id = $1 AND ${visible}`,
          params,
        )
      ).rows[0]
    : undefined;
  if (!row) throw notFound("Alert", id);
  return row;
}

interface LockedAlert {
  id: string;
  user_id: string;
  policy_id: string;
  status: string;
  explanation: Explanation | null;
}

/**
 * The alert, locked for the transaction; an alert the caller may not see (priority user groups)
 * is answered like a missing one. Null when there is none.
 */
async function lockAlert(ctx: Ctx, tx: Queryable, id: string): Promise<LockedAlert | null> {
  if (!isUuid(id)) return null;
  const params: SqlParam[] = [id];
  const visible = visibleUserSql(ctx.actor, "a.user_id", params);
  const { rows } = await tx.query<LockedAlert>(
    `SELECT a.id, a.user_id, a.policy_id, a.status, a.explanation FROM alerts a
      WHERE a.id = $1 AND ${visible} FOR UPDATE`,
    params,
  );
  return rows[0] ?? null;
}

function transitionRefused(alert: LockedAlert, action: TriageAction): AppError {
  const { from } = TRANSITIONS[action];
  const closed = alert.status === "Dismissed" || alert.status === "Resolved";
  return conflict(
    "alert_status_conflict",
    `Alert '${alert.id}' is ${alert.status}; only an alert in ${from.join(" or ")} can be ${TRANSITIONS[action].verb}.${
      closed ? " A dismissed or resolved alert is closed: new activity of the user opens a new alert." : ""
    }`,
    { status: alert.status, allowed: [...from] },
  );
}

const actorName = (ctx: Ctx) =>
  ctx.actor.kind === "account" ? ctx.actor.username : ctx.actor.kind === "app" ? ctx.actor.name : "system";

/** Writes the new status and decision, and the audit entry; in the caller's transaction. */
async function applyTriage(
  ctx: Ctx,
  tx: Queryable,
  alert: LockedAlert,
  action: TriageAction,
  input: TriageInput,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const now = ctx.clock.now().toISOString();
  const next = TRANSITIONS[action].to;
  // updated_at moves too: adaptive protection reads it as the moment of the decision.
  await tx.query(
    `UPDATE alerts SET status = $2, dismissal_reason = $3, resolution = $4, triage_notes = $5, triaged_at = $6,
            triaged_by = $7, updated_at = $6
      WHERE id = $1`,
    [alert.id, next, input.reason, input.resolution, input.notes, now, actorName(ctx)],
  );
  await audit(ctx, tx, {
    action: `alert.${action}`,
    category: "Alerts",
    targetType: "alert",
    targetId: alert.id,
    details: {
      policyId: alert.policy_id,
      userId: alert.user_id,
      previousStatus: alert.status,
      status: next,
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.resolution ? { resolution: input.resolution } : {}),
      ...(input.notes ? { notes: input.notes } : {}),
      ...extra,
    },
  });
}

/**
 * After a change that can move a user's risk level: recompute it now and send the webhook
 * deliveries the change queued. Failures are logged (the hourly run computes levels again).
 */
async function followTriage(ctx: Ctx, userIds: readonly string[], cause: ChangeCause): Promise<void> {
  if (userIds.length === 0) return;
  try {
    const system = { ...ctx, actor: SYSTEM_ACTOR };
    const { levelsChanged } = await recomputeRiskLevels(system, userIds, cause);
    if (levelsChanged > 0) await processDeliveries(system);
  } catch (err) {
    ctx.log.error({ err }, "risk level recomputation after triage failed");
  }
}

// ── triage ──────────────────────────────────────────────────────────────────────────────────

/** Confirms, dismisses or resolves one alert; 404 when missing or hidden, 409 from a status that does not allow it. */
export async function triageAlert(
  ctx: Ctx,
  id: string,
  action: TriageAction,
  input: TriageInput,
): Promise<AlertListRow & AlertTriageRow> {
  const userId = await ctx.db.transaction(async (tx) => {
    const alert = await lockAlert(ctx, tx, id);
    if (!alert) throw notFound("Alert", id);
    if (!TRANSITIONS[action].from.includes(alert.status)) throw transitionRefused(alert, action);
    await applyTriage(ctx, tx, alert, action, input);
    return alert.user_id;
  });
  await followTriage(ctx, [userId], "triage");
  return loadAlertItem(ctx, id);
}

export type BulkOutcome = "dismissed" | "not-found" | "not-needs-review";

/** Dismisses the alerts in NeedsReview among `ids`; answers what happened to each (in the order given). */
export async function bulkDismissAlerts(
  ctx: Ctx,
  input: BulkDismissInput,
): Promise<{ id: string; outcome: BulkOutcome }[]> {
  const userIds = new Set<string>();
  const results = await ctx.db.transaction(async (tx) => {
    const out: { id: string; outcome: BulkOutcome }[] = [];
    const valid = input.ids.filter(isUuid);
    const params: SqlParam[] = [valid];
    const visible = visibleUserSql(ctx.actor, "a.user_id", params);
    const { rows } =
      valid.length > 0
        ? await tx.query<LockedAlert>(
            `SELECT a.id, a.user_id, a.policy_id, a.status, NULL AS explanation FROM alerts a
              WHERE a.id = ANY($1::uuid[]) AND ${visible} ORDER BY a.id FOR UPDATE`,
            params,
          )
        : { rows: [] as LockedAlert[] };
    const byId = new Map(rows.map((r) => [r.id.toLowerCase(), r]));
    for (const id of input.ids) {
      const alert = byId.get(id.toLowerCase());
      if (!alert) out.push({ id, outcome: "not-found" });
      else if (alert.status !== "NeedsReview") out.push({ id, outcome: "not-needs-review" });
      else {
        await applyTriage(
          ctx,
          tx,
          alert,
          "dismiss",
          { reason: input.reason, resolution: null, notes: input.notes },
          {
            bulk: true,
          },
        );
        userIds.add(alert.user_id);
        out.push({ id, outcome: "dismissed" });
      }
    }
    return out;
  });
  await followTriage(ctx, [...userIds], "triage");
  return results;
}

// ── tuning ──────────────────────────────────────────────────────────────────────────────────

interface PolicyForTuning {
  id: string;
  name: string;
  template: string;
  description: string | null;
  enabled: boolean;
  config: unknown;
  deleted_at: string | null;
}

/** An indicator of an alert, as the policy stores it (built-in: catalog id; custom: uuid). */
interface AlertIndicator {
  id: string;
  name: string;
  builtin: BuiltinIndicator | null;
}

/** The alert's indicator insights (not sequences or cumulative exfiltration), one entry per indicator, strongest first. */
function alertIndicators(explanation: Explanation | null): AlertIndicator[] {
  const out: AlertIndicator[] = [];
  for (const insight of explanation?.insights ?? []) {
    const entry = insight as { indicatorId?: unknown; indicator?: unknown; kind?: unknown };
    if (typeof entry.indicatorId !== "string" || !entry.indicatorId) continue;
    if (entry.kind === "sequence" || entry.kind === "cumulative") continue;
    const builtin = findBuiltinIndicator(entry.indicatorId) ?? null;
    const id = builtin ? builtin.id : entry.indicatorId.toLowerCase();
    if (out.some((i) => i.id === id)) continue;
    out.push({ id, name: builtin?.name ?? (typeof entry.indicator === "string" ? entry.indicator : id), builtin });
  }
  return out;
}

const sameIndicator = (stored: string, id: string) => stored.toLowerCase() === id.toLowerCase();

async function loadPolicy(db: Queryable, id: string, lock: boolean): Promise<PolicyForTuning> {
  const { rows } = await db.query<PolicyForTuning>(
    `SELECT id, name, template, description, enabled, config, deleted_at FROM policies WHERE id = $1${lock ? " FOR UPDATE" : ""}`,
    [id],
  );
  if (!rows[0]) throw notFound("Policy", id);
  return rows[0];
}

const DAY_MS = 86_400_000;
/** Users whose built-in indicator signals are read together when computing daily totals. */
const USERS_PER_BATCH = 200;

/** The window the recommendation reads: the last 30 days up to now. */
function recommendationWindow(ctx: Ctx): { from: string; to: string } {
  const now = ctx.clock.now().getTime();
  return { from: new Date(now - RECOMMENDATION_DAYS * DAY_MS).toISOString(), to: new Date(now).toISOString() };
}

/** Non-zero daily totals (per user and UTC day) of a custom indicator over all users in the window. */
async function customDailyValues(ctx: Ctx, indicatorId: string): Promise<number[]> {
  const indicator = (
    await ctx.db.query<{ connector_id: string | null; source_value: string | null; value_column: string | null }>(
      "SELECT connector_id, source_value, value_column FROM indicators WHERE id = $1",
      [indicatorId],
    )
  ).rows[0];
  if (!indicator?.connector_id) return [];
  const { from, to } = recommendationWindow(ctx);
  const { rows } = await ctx.db.query<{ value: number; event_count: number }>(
    `SELECT COALESCE(sum(CASE WHEN jsonb_typeof(attributes -> $3::text) = 'number'
                              THEN (attributes ->> $3::text)::double precision END), 0) AS value,
            count(*) AS event_count
       FROM signals
      WHERE kind = 'indicator' AND connector_id = $1 AND source_value IS NOT DISTINCT FROM $2::text
        AND occurred_at >= $4::timestamptz AND occurred_at <= $5::timestamptz
      GROUP BY user_id, (occurred_at AT TIME ZONE 'UTC')::date`,
    [indicator.connector_id, indicator.source_value, indicator.value_column, from, to],
  );
  return rows
    .map((r) => (indicator.value_column === null ? Number(r.event_count) : Number(r.value)))
    .filter((v) => v > 0);
}

/**
 * Non-zero daily totals of built-in indicators over all users in the window (catalog id → values):
 * their signals read a batch of users at a time and added up as the scorer does, the tenant's
 * intelligent-detection exclusions applied.
 */
async function builtinDailyValues(ctx: Ctx, indicators: readonly BuiltinIndicator[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(indicators.map((b) => [b.id, []]));
  if (indicators.length === 0) return out;
  const kinds = [...new Set(indicators.map((b) => b.signalKind))];
  const { from, to } = recommendationWindow(ctx);
  const detections = compileDetections((await loadSettings(ctx)).detections);
  const users = (
    await ctx.db.query<{ user_id: string }>(
      `SELECT DISTINCT user_id FROM signals
        WHERE kind = ANY($1::text[]) AND occurred_at >= $2::timestamptz AND occurred_at <= $3::timestamptz`,
      [kinds, from, to],
    )
  ).rows.map((r) => r.user_id);
  for (let i = 0; i < users.length; i += USERS_PER_BATCH) {
    const batch = users.slice(i, i + USERS_PER_BATCH);
    const { rows } = await ctx.db.query<{ user_id: string; id: number; kind: string; at: string; attributes: unknown }>(
      `SELECT user_id, id, kind,
              to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, attributes
         FROM signals
        WHERE kind = ANY($1::text[]) AND user_id = ANY($2::uuid[])
          AND occurred_at >= $3::timestamptz AND occurred_at <= $4::timestamptz`,
      [kinds, batch, from, to],
    );
    const byUser = new Map<string, BuiltinSignal[]>();
    for (const r of rows) {
      const signal: BuiltinSignal = {
        id: Number(r.id),
        kind: r.kind,
        at: r.at,
        attributes: r.attributes && typeof r.attributes === "object" ? (r.attributes as Record<string, unknown>) : {},
      };
      const list = byUser.get(r.user_id);
      if (list) list.push(signal);
      else byUser.set(r.user_id, [signal]);
    }
    for (const indicator of indicators) {
      const values = out.get(indicator.id)!;
      for (const signals of byUser.values()) {
        for (const day of builtinDailyTotals(indicator, signals, detections)) if (day.value > 0) values.push(day.value);
      }
    }
  }
  return out;
}

/** Daily values for the recommendation of each of these indicators (by policy id). */
async function dailyValuesOf(ctx: Ctx, indicators: readonly AlertIndicator[]): Promise<Map<string, number[]>> {
  const builtins = indicators.flatMap((i) => (i.builtin ? [i.builtin] : []));
  const out = await builtinDailyValues(ctx, builtins);
  for (const indicator of indicators) {
    if (!indicator.builtin) out.set(indicator.id, await customDailyValues(ctx, indicator.id));
  }
  return out;
}

export interface TuningEdit {
  at: string;
  by: string | null;
  action: string;
  previous: Thresholds | null;
  next: Thresholds | null;
  alertId: string | null;
}

async function loadEdits(db: Queryable, policyId: string, indicatorIds: readonly string[]) {
  const out = new Map<string, TuningEdit[]>(indicatorIds.map((id) => [id, []]));
  if (indicatorIds.length === 0) return out;
  const { rows } = await db.query<{ at: string; actor_name: string | null; details: Record<string, any> }>(
    `SELECT at, actor_name, details FROM audit_entries
      WHERE action = 'policy.tune' AND target_id = $1 AND details ->> 'indicatorId' = ANY($2::text[])
      ORDER BY at DESC, id DESC LIMIT 500`,
    [policyId, [...indicatorIds]],
  );
  for (const r of rows) {
    out.get(r.details.indicatorId)?.push({
      at: toIsoUtc(r.at) as string,
      by: r.actor_name,
      action: String(r.details.action ?? ""),
      previous: r.details.previous ?? null,
      next: r.details.next ?? null,
      alertId: typeof r.details.alertId === "string" ? r.details.alertId : null,
    });
  }
  return out;
}

export interface TuningIndicatorView {
  indicator: { id: string; name: string; kind: "builtin" | "custom" };
  /** Whether the policy still scores it (it may have been removed since the alert was raised). */
  inPolicy: boolean;
  currentThresholds: Thresholds | null;
  /** Built-in indicators: the current thresholds are the catalog defaults (and follow them). */
  defaultThresholds: boolean;
  recommendedThresholds: Thresholds | null;
  /** How many user-days of activity the recommendation read. */
  recommendationDays: number;
  /** Whether "stop" is possible (false when it is the policy's only scoring indicator). */
  canStop: boolean;
  edits: TuningEdit[];
}

export interface TuningView {
  alert: { id: string; status: string };
  policy: { id: string; name: string; template: string; deleted: boolean };
  indicators: TuningIndicatorView[];
}

async function visibleAlert(ctx: Ctx, id: string): Promise<LockedAlert> {
  const params: SqlParam[] = [id];
  const visible = visibleUserSql(ctx.actor, "a.user_id", params);
  const alert = isUuid(id)
    ? (
        await ctx.db.query<LockedAlert>(
          `SELECT a.id, a.user_id, a.policy_id, a.status, a.explanation FROM alerts a WHERE a.id = $1 AND ${visible}`,
          params,
        )
      ).rows[0]
    : undefined;
  if (!alert) throw notFound("Alert", id);
  return alert;
}

/** What tuning from this alert can change: its indicators with current, recommended thresholds and earlier edits. */
export async function getAlertTuning(ctx: Ctx, id: string): Promise<TuningView> {
  const alert = await visibleAlert(ctx, id);
  const policy = await loadPolicy(ctx.db, alert.policy_id, false);
  const effective = effectivePolicyConfig(policy.config, findPolicyTemplate(policy.template));
  const indicators = alertIndicators(alert.explanation);
  const scored = indicators.filter((i) => effective.indicators.some((s) => sameIndicator(s.indicatorId, i.id)));
  const values = policy.deleted_at ? new Map<string, number[]>() : await dailyValuesOf(ctx, scored);
  const edits = await loadEdits(
    ctx.db,
    policy.id,
    indicators.map((i) => i.id),
  );
  return {
    alert: { id: alert.id, status: alert.status },
    policy: { id: policy.id, name: policy.name, template: policy.template, deleted: policy.deleted_at !== null },
    indicators: indicators.map((i) => {
      const entry = effective.indicators.find((s) => sameIndicator(s.indicatorId, i.id));
      const stored = readPolicyConfig(policy.config).indicators.find((s) => sameIndicator(s.indicatorId, i.id));
      const daily = values.get(i.id);
      return {
        indicator: { id: i.id, name: i.name, kind: i.builtin ? "builtin" : "custom" },
        inPolicy: entry !== undefined,
        currentThresholds: entry ? { ...entry.thresholds } : null,
        defaultThresholds: stored?.defaultThresholds === true,
        recommendedThresholds:
          entry && daily && !policy.deleted_at ? recommendThresholds(entry.thresholds, daily) : null,
        recommendationDays: daily?.length ?? 0,
        canStop: entry !== undefined && effective.indicators.length > 1 && !policy.deleted_at,
        edits: edits.get(i.id) ?? [],
      };
    }),
  };
}

export interface TuneResult {
  policy: { id: string; name: string };
  indicator: { id: string; name: string };
  action: TuneAction;
  previous: Thresholds;
  next: Thresholds | null;
  alert: AlertListRow & AlertTriageRow;
}

const definitionOf = (p: PolicyForTuning): PolicyDefinition => ({
  name: p.name,
  template: p.template,
  description: p.description,
  enabled: p.enabled,
  config: readPolicyConfig(p.config),
});

/**
 * Changes the alert's policy for one of its indicators: recommended or custom (higher) thresholds,
 * or stop scoring it; then="dismiss" also resolves the alert as benign in the same transaction.
 * The policy is checked by the policy rules as a whole. The user is rescored right after.
 */
export async function tuneFromAlert(ctx: Ctx, id: string, input: TuneInput): Promise<TuneResult> {
  const before = await visibleAlert(ctx, id);
  const indicators = alertIndicators(before.explanation);
  const wanted = findBuiltinIndicator(input.indicatorId)?.id ?? input.indicatorId.toLowerCase();
  const indicator = indicators.find((i) => i.id === wanted);
  if (!indicator) {
    throw invalid(
      "indicatorId",
      indicators.length > 0
        ? `indicatorId: '${input.indicatorId}' is not an indicator of this alert; its indicators are: ${indicators.map((i) => `${i.id} (${i.name})`).join(", ")}.`
        : `indicatorId: '${input.indicatorId}' is not an indicator of this alert; the alert has no indicator insights to tune.`,
      { allowed: indicators.map((i) => i.id) },
    );
  }
  // Read outside the transaction: the recommendation scans the last 30 days of activity.
  const daily = input.action === "recommended" ? (await dailyValuesOf(ctx, [indicator])).get(indicator.id) : [];
  await syncBuiltinIndicators(ctx.db);

  const outcome = await ctx.db.transaction(async (tx) => {
    const alert = await lockAlert(ctx, tx, id);
    if (!alert) throw notFound("Alert", id);
    const resolving = input.then === "dismiss";
    if (resolving && !TRANSITIONS.resolve.from.includes(alert.status)) {
      throw conflict(
        "alert_status_conflict",
        `Alert '${alert.id}' is ${alert.status}; then "dismiss" resolves the alert, which only an alert in NeedsReview or Confirmed can be. Nothing was changed; send then "none" to tune the policy only.`,
        { status: alert.status, allowed: ["NeedsReview", "Confirmed"] },
      );
    }
    const policy = await loadPolicy(tx, alert.policy_id, true);
    if (policy.deleted_at) {
      throw conflict(
        "policy_deleted",
        `Policy '${policy.name}' was deleted; its alerts remain, but it no longer scores anything to tune.`,
        { policyId: policy.id },
      );
    }
    const stored = readPolicyConfig(policy.config);
    const effective = effectivePolicyConfig(policy.config, findPolicyTemplate(policy.template));
    const index = stored.indicators.findIndex((s) => sameIndicator(s.indicatorId, indicator.id));
    const current = effective.indicators[index]?.thresholds;
    if (index < 0 || !current) {
      throw conflict(
        "indicator_not_in_policy",
        `Policy '${policy.name}' no longer scores '${indicator.name}' (it was removed since the alert was raised); there is nothing to tune.`,
        { indicatorId: indicator.id },
      );
    }
    let nextThresholds: Thresholds | null = null;
    let list: ScoringIndicator[];
    if (input.action === "stop") {
      if (stored.indicators.length === 1) {
        throw invalid(
          "action",
          `'${indicator.name}' is the only indicator policy '${policy.name}' scores, and a policy needs at least one: it cannot stop scoring it. Raise its thresholds instead (action recommended or custom), or turn the policy off (PATCH /api/policies/${policy.id} with {"enabled": false}).`,
        );
      }
      list = stored.indicators.filter((_, i) => i !== index);
    } else {
      nextThresholds =
        input.action === "recommended" ? recommendThresholds(current, daily ?? []) : (input.thresholds as Thresholds);
      const lowered = loweredLevels(current, nextThresholds);
      if (lowered.length > 0) {
        const level = lowered[0]!;
        throw invalid(
          `thresholds.${level}`,
          `thresholds.${level} ${nextThresholds[level]} is lower than the policy's current ${level} threshold ${current[level]} for '${indicator.name}'; tuning from an alert reduces alerts, so it can only raise thresholds (current ${formatThresholds(current)}). To lower them, change the policy (PATCH /api/policies/${policy.id}).`,
          { current },
        );
      }
      const raised = loweredLevels(nextThresholds, current);
      if (raised.length === 0) {
        throw invalid(
          "thresholds",
          `thresholds ${formatThresholds(nextThresholds)} are the current thresholds of '${indicator.name}'; nothing would change. Raise at least one of them.`,
          { current },
        );
      }
      list = stored.indicators.map((s, i) =>
        i === index ? { indicatorId: s.indicatorId, thresholds: nextThresholds as Thresholds } : s,
      );
    }
    const { next } = parsePolicyPatch({ indicators: list }, definitionOf(policy), await loadIndicatorInfo(tx));
    await tx.query("UPDATE policies SET config = $2, updated_at = $3 WHERE id = $1", [
      policy.id,
      next.config as unknown as Record<string, unknown>,
      ctx.clock.now().toISOString(),
    ]);
    await audit(ctx, tx, {
      action: "policy.tune",
      category: "Policies",
      targetType: "policy",
      targetId: policy.id,
      details: {
        policyId: policy.id,
        policy: policy.name,
        indicatorId: indicator.id,
        indicator: indicator.name,
        action: input.action,
        previous: current,
        next: nextThresholds,
        alertId: alert.id,
        resolvesAlert: input.then === "dismiss",
      },
    });
    if (resolving) {
      const what =
        input.action === "stop"
          ? `stopped scoring '${indicator.name}' in policy '${policy.name}'`
          : `raised the thresholds of '${indicator.name}' in policy '${policy.name}' from ${formatThresholds(current)} to ${formatThresholds(nextThresholds as Thresholds)} (${input.action})`;
      await applyTriage(
        ctx,
        tx,
        alert,
        "resolve",
        { reason: null, resolution: "Benign", notes: `Tuned: ${what}.` },
        { tuned: true },
      );
    }
    return {
      policy: { id: policy.id, name: policy.name },
      previous: current,
      next: nextThresholds,
      userId: alert.user_id,
      resolved: resolving,
    };
  });

  // The change takes effect at the next scoring run; the alert's user is rescored now.
  try {
    await scoreUsers(ctx, [outcome.userId]);
  } catch (err) {
    ctx.log.error({ err }, "rescoring after tuning failed; the next scoring run applies the change");
  }
  await followTriage(ctx, [outcome.userId], outcome.resolved ? "triage" : "criteria");
  return {
    policy: outcome.policy,
    indicator: { id: indicator.id, name: indicator.name },
    action: input.action,
    previous: outcome.previous,
    next: outcome.next,
    alert: await loadAlertItem(ctx, id),
  };
}
