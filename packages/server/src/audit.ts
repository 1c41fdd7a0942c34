// Audit by construction: commands that change state call `audit` with their transaction.

import type { Actor } from "@openirm/domain";
import type { Ctx } from "./context.ts";
import type { Queryable } from "./store/db.ts";

export type AuditCategory =
  | "Policies"
  | "Alerts"
  | "Cases"
  | "Settings"
  | "Users"
  | "Connectors"
  | "Indicators"
  | "Apps"
  | "Accounts"
  | "NoticeTemplates";

export interface AuditInput {
  action: string;
  category: AuditCategory;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

function actorName(actor: Actor): string {
  switch (actor.kind) {
    case "account":
      return actor.username;
    case "app":
      return actor.name;
    default:
      return "system";
  }
}

export async function audit(ctx: Ctx, tx: Queryable, entry: AuditInput): Promise<void> {
  await tx.query(
    `INSERT INTO audit_entries (at, actor_kind, actor_id, actor_name, action, category, target_type, target_id, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      ctx.clock.now().toISOString(),
      ctx.actor.kind,
      ctx.actor.id,
      actorName(ctx.actor),
      entry.action,
      entry.category,
      entry.targetType ?? null,
      entry.targetId ?? null,
      { ...(entry.details ?? {}), ...(ctx.ip ? { ip: ctx.ip } : {}) },
    ],
  );
}
