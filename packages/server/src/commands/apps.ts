// App registrations: the client id / secret pairs upload scripts authenticate with, and their
// provisioning tokens (long-lived bearer tokens for SCIM).

import { randomUUID } from "node:crypto";
import { AppError, toIsoUtc } from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { generateSecret, hashSecret, verifySecretCached } from "../secrets.ts";
import { generateProvisioningToken, hashProvisioningToken, issueToken } from "../tokens.ts";

export interface CreatedApp {
  id: string;
  name: string;
  clientId: string;
  /** Shown once; only its hash is stored. */
  clientSecret: string;
  tenantId: string;
}

export async function createAppRegistration(ctx: Ctx, input: { name: string }): Promise<CreatedApp> {
  const name = input.name.trim();
  if (!name) throw new AppError("invalid_request", 400, "name: an app registration needs a name.", { column: "name" });
  const id = randomUUID();
  const clientId = randomUUID();
  const clientSecret = generateSecret(40);
  const secretHash = await hashSecret(clientSecret);
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      "INSERT INTO app_registrations (id, client_id, name, secret_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
      [
        id,
        clientId,
        name,
        secretHash,
        ctx.actor.kind === "account" ? ctx.actor.id : null,
        ctx.clock.now().toISOString(),
      ],
    );
    await audit(ctx, tx, {
      action: "app.create",
      category: "Apps",
      targetType: "app",
      targetId: clientId,
      details: { name },
    });
  });
  return { id, name, clientId, clientSecret, tenantId: ctx.tenant.id };
}

export async function listAppRegistrations(ctx: Ctx) {
  const { rows } = await ctx.db.query<{
    id: string;
    client_id: string;
    name: string;
    disabled: boolean;
    created_at: string;
  }>("SELECT id, client_id, name, disabled, created_at FROM app_registrations ORDER BY created_at");
  return rows;
}

/** Entra-style token error: the upload scripts print the body they get back. */
export class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export interface TokenRequest {
  tenantId: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  grantType: string | undefined;
}

export async function issueClientCredentialsToken(ctx: Ctx, req: TokenRequest) {
  if (req.grantType !== "client_credentials") {
    throw new TokenError(
      400,
      "unsupported_grant_type",
      `OIRM70003: grant_type must be 'client_credentials' (got '${req.grantType ?? ""}').`,
    );
  }
  if (req.tenantId && req.tenantId.toLowerCase() !== ctx.tenant.id.toLowerCase()) {
    throw new TokenError(
      400,
      "invalid_request",
      `OIRM90002: Tenant '${req.tenantId}' not found. This server's tenant ID is printed at its first start and shown by 'openirm apps create'.`,
    );
  }
  if (!req.clientId)
    throw new TokenError(
      400,
      "invalid_request",
      "OIRM900144: The request body must contain the parameter 'client_id'.",
    );
  if (!req.clientSecret)
    throw new TokenError(
      401,
      "invalid_client",
      "OIRM7000215: The request body must contain the parameter 'client_secret'.",
    );
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(req.clientId);
  const { rows } = isUuid
    ? await ctx.db.query<{ client_id: string; secret_hash: string; disabled: boolean }>(
        "SELECT client_id, secret_hash, disabled FROM app_registrations WHERE client_id = $1",
        [req.clientId],
      )
    : { rows: [] };
  const app = rows[0];
  if (!app || app.disabled) {
    throw new TokenError(
      400,
      "unauthorized_client",
      `OIRM700016: Application with identifier '${req.clientId}' was not found in the directory '${ctx.tenant.id}'.`,
    );
  }
  if (!(await verifySecretCached(req.clientSecret, app.secret_hash, ctx.clock.now().getTime()))) {
    throw new TokenError(
      401,
      "invalid_client",
      `OIRM7000215: Invalid client secret provided for application '${req.clientId}'.`,
    );
  }
  const now = ctx.clock.now().getTime();
  const lifetime = ctx.config.tokenLifetimeSeconds;
  const issued = await issueToken(
    { sub: app.client_id, kind: "app", tid: ctx.tenant.id },
    ctx.tenant.token_key,
    now,
    lifetime,
  );
  return {
    token_type: "Bearer",
    expires_in: String(lifetime),
    ext_expires_in: String(lifetime),
    expires_on: String(issued.expiresAt),
    not_before: String(issued.issuedAt - 300),
    access_token: issued.token,
  };
}

