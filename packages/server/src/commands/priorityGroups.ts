// Priority user groups: creating, reading, editing and deleting them, their members (added by UPN,
// removed, imported from CSV) and their viewers; and the SQL form of the visibility rule
// (visibleUserSql), which every query listing users' data applies. Every change is audited.

import { randomUUID } from "node:crypto";
import {
  type Actor,
  AppError,
  can,
  checkMemberUpn,
  checkPriorityGroupDescription,
  checkPriorityGroupName,
  conflict,
  MAX_PRIORITY_GROUP_MEMBERS,
  notFound,
  PRIORITY_GROUP_MEMBER_COLUMNS,
  parsePriorityGroupMemberCsv,
  priorityGroupVisibility,
  viewerRoleGroup,
  viewerRoleGroupMessage,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import type { Queryable, SqlParam } from "../store/db.ts";
import { ensureUsers } from "../store/users.ts";
import { isUuid } from "./runs.ts";

// ── visibility ────────────────────────────────────────────────────────────────────────────────

/**
 * SQL condition: the user in `userColumn` (a directory_users id expression) is visible to the actor
 * (canSeeUser in the domain): the user is in no priority user group of which the actor is not a
 * viewer. Pushes its parameters onto `params`. "TRUE" for the system actor.
 */
export function visibleUserSql(actor: Actor, userColumn: string, params: SqlParam[]): string {
  const visibility = priorityGroupVisibility(actor);
  if (visibility.unrestricted) return "TRUE";
  params.push(visibility.roleGroups, visibility.accountId);
  const roles = `$${params.length - 1}::text[]`;
  const account = `$${params.length}::uuid`;
  return `NOT EXISTS (
      SELECT 1 FROM priority_user_group_members pgm
       WHERE pgm.user_id = ${userColumn}
         AND NOT EXISTS (
           SELECT 1 FROM priority_user_group_viewers pgv
            WHERE pgv.group_id = pgm.group_id
              AND (pgv.role_group = ANY(${roles}) OR pgv.account_id = ${account})))`;
}

/** Whether the actor may see this directory user (for a lookup of one user by id or UPN). */
export async function isUserVisible(ctx: Pick<Ctx, "db" | "actor">, userId: string): Promise<boolean> {
  const params: SqlParam[] = [userId];
  const condition = visibleUserSql(ctx.actor, "$1::uuid", params);
  const { rows } = await ctx.db.query<{ visible: boolean }>(`SELECT ${condition} AS visible`, params);
  return rows[0]?.visible === true;
}

// ── reading ───────────────────────────────────────────────────────────────────────────────────

export interface PriorityGroupRow {
  id: string;
  name: string;
  description: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  member_count: number;
  role_groups: string[];
  accounts: { id: string; username: string }[];
}

export interface PriorityGroupMemberRow {
  id: string;
  upn: string;
  display_name: string | null;
  added_at: string;
}

const SELECT_GROUPS = `
  SELECT g.id, g.name, g.description, g.created_by, g.created_at, g.updated_at,
         (SELECT count(*)::int FROM priority_user_group_members m WHERE m.group_id = g.id) AS member_count,
         COALESCE((SELECT array_agg(v.role_group ORDER BY v.role_group) FROM priority_user_group_viewers v
                    WHERE v.group_id = g.id AND v.role_group IS NOT NULL), '{}'::text[]) AS role_groups,
         COALESCE((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'username', a.username) ORDER BY a.username)
                     FROM priority_user_group_viewers v JOIN accounts a ON a.id = v.account_id
                    WHERE v.group_id = g.id), '[]'::jsonb) AS accounts
    FROM priority_user_groups g`;

/** A group by id, or by name in any case; 404 when there is none. */
async function findGroup(db: Queryable, ref: string, lock = false): Promise<PriorityGroupRow> {
  const value = ref.trim();
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM priority_user_groups WHERE ${isUuid(value) ? "id = $1::uuid" : "lower(name) = lower($1)"}${lock ? " FOR UPDATE" : ""}`,
    [value],
  );
  const id = rows[0]?.id;
  if (!id) throw notFound("Priority user group", value);
  const group = (await db.query<PriorityGroupRow>(`${SELECT_GROUPS} WHERE g.id = $1`, [id])).rows[0];
  if (!group) throw notFound("Priority user group", value);
  return group;
}

export async function listPriorityGroups(
  ctx: Ctx,
  page: { limit: number; offset: number },
): Promise<{ items: PriorityGroupRow[]; total: number }> {
  const [items, total] = await Promise.all([
    ctx.db.query<PriorityGroupRow>(`${SELECT_GROUPS} ORDER BY lower(g.name), g.id LIMIT $1 OFFSET $2`, [
      page.limit,
      page.offset,
    ]),
    ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM priority_user_groups"),
  ]);
  return { items: items.rows, total: total.rows[0]?.n ?? 0 };
}

/**
 * A group with one page of its members (in the order they were added) and how many the caller sees.
 * Those who manage groups see every member; other readers only the members visible to them (none
 * of this group's, unless they are viewers of it and of the members' other groups).
 */
export async function getPriorityGroup(
  ctx: Ctx,
  ref: string,
  page: { limit: number; offset: number },
): Promise<{ group: PriorityGroupRow; members: PriorityGroupMemberRow[]; total: number }> {
  const group = await findGroup(ctx.db, ref);
  const params: SqlParam[] = [group.id];
  const visible = can(ctx.actor, "settings.manage") ? "TRUE" : visibleUserSql(ctx.actor, "m.user_id", params);
  const from = `FROM priority_user_group_members m JOIN directory_users u ON u.id = m.user_id
      WHERE m.group_id = $1 AND ${visible}`;
  const total = (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, params)).rows[0]?.n ?? 0;
  const { rows } = await ctx.db.query<PriorityGroupMemberRow>(
    `SELECT u.id, u.upn, u.display_name, m.added_at ${from}
      ORDER BY m.added_at, u.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { group, members: rows, total };
}

// ── the definition ────────────────────────────────────────────────────────────────────────────

const invalid = (field: string, message: string) =>
  new AppError("invalid_priority_group", 400, `${field}: ${message}`, { column: field });

function actorName(ctx: Ctx): string {
  return ctx.actor.kind === "account" ? ctx.actor.username : ctx.actor.kind === "app" ? ctx.actor.name : "system";
}

interface Viewers {
  roleGroups: string[];
  accounts: { id: string; username: string }[];
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw invalid(field, 'give a list of names, e.g. ["InsiderRiskManagementInvestigators"].');
  }
  return value as string[];
}

