// Policies as the API shows them: template, scope, triggers and indicators named, counts.
// The users a scope lists are identities: callers who neither manage policies nor may see names
// get the aliases of the listed users the directory knows.

import { can, findPolicyTemplate, type IndicatorInfo, type PolicyScope, toIsoUtc } from "@openirm/domain";
import type { PolicyRow } from "../commands/policies.ts";
import type { Ctx } from "../context.ts";
import { canSeeNames, userAlias } from "./users.ts";

export interface PolicyPresentationData {
  indicators: ReadonlyMap<string, IndicatorInfo>;
  /** Directory user ids by lower-case UPN, for the users listed in scopes. */
  scopeUserIds: ReadonlyMap<string, string>;
}

/** Whether the caller sees the UPNs a scope lists (policy managers configure them; entitled roles see names). */
export function canSeeScopeNames(ctx: Pick<Ctx, "actor" | "tenant">): boolean {
  return can(ctx.actor, "policies.manage") || canSeeNames(ctx);
}

function presentScope(ctx: Ctx, scope: PolicyScope, data: PolicyPresentationData): PolicyScope {
  if ("allUsers" in scope || canSeeScopeNames(ctx)) return scope;
  return {
    users: scope.users.flatMap((upn) => {
      const id = data.scopeUserIds.get(upn);
      return id ? [userAlias(ctx, id)] : [];
    }),
  };
}

export function presentPolicy(ctx: Ctx, row: PolicyRow, data: PolicyPresentationData) {
  const { indicators } = data;
  const name = (id: string) => indicators.get(id)?.name ?? null;
  const template = findPolicyTemplate(row.template);
  return {
    id: row.id,
    name: row.name,
    template: row.template,
    templateName: template?.name ?? row.template,
    description: row.description,
    enabled: row.enabled,
    scope: presentScope(ctx, row.config.scope, data),
    triggers: {
      hrResignation: row.config.triggers.hrResignation,
      indicators: row.config.triggers.indicators.map((t) => ({
        indicatorId: t.indicatorId,
        name: name(t.indicatorId),
        threshold: t.threshold,
      })),
    },
    indicators: row.config.indicators.map((i) => ({
      indicatorId: i.indicatorId,
      name: name(i.indicatorId),
      thresholds: i.thresholds,
    })),
    usersInScope: row.users_in_scope,
    usersTriggered: row.users_triggered,
    activeAlerts: row.active_alerts,
    createdAt: toIsoUtc(row.created_at),
    updatedAt: toIsoUtc(row.updated_at),
  };
}
