// A console session for a named account, minted on the server itself (no password): used to drive
// the admin API in-process, e.g. to load the demo organisation through the real routes.

import { randomUUID } from "node:crypto";
import { AppError } from "@openirm/domain";
import { audit } from "../audit.ts";
import { type Services, SYSTEM_ACTOR, withActor } from "../context.ts";
import { issueToken } from "../tokens.ts";

export interface MintedSession {
  token: string;
  accountId: string;
  sessionId: string;
  /** Ends the session (the token stops working at once). */
  revoke(): Promise<void>;
}

export async function mintAccountSession(
  services: Services,
  username = "admin",
  opts: { minutes?: number; purpose?: string } = {},
): Promise<MintedSession> {
  const { rows } = await services.db.query<{ id: string }>(
    "SELECT id FROM accounts WHERE lower(username) = lower($1) AND NOT disabled",
    [username],
  );
  const account = rows[0];
  if (!account) throw new AppError("not_found", 404, `Account '${username}' does not exist or is disabled.`);
  const now = services.clock.now();
  const minutes = opts.minutes ?? 60;
  const sessionId = randomUUID();
  const issued = await issueToken(
    { sub: account.id, kind: "account", sid: sessionId, tid: services.tenant.id },
    services.tenant.token_key,
    now.getTime(),
    minutes * 60,
  );
  const ctx = withActor(services, SYSTEM_ACTOR);
  await services.db.transaction(async (tx) => {
    await tx.query("INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)", [
      sessionId,
      account.id,
      now.toISOString(),
      new Date(now.getTime() + minutes * 60_000).toISOString(),
    ]);
    await audit(ctx, tx, {
      action: "account.session.mint",
      category: "Accounts",
      targetType: "account",
      targetId: account.id,
      details: { username, purpose: opts.purpose ?? "server-side session" },
    });
  });
  return {
    token: issued.token,
    accountId: account.id,
    sessionId,
    async revoke() {
      await services.db.transaction(async (tx) => {
        await tx.query("UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [
          sessionId,
          services.clock.now().toISOString(),
        ]);
        await audit(ctx, tx, {
          action: "account.session.revoke",
          category: "Accounts",
          targetType: "account",
          targetId: account.id,
          details: { username, purpose: opts.purpose ?? "server-side session" },
        });
      });
    },
  };
}