/** Reads `viewers` ({roleGroups: [...], accounts: [username or id, ...]}); at least one viewer. */
async function resolveViewers(db: Queryable, raw: unknown): Promise<Viewers> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw invalid(
      "viewers",
      'choose who can view the group: {"roleGroups": ["InsiderRiskManagementInvestigators"], "accounts": ["ana"]} (at least one).',
    );
  }
  const { roleGroups: rawGroups, accounts: rawAccounts, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown) throw invalid(`viewers.${unknown}`, "unknown field; viewers has roleGroups and accounts.");
  const roleGroups = [
    ...new Set(
      stringList(rawGroups, "viewers.roleGroups").map((name, i) => {
        const group = viewerRoleGroup(name.trim());
        if (!group) throw invalid(`viewers.roleGroups[${i}]`, viewerRoleGroupMessage(name.trim()));
        return group;
      }),
    ),
  ];
  const refs = stringList(rawAccounts, "viewers.accounts").map((r) => r.trim());
  const accounts: Viewers["accounts"] = [];
  if (refs.length > 0) {
    const { rows } = await db.query<{ id: string; username: string }>(
      "SELECT id, username FROM accounts WHERE lower(username) = ANY($1::text[]) OR id::text = ANY($1::text[])",
      [refs.map((r) => r.toLowerCase())],
    );
    refs.forEach((ref, i) => {
      const found = rows.find((a) => a.username.toLowerCase() === ref.toLowerCase() || a.id === ref.toLowerCase());
      if (!found) {
        throw invalid(`viewers.accounts[${i}]`, `there is no console account '${ref}'; give a username or account id.`);
      }
      if (!accounts.some((a) => a.id === found.id)) accounts.push(found);
    });
  }
  if (roleGroups.length + accounts.length === 0) {
    throw invalid(
      "viewers",
      "choose at least one viewer: a role group (InsiderRiskManagement, InsiderRiskManagementAnalysts, InsiderRiskManagementInvestigators) or a console account.",
    );
  }
  return { roleGroups, accounts };
}

