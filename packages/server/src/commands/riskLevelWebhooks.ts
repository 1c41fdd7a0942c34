// Webhooks for risk level changes: endpoints registered by an administrator, one delivery per event
// and endpoint, signed with HMAC-SHA256, retried with exponential backoff, in order per user.

import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { AppError, can, type LevelReason, notFound, type RiskLevel, readTenantSettings } from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { userAlias } from "../presenters/users.ts";
import type { Queryable, SqlParam } from "../store/db.ts";
import { isUuid } from "./indicators.ts";

export const EVENT_TYPE = "riskLevel.changed";
export const TEST_EVENT_TYPE = "riskLevel.test";
export const SIGNATURE_HEADER = "openirm-signature";

/**
 * Wait before attempt 2, 3, …: 1 min, 5 min, 15 min, 1 h, 2 h, 4 h, 6 h. An event is given up
 * (status failed) after MAX_ATTEMPTS attempts, about 13.5 hours after the first.
 */
export const RETRY_DELAYS_MS = [1, 5, 15, 60, 120, 240, 360].map((m) => m * 60_000);
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** An endpoint must answer within this time; a slower answer counts as a failure. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Deliveries attempted per processing pass. */
const DELIVERIES_PER_PASS = 200;
const MIN_SECRET_LENGTH = 16;
const MAX_SECRET_LENGTH = 200;

/** The signature header value: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

export interface WebhookRow {
  id: string;
  name: string;
  url: string;
  include_identities: boolean;
  created_by: string;
  created_at: string;
  pending: number;
  failed: number;
  delivered: number;
  last_delivered_at: string | null;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  user_id: string | null;
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function checkUrl(value: unknown): string {
  const fix =
    "give the full https URL of the receiving endpoint, e.g. https://soar.example.com/hooks/openirm (http is accepted only for localhost, 127.0.0.1 and [::1]).";
  if (typeof value !== "string" || value.trim() === "") {
    throw new AppError("invalid_webhook", 400, `url: missing; ${fix}`, { column: "url" });
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new AppError("invalid_webhook", 400, `url: '${value}' is not a URL; ${fix}`, { column: "url" });
  }
  const local = LOCAL_HOSTS.has(url.hostname.toLowerCase()) || url.hostname.toLowerCase().endsWith(".localhost");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw new AppError("invalid_webhook", 400, `url: '${value}' uses ${url.protocol.replace(":", "")}; ${fix}`, {
      column: "url",
    });
  }
  if (url.username || url.password) {
    throw new AppError(
      "invalid_webhook",
      400,
      "url: must not carry a user name or password; the receiver checks the signature header instead.",
      { column: "url" },
    );
  }
  return url.toString();
}

export interface CreateWebhookInput {
  name?: unknown;
  url?: unknown;
  secret?: unknown;
  includeIdentities?: unknown;
}

const WEBHOOK_FIELDS = ["name", "url", "secret", "includeIdentities"];

/** Registers an endpoint. The secret (given, or generated) is returned here only. */
export async function createWebhook(ctx: Ctx, input: unknown): Promise<{ webhook: WebhookRow; secret: string }> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new AppError("invalid_webhook", 400, 'The body must be a JSON object such as {"url": "https://…"}.', {
      column: "body",
    });
  }
  const body = input as CreateWebhookInput;
  for (const key of Object.keys(body)) {
    if (!WEBHOOK_FIELDS.includes(key)) {
      throw new AppError(
        "invalid_webhook",
        400,
        `${key}: unknown field; a webhook has: ${WEBHOOK_FIELDS.join(", ")}.`,
        { column: key },
      );
    }
  }
  const url = checkUrl(body.url);
  let name = new URL(url).host;
  if (body.name !== undefined) {
    if (typeof body.name !== "string" || body.name.trim() === "" || body.name.length > 200) {
      throw new AppError("invalid_webhook", 400, "name: give a text of 1 to 200 characters.", { column: "name" });
    }
    name = body.name.trim();
  }
  let secret = `whsec_${randomBytes(32).toString("base64url")}`;
  if (body.secret !== undefined) {
    if (
      typeof body.secret !== "string" ||
      body.secret.length < MIN_SECRET_LENGTH ||
      body.secret.length > MAX_SECRET_LENGTH ||
      /\s/.test(body.secret)
    ) {
      throw new AppError(
        "invalid_webhook",
        400,
        `secret: give ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH} characters without spaces, or leave it out to have one generated.`,
        { column: "secret" },
      );
    }
    secret = body.secret;
  }
  let includeIdentities = false;
  if (body.includeIdentities !== undefined) {
    if (typeof body.includeIdentities !== "boolean") {
      throw new AppError("invalid_webhook", 400, "includeIdentities: must be true or false.", {
        column: "includeIdentities",
      });
    }
    includeIdentities = body.includeIdentities;
  }
  if (includeIdentities && !can(ctx.actor, "identities.view")) {
    throw new AppError(
      "forbidden",
      403,
      "includeIdentities: only a caller entitled to see identities (identities.view) may send user names to an endpoint; leave it false to send aliases.",
      { column: "includeIdentities" },
    );
  }
  const id = randomUUID();
  const now = ctx.clock.now().toISOString();
  const createdBy =
    ctx.actor.kind === "account" ? ctx.actor.username : ctx.actor.kind === "app" ? ctx.actor.name : "system";
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO risk_level_webhooks (id, name, url, secret, include_identities, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, name, url, secret, includeIdentities, createdBy, now],
    );
    await audit(ctx, tx, {
      action: "riskLevelWebhook.create",
      category: "Settings",
      targetType: "webhook",
      targetId: id,
      details: { name, url, includeIdentities },
    });
  });
  return { webhook: await getWebhook(ctx, id), secret };
}