// ---------------------------------------------------------------------------------------------
// Provisioning tokens

/** A new provisioning token lives a year unless asked otherwise; at most two years, or no expiry. */
export const PROVISIONING_TOKEN_DEFAULT_DAYS = 365;
export const PROVISIONING_TOKEN_MAX_DAYS = 730;
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CreateProvisioningTokenInput {
  name?: string | null | undefined;
  /** Days until the token expires: 1–730; absent: 365; null: never. */
  expiresInDays?: number | null | undefined;
}

export interface ProvisioningTokenSummary {
  id: string;
  name: string;
  appClientId: string;
  status: "active" | "expired" | "revoked";
  createdAt: string | null;
  createdBy: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

interface AppRow {
  client_id: string;
  name: string;
  disabled: boolean;
}

async function findApp(ctx: Ctx, clientId: string): Promise<AppRow> {
  const { rows } = UUID.test(clientId)
    ? await ctx.db.query<AppRow>("SELECT client_id, name, disabled FROM app_registrations WHERE client_id = $1", [
        clientId,
      ])
    : { rows: [] };
  const app = rows[0];
  if (!app) {
    throw new AppError(
      "not_found",
      404,
      `App registration '${clientId}' does not exist; 'openirm apps list' shows the client IDs of the registered apps.`,
      { id: clientId },
    );
  }
  return app;
}

/**
 * Disables or enables an app registration. A disabled app gets no tokens, and the tokens it holds
 * (client-credentials and provisioning) are refused from the next request on: its uploads and its
 * SCIM provisioning stop until it is enabled again. Audited when it changes anything.
 */
export async function setAppDisabled(
  ctx: Ctx,
  clientId: string,
  disabled: boolean,
): Promise<{ clientId: string; name: string; disabled: boolean; changed: boolean }> {
  const app = await findApp(ctx, clientId.toLowerCase());
  if (app.disabled === disabled) return { clientId: app.client_id, name: app.name, disabled, changed: false };
  await ctx.db.transaction(async (tx) => {
    await tx.query("UPDATE app_registrations SET disabled = $2 WHERE client_id = $1", [app.client_id, disabled]);
    await audit(ctx, tx, {
      action: disabled ? "app.disable" : "app.enable",
      category: "Apps",
      targetType: "app",
      targetId: app.client_id,
      details: { name: app.name },
    });
  });
  return { clientId: app.client_id, name: app.name, disabled, changed: true };
}

function expiryDays(value: number | null | undefined): number | null {
  if (value === undefined) return PROVISIONING_TOKEN_DEFAULT_DAYS;
  if (value === null) return null;
  if (!Number.isInteger(value) || value < 1 || value > PROVISIONING_TOKEN_MAX_DAYS) {
    throw new AppError(
      "invalid_request",
      400,
      `expiresInDays: a provisioning token lives 1 to ${PROVISIONING_TOKEN_MAX_DAYS} whole days (got ${value}); leave it out for ${PROVISIONING_TOKEN_DEFAULT_DAYS} days, or send null for a token that does not expire.`,
      { column: "expiresInDays" },
    );
  }
  return value;
}

const SUMMARY_SELECT = `
  SELECT t.id, t.name, t.app_client_id, t.created_at, t.expires_at, t.last_used_at, t.last_used_ip, t.revoked_at,
         c.username AS created_by, r.username AS revoked_by,
         CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked'
              WHEN t.expires_at IS NOT NULL AND t.expires_at <= $1 THEN 'expired'
              ELSE 'active' END AS status
    FROM provisioning_tokens t
    LEFT JOIN accounts c ON c.id = t.created_by
    LEFT JOIN accounts r ON r.id = t.revoked_by`;

interface SummaryRow {
  id: string;
  name: string;
  app_client_id: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  revoked_at: string | null;
  created_by: string | null;
  revoked_by: string | null;
  status: ProvisioningTokenSummary["status"];
}

function presentToken(row: SummaryRow): ProvisioningTokenSummary {
  return {
    id: row.id,
    name: row.name,
    appClientId: row.app_client_id,
    status: row.status,
    createdAt: toIsoUtc(row.created_at),
    createdBy: row.created_by,
    expiresAt: toIsoUtc(row.expires_at),
    lastUsedAt: toIsoUtc(row.last_used_at),
    lastUsedIp: row.last_used_ip,
    revokedAt: toIsoUtc(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}

export interface CreatedProvisioningToken extends ProvisioningTokenSummary {
  /** Shown once; only its SHA-256 is stored. */
  token: string;
  appName: string;
}

export async function createProvisioningToken(
  ctx: Ctx,
  clientId: string,
  input: CreateProvisioningTokenInput,
): Promise<CreatedProvisioningToken> {
  const app = await findApp(ctx, clientId);
  if (app.disabled) {
    throw new AppError(
      "app_disabled",
      409,
      `App registration '${app.name}' is disabled, so it cannot provision; a token for it would be refused. Use an enabled app registration.`,
    );
  }
  const name = (input.name ?? "").trim() || "SCIM provisioning";
  if (name.length > 200) {
    throw new AppError("invalid_request", 400, "name: a token name has at most 200 characters.", { column: "name" });
  }
  const days = expiryDays(input.expiresInDays);
  const id = randomUUID();
  const token = generateProvisioningToken();
  const now = ctx.clock.now();
  const expiresAt = days === null ? null : new Date(now.getTime() + days * DAY_MS).toISOString();
  const createdBy = ctx.actor.kind === "account" ? ctx.actor.id : null;
  const row = await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO provisioning_tokens (id, app_client_id, name, token_hash, created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, app.client_id, name, hashProvisioningToken(token), createdBy, now.toISOString(), expiresAt],
    );
    await audit(ctx, tx, {
      action: "app.provisioning_token.create",
      category: "Apps",
      targetType: "app",
      targetId: app.client_id,
      details: { tokenId: id, name, expiresAt },
    });
    return (await tx.query<SummaryRow>(`${SUMMARY_SELECT} WHERE t.id = $2`, [now.toISOString(), id])).rows[0];
  });
  return { ...presentToken(row as SummaryRow), appName: app.name, token };
}

