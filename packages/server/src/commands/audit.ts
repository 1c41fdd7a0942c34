// Reading the audit log (entries are written by the commands that change state; see audit.ts).

import { AppError, toIsoUtc } from "@openirm/domain";
import type { Ctx } from "../context.ts";

export interface AuditQuery {
  category?: string | undefined;
  actor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  pageSize: number;
}

export interface AuditEntryView {
  id: number;
  at: string;
  actorKind: string;
  actorName: string | null;
  action: string;
  category: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

export async function listAuditEntries(ctx: Ctx, q: AuditQuery): Promise<{ items: AuditEntryView[]; total: number }> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, value: string) => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (q.category) add("category = ?", q.category);
  if (q.actor) add("actor_name = ?", q.actor);
  for (const [key, value] of [
    ["from", q.from],
    ["to", q.to],
  ] as const) {
    if (value && Number.isNaN(Date.parse(value))) {
      throw new AppError("invalid_request", 400, `${key}: '${value}' is not a date (use YYYY-MM-DD or ISO 8601).`, {
        column: key,
      });
    }
  }
  if (q.from) add("at >= ?", q.from);
  if (q.to) add("at < ?", q.to);
  const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const total =
    (await ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM audit_entries ${whereSql}`, params)).rows[0]?.n ?? 0;
  const { rows } = await ctx.db.query<{
    id: number;
    at: string;
    actor_kind: string;
    actor_name: string | null;
    action: string;
    category: string;
    target_type: string | null;
    target_id: string | null;
    details: Record<string, unknown>;
  }>(
    `SELECT id, at, actor_kind, actor_name, action, category, target_type, target_id, details FROM audit_entries
     ${whereSql} ORDER BY at DESC, id DESC LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
    params,
  );
  return {
    total,
    items: rows.map((r) => ({
      id: r.id,
      at: toIsoUtc(r.at) ?? r.at,
      actorKind: r.actor_kind,
      actorName: r.actor_name,
      action: r.action,
      category: r.category,
      targetType: r.target_type,
      targetId: r.target_id,
      details: r.details,
    })),
  };
}
