// App registrations: the client id / secret pairs upload scripts authenticate with.

import { randomUUID } from "node:crypto";
import { AppError } from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { generateSecret, hashSecret, verifySecretCached } from "../secrets.ts";
import { issueToken } from "../tokens.ts";

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
