// HR data in the console API: the employee profiles HR connectors keep (names and addresses, so
// only for callers entitled to identities while the tenant shows names).

import { forbidden } from "@openirm/domain";
import { z } from "zod";
import { listEmployeeProfiles } from "../commands/hr.ts";
import { presentEmployeeProfile } from "../presenters/hr.ts";
import { canSeeNames } from "../presenters/users.ts";
import type { RouteModule } from "./app.ts";

const ProfilesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  user: z.string().trim().min(1).optional(),
});

export const hrRoutes: RouteModule = async (app) => {
  app.get("/api/hr/profiles", { config: { permission: "identities.view" } }, async (request) => {
    if (!canSeeNames(request.ctx)) {
      throw forbidden(
        "Employee profiles hold names and addresses, and the privacy setting hides identities (privacy.showNamesToEntitledRoles is off), so they are not shown.",
      );
    }
    const q = ProfilesQuery.parse(request.query);
    const { items, total } = await listEmployeeProfiles(request.ctx, q);
    return {
      items: items.map((row) => presentEmployeeProfile(request.ctx, row)),
      total,
      limit: q.limit,
      offset: q.offset,
    };
  });
};
