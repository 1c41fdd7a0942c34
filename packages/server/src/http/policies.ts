// Policies (create from a template, read, change, delete) and the on-demand scoring run.

import {
  AppError,
  BUILTIN_INDICATORS,
  defaultSequenceThresholds,
  INDICATOR_CATEGORY_NAMES,
  MAX_PRIORITY_CLASSIFIERS,
  MAX_PRIORITY_FILE_EXTENSIONS,
  POLICY_TEMPLATES,
  type PolicyTemplate,
  SCOPE_WARNING_RATIO,
  TRIGGER_EVENT_INFO,
} from "@openirm/domain";
import {
  createPolicy,
  deletePolicy,
  getPolicy,
  listPolicies,
  loadPolicyPresentationData,
  type PolicyRow,
  updatePolicy,
} from "../commands/policies.ts";
import { runScoringNow } from "../commands/scoring.ts";
import type { Ctx } from "../context.ts";
import { presentPolicy } from "../presenters/policies.ts";
import type { RouteModule } from "./app.ts";

async function present(ctx: Ctx, row: PolicyRow) {
  return presentPolicy(ctx, row, await loadPolicyPresentationData(ctx, [row]));
}

/** Policy bodies are checked by the policy rules, which name the field and what to change. */
function jsonObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("invalid_request", 400, "The request body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

/** Everything a template offers, as the template card and the wizard need it. */
function presentTemplate(t: PolicyTemplate) {
  const scored = BUILTIN_INDICATORS.filter((i) => t.indicatorCategories.includes(i.category));
  return {
    ...t,
    triggerEvents: t.triggerEvents.map((e) => ({ ...TRIGGER_EVENT_INFO[e], defaultOn: e !== "sequences" })),
    indicatorCategories: t.indicatorCategories.map((c) => ({ id: c, name: INDICATOR_CATEGORY_NAMES[c] })),
    builtinIndicators: scored.map((i) => i.id),
    triggerIndicators: t.builtinTriggerIndicators ? scored.filter((i) => i.canTrigger).map((i) => i.id) : [],
    customIndicatorTriggers: t.triggers.customIndicators,
    limits: {
      maxPolicies: t.maxPolicies,
      maxUsersInScope: t.maxUsersInScope,
      warnAtUsers: Math.ceil(t.maxUsersInScope * SCOPE_WARNING_RATIO),
      maxPriorityFileExtensions: MAX_PRIORITY_FILE_EXTENSIONS,
      maxPriorityClassifiers: MAX_PRIORITY_CLASSIFIERS,
    },
    defaults: {
      sequenceDetection: t.sequenceDetection
        ? {
            // Without thresholds of its own, a policy uses each sequence type's default (by its number of steps).
            thresholdsByStepCount: Object.fromEntries(
              [2, 3, 4, 5].map((steps) => [String(steps), defaultSequenceThresholds(steps)]),
            ),
          }
        : null,
      cumulativeExfiltration: t.cumulativeExfiltration,
    },
  };
}

export const policyRoutes: RouteModule = (app) => {
  app.get("/api/policy-templates", { config: { permission: "policies.read" } }, async () => {
    return { items: POLICY_TEMPLATES.map(presentTemplate) };
  });

  app.post("/api/policies", { config: { permission: "policies.manage" } }, async (request, reply) => {
    const created = await createPolicy(request.ctx, jsonObject(request.body));
    return reply.status(201).send(await present(request.ctx, created));
  });

  app.get("/api/policies", { config: { permission: "policies.read" } }, async (request) => {
    const rows = await listPolicies(request.ctx);
    const data = await loadPolicyPresentationData(request.ctx, rows);
    return { items: rows.map((row) => presentPolicy(request.ctx, row, data)) };
  });

  app.get<{ Params: { id: string } }>(
    "/api/policies/:id",
    { config: { permission: "policies.read" } },
    async (request) => present(request.ctx, await getPolicy(request.ctx, request.params.id)),
  );

  app.patch<{ Params: { id: string } }>(
    "/api/policies/:id",
    { config: { permission: "policies.manage" } },
    async (request) => {
      const updated = await updatePolicy(request.ctx, request.params.id, jsonObject(request.body));
      return present(request.ctx, updated);
    },
  );

  app.delete<{ Params: { id: string } }>(
    "/api/policies/:id",
    { config: { permission: "policies.manage" } },
    async (request, reply) => {
      await deletePolicy(request.ctx, request.params.id);
      return reply.status(204).send();
    },
  );

  app.post("/api/scoring/run", { config: { permission: "policies.manage" } }, async (request) => {
    return runScoringNow(request.ctx);
  });
};