async function writeViewers(tx: Queryable, groupId: string, viewers: Viewers): Promise<void> {
  await tx.query("DELETE FROM priority_user_group_viewers WHERE group_id = $1", [groupId]);
  await tx.query(
    `INSERT INTO priority_user_group_viewers (group_id, role_group, account_id)
     SELECT $1, v.role_group, v.account_id
       FROM unnest($2::text[], $3::uuid[]) AS v(role_group, account_id)`,
    [
      groupId,
      [...viewers.roleGroups, ...viewers.accounts.map(() => null)] as unknown[],
      [...viewers.roleGroups.map(() => null), ...viewers.accounts.map((a) => a.id)] as unknown[],
    ],
  );
}

const viewersForAudit = (v: Viewers) => ({ roleGroups: v.roleGroups, accounts: v.accounts.map((a) => a.username) });

const CREATE_FIELDS = ["name", "description", "viewers", "members"];

/** Creates a group (with members given by UPN, optionally); 409 when the name is taken in any case. */
export async function createPriorityGroup(
  ctx: Ctx,
  body: unknown,
): Promise<{ group: PriorityGroupRow; members: MemberChangeReport | null }> {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError(
      "invalid_request",
      400,
      'The body must be a JSON object: {"name": "Executives", "description": "…", "viewers": {"roleGroups": ["InsiderRiskManagementInvestigators"]}, "members": ["name@domain", …]}.',
    );
  }
  const input = body as Record<string, unknown>;
  const unknown = Object.keys(input).find((k) => !CREATE_FIELDS.includes(k));
  if (unknown) throw invalid(unknown, `unknown field; a priority user group has ${CREATE_FIELDS.join(", ")}.`);
  const name = checkPriorityGroupName(input.name);
  if (!name.ok) throw invalid("name", name.reason);
  const description = checkPriorityGroupDescription(input.description);
  if (!description.ok) throw invalid("description", description.reason);
  const members = input.members === undefined ? null : memberList(input.members);
  const now = ctx.clock.now().toISOString();
  const id = randomUUID();
  const report = await ctx.db.transaction(async (tx) => {
    const viewers = await resolveViewers(tx, input.viewers);
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO priority_user_groups (id, name, description, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (lower(name)) DO NOTHING RETURNING id`,
      [id, name.name, description.description, actorName(ctx), now],
    );
    if (!rows[0]) {
      const existing = await tx.query<{ name: string }>(
        "SELECT name FROM priority_user_groups WHERE lower(name) = lower($1)",
        [name.name],
      );
      const listed = existing.rows[0]?.name ?? name.name;
      throw conflict(
        "priority_group_exists",
        `name: a priority user group named '${listed}' exists already${listed !== name.name ? " (names are compared without regard to case)" : ""}; choose another name.`,
        { column: "name" },
      );
    }
    await writeViewers(tx, id, viewers);
    await audit(ctx, tx, {
      action: "priority_user_group.create",
      category: "Settings",
      targetType: "priority_user_group",
      targetId: id,
      details: { name: name.name, description: description.description, viewers: viewersForAudit(viewers) },
    });
    return members ? addMembers(ctx, tx, id, name.name, members, "priority_user_group.members.add") : null;
  });
  return { group: await findGroup(ctx.db, id), members: report };
}

const PATCH_FIELDS = ["description", "viewers"];

/** Changes the description and/or viewers. The name cannot be changed. */
export async function updatePriorityGroup(ctx: Ctx, ref: string, body: unknown): Promise<PriorityGroupRow> {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("invalid_request", 400, 'The body must be a JSON object: {"description": "…", "viewers": {…}}.');
  }
  const input = body as Record<string, unknown>;
  const id = await ctx.db.transaction(async (tx) => {
    const current = await findGroup(tx, ref, true);
    if ("name" in input && (typeof input.name !== "string" || input.name.trim() !== current.name)) {
      throw invalid(
        "name",
        `a priority user group's name cannot be changed after it is created ('${current.name}'); create a new group and delete this one instead.`,
      );
    }
    const unknown = Object.keys(input).find((k) => k !== "name" && !PATCH_FIELDS.includes(k));
    if (unknown) throw invalid(unknown, `unknown field; a group's ${PATCH_FIELDS.join(" and ")} can be changed.`);
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    if ("description" in input) {
      const description = checkPriorityGroupDescription(input.description);
      if (!description.ok) throw invalid("description", description.reason);
      if (description.description !== current.description) {
        changed.description = { from: current.description, to: description.description };
        await tx.query("UPDATE priority_user_groups SET description = $2 WHERE id = $1", [
          current.id,
          description.description,
        ]);
      }
    }
    if ("viewers" in input) {
      const viewers = await resolveViewers(tx, input.viewers);
      const before = viewersForAudit({ roleGroups: current.role_groups, accounts: current.accounts });
      const after = viewersForAudit(viewers);
      if (
        JSON.stringify([...before.roleGroups].sort()) !== JSON.stringify([...after.roleGroups].sort()) ||
        JSON.stringify([...before.accounts].sort()) !== JSON.stringify([...after.accounts].sort())
      ) {
        changed.viewers = { from: before, to: after };
        await writeViewers(tx, current.id, viewers);
      }
    }
    if (Object.keys(changed).length > 0) {
      await tx.query("UPDATE priority_user_groups SET updated_at = $2 WHERE id = $1", [
        current.id,
        ctx.clock.now().toISOString(),
      ]);
      await audit(ctx, tx, {
        action: "priority_user_group.update",
        category: "Settings",
        targetType: "priority_user_group",
        targetId: current.id,
        details: { name: current.name, changed },
      });
    }
    return current.id;
  });
  return findGroup(ctx.db, id);
}

