// Manual scoping: starting to score users in policies by hand for 5–30 days (with a 90-day
// look-back), removing users from scoring in every policy, and listing both. The scorer reads
// manual_scoping and scoring_removals; the users changed are rescored once the change commits.

import { randomUUID } from "node:crypto";
import {
  AppError,
  findPolicyTemplate,
  manualEntryState,
  manualWindow,
  notFound,
  parseRemoveScoring,
  parseStartScoring,
  readPolicyConfig,
  type ScopingCandidate,
  type ScopingRowError,
  type ScopingUsers,
  scopeMatcher,
  scopingRowError,
  toIsoUtc,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import { type Ctx, SYSTEM_ACTOR } from "../context.ts";
import type { DirectoryUserRow } from "../presenters/users.ts";
import type { Queryable, SqlParam } from "../store/db.ts";
import { visibleUserSql } from "./priorityGroups.ts";
import { isUuid } from "./runs.ts";
import { scoreUsers } from "./scoring.ts";

const DAY_MS = 86_400_000;
/** Refused entries listed in an answer; the count covers them all. */
const LISTED_ERRORS = 200;
/** User ids listed in an audit entry; the count covers them all. */
const AUDITED_IDS = 1000;

const actorName = (ctx: Ctx) =>
  ctx.actor.kind === "account" ? ctx.actor.username : ctx.actor.kind === "app" ? ctx.actor.name : "system";

/** The column a refused entry is reported under: the CSV's user column, or users[i]. */
function columnOf(users: ScopingUsers, candidate: ScopingCandidate): string {
  return users.source === "csv" ? users.column : `users[${candidate.index ?? 0}]`;
}

const where = (c: ScopingCandidate) => (c.line !== undefined ? { line: c.line } : { index: c.index ?? 0 });

function sortErrors(errors: ScopingRowError[]): ScopingRowError[] {
  return errors.sort((a, b) => (a.line ?? a.index ?? 0) - (b.line ?? b.index ?? 0));
}

/** The candidates the directory knows (by id), and an error for each one it does not. */
async function lookUpUsers(
  db: Queryable,
  users: ScopingUsers,
  errors: ScopingRowError[],
): Promise<{ candidate: ScopingCandidate; user: DirectoryUserRow }[]> {
  const { rows } = await db.query<DirectoryUserRow>(
    "SELECT id, upn, display_name FROM directory_users WHERE upn = ANY($1::text[])",
    [users.candidates.map((c) => c.upn)],
  );
  const byUpn = new Map(rows.map((r) => [r.upn, r]));
  const found: { candidate: ScopingCandidate; user: DirectoryUserRow }[] = [];
  for (const candidate of users.candidates) {
    const user = byUpn.get(candidate.upn);
    if (user) found.push({ candidate, user });
    else {
      errors.push(
        scopingRowError(
          where(candidate),
          columnOf(users, candidate),
          `user '${candidate.upn}' is not in the directory; check the spelling, or bring the user into the directory first (CSV import or SCIM provisioning).`,
          { user: candidate.upn },
        ),
      );
    }
  }
  return found;
}

/** Rescoring after a change: failures are logged and left to the next scheduled run. */
async function rescore(ctx: Ctx, userIds: string[], warnings: string[]): Promise<void> {
  if (userIds.length === 0) return;
  try {
    await scoreUsers({ ...ctx, actor: SYSTEM_ACTOR, ip: undefined }, userIds);
  } catch (err) {
    ctx.log.error({ err }, "rescoring after a manual scoping change failed");
    warnings.push("The users could not be rescored at once; the next scoring run scores them.");
  }
}

// ── starting ──────────────────────────────────────────────────────────────────────────────────

interface PolicyForScoping {
  id: string;
  name: string;
  template: string;
  config: unknown;
  enabled: boolean;
  deleted_at: string | null;
}

export interface StartScoringReport {
  policies: { id: string; name: string }[];
  /** Distinct users now scored manually in at least one of the policies. */
  started: number;
  /** (policy, user) entries written. */
  entries: number;
  days: number;
  reason: string;
  startsAt: string;
  endsAt: string;
  /** First day of activity scored (90 days before the start's day). */
  scoredFrom: string;
  users: DirectoryUserRow[];
  duplicates: number;
  rejected: number;
  errors: ScopingRowError[];
  warnings: string[];
}

/** Loads the policies named in the request: 400 for an unknown, deleted or turned-off one. */
async function loadPolicies(tx: Queryable, ids: string[]): Promise<PolicyForScoping[]> {
  const { rows } = await tx.query<PolicyForScoping>(
    `SELECT id, name, template, config, enabled, deleted_at FROM policies WHERE id = ANY($1::uuid[]) FOR SHARE`,
    [ids],
  );
  return ids.map((id, i) => {
    const field = `policyIds[${i}]`;
    const policy = rows.find((p) => p.id === id);
    const fail = (message: string) =>
      new AppError("invalid_scoring_request", 400, `${field}: ${message}`, { column: field, policyId: id });
    if (!policy) throw fail(`there is no policy '${id}' (GET /api/policies lists them).`);
    if (policy.deleted_at)
      throw fail(`policy '${policy.name}' was deleted; users can only be scored in live policies.`);
    if (!policy.enabled) {
      throw fail(
        `policy '${policy.name}' is turned off; turn it on (PATCH /api/policies/${policy.id} {"enabled": true}) before scoring users in it.`,
      );
    }
    return policy;
  });
}

/** Directory group and priority user group ids (lower case) of each user, for the scope test. */
async function loadMemberships(tx: Queryable, userIds: string[]) {
  const groupsOf = async (table: string) => {
    const { rows } = await tx.query<{ user_id: string; group_id: string }>(
      `SELECT user_id, group_id::text AS group_id FROM ${table} WHERE user_id = ANY($1::uuid[])`,
      [userIds],
    );
    const map = new Map<string, string[]>();
    for (const r of rows) map.set(r.user_id, [...(map.get(r.user_id) ?? []), r.group_id.toLowerCase()]);
    return map;
  };
  return {
    directory: await groupsOf("directory_group_members"),
    priority: await groupsOf("priority_user_group_members"),
  };
}

/**
 * Starts scoring users in policies (POST /api/policies/scoring/start): each (policy, user) pair in
 * the policy's scope gets a manual entry from now for `days` days. Users the directory does not
 * know and users out of a policy's scope are refused one by one (the others are kept); a policy
 * that does not exist, was deleted or is turned off fails the request.
 */
export async function startScoring(ctx: Ctx, body: unknown): Promise<StartScoringReport> {
  const request = parseStartScoring(body);
  const now = ctx.clock.now();
  const startsAt = now.toISOString();
  const endsAt = new Date(now.getTime() + request.days * DAY_MS).toISOString();
  const errors: ScopingRowError[] = [...request.users.errors];
  const warnings = [...request.users.warnings];
  const result = await ctx.db.transaction(async (tx) => {
    const policies = await loadPolicies(tx, request.policyIds);
    const found = await lookUpUsers(tx, request.users, errors);
    const memberships = await loadMemberships(
      tx,
      found.map((f) => f.user.id),
    );
    const idOf = new Map(found.map((f) => [f.user.upn, f.user.id]));
    const groupsBy = (map: Map<string, string[]>) => (upn: string) => map.get(idOf.get(upn) ?? "") ?? [];
    const scope = {
      directoryGroups: groupsBy(memberships.directory),
      priorityUserGroups: groupsBy(memberships.priority),
    };

    const pairs: { policyId: string; userId: string }[] = [];
    for (const policy of policies) {
      const config = readPolicyConfig(policy.config);
      const inScope = scopeMatcher(config.scope, scope);
      const template = findPolicyTemplate(policy.template);
      const priorityGroups = new Set("users" in config.scope ? (config.scope.priorityUserGroups ?? []) : []);
      for (const { candidate, user } of found) {
        const column = columnOf(request.users, candidate);
        if (
          template?.requiresPriorityUserGroups &&
          !scope.priorityUserGroups(user.upn).some((g) => priorityGroups.has(g))
        ) {
          errors.push(
            scopingRowError(
              where(candidate),
              column,
              `user '${user.upn}' is not a member of the priority user groups of policy '${policy.name}' (${template.name} policies score only their members) and was not added to it; add the user to one of the policy's priority user groups first.`,
              { user: user.upn, policyId: policy.id },
            ),
          );
          continue;
        }
        if (!inScope(user.upn)) {
          errors.push(
            scopingRowError(
              where(candidate),
              column,
              `user '${user.upn}' is not in the scope of policy '${policy.name}' and was not added to it; add the user to the policy's scope (users or groups) first.`,
              { user: user.upn, policyId: policy.id },
            ),
          );
          continue;
        }
        pairs.push({ policyId: policy.id, userId: user.id });
      }
    }
    const started = found.filter((f) => pairs.some((p) => p.userId === f.user.id)).map((f) => f.user);
    if (pairs.length > 0) {
      await tx.query(
        `INSERT INTO manual_scoping (id, policy_id, user_id, reason, starts_at, ends_at, created_by, created_at)
         SELECT e.id, e.policy_id, e.user_id, $4, $5, $6, $7, $5
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS e(id, policy_id, user_id)`,
        [
          pairs.map(() => randomUUID()),
          pairs.map((p) => p.policyId),
          pairs.map((p) => p.userId),
          request.reason,
          startsAt,
          endsAt,
          actorName(ctx),
        ],
      );
      const userIds = started.map((u) => u.id);
      await audit(ctx, tx, {
        action: "scoping.start",
        category: "Policies",
        targetType: "policy",
        ...(policies.length === 1 ? { targetId: policies[0]?.id } : {}),
        details: {
          policyIds: policies.map((p) => p.id),
          policies: policies.map((p) => p.name),
          userCount: started.length,
          entries: pairs.length,
          days: request.days,
          reason: request.reason,
          startsAt,
          endsAt,
          rejected: errors.length,
          userIds: userIds.slice(0, AUDITED_IDS),
          ...(userIds.length > AUDITED_IDS ? { moreUserIds: userIds.length - AUDITED_IDS } : {}),
        },
      });
    }
    return { policies, started, entries: pairs.length };
  });
  await rescore(
    ctx,
    result.started.map((u) => u.id),
    warnings,
  );
  sortErrors(errors);
  if (errors.length > LISTED_ERRORS) {
    warnings.push(`${errors.length} entries were refused; the first ${LISTED_ERRORS} are listed.`);
  }
  return {
    policies: result.policies.map((p) => ({ id: p.id, name: p.name })),
    started: result.started.length,
    entries: result.entries,
    days: request.days,
    reason: request.reason,
    startsAt,
    endsAt,
    scoredFrom: manualWindow(startsAt, endsAt).firstDay,
    users: result.started,
    duplicates: request.users.duplicates,
    rejected: errors.length,
    errors: errors.slice(0, LISTED_ERRORS),
    warnings,
  };
}

// ── removing ──────────────────────────────────────────────────────────────────────────────────

export interface RemoveScoringReport {
  /** Users removed from scoring. */
  removed: number;
  removedAt: string;
  reason: string | null;
  users: DirectoryUserRow[];
  duplicates: number;
  rejected: number;
  errors: ScopingRowError[];
  warnings: string[];
}

/**
 * Removes users from scoring in every policy from now (POST /api/policies/scoring/remove): a
 * removal row per user, and manual entries still running end now. Alerts stay; a trigger after
 * the removal (or a new manual entry) brings the user back.
 */
export async function removeFromScoring(ctx: Ctx, body: unknown): Promise<RemoveScoringReport> {
  const request = parseRemoveScoring(body);
  const removedAt = ctx.clock.now().toISOString();
  const errors: ScopingRowError[] = [...request.users.errors];
  const warnings = [...request.users.warnings];
  const users = await ctx.db.transaction(async (tx) => {
    const found = (await lookUpUsers(tx, request.users, errors)).map((f) => f.user);
    if (found.length === 0) return found;
    const ids = found.map((u) => u.id);
    await tx.query(
      `INSERT INTO scoring_removals (id, user_id, removed_at, reason, removed_by)
       SELECT r.id, r.user_id, $3, $4, $5 FROM unnest($1::uuid[], $2::uuid[]) AS r(id, user_id)`,
      [ids.map(() => randomUUID()), ids, removedAt, request.reason, actorName(ctx)],
    );
    const ended = await tx.query(
      `UPDATE manual_scoping SET ends_at = $2
        WHERE user_id = ANY($1::uuid[]) AND starts_at <= $2 AND ends_at > $2`,
      [ids, removedAt],
    );
    await audit(ctx, tx, {
      action: "scoping.remove",
      category: "Policies",
      targetType: "directory_user",
      ...(ids.length === 1 ? { targetId: ids[0] } : {}),
      details: {
        policyIds: "all",
        userCount: ids.length,
        manualEntriesEnded: ended.rowCount,
        reason: request.reason,
        removedAt,
        rejected: errors.length,
        userIds: ids.slice(0, AUDITED_IDS),
        ...(ids.length > AUDITED_IDS ? { moreUserIds: ids.length - AUDITED_IDS } : {}),
      },
    });
    return found;
  });
  await rescore(
    ctx,
    users.map((u) => u.id),
    warnings,
  );
  sortErrors(errors);
  if (errors.length > LISTED_ERRORS) {
    warnings.push(`${errors.length} entries were refused; the first ${LISTED_ERRORS} are listed.`);
  }
  return {
    removed: users.length,
    removedAt,
    reason: request.reason,
    users,
    duplicates: request.users.duplicates,
    rejected: errors.length,
    errors: errors.slice(0, LISTED_ERRORS),
    warnings,
  };
}

// ── reading ───────────────────────────────────────────────────────────────────────────────────

export interface ManualScopingEntryRow {
  id: string;
  policy_id: string;
  user_id: string;
  upn: string;
  display_name: string | null;
  reason: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  created_at: string;
  /** Computed at `now`: running, or ended (by its duration or by a removal). */
  status: "active" | "ended";
  ended_by: "duration" | "removal" | null;
  scored_from: string;
}

export interface ScoringRemovalRow {
  id: string;
  user_id: string;
  upn: string;
  display_name: string | null;
  removed_at: string;
  reason: string | null;
  removed_by: string;
}

/**
 * A policy's manual entries (running and ended), newest first, one page. Users the caller may not
 * see (members of priority user groups it does not view) are left out, and not counted.
 */
export async function listManualScoping(
  ctx: Ctx,
  policyId: string,
  page: { limit: number; offset: number },
): Promise<{ policy: { id: string; name: string }; items: ManualScopingEntryRow[]; total: number }> {
  const policy = isUuid(policyId)
    ? (
        await ctx.db.query<{ id: string; name: string }>(
          "SELECT id, name FROM policies WHERE id = $1 AND deleted_at IS NULL",
          [policyId],
        )
      ).rows[0]
    : undefined;
  if (!policy) throw notFound("Policy", policyId);
  const params: SqlParam[] = [policy.id];
  const from = `FROM manual_scoping s JOIN directory_users u ON u.id = s.user_id
     WHERE s.policy_id = $1 AND ${visibleUserSql(ctx.actor, "s.user_id", params)}`;
  const total = (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, params)).rows[0]?.n ?? 0;
  const { rows } = await ctx.db.query<Omit<ManualScopingEntryRow, "status" | "ended_by" | "scored_from">>(
    `SELECT s.id, s.policy_id, s.user_id, u.upn, u.display_name, s.reason, s.starts_at, s.ends_at, s.created_by, s.created_at
       ${from} ORDER BY s.created_at DESC, s.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  const userIds = [...new Set(rows.map((r) => r.user_id))];
  const removals =
    userIds.length === 0
      ? []
      : (
          await ctx.db.query<{ user_id: string; removed_at: string }>(
            "SELECT user_id, removed_at FROM scoring_removals WHERE user_id = ANY($1::uuid[])",
            [userIds],
          )
        ).rows.map((r) => ({ userId: r.user_id, removedAt: toIsoUtc(r.removed_at) as string }));
  const now = ctx.clock.now();
  const items = rows.map((r): ManualScopingEntryRow => {
    const startsAt = toIsoUtc(r.starts_at) as string;
    const endsAt = toIsoUtc(r.ends_at) as string;
    const state = manualEntryState({ userId: r.user_id, policyId: r.policy_id, startsAt, endsAt }, removals, now);
    return {
      ...r,
      starts_at: startsAt,
      ends_at: endsAt,
      created_at: toIsoUtc(r.created_at) as string,
      status: state.status,
      ended_by: state.endedBy,
      scored_from: manualWindow(startsAt, endsAt).firstDay,
    };
  });
  return { policy, items, total };
}

/** Removals from scoring, newest first, one page; users the caller may not see are left out. */
export async function listScoringRemovals(
  ctx: Ctx,
  page: { limit: number; offset: number },
): Promise<{ items: ScoringRemovalRow[]; total: number }> {
  const params: SqlParam[] = [];
  const from = `FROM scoring_removals r JOIN directory_users u ON u.id = r.user_id
     WHERE ${visibleUserSql(ctx.actor, "r.user_id", params)}`;
  const total = (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, params)).rows[0]?.n ?? 0;
  const { rows } = await ctx.db.query<ScoringRemovalRow>(
    `SELECT r.id, r.user_id, u.upn, u.display_name, r.removed_at, r.reason, r.removed_by
       ${from} ORDER BY r.removed_at DESC, r.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { items: rows.map((r) => ({ ...r, removed_at: toIsoUtc(r.removed_at) as string })), total };
}