/** The app's provisioning tokens, newest first, revoked and expired ones included (never the token). */
export async function listProvisioningTokens(ctx: Ctx, clientId: string) {
  const app = await findApp(ctx, clientId);
  const { rows } = await ctx.db.query<SummaryRow>(
    `${SUMMARY_SELECT} WHERE t.app_client_id = $2 ORDER BY t.created_at DESC, t.id`,
    [ctx.clock.now().toISOString(), app.client_id],
  );
  return { app: { clientId: app.client_id, name: app.name, disabled: app.disabled }, items: rows.map(presentToken) };
}

/** Revokes a token at once; revoking one already revoked changes nothing (`changed: false`). */
export async function revokeProvisioningToken(
  ctx: Ctx,
  clientId: string,
  tokenId: string,
): Promise<ProvisioningTokenSummary & { changed: boolean }> {
  const app = await findApp(ctx, clientId);
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction(async (tx) => {
    const load = async () =>
      UUID.test(tokenId)
        ? (
            await tx.query<SummaryRow>(`${SUMMARY_SELECT} WHERE t.id = $2 AND t.app_client_id = $3`, [
              now,
              tokenId,
              app.client_id,
            ])
          ).rows[0]
        : undefined;
    const before = await load();
    if (!before) {
      throw new AppError(
        "not_found",
        404,
        `App registration '${app.name}' has no provisioning token '${tokenId}'; 'openirm apps tokens list ${app.client_id}' shows its tokens.`,
        { id: tokenId },
      );
    }
    if (before.revoked_at) return { ...presentToken(before), changed: false };
    await tx.query("UPDATE provisioning_tokens SET revoked_at = $2, revoked_by = $3 WHERE id = $1", [
      tokenId,
      now,
      ctx.actor.kind === "account" ? ctx.actor.id : null,
    ]);
    await audit(ctx, tx, {
      action: "app.provisioning_token.revoke",
      category: "Apps",
      targetType: "app",
      targetId: app.client_id,
      details: { tokenId, name: before.name },
    });
    return { ...presentToken((await load()) as SummaryRow), changed: true };
  });
}