/**
 * Deletes a group: its members and viewers go with it, the alerts of its members stay, and every
 * policy whose scope names it (config.scope.priorityUserGroups, a list of group ids) no longer does.
 */
export async function deletePriorityGroup(
  ctx: Ctx,
  ref: string,
): Promise<{ group: PriorityGroupRow; policies: { id: string; name: string }[] }> {
  return ctx.db.transaction(async (tx) => {
    const group = await findGroup(tx, ref, true);
    const now = ctx.clock.now().toISOString();
    const { rows: policies } = await tx.query<{ id: string; name: string }>(
      `UPDATE policies
          SET config = jsonb_set(config, '{scope,priorityUserGroups}',
                COALESCE((SELECT jsonb_agg(e) FROM jsonb_array_elements(config->'scope'->'priorityUserGroups') e
                           WHERE e <> to_jsonb($1::text)), '[]'::jsonb)),
              updated_at = $2
        WHERE jsonb_typeof(config->'scope'->'priorityUserGroups') = 'array'
          AND config->'scope'->'priorityUserGroups' @> jsonb_build_array($1::text)
        RETURNING id, name`,
      [group.id, now],
    );
    if (policies.length > 0) {
      // A list left empty is left out, as policies store empty lists.
      await tx.query(
        `UPDATE policies SET config = config #- '{scope,priorityUserGroups}'
          WHERE id = ANY($1::uuid[]) AND config->'scope'->'priorityUserGroups' = '[]'::jsonb`,
        [policies.map((p) => p.id)],
      );
    }
    for (const policy of policies) {
      await audit(ctx, tx, {
        action: "policy.update",
        category: "Policies",
        targetType: "policy",
        targetId: policy.id,
        details: {
          name: policy.name,
          changed: ["scope"],
          reason: `priority user group '${group.name}' (${group.id}) was deleted and removed from the scope`,
        },
      });
    }
    await tx.query("DELETE FROM priority_user_groups WHERE id = $1", [group.id]);
    await audit(ctx, tx, {
      action: "priority_user_group.delete",
      category: "Settings",
      targetType: "priority_user_group",
      targetId: group.id,
      details: {
        name: group.name,
        memberCount: group.member_count,
        viewers: viewersForAudit({ roleGroups: group.role_groups, accounts: group.accounts }),
        policies: policies.map((p) => p.id),
      },
    });
    return { group, policies };
  });
}

// ── members ───────────────────────────────────────────────────────────────────────────────────

/** Refused entries an answer lists; more are counted only. */
const LISTED_ERRORS = 100;
/** User ids an audit entry lists. */
const AUDITED_IDS = 100;

