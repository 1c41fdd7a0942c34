// Resolves who is calling from a bearer token or the console session cookie.

import { type Actor, isRoleGroup, toIsoUtc } from "@openirm/domain";
import type { FastifyRequest } from "fastify";
import type { Services } from "../context.ts";
import {
  hashProvisioningToken,
  isProvisioningToken,
  isWellFormedProvisioningToken,
  PROVISIONING_TOKEN_PREFIX,
  verifyToken,
} from "../tokens.ts";

export const SESSION_COOKIE_NAME = "openirm_session";

/** Scripts send "Bearer <token> " (a trailing blank); accept any surrounding whitespace. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^\s*Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export async function resolveActor(services: Services, request: FastifyRequest): Promise<Actor | null> {
  const token = bearerToken(request.headers.authorization) ?? request.cookies?.[SESSION_COOKIE_NAME];
  if (!token) return null;
  if (isProvisioningToken(token)) {
    // Provisioning tokens are resolved only inside the SCIM scope (resolveProvisioningActor, called by
    // scim.ts); everywhere else they are refused, whatever the route's permission.
    request.authFailure = `A provisioning token (${PROVISIONING_TOKEN_PREFIX}…) is accepted only by SCIM provisioning at /scim/v2; other APIs take a console session or a client-credentials access token.`;
    return null;
  }
  const verified = await verifyToken(token, services.tenant.token_key, services.clock.now().getTime());
  if (!verified.ok) {
    request.authFailure = verified.reason;
    return null;
  }
  const { claims } = verified;
  if (claims.kind === "app") {
    const { rows } = await services.db.query<{ id: string; client_id: string; name: string }>(
      "SELECT id, client_id, name FROM app_registrations WHERE client_id = $1 AND NOT disabled",
      [claims.sub],
    );
    const app = rows[0];
    return app ? { kind: "app", id: app.id, clientId: app.client_id, name: app.name } : null;
  }
  const { rows } = await services.db.query<{ id: string; username: string; role_groups: string[] }>(
    `SELECT a.id, a.username, a.role_groups FROM accounts a
       JOIN sessions s ON s.account_id = a.id
      WHERE a.id = $1 AND s.id = $2 AND NOT a.disabled AND s.revoked_at IS NULL AND s.expires_at > $3`,
    [claims.sub, claims.sid ?? "00000000-0000-0000-0000-000000000000", services.clock.now().toISOString()],
  );
  const account = rows[0];
  if (!account) return null;
  request.sessionId = claims.sid;
  return {
    kind: "account",
    id: account.id,
    username: account.username,
    roleGroups: account.role_groups.filter(isRoleGroup),
  };
}

/** Last-used times are written at most this often per token, not on every SCIM request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The app registration a provisioning token belongs to, or why the token is refused (unknown,
 * revoked, expired, app disabled). One lookup on the token hash's unique index; the last-used time and
 * address are updated when the stored time is more than a minute old.
 */
export async function resolveProvisioningActor(
  services: Services,
  token: string,
  ip: string | undefined,
): Promise<{ ok: true; actor: Actor } | { ok: false; reason: string }> {
  const unknown = {
    ok: false as const,
    reason: `The provisioning token is not known: check that it was copied whole (${PROVISIONING_TOKEN_PREFIX} followed by 43 characters), or create a new one with 'openirm apps tokens create <client ID>'.`,
  };
  if (!isWellFormedProvisioningToken(token)) return unknown;
  const now = services.clock.now();
  const { rows } = await services.db.query<{
    id: string;
    revoked_at: string | null;
    expires_at: string | null;
    expired: boolean;
    stale: boolean;
    app_id: string;
    client_id: string;
    app_name: string;
    disabled: boolean;
  }>(
    `SELECT t.id, t.revoked_at, t.expires_at,
            (t.expires_at IS NOT NULL AND t.expires_at <= $2) AS expired,
            (t.last_used_at IS NULL OR t.last_used_at <= $3) AS stale,
            a.id AS app_id, a.client_id, a.name AS app_name, a.disabled
       FROM provisioning_tokens t JOIN app_registrations a ON a.client_id = t.app_client_id
      WHERE t.token_hash = $1`,
    [hashProvisioningToken(token), now.toISOString(), new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString()],
  );
  const row = rows[0];
  if (!row) return unknown;
  const renew = `An administrator can create a new one with 'openirm apps tokens create ${row.client_id}' and paste it into the identity provider.`;
  if (row.revoked_at) {
    return { ok: false, reason: `The provisioning token was revoked at ${toIsoUtc(row.revoked_at)}. ${renew}` };
  }
  if (row.expired) {
    return { ok: false, reason: `The provisioning token expired at ${toIsoUtc(row.expires_at)}. ${renew}` };
  }
  if (row.disabled) {
    return {
      ok: false,
      reason: `The app registration '${row.app_name}' that this provisioning token belongs to is disabled; its tokens are refused while it is.`,
    };
  }
  if (row.stale) {
    await services.db.query(
      "UPDATE provisioning_tokens SET last_used_at = $2, last_used_ip = $3 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $4)",
      [row.id, now.toISOString(), ip ?? null, new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString()],
    );
  }
  return { ok: true, actor: { kind: "app", id: row.app_id, clientId: row.client_id, name: row.app_name } };
}
