// The audit log: who changed what and when (Auditors and the all-in-one role group).

import { z } from "zod";
import { listAuditEntries } from "../commands/audit.ts";
import type { RouteModule } from "./app.ts";

const AuditQuerySchema = z.object({
  category: z.string().optional(),
  actor: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(1000).default(100),
});

function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const auditRoutes: RouteModule = (app) => {
  app.get("/api/audit", { config: { permission: "audit.read" } }, async (request) => {
    const q = AuditQuerySchema.parse(request.query);
    const result = await listAuditEntries(request.ctx, q);
    return { ...result, page: q.page, pageSize: q.pageSize };
  });

  app.get("/api/audit.csv", { config: { permission: "audit.read" } }, async (request, reply) => {
    const q = AuditQuerySchema.parse({ ...(request.query as object), page: 1, pageSize: 1000 });
    const lines = ["Date,Activity,Category,Activity performed by,Target type,Target,Details"];
    for (let page = 1; ; page++) {
      const { items } = await listAuditEntries(request.ctx, { ...q, page });
      for (const e of items) {
        lines.push(
          [e.at, e.action, e.category, e.actorName, e.targetType, e.targetId, e.details].map(csvCell).join(","),
        );
      }
      if (items.length < q.pageSize) break;
    }
    return reply
      .type("text/csv; charset=utf-8")
      .header("content-disposition", 'attachment; filename="openirm-audit.csv"')
      .send(`${lines.join("\r\n")}\r\n`);
  });
};