export interface MemberChangeReport {
  /** Members added by this request. */
  added: number;
  /** Valid entries whose user was a member already. */
  alreadyMembers: number;
  /** Entries repeating a UPN given earlier in the same request or file. */
  duplicates: number;
  /** Users that were not in the directory yet and were created (bare, like uploads create them). */
  newDirectoryUsers: number;
  /** Entries refused. */
  rejected: number;
  /** The first refused entries: `line` for a CSV import, `index` (0-based) for a JSON list. */
  errors: { line?: number; index?: number; column: string; reason: string }[];
  warnings: string[];
  /** Members of the group after the change. */
  memberCount: number;
}

interface Candidate {
  upn: string;
  line?: number;
  index?: number;
}

interface MemberCandidates {
  candidates: Candidate[];
  errors: MemberChangeReport["errors"];
  duplicates: number;
  warnings: string[];
}

function memberList(value: unknown): MemberCandidates {
  if (!Array.isArray(value)) {
    throw invalid("members", 'give a list of user principal names, e.g. ["sarad@contoso.com"].');
  }
  const result: MemberCandidates = { candidates: [], errors: [], duplicates: 0, warnings: [] };
  const seen = new Set<string>();
  value.forEach((raw, index) => {
    const checked = checkMemberUpn(raw);
    if (!checked.ok) {
      result.errors.push({ index, column: `members[${index}]`, reason: `members[${index}]: ${checked.reason}` });
      return;
    }
    if (seen.has(checked.upn)) {
      result.duplicates++;
      return;
    }
    seen.add(checked.upn);
    result.candidates.push({ upn: checked.upn, index });
  });
  return result;
}

/**
 * Adds the valid candidates to a locked group, up to MAX_PRIORITY_GROUP_MEMBERS: those past the
 * limit are refused one by one. UPNs not in the directory become bare directory users.
 */
