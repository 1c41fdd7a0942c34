// Resolves who is calling from a bearer token or the console session cookie.

import { type Actor, isRoleGroup } from "@openirm/domain";
import type { FastifyRequest } from "fastify";
import type { Services } from "../context.ts";
import { verifyToken } from "../tokens.ts";

export const SESSION_COOKIE_NAME = "openirm_session";

/** Scripts send "Bearer <token> " (a trailing blank); accept any surrounding whitespace. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^\s*Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export async function resolveActor(services: Services, request: FastifyRequest): Promise<Actor | null> {
  const token = bearerToken(request.headers.authorization) ?? request.cookies?.[SESSION_COOKIE_NAME];
  if (!token) return null;
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
