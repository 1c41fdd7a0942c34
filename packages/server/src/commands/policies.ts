// Policies: created from a template, changed (never renamed), listed with their users in scope,
// active alerts and limit warnings, and deleted (kept for the alerts that refer to them).

import { randomUUID } from "node:crypto";
import {
  type Actor,
  conflict,
  findPolicyTemplate,
  notFound,
  type PolicyConfig,
  type PolicyContext,
  type PolicyDefinition,
  type PolicyScope,
  parsePolicyCreate,
  parsePolicyPatch,
  readPolicyConfig,
  SCOPE_WARNING_RATIO,
  type ScopeLimitWarning,
  scopeLimitWarnings,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { canSeeScopeNames, type PolicyPresentationData } from "../presenters/policies.ts";
import type { Queryable, SqlParam } from "../store/db.ts";
import { isUuid, loadIndicatorInfo, syncBuiltinIndicators } from "./indicators.ts";
import { visibleUserSql } from "./priorityGroups.ts";

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
  /** Filled by withCounts: limit warnings of the policy's template. */
  warnings?: ScopeLimitWarning[];
}

/**
 * Policies with their counts. The counts of triggered users and active alerts leave out users the
 * actor may not see (members of priority user groups it does not view), so that they do not tell
 * that hidden alerts exist.
 */
function selectPolicies(actor: Actor, params: SqlParam[]): string {
  return `
  SELECT p.id, p.name, p.template, p.description, p.config, p.enabled, p.created_at, p.updated_at,
         CASE WHEN p.config->'scope' ? 'allUsers' THEN (SELECT count(*) FROM directory_users)
              ELSE jsonb_array_length(COALESCE(p.config->'scope'->'users', '[]'::jsonb)) END AS users_in_scope,
         (SELECT count(DISTINCT m.user_id) FROM policy_memberships m
           WHERE m.policy_id = p.id AND ${visibleUserSql(actor, "m.user_id", params)}) AS users_triggered,
         (SELECT count(*) FROM alerts a WHERE a.policy_id = p.id AND a.status IN ('NeedsReview', 'Confirmed')
             AND ${visibleUserSql(actor, "a.user_id", params)}) AS active_alerts
    FROM policies p
   WHERE p.deleted_at IS NULL`;
}

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

/** Whether a table exists (the priority user groups table arrives with its own migration). */
async function tableExists(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [name]);
  return Boolean(rows[0]?.t);
}

/** The groups a scope may name, so that unknown ids are refused. */
async function loadPolicyContext(db: Queryable): Promise<PolicyContext> {
  const directory = await db.query<{ id: string; name: string }>(
    "SELECT id::text AS id, display_name AS name FROM directory_groups",
  );
  let priorityUserGroups: Map<string, string> | null = null;
  if (await tableExists(db, "priority_user_groups")) {
    const { rows } = await db.query<{ id: string; name: string }>(
      "SELECT id::text AS id, name FROM priority_user_groups",
    );
    priorityUserGroups = new Map(rows.map((r) => [r.id.toLowerCase(), r.name]));
  }
  return {
    directoryGroups: new Map(directory.rows.map((r) => [r.id.toLowerCase(), r.name])),
    priorityUserGroups,
  };
}

function hasGroupsOrExclusions(scope: PolicyScope): boolean {
  return (
    scope.exclude !== undefined ||
    ("users" in scope && (scope.groups !== undefined || scope.priorityUserGroups !== undefined))
  );
}

/**
 * Users a scope with groups or exclusions covers: the listed UPNs (known to the directory or not)
 * and the members of the listed groups, minus the excluded users and members of excluded groups.
 */