const SELECT_WEBHOOKS = `
  SELECT w.id, w.name, w.url, w.include_identities, w.created_by, w.created_at,
         count(*) FILTER (WHERE d.status = 'pending') AS pending,
         count(*) FILTER (WHERE d.status = 'failed') AS failed,
         count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
         max(d.delivered_at) AS last_delivered_at
    FROM risk_level_webhooks w LEFT JOIN risk_level_deliveries d ON d.webhook_id = w.id
   WHERE w.deleted_at IS NULL`;

function numbers(row: WebhookRow): WebhookRow {
  return { ...row, pending: Number(row.pending), failed: Number(row.failed), delivered: Number(row.delivered) };
}

export async function listWebhooks(ctx: Ctx): Promise<WebhookRow[]> {
  const { rows } = await ctx.db.query<WebhookRow>(`${SELECT_WEBHOOKS} GROUP BY w.id ORDER BY w.created_at, w.id`);
  return rows.map(numbers);
}

export async function getWebhook(ctx: Ctx, id: string): Promise<WebhookRow> {
  const row = isUuid(id)
    ? (await ctx.db.query<WebhookRow>(`${SELECT_WEBHOOKS} AND w.id = $1 GROUP BY w.id`, [id])).rows[0]
    : undefined;
  if (!row) throw notFound("Webhook", id);
  return numbers(row);
}

/** Deletes an endpoint; its pending deliveries are cancelled. */
export async function deleteWebhook(ctx: Ctx, id: string): Promise<void> {
  const hook = await getWebhook(ctx, id);
  await ctx.db.transaction(async (tx) => {
    const now = ctx.clock.now().toISOString();
    await tx.query("UPDATE risk_level_webhooks SET deleted_at = $2 WHERE id = $1", [id, now]);
    await tx.query(
      "UPDATE risk_level_deliveries SET status = 'cancelled', next_attempt_at = NULL WHERE webhook_id = $1 AND status = 'pending'",
      [id],
    );
    await audit(ctx, tx, {
      action: "riskLevelWebhook.delete",
      category: "Settings",
      targetType: "webhook",
      targetId: id,
      details: { name: hook.name, url: hook.url },
    });
  });
}

