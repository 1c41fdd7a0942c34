// SCIM Users: list (filter, paging), read, create, replace, patch and delete, each write in one
// transaction with its audit entry. A userName OpenIRM already knows from signals fills that user's
// record (same id, so the signals stay linked); disabling or deleting an account records a signal.

import { randomUUID } from "node:crypto";
import {
  applyScimPatch,
  isDirectoryUpn,
  matchesScimFilter,
  normalizeScimResource,
  parseScimFilter,
  parseScimPatchRequest,
  requiredEquality,
  SCIM_USER_SHAPE,
  scimError,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import {
  ACCOUNT_DELETED_SIGNAL,
  ACCOUNT_DISABLED_SIGNAL,
  type AccountSignal,
  afterAccountsChanged,
  DIRECTORY_USER_COLUMNS,
  type DirectoryUserRecord,
  isListed,
  isUuid,
  recordAccountSignals,
} from "../commands/directory.ts";
import type { Ctx } from "../context.ts";
import type { Queryable } from "../store/db.ts";
import { type Json, type ScimUserRow, type UserColumns, userColumnsFromResource, userResource } from "./resources.ts";

const SELECT_USERS = `
  SELECT ${DIRECTORY_USER_COLUMNS.replace(/(\w+)/g, "u.$1")},
         (SELECT m.id FROM directory_users m WHERE m.upn = u.manager_upn AND m.deleted_at IS NULL LIMIT 1) AS manager_id,
         COALESCE((SELECT jsonb_agg(jsonb_build_object('id', g.id, 'display_name', g.display_name) ORDER BY g.display_name)
                     FROM directory_group_members gm JOIN directory_groups g ON g.id = gm.group_id
                    WHERE gm.user_id = u.id), '[]'::jsonb) AS groups
    FROM directory_users u`;
const LISTED = "u.source IS NOT NULL AND u.deleted_at IS NULL";

export const userNotFound = (id: string) => scimError(404, undefined, `User '${id}' does not exist.`);

async function loadUser(db: Queryable, id: string, lock = false): Promise<ScimUserRow | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<ScimUserRow>(
    `${SELECT_USERS} WHERE u.id = $1 AND ${LISTED}${lock ? " FOR UPDATE OF u" : ""}`,
    [id],
  );
  return rows[0];
}

export interface ScimListQuery {
  filter?: string | undefined;
  startIndex: number;
  count: number;
}