async function countScopeUsers(db: Queryable, scope: PolicyScope): Promise<number> {
  const excludedUpns = scope.exclude?.users ?? [];
  const excludedGroups = scope.exclude?.groups ?? [];
  const priority = "users" in scope ? (scope.priorityUserGroups ?? []) : [];
  const withPriority = priority.length > 0 && (await tableExists(db, "priority_user_groups"));
  const { rows } = await db.query<{ n: number }>(
    `WITH listed AS (
       SELECT DISTINCT u AS upn FROM unnest($2::text[]) AS u
     ), members AS (
       SELECT du.upn FROM directory_users du WHERE $1::boolean
       UNION SELECT du.upn FROM directory_group_members m JOIN directory_users du ON du.id = m.user_id
              WHERE m.group_id = ANY($3::uuid[])
       ${withPriority ? "UNION SELECT du.upn FROM priority_user_group_members m JOIN directory_users du ON du.id = m.user_id WHERE m.group_id = ANY($6::uuid[])" : ""}
     ), excluded AS (
       SELECT u AS upn FROM unnest($4::text[]) AS u
       UNION SELECT du.upn FROM directory_group_members m JOIN directory_users du ON du.id = m.user_id
              WHERE m.group_id = ANY($5::uuid[])
     )
     SELECT count(*)::int AS n FROM (SELECT upn FROM listed UNION SELECT upn FROM members) s
      WHERE lower(s.upn) NOT IN (SELECT lower(upn) FROM excluded)`,
    [
      "allUsers" in scope,
      "users" in scope ? scope.users : [],
      "users" in scope ? (scope.groups ?? []) : [],
      excludedUpns,
      excludedGroups,
      ...(withPriority ? [priority] : []),
    ],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Recounts scopes with groups or exclusions and adds each policy's limit warnings. */
async function withCounts(db: Queryable, rows: PolicyRow[]): Promise<PolicyRow[]> {
  if (rows.length === 0) return rows;
  const active = await db.query<{ template: string; n: number }>(
    `SELECT p.template, count(DISTINCT m.user_id)::int AS n
       FROM policy_memberships m JOIN policies p ON p.id = m.policy_id
      WHERE p.deleted_at IS NULL GROUP BY p.template`,
  );
  const activeByTemplate = new Map(active.rows.map((r) => [r.template, Number(r.n)]));
  for (const row of rows) {
    row.config = readPolicyConfig(row.config);
    row.users_in_scope = Number(row.users_in_scope);
    if (hasGroupsOrExclusions(row.config.scope)) row.users_in_scope = await countScopeUsers(db, row.config.scope);
    const template = findPolicyTemplate(row.template);
    row.warnings = template
      ? scopeLimitWarnings(
          template,
          { usersInScope: row.users_in_scope, templateActiveUsers: activeByTemplate.get(row.template) ?? 0 },
          SCOPE_WARNING_RATIO,
        )
      : [];
  }
  return rows;
}

export async function createPolicy(ctx: Ctx, body: unknown): Promise<PolicyRow> {
  const id = randomUUID();
  await syncBuiltinIndicators(ctx.db);
  await ctx.db.transaction(async (tx) => {
    const definition = parsePolicyCreate(body, await loadIndicatorInfo(tx), await loadPolicyContext(tx));
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
  const params: SqlParam[] = [];
  const { rows } = await ctx.db.query<PolicyRow>(
    `${selectPolicies(ctx.actor, params)} ORDER BY p.created_at, p.name`,
    params,
  );
  return withCounts(ctx.db, rows);
}

export async function getPolicy(ctx: Ctx, id: string, db: Queryable = ctx.db): Promise<PolicyRow> {
  const params: SqlParam[] = [];
  const select = selectPolicies(ctx.actor, params);
  params.push(id);
  const row = isUuid(id)
    ? (await db.query<PolicyRow>(`${select} AND p.id = $${params.length}`, params)).rows[0]
    : undefined;
  if (!row) throw notFound("Policy", id);
  return (await withCounts(db, [row]))[0]!;
}

export async function updatePolicy(ctx: Ctx, id: string, body: unknown): Promise<PolicyRow> {
  await syncBuiltinIndicators(ctx.db);
  await ctx.db.transaction(async (tx) => {
    const current = await getPolicy(ctx, id, tx);
    const { next, changed } = parsePolicyPatch(
      body,
      definitionOf(current),
      await loadIndicatorInfo(tx),
      await loadPolicyContext(tx),
    );
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
  return definition.config[field as keyof PolicyConfig] ?? null;
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
    : [
        ...new Set(
          rows.flatMap((r) => [
            ...("users" in r.config.scope ? r.config.scope.users : []),
            ...(r.config.scope.exclude?.users ?? []),
          ]),
        ),
      ];
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
