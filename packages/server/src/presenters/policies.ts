// Policies as the API shows them: template, scope, triggers and indicators named, every content
// option with its effective value (template defaults filled in), counts and limit warnings.
// The users a scope lists are identities: callers who neither manage policies nor may see names
// get the aliases of the listed users the directory knows.

import {
  can,
  effectivePolicyConfig,
  findBuiltinIndicator,
  findPolicyTemplate,
  type IndicatorInfo,
  type PolicyScope,
  toIsoUtc,
} from "@openirm/domain";
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
  if (canSeeScopeNames(ctx)) return scope;
  const aliases = (upns: readonly string[]) =>
    upns.flatMap((upn) => {
      const id = data.scopeUserIds.get(upn);
      return id ? [userAlias(ctx, id)] : [];
    });
  const exclude = scope.exclude
    ? { exclude: { ...scope.exclude, ...(scope.exclude.users ? { users: aliases(scope.exclude.users) } : {}) } }
    : {};
  if ("allUsers" in scope) return { ...scope, ...exclude };
  return { ...scope, users: aliases(scope.users), ...exclude };
}

export function presentPolicy(ctx: Ctx, row: PolicyRow, data: PolicyPresentationData) {
  const { indicators } = data;
  const name = (id: string) => indicators.get(id)?.name ?? null;
  const template = findPolicyTemplate(row.template);
  const config = effectivePolicyConfig(row.config, template);
  const triggerEvents = Object.fromEntries(
    (template?.triggerEvents ?? []).filter((e) => e !== "hrResignation").map((e) => [e, config.triggers[e] ?? false]),
  );
  return {
    id: row.id,
    name: row.name,
    template: row.template,
    templateName: template?.name ?? row.template,
    description: row.description,
    enabled: row.enabled,
    scope: presentScope(ctx, config.scope, data),
    triggers: {
      hrResignation: config.triggers.hrResignation,
      ...triggerEvents,
      ...(config.triggers.dlpPolicy !== undefined ? { dlpPolicy: config.triggers.dlpPolicy } : {}),
      indicators: config.triggers.indicators.map((t) => {
        const builtin = findBuiltinIndicator(t.indicatorId);
        return {
          indicatorId: t.indicatorId,
          name: name(t.indicatorId),
          threshold: t.threshold,
          ...(builtin ? { kind: "builtin", effectiveThreshold: t.threshold ?? builtin.defaultTriggerThreshold } : {}),
        };
      }),
    },
    indicators: config.indicators.map((i) => {
      const builtin = findBuiltinIndicator(i.indicatorId);
      return {
        indicatorId: i.indicatorId,
        name: name(i.indicatorId),
        thresholds: i.thresholds,
        ...(builtin
          ? { kind: "builtin", category: builtin.category, defaultThresholds: i.defaultThresholds === true }
          : {}),
      };
    }),
    priorityContent: config.priorityContent,
    scoreOnlyPriorityContent: config.scoreOnlyPriorityContent,
    boosters: config.boosters,
    sequenceDetection: config.sequenceDetection,
    cumulativeExfiltration: config.cumulativeExfiltration,
    limits: template ? { maxUsersInScope: template.maxUsersInScope, maxPolicies: template.maxPolicies } : null,
    warnings: row.warnings ?? [],
    usersInScope: row.users_in_scope,
    usersTriggered: row.users_triggered,
    activeAlerts: row.active_alerts,
    createdAt: toIsoUtc(row.created_at),
    updatedAt: toIsoUtc(row.updated_at),
  };
}