export async function listScimUsers(
  ctx: Ctx,
  baseUrl: string,
  q: ScimListQuery,
): Promise<{ total: number; resources: Json[] }> {
  if (!q.filter) {
    const total = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM directory_users u WHERE ${LISTED}`);
    const { rows } =
      q.count > 0
        ? await ctx.db.query<ScimUserRow>(
            `${SELECT_USERS} WHERE ${LISTED} ORDER BY u.created_at, u.id LIMIT $1 OFFSET $2`,
            [q.count, q.startIndex - 1],
          )
        : { rows: [] };
    return { total: total.rows[0]?.n ?? 0, resources: rows.map((r) => userResource(r, baseUrl)) };
  }
  const filter = parseScimFilter(q.filter, SCIM_USER_SHAPE);
  // Narrow by index when the filter pins userName, externalId or id; the full filter is applied after.
  const pinned = requiredEquality(filter, ["userName", "externalId", "id"]);
  let where = LISTED;
  const params: string[] = [];
  if (pinned?.attribute === "userName") {
    params.push(pinned.value.trim().toLowerCase());
    where += " AND u.upn = $1";
  } else if (pinned?.attribute === "externalId") {
    params.push(pinned.value);
    where += " AND u.external_id = $1";
  } else if (pinned?.attribute === "id") {
    if (!isUuid(pinned.value)) return { total: 0, resources: [] };
    params.push(pinned.value);
    where += " AND u.id = $1";
  }
  const { rows } = await ctx.db.query<ScimUserRow>(
    `${SELECT_USERS} WHERE ${where} ORDER BY u.created_at, u.id`,
    params,
  );
  const matching = rows
    .map((r) => userResource(r, baseUrl))
    .filter((resource) => matchesScimFilter(resource, filter, SCIM_USER_SHAPE));
  return { total: matching.length, resources: matching.slice(q.startIndex - 1, q.startIndex - 1 + q.count) };
}

export async function getScimUser(ctx: Ctx, baseUrl: string, id: string): Promise<Json> {
  const row = await loadUser(ctx.db, id);
  if (!row) throw userNotFound(id);
  return userResource(row, baseUrl);
}

/** The manager's UPN from the reference the identity provider gave: our id, its externalId, or a UPN. */
async function resolveManagerUpn(tx: Queryable, ref: string | null, selfId: string): Promise<string | null> {
  if (!ref) return null;
  const byId = isUuid(ref);
  const { rows } = await tx.query<{ id: string; upn: string }>(
    `SELECT id, upn FROM directory_users
      WHERE deleted_at IS NULL AND (external_id = $1 OR upn = lower($1)${byId ? " OR id = $1::uuid" : ""})
      ORDER BY (source IS NULL), created_at LIMIT 1`,
    [ref],
  );
  const found = rows[0];
  if (found && found.id !== selfId) return found.upn;
  return isDirectoryUpn(ref) && ref.toLowerCase() !== found?.upn ? ref.toLowerCase() : null;
}

const CHANGE_COLUMNS = [
  "user_name",
  "display_name",
  "job_title",
  "employee_type",
  "active",
  "external_id",
  "department",
  "employee_number",
  "manager_ref",
  "office",
] as const;

/**
 * Writes a user's SCIM state onto `target` (an existing row: listed, bare or deleted) or a new row,
 * records the account-disabled signal on an active → inactive change, and audits.
 */
async function saveUser(
  ctx: Ctx,
  tx: Queryable,
  target: DirectoryUserRecord | undefined,
  columns: UserColumns,
  action: "directory.user.create" | "directory.user.update",
): Promise<{ id: string; accountSignals: AccountSignal[] }> {
  const now = ctx.clock.now().toISOString();
  const id = target?.id ?? randomUUID();
  const wasListed = target !== undefined && isListed(target);
  const managerUpn = await resolveManagerUpn(tx, columns.manager_ref, id);
  const disabledNow = wasListed && target.active && !columns.active;
  const disabledAt = columns.active ? null : wasListed && !target.active ? target.disabled_at : now;
  const values = [
    id,
    columns.upn,
    columns.user_name,
    columns.display_name,
    columns.job_title,
    columns.employee_type,
    columns.active,
    columns.external_id,
    columns.department,
    columns.employee_number,
    columns.manager_ref,
    managerUpn,
    columns.office,
    JSON.stringify(columns.scim_attributes),
    disabledAt,
    now,
  ];
  if (target) {
    await tx.query(
      `UPDATE directory_users SET upn = $2, user_name = $3, display_name = $4, job_title = $5, employee_type = $6,
              active = $7, external_id = $8, department = $9, employee_number = $10, manager_ref = $11,
              manager_upn = $12, office = $13, scim_attributes = $14::jsonb, disabled_at = $15, updated_at = $16,
              source = 'scim', provisioned_at = COALESCE(provisioned_at, $16), deleted_at = NULL
        WHERE id = $1`,
      values,
    );
  } else {
    await tx.query(
      `INSERT INTO directory_users (id, upn, user_name, display_name, job_title, employee_type, active, external_id,
              department, employee_number, manager_ref, manager_upn, office, scim_attributes, disabled_at, updated_at,
              source, provisioned_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, 'scim', $16, $16)`,
      values,
    );
  }
  const accountSignals: AccountSignal[] = [];
  if (disabledNow) {
    accountSignals.push({ userId: id, upn: columns.upn, kind: ACCOUNT_DISABLED_SIGNAL, source: "scim" });
    await recordAccountSignals(ctx, tx, accountSignals);
  }
  const changed = wasListed
    ? CHANGE_COLUMNS.filter((c) => JSON.stringify(target[c] ?? null) !== JSON.stringify(columns[c] ?? null))
    : undefined;
  await audit(ctx, tx, {
    action,
    category: "Users",
    targetType: "directoryUser",
    targetId: id,
    details: {
      source: "scim",
      ...(changed ? { changed } : {}),
      ...(target && !wasListed ? { linkedExistingUser: true } : {}),
      ...(disabledNow ? { accountDisabled: true } : {}),
    },
  });
  return { id, accountSignals };
}

function readUserBody(body: unknown): UserColumns {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw scimError(400, "invalidSyntax", "The request body must be a SCIM User JSON object.");
  }
  return userColumnsFromResource(normalizeScimResource(body as Json, SCIM_USER_SHAPE));
}

const userNameTaken = (userName: string) =>
  scimError(409, "uniqueness", `A user with userName '${userName}' already exists.`);

/** The row holding a UPN, whatever its state (listed, known only from signals, deleted). */
async function rowByUpn(tx: Queryable, upn: string): Promise<DirectoryUserRecord | undefined> {
  const { rows } = await tx.query<DirectoryUserRecord>(
    `SELECT ${DIRECTORY_USER_COLUMNS} FROM directory_users WHERE upn = $1 FOR UPDATE`,
    [upn],
  );
  return rows[0];
}

export async function createScimUser(ctx: Ctx, baseUrl: string, body: unknown): Promise<Json> {
  const columns = readUserBody(body);
  const saved = await ctx.db.transaction(async (tx) => {
    const existing = await rowByUpn(tx, columns.upn);
    if (existing && isListed(existing)) throw userNameTaken(columns.user_name);
    return saveUser(ctx, tx, existing, columns, "directory.user.create");
  });
  await afterAccountsChanged(ctx, saved.accountSignals);
  return getScimUser(ctx, baseUrl, saved.id);
}

/** Replaces (PUT) or patches a user: `change` computes the new state from the current resource. */
async function updateUser(
  ctx: Ctx,
  baseUrl: string,
  id: string,
  change: (current: Json) => UserColumns,
): Promise<Json> {
  const saved = await ctx.db.transaction(async (tx) => {
    const current = await loadUser(tx, id, true);
    if (!current) throw userNotFound(id);
    const columns = change(userResource(current, baseUrl));
    if (columns.upn !== current.upn) {
      const other = await rowByUpn(tx, columns.upn);
      if (other) {
        throw isListed(other)
          ? userNameTaken(columns.user_name)
          : scimError(
              409,
              "uniqueness",
              `userName '${columns.user_name}' belongs to another user OpenIRM already holds signals for; rename is refused so that their signals stay apart.`,
            );
      }
    }
    return saveUser(ctx, tx, current, columns, "directory.user.update");
  });
  await afterAccountsChanged(ctx, saved.accountSignals);
  return getScimUser(ctx, baseUrl, id);
}

export function replaceScimUser(ctx: Ctx, baseUrl: string, id: string, body: unknown): Promise<Json> {
  return updateUser(ctx, baseUrl, id, () => readUserBody(body));
}

export function patchScimUser(ctx: Ctx, baseUrl: string, id: string, body: unknown): Promise<Json> {
  const operations = parseScimPatchRequest(body);
  return updateUser(ctx, baseUrl, id, (current) =>
    userColumnsFromResource(applyScimPatch(current, operations, SCIM_USER_SHAPE)),
  );
}

/**
 * Deletes a user from the directory. The record stays (signals, alerts and cases refer to it),
 * marked deleted and inactive, out of its groups; an account-deleted signal is recorded.
 */
export async function deleteScimUser(ctx: Ctx, id: string): Promise<void> {
  const deleted = await ctx.db.transaction(async (tx) => {
    const current = await loadUser(tx, id, true);
    if (!current) throw userNotFound(id);
    const now = ctx.clock.now().toISOString();
    await tx.query(
      `UPDATE directory_users SET deleted_at = $2, active = false, disabled_at = COALESCE(disabled_at, $2),
              updated_at = $2 WHERE id = $1`,
      [id, now],
    );
    await tx.query("DELETE FROM directory_group_members WHERE user_id = $1", [id]);
    const signals: AccountSignal[] = [{ userId: id, upn: current.upn, kind: ACCOUNT_DELETED_SIGNAL, source: "scim" }];
    await recordAccountSignals(ctx, tx, signals);
    await audit(ctx, tx, {
      action: "directory.user.delete",
      category: "Users",
      targetType: "directoryUser",
      targetId: id,
      details: { source: "scim", groupsLeft: current.groups.length },
    });
    return signals;
  });
  await afterAccountsChanged(ctx, deleted);
}
