// Alerts: the queue (filtered, paged, newest first) and one alert with its evidence and history.

import {
  ACTIVITY_TYPES,
  activityExclusion,
  type CompiledDetections,
  CUMULATIVE_WINDOW_DAYS,
  compileDetections,
  effectivePolicyConfig,
  findBuiltinIndicator,
  findPolicyTemplate,
  importedSecurityAlert,
  indicatorMatchesSignal,
  notFound,
  type PriorityContentMatcher,
  priorityContentMatcher,
} from "@openirm/domain";
import type { Ctx } from "../context.ts";
import type { SqlParam } from "../store/db.ts";
import { isUuid } from "./indicators.ts";
import { loadPhysicalAccess } from "./physicalAccess.ts";
import { visibleUserSql } from "./priorityGroups.ts";
import type { Explanation } from "./scoring.ts";
import { loadSettings } from "./settings.ts";

export interface AlertFilters {
  statuses?: string[] | undefined;
  severities?: string[] | undefined;
  policyId?: string | undefined;
  /** ISO 8601 UTC instant, inclusive (a date filter gives its 00:00 UTC). */
  detectedFrom?: string | undefined;
  /** ISO 8601 UTC instant, exclusive. */
  detectedTo?: string | undefined;
  page: number;
  pageSize: number;
}

export interface AlertListRow {
  id: string;
  policy_id: string;
  policy_name: string;
  user_id: string;
  upn: string;
  display_name: string | null;
  status: string;
  severity: string;
  score: number;
  version: number;
  time_detected: string;
  updated_at: string;
}

export interface AlertSignalRow {
  id: number;
  occurred_at: string;
  source_value: string | null;
  attributes: Record<string, unknown>;
  day: string;
}

export interface AlertDetail {
  alert: AlertListRow & { explanation: Explanation };
  versions: { version: number; severity: string; score: number; created_at: string; insight_count: number }[];
  /** Signals behind each insight (by insight id), with the connector's user column for pseudonymisation. */
  signals: Map<string, { rows: AlertSignalRow[]; total: number; userColumn: string | null }>;
}

/** Signals returned per insight; the total is always given. */
export const SIGNALS_PER_INSIGHT = 100;

const SELECT_ALERTS = `
  SELECT a.id, a.policy_id, p.name AS policy_name, a.user_id, u.upn, u.display_name, a.status, a.severity,
         a.score, a.version, a.time_detected, a.updated_at
    FROM alerts a
    JOIN policies p ON p.id = a.policy_id
    JOIN directory_users u ON u.id = a.user_id`;

export async function listAlerts(ctx: Ctx, filters: AlertFilters): Promise<{ rows: AlertListRow[]; total: number }> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  const add = (sql: string, value: SqlParam) => {
    params.push(value);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (filters.statuses?.length) add("a.status = ANY(?::text[])", filters.statuses);
  if (filters.severities?.length) add("a.severity = ANY(?::text[])", filters.severities);
  if (filters.policyId) add("a.policy_id = ?", filters.policyId);
  if (filters.detectedFrom) add("a.time_detected >= ?::timestamptz", filters.detectedFrom);
  if (filters.detectedTo) add("a.time_detected < ?::timestamptz", filters.detectedTo);
  // Alerts of priority user group members only for the groups' viewers (counted and paged alike).
  const visible = visibleUserSql(ctx.actor, "a.user_id", params);
  if (visible !== "TRUE") where.push(visible);
  const clause = where.length ? ` WHERE ${where.join(" AND ")}` : "";
  const total = (await ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM alerts a${clause}`, params)).rows[0]?.n;
  const { rows } = await ctx.db.query<AlertListRow>(
    `${SELECT_ALERTS}${clause} ORDER BY a.time_detected DESC, a.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, filters.pageSize, (filters.page - 1) * filters.pageSize],
  );
  return { rows, total: Number(total ?? 0) };
}

