// Policies: created from a template, changed (never renamed), listed with their users in scope
// and active alerts, and deleted (kept for the alerts that refer to them).

import { randomUUID } from "node:crypto";
import {
  conflict,
  findPolicyTemplate,
  notFound,
  type PolicyConfig,
  type PolicyDefinition,
  parsePolicyCreate,
  parsePolicyPatch,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { canSeeScopeNames, type PolicyPresentationData } from "../presenters/policies.ts";
import type { Queryable } from "../store/db.ts";
import { isUuid, loadIndicatorInfo } from "./indicators.ts";

export interface PolicyRow {
  id: string;
  name: string;
  template: string;
  description: string | null;
  config: PolicyConfig;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  users_in_scope: number;
  users_triggered: number;
  active_alerts: number;
}

const SELECT_POLICIES = `
  SELECT p.id, p.name, p.template, p.description, p.config, p.enabled, p.created_at, p.updated_at,
         CASE WHEN p.config->'scope' ? 'allUsers' THEN (SELECT count(*) FROM directory_users)
              ELSE jsonb_array_length(COALESCE(p.config->'scope'->'users', '[]'::jsonb)) END AS users_in_scope,
         (SELECT count(DISTINCT m.user_id) FROM policy_memberships m WHERE m.policy_id = p.id) AS users_triggered,
         (SELECT count(*) FROM alerts a WHERE a.policy_id = p.id AND a.status IN ('NeedsReview', 'Confirmed'))
           AS active_alerts
    FROM policies p
   WHERE p.deleted_at IS NULL`;

function definitionOf(
  row: Pick<PolicyRow, "name" | "template" | "description" | "enabled" | "config">,
): PolicyDefinition {
  return {
    name: row.name,
    template: row.template,
    description: row.description,
    enabled: row.enabled,
    config: row.config,
  };
}

async function assertNameFree(tx: Queryable, name: string, exceptId?: string) {
  const { rows } = await tx.query<{ name: string }>(
    "SELECT name FROM policies WHERE deleted_at IS NULL AND lower(name) = lower($1) AND id <> $2",
    [name, exceptId ?? "00000000-0000-0000-0000-000000000000"],
  );
  if (rows[0]) {
    throw conflict("policy_exists", `A policy named '${rows[0].name}' already exists; choose another name.`, {
      column: "name",
    });
  }
}

export async function createPolicy(ctx: Ctx, body: unknown): Promise<PolicyRow> {
  const id = randomUUID();
  await ctx.db.transaction(async (tx) => {
    const definition = parsePolicyCreate(body, await loadIndicatorInfo(tx));
    const template = findPolicyTemplate(definition.template)!;
    await assertNameFree(tx, definition.name);
    const { rows } = await tx.query<{ n: number }>(
      "SELECT count(*) AS n FROM policies WHERE template = $1 AND deleted_at IS NULL",
      [template.id],
    );
    if ((rows[0]?.n ?? 0) >= template.maxPolicies) {
      throw conflict(
        "policy_limit_reached",
        `The ${template.name} template allows at most ${template.maxPolicies} policies and ${rows[0]?.n} exist; delete one before creating another.`,
        { column: "template", limit: template.maxPolicies },
      );
    }
    const now = ctx.clock.now().toISOString();
    await tx.query(
      `INSERT INTO policies (id, name, template, description, config, enabled, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      [
        id,
        definition.name,
        definition.template,
        definition.description,
        definition.config as unknown as Record<string, unknown>,
        definition.enabled,
        ctx.actor.kind === "account" ? ctx.actor.id : null,
        now,
      ],
    );
    await audit(ctx, tx, {
      action: "policy.create",
      category: "Policies",
      targetType: "policy",
      targetId: id,
      details: { ...definition },
    });
  });
  return getPolicy(ctx, id);
}

export async function listPolicies(ctx: Ctx): Promise<PolicyRow[]> {
  const { rows } = await ctx.db.query<PolicyRow>(`${SELECT_POLICIES} ORDER BY p.created_at, p.name`);
  return rows;
}

export async function getPolicy(ctx: Ctx, id: string, db: Queryable = ctx.db): Promise<PolicyRow> {
  const row = isUuid(id) ? (await db.query<PolicyRow>(`${SELECT_POLICIES} AND p.id = $1`, [id])).rows[0] : undefined;
  if (!row) throw notFound("Policy", id);
  return row;
}

export async function updatePolicy(ctx: Ctx, id: string, body: unknown): Promise<PolicyRow> {
  await ctx.db.transaction(async (tx) => {
    const current = await getPolicy(ctx, id, tx);
    const { next, changed } = parsePolicyPatch(body, definitionOf(current), await loadIndicatorInfo(tx));
    if (changed.length === 0) return;
    await tx.query("UPDATE policies SET description = $2, config = $3, enabled = $4, updated_at = $5 WHERE id = $1", [
      id,
      next.description,
      next.config as unknown as Record<string, unknown>,
      next.enabled,
      ctx.clock.now().toISOString(),
    ]);
    const previous = definitionOf(current);
    await audit(ctx, tx, {
      action: "policy.update",
      category: "Policies",
      targetType: "policy",
      targetId: id,
      details: {
        name: current.name,
        changed,
        previous: Object.fromEntries(changed.map((k) => [k, pick(previous, k)])),
        next: Object.fromEntries(changed.map((k) => [k, pick(next, k)])),
      },
    });
  });
  return getPolicy(ctx, id);
}

function pick(definition: PolicyDefinition, field: string): unknown {
  if (field === "description") return definition.description;
  if (field === "enabled") return definition.enabled;
  return definition.config[field as keyof PolicyConfig];
}

/** Deletes a policy: it stops scoring and disappears from the list; its alerts stay. */
export async function deletePolicy(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const current = await getPolicy(ctx, id, tx);
    const now = ctx.clock.now().toISOString();
    await tx.query("UPDATE policies SET deleted_at = $2, enabled = false, updated_at = $2 WHERE id = $1", [id, now]);
    await audit(ctx, tx, {
      action: "policy.delete",
      category: "Policies",
      targetType: "policy",
      targetId: id,
      details: { name: current.name, template: current.template, activeAlerts: current.active_alerts },
    });
  });
}

/** What presenting policies needs: indicator names, and directory ids of scoped users when names are hidden. */
export async function loadPolicyPresentationData(
  ctx: Ctx,
  rows: readonly PolicyRow[],
): Promise<PolicyPresentationData> {
  const indicators = await loadIndicatorInfo(ctx.db);
  const upns = canSeeScopeNames(ctx)
    ? []
    : [...new Set(rows.flatMap((r) => ("users" in r.config.scope ? r.config.scope.users : [])))];
  const scopeUserIds = new Map<string, string>();
  if (upns.length > 0) {
    const { rows: users } = await ctx.db.query<{ id: string; upn: string }>(
      "SELECT id, upn FROM directory_users WHERE upn = ANY($1::text[])",
      [upns],
    );
    for (const u of users) scopeUserIds.set(u.upn, u.id);
  }
  return { indicators, scopeUserIds };
}
