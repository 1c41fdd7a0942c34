// Adaptive protection: users' risk levels (list, one user, manual Expire) and the webhook endpoints
// told about level changes (register, list, delete, send a test, delivery status).

import { AppError, RISK_LEVELS, type RiskLevel, toIsoUtc } from "@openirm/domain";
import { expireRiskLevel, getRiskLevel, listRiskLevels, type RiskLevelRow } from "../commands/riskLevels.ts";
import {
  createWebhook,
  type DeliveryRow,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  sendTestEvent,
  type WebhookRow,
} from "../commands/riskLevelWebhooks.ts";
import type { Ctx } from "../context.ts";
import { presentUser } from "../presenters/users.ts";
import type { RouteModule } from "./app.ts";

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const LIST_PARAMETERS = ["level", "page", "pageSize"];
const DELIVERY_STATUSES = ["pending", "delivered", "failed", "cancelled"];

const badFilter = (parameter: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_filter", 400, `${parameter}: ${message}`, { column: parameter, ...details });

function text(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String).join(",");
  return String(value).trim();
}

function wholeNumber(query: Record<string, unknown>, name: string, min: number, max: number, fallback: number) {
  const value = text(query, name);
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw badFilter(name, `'${value}' is not allowed; use a whole number from ${min} to ${max}.`, { min, max });
  }
  return n;
}

function levels(query: Record<string, unknown>): RiskLevel[] | undefined {
  const value = text(query, "level");
  if (!value) return undefined;
  return [
    ...new Set(
      value
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean)
        .map((v) => {
          const match = RISK_LEVELS.find((l) => l.toLowerCase() === v.toLowerCase());
          if (!match) {
            throw badFilter("level", `'${v}' is not allowed; allowed values: ${RISK_LEVELS.join(", ")}.`, {
              allowed: RISK_LEVELS,
            });
          }
          return match;
        }),
    ),
  ];
}

function presentLevel(ctx: Ctx, row: RiskLevelRow) {
  return {
    user: presentUser(ctx, { id: row.user_id, upn: row.upn, display_name: row.display_name }),
    level: row.level,
    assignedAt: toIsoUtc(row.assigned_at),
    expiresAt: toIsoUtc(row.expires_at),
    reasons: row.reasons ?? [],
    lastResetAt: toIsoUtc(row.reset_at),
    computedAt: toIsoUtc(row.computed_at),
  };
}

function presentWebhook(row: WebhookRow) {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    includeIdentities: row.include_identities,
    createdBy: row.created_by,
    createdAt: toIsoUtc(row.created_at),
    deliveries: {
      pending: row.pending,
      delivered: row.delivered,
      failed: row.failed,
      lastDeliveredAt: toIsoUtc(row.last_delivered_at),
    },
  };
}

function presentDelivery(row: DeliveryRow) {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type,
    userId: row.user_id,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: toIsoUtc(row.next_attempt_at),
    lastAttemptAt: toIsoUtc(row.last_attempt_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
    deliveredAt: toIsoUtc(row.delivered_at),
    createdAt: toIsoUtc(row.created_at),
  };
}

export const riskLevelRoutes: RouteModule = (app) => {
  app.get("/api/risk-levels", { config: { permission: "alerts.read" } }, async (request) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(query)) {
      if (!LIST_PARAMETERS.includes(key)) {
        throw badFilter(key, `unknown parameter; the risk level list accepts: ${LIST_PARAMETERS.join(", ")}.`);
      }
    }
    const filters = {
      levels: levels(query),
      page: wholeNumber(query, "page", 1, 1_000_000, 1),
      pageSize: wholeNumber(query, "pageSize", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    };
    const { rows, total, counts } = await listRiskLevels(request.ctx, filters);
    return {
      items: rows.map((row) => presentLevel(request.ctx, row)),
      total,
      page: filters.page,
      pageSize: filters.pageSize,
      counts,
    };
  });

  // Static paths first: find-my-way prefers them to the :userId parameter.
  app.get("/api/risk-levels/webhooks", { config: { permission: "settings.read" } }, async (request) => ({
    items: (await listWebhooks(request.ctx)).map(presentWebhook),
  }));

  app.post("/api/risk-levels/webhooks", { config: { permission: "settings.manage" } }, async (request, reply) => {
    const { webhook, secret } = await createWebhook(request.ctx, request.body ?? {});
    reply.status(201);
    return { ...presentWebhook(webhook), secret };
  });

  app.get<{ Params: { id: string } }>(
    "/api/risk-levels/webhooks/:id",
    { config: { permission: "settings.read" } },
    async (request) => presentWebhook(await getWebhook(request.ctx, request.params.id)),
  );

  app.delete<{ Params: { id: string } }>(
    "/api/risk-levels/webhooks/:id",
    { config: { permission: "settings.manage" } },
    async (request, reply) => {
      await deleteWebhook(request.ctx, request.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    "/api/risk-levels/webhooks/:id/test",
    { config: { permission: "settings.manage" } },
    async (request) => presentDelivery(await sendTestEvent(request.ctx, request.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    "/api/risk-levels/webhooks/:id/deliveries",
    { config: { permission: "settings.read" } },
    async (request) => {
      const query = (request.query ?? {}) as Record<string, unknown>;
      const status = text(query, "status") || undefined;
      if (status && !DELIVERY_STATUSES.includes(status)) {
        throw badFilter("status", `'${status}' is not allowed; allowed values: ${DELIVERY_STATUSES.join(", ")}.`);
      }
      const limit = wholeNumber(query, "limit", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
      return {
        items: (await listDeliveries(request.ctx, request.params.id, { status, limit })).map(presentDelivery),
      };
    },
  );

  app.get<{ Params: { userId: string } }>(
    "/api/risk-levels/:userId",
    { config: { permission: "alerts.read" } },
    async (request) => {
      const { row, history } = await getRiskLevel(request.ctx, request.params.userId);
      return {
        ...presentLevel(request.ctx, row),
        history: history.map((h) => ({
          id: h.id,
          previousLevel: h.previous_level,
          level: h.level,
          at: toIsoUtc(h.at),
          expiresAt: toIsoUtc(h.expires_at),
          cause: h.cause,
        })),
      };
    },
  );

  app.post<{ Params: { userId: string } }>(
    "/api/risk-levels/:userId/expire",
    { config: { permission: "alerts.triage" } },
    async (request) => {
      const body = (request.body ?? {}) as { note?: unknown };
      if (body.note !== undefined && (typeof body.note !== "string" || body.note.length > 1000)) {
        throw new AppError("invalid_request", 400, "note: give a text of at most 1000 characters.", {
          column: "note",
        });
      }
      await expireRiskLevel(request.ctx, request.params.userId, body.note as string | undefined);
      const { row } = await getRiskLevel(request.ctx, request.params.userId);
      return presentLevel(request.ctx, row);
    },
  );
};