export async function getAlertDetail(ctx: Ctx, id: string): Promise<AlertDetail> {
  // An alert hidden by a priority user group is answered like one that does not exist (404).
  const params: SqlParam[] = [id];
  const visible = visibleUserSql(ctx.actor, "a.user_id", params);
  const alert = isUuid(id)
    ? (
        await ctx.db.query<AlertListRow & { explanation: Explanation }>(
          `${SELECT_ALERTS.replace("a.updated_at", "a.updated_at, a.explanation")} WHERE a.id = $1 AND ${visible}`,
          params,
        )
      ).rows[0]
    : undefined;
  if (!alert) throw notFound("Alert", id);
  const versions = (
    await ctx.db.query<AlertDetail["versions"][number]>(
      `SELECT version, severity, score, created_at,
              COALESCE(jsonb_array_length(explanation -> 'insights'), 0) AS insight_count
         FROM alert_versions WHERE alert_id = $1 ORDER BY version DESC`,
      [id],
    )
  ).rows;

  const insights = alert.explanation?.insights ?? [];
  const signals: AlertDetail["signals"] = new Map();
  const custom = new Map<string, typeof insights>();
  const builtin: typeof insights = [];
  for (const insight of insights) {
    if (insight.kind === "sequence") {
      signals.set(insight.id, await sequenceSignals(ctx, alert.user_id, insight));
    } else if (insight.kind === "cumulative") {
      signals.set(insight.id, await cumulativeSignals(ctx, alert.user_id, insight.day));
    } else if (findBuiltinIndicator(insight.indicatorId)) {
      builtin.push(insight);
    } else {
      const list = custom.get(insight.indicatorId) ?? [];
      list.push(insight);
      custom.set(insight.indicatorId, list);
    }
  }
  if (builtin.length > 0) {
    const detections = compileDetections((await loadSettings(ctx)).detections);
    const policy = (
      await ctx.db.query<{ template: string; config: unknown }>("SELECT template, config FROM policies WHERE id = $1", [
        alert.policy_id,
      ])
    ).rows[0];
    const config = policy ? effectivePolicyConfig(policy.config, findPolicyTemplate(policy.template)) : null;
    // A policy scoring only priority content counted only the events with it.
    const onlyPriority = config?.scoreOnlyPriorityContent
      ? priorityContentMatcher(config.priorityContent, detections)
      : null;
    for (const insight of builtin) {
      signals.set(insight.id, await builtinSignals(ctx, alert.user_id, insight, detections, onlyPriority));
    }
  }
  for (const [indicatorId, list] of custom) {
    const indicator = (
      await ctx.db.query<{ connector_id: string; source_value: string | null; user_column: string | null }>(
        `SELECT i.connector_id, i.source_value, c.config ->> 'userColumn' AS user_column
           FROM indicators i JOIN connectors c ON c.id = i.connector_id WHERE i.id = $1`,
        [indicatorId],
      )
    ).rows[0];
    if (!indicator) continue;
    const { rows } = await ctx.db.query<AlertSignalRow & { rn: number; total: number }>(
      `SELECT * FROM (
         SELECT id, occurred_at, source_value, attributes,
                to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
                row_number() OVER (PARTITION BY (occurred_at AT TIME ZONE 'UTC')::date ORDER BY occurred_at, id) AS rn,
                count(*) OVER (PARTITION BY (occurred_at AT TIME ZONE 'UTC')::date) AS total
           FROM signals
          WHERE kind = 'indicator' AND user_id = $1 AND connector_id = $2 AND source_value IS NOT DISTINCT FROM $3::text
            AND (occurred_at AT TIME ZONE 'UTC')::date = ANY($4::date[])
       ) s WHERE rn <= $5 ORDER BY occurred_at, id`,
      [alert.user_id, indicator.connector_id, indicator.source_value, list.map((i) => i.day), SIGNALS_PER_INSIGHT],
    );
    for (const insight of list) {
      const dayRows = rows.filter((r) => r.day === insight.day);
      signals.set(insight.id, {
        rows: dayRows,
        total: Number(dayRows[0]?.total ?? 0),
        userColumn: indicator.user_column,
      });
    }
  }
  return { alert, versions, signals };
}

const SIGNAL_COLUMNS = `id, occurred_at, source_value, attributes,
  to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day`;

