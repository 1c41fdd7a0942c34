// Console accounts: creation and sign-in (sessions).

import { randomUUID } from "node:crypto";
import { AppError, isRoleGroup, type RoleGroup, unauthorized } from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { hashSecret, verifySecret } from "../secrets.ts";
import { issueToken } from "../tokens.ts";

export interface CreateAccountInput {
  username: string;
  displayName?: string | undefined;
  email?: string | undefined;
  password: string;
  roleGroups: string[];
}

export async function createAccount(ctx: Ctx, input: CreateAccountInput): Promise<{ id: string }> {
  const unknown = input.roleGroups.filter((g) => !isRoleGroup(g));
  if (unknown.length > 0) {
    throw new AppError("unknown_role_group", 400, `Unknown role group(s): ${unknown.join(", ")}.`, {
      column: "roleGroups",
    });
  }
  if (input.password.length < 8) {
    throw new AppError("weak_password", 400, "The password must have at least 8 characters.", { column: "password" });
  }
  const id = randomUUID();
  const passwordHash = await hashSecret(input.password);
  await ctx.db.transaction(async (tx) => {
    const existing = await tx.query("SELECT 1 FROM accounts WHERE lower(username) = lower($1)", [input.username]);
    if (existing.rows.length > 0) {
      throw new AppError("account_exists", 409, `An account named '${input.username}' already exists.`);
    }
    await tx.query(
      `INSERT INTO accounts (id, username, display_name, email, password_hash, role_groups, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        input.username,
        input.displayName ?? input.username,
        input.email ?? null,
        passwordHash,
        input.roleGroups as RoleGroup[],
        ctx.clock.now().toISOString(),
      ],
    );
    await audit(ctx, tx, {
      action: "account.create",
      category: "Accounts",
      targetType: "account",
      targetId: id,
      details: { username: input.username, roleGroups: input.roleGroups },
    });
  });
  return { id };
}

/** Session length for console sign-ins. */
const SESSION_HOURS = 12;

export async function login(
  ctx: Ctx,
  input: { username: string; password: string },
): Promise<{ token: string; expiresAt: string; account: { id: string; username: string; roleGroups: string[] } }> {
  const { rows } = await ctx.db.query<{
    id: string;
    username: string;
    password_hash: string;
    role_groups: string[];
    disabled: boolean;
  }>("SELECT id, username, password_hash, role_groups, disabled FROM accounts WHERE lower(username) = lower($1)", [
    input.username,
  ]);
  const account = rows[0];
  // Verify even when the account does not exist, so timing does not reveal which usernames exist.
  const ok = await verifySecret(
    input.password,
    account?.password_hash ?? "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
  );
  if (!account || !ok || account.disabled) throw unauthorized("The username or password is incorrect.");
  const now = ctx.clock.now();
  const sessionId = randomUUID();
  const expires = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  const issued = await issueToken(
    { sub: account.id, kind: "account", sid: sessionId, tid: ctx.tenant.id },
    ctx.tenant.token_key,
    now.getTime(),
    SESSION_HOURS * 3600,
  );
  await ctx.db.transaction(async (tx) => {
    await tx.query("INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)", [
      sessionId,
      account.id,
      now.toISOString(),
      expires.toISOString(),
    ]);
    await audit(
      { ...ctx, actor: { kind: "account", id: account.id, username: account.username, roleGroups: [] } },
      tx,
      { action: "account.login", category: "Accounts", targetType: "account", targetId: account.id },
    );
  });
  return {
    token: issued.token,
    expiresAt: expires.toISOString(),
    account: { id: account.id, username: account.username, roleGroups: account.role_groups },
  };
}

export async function logout(ctx: Ctx, sessionToken: { accountId: string; sessionId: string }): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await tx.query("UPDATE sessions SET revoked_at = $3 WHERE account_id = $1 AND id = $2 AND revoked_at IS NULL", [
      sessionToken.accountId,
      sessionToken.sessionId,
      ctx.clock.now().toISOString(),
    ]);
    await audit(ctx, tx, {
      action: "account.logout",
      category: "Accounts",
      targetType: "account",
      targetId: sessionToken.accountId,
    });
  });
}

export async function listAccounts(ctx: Ctx) {
  const { rows } = await ctx.db.query<{
    id: string;
    username: string;
    display_name: string;
    role_groups: string[];
    disabled: boolean;
  }>("SELECT id, username, display_name, role_groups, disabled FROM accounts ORDER BY username");
  return rows;
}