async function addMembers(
  ctx: Ctx,
  tx: Queryable,
  groupId: string,
  groupName: string,
  list: MemberCandidates,
  action: string,
  fromFile = false,
): Promise<MemberChangeReport> {
  const errors: MemberChangeReport["errors"] = [...list.errors];
  const where = (c: Candidate) => (c.line !== undefined ? { line: c.line } : { index: c.index as number });
  const upns = list.candidates.map((c) => c.upn);
  const { rows: existing } = await tx.query<{ upn: string }>(
    `SELECT u.upn FROM priority_user_group_members m JOIN directory_users u ON u.id = m.user_id
      WHERE m.group_id = $1 AND u.upn = ANY($2::text[])`,
    [groupId, upns],
  );
  const members = new Set(existing.map((r) => r.upn));
  const count = (
    await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM priority_user_group_members WHERE group_id = $1", [
      groupId,
    ])
  ).rows[0]?.n as number;
  const room = Math.max(0, MAX_PRIORITY_GROUP_MEMBERS - count);
  const fresh = list.candidates.filter((c) => !members.has(c.upn));
  const accepted = fresh.slice(0, room);
  for (const c of fresh.slice(room)) {
    errors.push({
      ...where(c),
      column: fromFile ? "user principal name" : `members[${c.index}]`,
      reason: `'${c.upn}' was not added: the group has reached its limit of ${MAX_PRIORITY_GROUP_MEMBERS.toLocaleString("en-US")} members. Remove members, or split them into another group.`,
    });
  }
  errors.sort((a, b) => (a.line ?? a.index ?? 0) - (b.line ?? b.index ?? 0));
  let newDirectoryUsers = 0;
  let addedIds: string[] = [];
  if (accepted.length > 0) {
    const acceptedUpns = accepted.map((c) => c.upn);
    const known = (
      await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM directory_users WHERE upn = ANY($1::text[])", [
        acceptedUpns,
      ])
    ).rows[0]?.n as number;
    newDirectoryUsers = accepted.length - known;
    const ids = await ensureUsers(tx, acceptedUpns, ctx.clock.now());
    const { rows } = await tx.query<{ user_id: string }>(
      `INSERT INTO priority_user_group_members (group_id, user_id, added_at)
       SELECT $1, u, $3 FROM unnest($2::uuid[]) AS u
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [groupId, acceptedUpns.map((u) => ids.get(u) as string), ctx.clock.now().toISOString()],
    );
    addedIds = rows.map((r) => r.user_id);
  }
  const report: MemberChangeReport = {
    added: addedIds.length,
    alreadyMembers: list.candidates.length - fresh.length,
    duplicates: list.duplicates,
    newDirectoryUsers,
    rejected: errors.length,
    errors: errors.slice(0, LISTED_ERRORS),
    warnings: [...list.warnings],
    memberCount: count + addedIds.length,
  };
  if (errors.length > LISTED_ERRORS) {
    report.warnings.push(`${errors.length} entries were refused; the first ${LISTED_ERRORS} are listed.`);
  }
  if (addedIds.length > 0) {
    await tx.query("UPDATE priority_user_groups SET updated_at = $2 WHERE id = $1", [
      groupId,
      ctx.clock.now().toISOString(),
    ]);
  }
  await audit(ctx, tx, {
    action,
    category: "Settings",
    targetType: "priority_user_group",
    targetId: groupId,
    details: {
      name: groupName,
      added: report.added,
      alreadyMembers: report.alreadyMembers,
      duplicates: report.duplicates,
      newDirectoryUsers,
      rejected: report.rejected,
      userIds: addedIds.slice(0, AUDITED_IDS),
      ...(addedIds.length > AUDITED_IDS ? { moreUserIds: addedIds.length - AUDITED_IDS } : {}),
    },
  });
  return report;
}

/** Adds members given as a JSON list of UPNs; bad entries are refused alone. */
export async function addPriorityGroupMembers(ctx: Ctx, ref: string, members: unknown): Promise<MemberChangeReport> {
  const list = memberList(members);
  return ctx.db.transaction(async (tx) => {
    const group = await findGroup(tx, ref, true);
    return addMembers(ctx, tx, group.id, group.name, list, "priority_user_group.members.add");
  });
}

/**
 * Imports members from a CSV (see parsePriorityGroupMemberCsv): bad lines are refused with their
 * line number, the good ones added. 400 when the file has no member column or no line at all.
 */
export async function importPriorityGroupMembers(ctx: Ctx, ref: string, text: string): Promise<MemberChangeReport> {
  const csv = parsePriorityGroupMemberCsv(text);
  if (csv.members.length === 0 && csv.errors.length === 0) {
    throw new AppError(
      "empty_file",
      400,
      `The file has no members: send a CSV with the header '${PRIORITY_GROUP_MEMBER_COLUMNS[0]}' and one UPN per line.`,
    );
  }
  return ctx.db.transaction(async (tx) => {
    const group = await findGroup(tx, ref, true);
    return addMembers(
      ctx,
      tx,
      group.id,
      group.name,
      { ...csv, candidates: csv.members },
      "priority_user_group.members.import",
      true,
    );
  });
}

/** Removes members named by UPN or user id; names that are not members are listed, not refused. */
export async function removePriorityGroupMembers(
  ctx: Ctx,
  ref: string,
  members: unknown,
): Promise<{ removed: number; notMembers: string[]; memberCount: number }> {
  if (!Array.isArray(members) || members.length === 0 || members.some((m) => typeof m !== "string")) {
    throw invalid("members", 'give a list of user principal names or user ids, e.g. ["sarad@contoso.com"].');
  }
  const refs = [...new Set((members as string[]).map((m) => m.trim().toLowerCase()))];
  return ctx.db.transaction(async (tx) => {
    const group = await findGroup(tx, ref, true);
    const { rows } = await tx.query<{ user_id: string; upn: string }>(
      `DELETE FROM priority_user_group_members m USING directory_users u
        WHERE m.group_id = $1 AND u.id = m.user_id AND (u.upn = ANY($2::text[]) OR u.id::text = ANY($2::text[]))
        RETURNING m.user_id, u.upn`,
      [group.id, refs],
    );
    const removed = new Set(rows.flatMap((r) => [r.user_id, r.upn]));
    const notMembers = refs.filter((r) => !removed.has(r));
    if (rows.length > 0) {
      await tx.query("UPDATE priority_user_groups SET updated_at = $2 WHERE id = $1", [
        group.id,
        ctx.clock.now().toISOString(),
      ]);
      await audit(ctx, tx, {
        action: "priority_user_group.members.remove",
        category: "Settings",
        targetType: "priority_user_group",
        targetId: group.id,
        details: {
          name: group.name,
          removed: rows.length,
          userIds: rows.slice(0, AUDITED_IDS).map((r) => r.user_id),
          ...(rows.length > AUDITED_IDS ? { moreUserIds: rows.length - AUDITED_IDS } : {}),
        },
      });
    }
    return { removed: rows.length, notMembers, memberCount: group.member_count - rows.length };
  });
}