/** The events a built-in indicator counted that day: its kind and filter, minus what the detections exclude. */
async function builtinSignals(
  ctx: Ctx,
  userId: string,
  insight: Explanation["insights"][number],
  detections: CompiledDetections,
  onlyPriority: PriorityContentMatcher | null,
) {
  const indicator = findBuiltinIndicator(insight.indicatorId)!;
  if (indicator.requiresPhysicalFinding) return physicalSignals(ctx, userId, insight.day);
  const { rows } = await ctx.db.query<AlertSignalRow>(
    `SELECT ${SIGNAL_COLUMNS} FROM signals
      WHERE user_id = $1 AND kind = $2 AND (occurred_at AT TIME ZONE 'UTC')::date = $3::date
      ORDER BY occurred_at, id`,
    [userId, indicator.signalKind, insight.day],
  );
  const counted = rows.filter((r) => {
    const signal = { kind: indicator.signalKind, attributes: r.attributes ?? {} };
    return (
      indicatorMatchesSignal(indicator, signal) &&
      activityExclusion(signal.attributes, detections) === null &&
      importedSecurityAlert(signal, detections) &&
      (onlyPriority === null || onlyPriority(signal.attributes) !== null)
    );
  });
  return { rows: counted.slice(0, SIGNALS_PER_INSIGHT), total: counted.length, userColumn: null };
}

/** The badge events of a day with a finding (priority asset, failed access, after termination), as the indicator counted them. */
async function physicalSignals(ctx: Ctx, userId: string, day: string) {
  const from = `${day}T00:00:00.000Z`;
  const to = new Date(Date.parse(from) + 86_400_000).toISOString();
  const { items, total } = await loadPhysicalAccess(ctx, {
    userIds: [userId],
    from,
    to,
    limit: SIGNALS_PER_INSIGHT,
    offset: 0,
  });
  const rows: AlertSignalRow[] = items
    .map((i) => ({
      id: Number(i.signalId),
      occurred_at: i.occurredAt,
      source_value: null,
      day,
      attributes: {
        AssetId: i.assetId,
        AssetName: i.assetName,
        AccessStatus: i.accessStatus,
        SourceSystem: i.sourceSystem,
        findings: i.findings,
      },
    }))
    .reverse();
  return { rows, total, userColumn: null };
}

/** The events of a sequence's chains. */
async function sequenceSignals(ctx: Ctx, userId: string, insight: Explanation["insights"][number]) {
  const ids = Array.isArray(insight.details?.signalIds)
    ? (insight.details.signalIds as unknown[]).filter((v): v is string => typeof v === "string" && /^\d+$/.test(v))
    : [];
  if (ids.length === 0) return { rows: [], total: 0, userColumn: null };
  const { rows } = await ctx.db.query<AlertSignalRow>(
    `SELECT ${SIGNAL_COLUMNS} FROM signals WHERE user_id = $1 AND id = ANY($2::bigint[]) ORDER BY occurred_at, id`,
    [userId, ids],
  );
  return { rows: rows.slice(0, SIGNALS_PER_INSIGHT), total: rows.length, userColumn: null };
}

/** The latest exfiltration events of the 30 days up to the cumulative insight's day. */
async function cumulativeSignals(ctx: Ctx, userId: string, day: string) {
  const kinds = ACTIVITY_TYPES.filter((t) => t.stage === "exfiltration").map((t) => `activity.${t.id}`);
  const { rows } = await ctx.db.query<AlertSignalRow & { total: number }>(
    `SELECT ${SIGNAL_COLUMNS}, count(*) OVER () AS total FROM signals
      WHERE user_id = $1 AND kind = ANY($2::text[])
        AND occurred_at >= ($3::date - ${CUMULATIVE_WINDOW_DAYS - 1}) AND occurred_at < ($3::date + 1)
      ORDER BY occurred_at DESC, id DESC LIMIT $4`,
    [userId, kinds, day, SIGNALS_PER_INSIGHT],
  );
  return { rows: rows.reverse(), total: Number(rows[0]?.total ?? 0), userColumn: null };
}