export async function listDeliveries(
  ctx: Ctx,
  webhookId: string,
  opts: { status?: string | undefined; limit: number },
): Promise<DeliveryRow[]> {
  await getWebhook(ctx, webhookId);
  const params: SqlParam[] = [webhookId, opts.limit];
  let where = "webhook_id = $1";
  if (opts.status) {
    params.push(opts.status);
    where += " AND status = $3";
  }
  const { rows } = await ctx.db.query<DeliveryRow>(
    `SELECT id, webhook_id, event_id, event_type, user_id, status, attempts, max_attempts, next_attempt_at,
            last_attempt_at, last_status, last_error, delivered_at, created_at
       FROM risk_level_deliveries WHERE ${where} ORDER BY seq DESC LIMIT $2`,
    params,
  );
  return rows;
}

export interface LevelChangeEvent {
  eventId: string;
  userId: string;
  occurredAt: string;
  previousLevel: RiskLevel | null;
  level: RiskLevel | null;
  expiresAt: string | null;
  reasons: LevelReason[];
}

/**
 * Queues one delivery of a level change per live endpoint (in the caller's transaction). The user is
 * named by alias; the UPN is added only for endpoints that include identities while the tenant
 * shows names.
 */
export async function enqueueLevelChange(ctx: Ctx, tx: Queryable, event: LevelChangeEvent): Promise<void> {
  const hooks = (
    await tx.query<{ id: string; include_identities: boolean }>(
      "SELECT id, include_identities FROM risk_level_webhooks WHERE deleted_at IS NULL",
    )
  ).rows;
  if (hooks.length === 0) return;
  const showNames = readTenantSettings(ctx.tenant.settings).privacy.showNamesToEntitledRoles;
  let upn: string | undefined;
  if (showNames && hooks.some((h) => h.include_identities)) {
    upn = (await tx.query<{ upn: string }>("SELECT upn FROM directory_users WHERE id = $1", [event.userId])).rows[0]
      ?.upn;
  }
  const alias = userAlias(ctx, event.userId);
  const now = ctx.clock.now().toISOString();
  for (const hook of hooks) {
    const user: Record<string, string> = { id: event.userId, alias };
    if (hook.include_identities && upn) user.upn = upn;
    const body = JSON.stringify({
      id: event.eventId,
      type: EVENT_TYPE,
      occurredAt: event.occurredAt,
      user,
      previousLevel: event.previousLevel,
      level: event.level,
      expiresAt: event.expiresAt,
      reasons: event.reasons.map((r) => ({
        level: r.level,
        criterion: r.criterion,
        metAt: r.metAt,
        message: r.message,
        ...(r.alertIds ? { alertIds: r.alertIds } : {}),
        ...(r.insightDays ? { insightDays: r.insightDays } : {}),
      })),
    });
    await tx.query(
      `INSERT INTO risk_level_deliveries (id, webhook_id, event_id, event_type, user_id, body, status, max_attempts, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8)`,
      [randomUUID(), hook.id, event.eventId, EVENT_TYPE, event.userId, body, MAX_ATTEMPTS, now],
    );
  }
}

interface DueDelivery {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  body: string;
  attempts: number;
  max_attempts: number;
  url: string;
  secret: string;
}

