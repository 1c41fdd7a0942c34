// Monitored users as they leave the server: always a stable alias, real names only for callers
// entitled to identities while the tenant shows names. Every response that names a user goes through here.

import { createHmac } from "node:crypto";
import { aliasFromDigest, can, readTenantSettings } from "@openirm/domain";
import type { Ctx } from "../context.ts";

export interface DirectoryUserRow {
  id: string;
  upn: string;
  display_name?: string | null;
}

export interface PresentedUser {
  id: string;
  alias: string;
  upn?: string;
  displayName?: string | null;
}

/** The alias of a user: HMAC-SHA256(tenant pseudonym key, user id), formatted "Anon-XXXX-XXXX". */
export function userAlias(ctx: Pick<Ctx, "tenant">, userId: string): string {
  const digest = createHmac("sha256", Buffer.from(ctx.tenant.pseudonym_key, "base64"))
    .update(userId.toLowerCase())
    .digest();
  return aliasFromDigest(digest);
}

/** Whether the caller sees real names: entitled to identities, and the tenant shows names. */
export function canSeeNames(ctx: Pick<Ctx, "actor" | "tenant">): boolean {
  return can(ctx.actor, "identities.view") && readTenantSettings(ctx.tenant.settings).privacy.showNamesToEntitledRoles;
}

export function presentUser(ctx: Pick<Ctx, "actor" | "tenant">, user: DirectoryUserRow): PresentedUser {
  const alias = userAlias(ctx, user.id);
  if (!canSeeNames(ctx)) return { id: user.id, alias };
  return { id: user.id, alias, upn: user.upn, displayName: user.display_name ?? null };
}

/**
 * A signal's attributes as the caller may see them: when names are hidden, the user column and
 * any text equal to the user's UPN (in any case) are replaced by the alias.
 */
export function presentSignalAttributes(
  ctx: Pick<Ctx, "actor" | "tenant">,
  user: DirectoryUserRow,
  attributes: Record<string, unknown>,
  userColumn: string | null | undefined,
): Record<string, unknown> {
  if (canSeeNames(ctx)) return attributes;
  const alias = userAlias(ctx, user.id);
  const upn = user.upn.toLowerCase();
  const names = [upn, user.display_name?.toLowerCase()].filter((n): n is string => !!n);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (key === userColumn) out[key] = alias;
    else if (typeof value === "string" && names.includes(value.trim().toLowerCase())) out[key] = alias;
    else if (typeof value === "string" && value.toLowerCase().includes(upn)) {
      out[key] = value.replace(new RegExp(upn.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"), alias);
    } else out[key] = value;
  }
  return out;
}
