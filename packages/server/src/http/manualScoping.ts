// Manual scoping ("start scoring activity for users") and removing users from scoring.
//   POST /api/policies/scoring/start      policies.manage  {policyIds, users | csv, days, reason}
//   POST /api/policies/scoring/remove     policies.manage  {users | csv, reason?}
//   GET  /api/policies/:id/scoring        policies.read    a policy's manual entries (?page=&pageSize=)
//   GET  /api/scoring/removals            policies.read    removals from scoring (?page=&pageSize=)
// `csv` is the text of a CSV with the column `user principal name`, as priority user group imports take it.

import {
  listManualScoping,
  listScoringRemovals,
  type ManualScopingEntryRow,
  type RemoveScoringReport,
  removeFromScoring,
  type ScoringRemovalRow,
  type StartScoringReport,
  startScoring,
} from "../commands/manualScoping.ts";
import type { Ctx } from "../context.ts";
import { presentSignalAttributes, presentUser } from "../presenters/users.ts";
import type { RouteModule } from "./app.ts";
import { pageQuery } from "./paging.ts";

/** A CSV of 1,000 UPNs with a few other columns fits many times over. */
const SCOPING_BODY_MAX_BYTES = 4 * 1024 * 1024;

type Query = Record<string, unknown>;

/** A reason as the caller may see it: the user's UPN or name in it becomes the alias when names are hidden. */
function presentReason(
  ctx: Ctx,
  user: { id: string; upn: string; display_name: string | null },
  reason: string | null,
) {
  if (reason === null) return null;
  return presentSignalAttributes(ctx, user, { reason }, null).reason as string;
}

function presentStart(ctx: Ctx, report: StartScoringReport) {
  return { ...report, users: report.users.map((u) => presentUser(ctx, u)) };
}

function presentRemove(ctx: Ctx, report: RemoveScoringReport) {
  return { ...report, users: report.users.map((u) => presentUser(ctx, u)) };
}

function presentEntry(ctx: Ctx, row: ManualScopingEntryRow) {
  const user = { id: row.user_id, upn: row.upn, display_name: row.display_name };
  return {
    id: row.id,
    policyId: row.policy_id,
    user: presentUser(ctx, user),
    reason: presentReason(ctx, user, row.reason),
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    scoredFrom: row.scored_from,
    status: row.status,
    endedBy: row.ended_by,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function presentRemoval(ctx: Ctx, row: ScoringRemovalRow) {
  const user = { id: row.user_id, upn: row.upn, display_name: row.display_name };
  return {
    id: row.id,
    user: presentUser(ctx, user),
    removedAt: row.removed_at,
    reason: presentReason(ctx, user, row.reason),
    removedBy: row.removed_by,
  };
}

export const manualScopingRoutes: RouteModule = async (app) => {
  app.post(
    "/api/policies/scoring/start",
    { config: { permission: "policies.manage" }, bodyLimit: SCOPING_BODY_MAX_BYTES },
    async (request) => presentStart(request.ctx, await startScoring(request.ctx, request.body)),
  );

  app.post(
    "/api/policies/scoring/remove",
    { config: { permission: "policies.manage" }, bodyLimit: SCOPING_BODY_MAX_BYTES },
    async (request) => presentRemove(request.ctx, await removeFromScoring(request.ctx, request.body)),
  );

  app.get<{ Params: { id: string } }>(
    "/api/policies/:id/scoring",
    { config: { permission: "policies.read" } },
    async (request) => {
      const paging = pageQuery((request.query ?? {}) as Query);
      const { policy, items, total } = await listManualScoping(request.ctx, request.params.id, paging);
      return {
        policy,
        items: items.map((row) => presentEntry(request.ctx, row)),
        total,
        page: paging.page,
        pageSize: paging.pageSize,
      };
    },
  );

  app.get("/api/scoring/removals", { config: { permission: "policies.read" } }, async (request) => {
    const paging = pageQuery((request.query ?? {}) as Query);
    const { items, total } = await listScoringRemovals(request.ctx, paging);
    return {
      items: items.map((row) => presentRemoval(request.ctx, row)),
      total,
      page: paging.page,
      pageSize: paging.pageSize,
    };
  });
};