/** Sends one attempt; returns the HTTP status, or the error that prevented an answer. */
async function send(delivery: DueDelivery, attempt: number, now: Date): Promise<{ status?: number; error?: string }> {
  const t = Math.floor(now.getTime() / 1000);
  try {
    const res = await fetch(delivery.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "OpenIRM-Webhooks/1",
        [SIGNATURE_HEADER]: signatureHeader(delivery.secret, delivery.body, t),
        "openirm-event-id": delivery.event_id,
        "openirm-event-type": delivery.event_type,
        "openirm-delivery-id": delivery.id,
        "openirm-delivery-attempt": String(attempt),
      },
      body: delivery.body,
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { status: res.status };
    return { status: res.status, error: `The endpoint answered HTTP ${res.status}.` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason =
      e.name === "TimeoutError"
        ? `No answer within ${DELIVERY_TIMEOUT_MS / 1000} seconds.`
        : `${e.cause?.code ?? e.name}: ${e.cause?.message ?? e.message}`;
    return { error: reason.slice(0, 500) };
  }
}

async function attempt(ctx: Ctx, delivery: DueDelivery): Promise<string> {
  const now = ctx.clock.now();
  const number = delivery.attempts + 1;
  const result = await send(delivery, number, now);
  const ok = result.status !== undefined && result.error === undefined;
  const giveUp = !ok && number >= delivery.max_attempts;
  const status = ok ? "delivered" : giveUp ? "failed" : "pending";
  const next =
    ok || giveUp
      ? null
      : new Date(now.getTime() + (RETRY_DELAYS_MS[number - 1] ?? RETRY_DELAYS_MS.at(-1)!)).toISOString();
  await ctx.db.query(
    `UPDATE risk_level_deliveries
        SET status = $2, attempts = $3, last_attempt_at = $4, last_status = $5, last_error = $6,
            next_attempt_at = $7, delivered_at = $8
      WHERE id = $1`,
    [
      delivery.id,
      status,
      number,
      now.toISOString(),
      result.status ?? null,
      result.error ?? null,
      next,
      ok ? now.toISOString() : null,
    ],
  );
  return status;
}

const SELECT_DUE = `
  SELECT d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.attempts, d.max_attempts, w.url, w.secret
    FROM risk_level_deliveries d JOIN risk_level_webhooks w ON w.id = d.webhook_id`;

/** One pass at a time per database in this process. */
const passes = new WeakMap<object, Promise<unknown>>();

/**
 * Attempts every due delivery. Per endpoint and user, only the oldest pending event is attempted,
 * so a receiver sees one user's changes in order (a later change waits while an earlier one is retried).
 */
export function processDeliveries(ctx: Ctx): Promise<{ attempted: number; delivered: number }> {
  const run = async () => {
    const { rows } = await ctx.db.query<DueDelivery>(
      `${SELECT_DUE}
        WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.deleted_at IS NULL
          AND (d.user_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM risk_level_deliveries e
                 WHERE e.webhook_id = d.webhook_id AND e.user_id = d.user_id AND e.status = 'pending' AND e.seq < d.seq))
        ORDER BY d.seq LIMIT $2`,
      [ctx.clock.now().toISOString(), DELIVERIES_PER_PASS],
    );
    // Endpoints are attempted concurrently; one endpoint's deliveries one after another.
    const byHook = new Map<string, DueDelivery[]>();
    for (const row of rows) byHook.set(row.webhook_id, [...(byHook.get(row.webhook_id) ?? []), row]);
    let delivered = 0;
    await Promise.all(
      [...byHook.values()].map(async (list) => {
        for (const d of list) if ((await attempt(ctx, d)) === "delivered") delivered++;
      }),
    );
    return { attempted: rows.length, delivered };
  };
  const result = (passes.get(ctx.db) ?? Promise.resolve()).then(run, run);
  passes.set(
    ctx.db,
    result.catch(() => undefined),
  );
  return result;
}

/** Sends a test event to one endpoint now (one attempt, no retries); audited. */
export async function sendTestEvent(ctx: Ctx, webhookId: string): Promise<DeliveryRow> {
  const hook = await getWebhook(ctx, webhookId);
  const id = randomUUID();
  const eventId = randomUUID();
  const now = ctx.clock.now().toISOString();
  const body = JSON.stringify({
    id: eventId,
    type: TEST_EVENT_TYPE,
    occurredAt: now,
    user: null,
    previousLevel: null,
    level: null,
    expiresAt: null,
    reasons: [],
  });
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO risk_level_deliveries (id, webhook_id, event_id, event_type, user_id, body, status, max_attempts, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, NULL, $5, 'pending', 1, NULL, $6)`,
      [id, hook.id, eventId, TEST_EVENT_TYPE, body, now],
    );
    await audit(ctx, tx, {
      action: "riskLevelWebhook.test",
      category: "Settings",
      targetType: "webhook",
      targetId: hook.id,
      details: { url: hook.url },
    });
  });
  const due = (await ctx.db.query<DueDelivery>(`${SELECT_DUE} WHERE d.id = $1`, [id])).rows[0] as DueDelivery;
  await attempt(ctx, due);
  return (await listDeliveries(ctx, hook.id, { limit: 1 }))[0] as DeliveryRow;
}
