// The alert queue and alert details, triage (confirm, dismiss, resolve, bulk dismiss) and tuning
// from an alert. Filters are checked here; each bad value names the parameter and the values it accepts.

import { AppError, SEVERITIES } from "@openirm/domain";
import { type AlertFilters, type AlertListRow, getAlertDetail, listAlerts } from "../commands/alerts.ts";
import {
  type AlertTriageRow,
  bulkDismissAlerts,
  getAlertTuning,
  loadAlertTriage,
  parseBulkDismissBody,
  parseTriageBody,
  parseTuneBody,
  type TriageAction,
  triageAlert,
  tuneFromAlert,
} from "../commands/alertTriage.ts";
import { isUuid } from "../commands/indicators.ts";
import type { Ctx } from "../context.ts";
import { presentAlert, presentAlertDetail } from "../presenters/alerts.ts";
import type { RouteModule } from "./app.ts";

export const ALERT_STATUSES = ["NeedsReview", "Confirmed", "Dismissed", "Resolved"] as const;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const QUERY_PARAMETERS = ["status", "severity", "policyId", "detectedFrom", "detectedTo", "page", "pageSize"];

const badFilter = (parameter: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_filter", 400, `${parameter}: ${message}`, { column: parameter, ...details });

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length > 1) throw badFilter(name, `give one value, not ${value.length}.`);
    return String(value[0]);
  }
  return String(value).trim();
}

function list(query: Record<string, unknown>, name: string, allowed: readonly string[]): string[] | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const values = (Array.isArray(raw) ? raw : [raw])
    .flatMap((v) => String(v).split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  return [
    ...new Set(
      values.map((value) => {
        const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
        if (!match) {
          throw badFilter(name, `'${value}' is not allowed; allowed values: ${allowed.join(", ")}.`, { allowed });
        }
        return match;
      }),
    ),
  ];
}

/** A UTC date (midnight UTC) or an ISO 8601 date and time with its offset; returned as ISO UTC. */
function detectedBound(query: Record<string, unknown>, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined || value === "") return undefined;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const valid = new Date(Date.UTC(+day[1]!, +day[2]! - 1, +day[3]!)).toISOString().slice(0, 10) === value;
    if (valid) return `${value}T00:00:00.000Z`;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw badFilter(
    name,
    `'${value}' is not a UTC date; use YYYY-MM-DD (e.g. 2023-04-24, read as 00:00 UTC) or an ISO 8601 date and time with Z or an offset.`,
  );
}

function wholeNumber(query: Record<string, unknown>, name: string, min: number, max: number, fallback: number) {
  const value = single(query, name);
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw badFilter(name, `'${value}' is not allowed; use a whole number from ${min} to ${max}.`, { min, max });
  }
  return n;
}

/** Parses the queue's query string. */
export function parseAlertFilters(query: Record<string, unknown>): AlertFilters {
  for (const key of Object.keys(query)) {
    if (!QUERY_PARAMETERS.includes(key)) {
      throw badFilter(key, `unknown parameter; the alert queue accepts: ${QUERY_PARAMETERS.join(", ")}.`);
    }
  }
  const policyId = single(query, "policyId") || undefined;
  if (policyId && !isUuid(policyId)) throw badFilter("policyId", `'${policyId}' is not a policy id (a UUID).`);
  const detectedFrom = detectedBound(query, "detectedFrom");
  const detectedTo = detectedBound(query, "detectedTo");
  if (detectedFrom && detectedTo && detectedTo <= detectedFrom) {
    throw badFilter(
      "detectedTo",
      `'${single(query, "detectedTo")}' must be after detectedFrom '${single(query, "detectedFrom")}' (detectedTo is exclusive).`,
    );
  }
  return {
    statuses: list(query, "status", ALERT_STATUSES),
    severities: list(query, "severity", SEVERITIES),
    policyId,
    detectedFrom,
    detectedTo,
    page: wholeNumber(query, "page", 1, 1_000_000, 1),
    pageSize: wholeNumber(query, "pageSize", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
  };
}

const presentItem = (ctx: Ctx, row: AlertListRow & AlertTriageRow) => presentAlert(ctx, row, row);

export const alertRoutes: RouteModule = (app) => {
  app.get("/api/alerts", { config: { permission: "alerts.read" } }, async (request) => {
    const filters = parseAlertFilters((request.query ?? {}) as Record<string, unknown>);
    const { rows, total } = await listAlerts(request.ctx, filters);
    const triage = await loadAlertTriage(
      request.ctx.db,
      rows.map((r) => r.id),
    );
    return {
      items: rows.map((row) => presentAlert(request.ctx, row, triage.get(row.id))),
      total,
      page: filters.page,
      pageSize: filters.pageSize,
    };
  });

  app.get<{ Params: { id: string } }>("/api/alerts/:id", { config: { permission: "alerts.read" } }, async (request) => {
    const detail = await getAlertDetail(request.ctx, request.params.id);
    const triage = await loadAlertTriage(request.ctx.db, [detail.alert.id]);
    return presentAlertDetail(request.ctx, detail, triage.get(detail.alert.id));
  });

  // Bulk dismissal: only alerts in NeedsReview; the answer says what happened to each id.
  app.post("/api/alerts/dismiss", { config: { permission: "alerts.triage" } }, async (request) => {
    const items = await bulkDismissAlerts(request.ctx, parseBulkDismissBody(request.body));
    return { items, dismissed: items.filter((i) => i.outcome === "dismissed").length };
  });

  for (const action of ["confirm", "dismiss", "resolve"] as const satisfies readonly TriageAction[]) {
    app.post<{ Params: { id: string } }>(
      `/api/alerts/:id/${action}`,
      { config: { permission: "alerts.triage" } },
      async (request) => {
        const input = parseTriageBody(action, request.body);
        return presentItem(request.ctx, await triageAlert(request.ctx, request.params.id, action, input));
      },
    );
  }

  app.get<{ Params: { id: string } }>(
    "/api/alerts/:id/tuning",
    { config: { permission: "alerts.read" } },
    async (request) => getAlertTuning(request.ctx, request.params.id),
  );

  app.post<{ Params: { id: string } }>(
    "/api/alerts/:id/tune",
    { config: { permission: "alerts.triage" } },
    async (request) => {
      const input = parseTuneBody(request.body);
      const result = await tuneFromAlert(request.ctx, request.params.id, input);
      return { ...result, alert: presentItem(request.ctx, result.alert) };
    },
  );
};
