// SCIM Groups: list (filter, paging, members optional), read, create, replace, patch (members added
// and removed as Entra ID and Okta send them) and delete, each write audited in its transaction.

import { randomUUID } from "node:crypto";
import {
  applyScimPatch,
  matchesScimFilter,
  normalizeScimResource,
  parseScimFilter,
  parseScimPatchRequest,
  requiredEquality,
  SCIM_GROUP_SHAPE,
  scimError,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import { isUuid } from "../commands/directory.ts";
import type { Ctx } from "../context.ts";
import type { Queryable } from "../store/db.ts";
import {
  type GroupColumns,
  groupColumnsFromResource,
  groupResource,
  type Json,
  type ScimGroupRow,
} from "./resources.ts";
import type { ScimListQuery } from "./users.ts";

const groupNotFound = (id: string) => scimError(404, undefined, `Group '${id}' does not exist.`);

const MEMBERS = `COALESCE((SELECT jsonb_agg(jsonb_build_object('id', u.id, 'upn', u.upn, 'user_name', u.user_name,
                   'display_name', u.display_name) ORDER BY gm.added_at, u.upn)
                   FROM directory_group_members gm JOIN directory_users u ON u.id = gm.user_id
                  WHERE gm.group_id = g.id), '[]'::jsonb) AS members`;

function selectGroups(withMembers: boolean): string {
  return `SELECT g.id, g.display_name, g.external_id, g.scim_attributes, g.created_at, g.updated_at
                 ${withMembers ? `, ${MEMBERS}` : ""}
            FROM directory_groups g`;
}

async function loadGroup(
  db: Queryable,
  id: string,
  withMembers = true,
  lock = false,
): Promise<ScimGroupRow | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<ScimGroupRow>(
    `${selectGroups(withMembers)} WHERE g.id = $1${lock ? " FOR UPDATE OF g" : ""}`,
    [id],
  );
  return rows[0];
}

export async function listScimGroups(
  ctx: Ctx,
  baseUrl: string,
  q: ScimListQuery & { withMembers: boolean },
): Promise<{ total: number; resources: Json[] }> {
  const filter = q.filter ? parseScimFilter(q.filter, SCIM_GROUP_SHAPE) : undefined;
  // A filter on members needs them loaded even when the answer leaves them out.
  const withMembers = q.withMembers || /members/i.test(q.filter ?? "");
  if (!filter) {
    const total = await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM directory_groups");
    const { rows } =
      q.count > 0
        ? await ctx.db.query<ScimGroupRow>(
            `${selectGroups(withMembers)} ORDER BY g.created_at, g.id LIMIT $1 OFFSET $2`,
            [q.count, q.startIndex - 1],
          )
        : { rows: [] };
    return { total: total.rows[0]?.n ?? 0, resources: rows.map((r) => groupResource(r, baseUrl)) };
  }
  const pinned = requiredEquality(filter, ["displayName", "externalId", "id"]);
  let where = "";
  const params: string[] = [];
  if (pinned?.attribute === "displayName") {
    params.push(pinned.value);
    where = "WHERE lower(g.display_name) = lower($1)";
  } else if (pinned?.attribute === "externalId") {
    params.push(pinned.value);
    where = "WHERE g.external_id = $1";
  } else if (pinned?.attribute === "id") {
    if (!isUuid(pinned.value)) return { total: 0, resources: [] };
    params.push(pinned.value);
    where = "WHERE g.id = $1";
  }
  const { rows } = await ctx.db.query<ScimGroupRow>(
    `${selectGroups(withMembers)} ${where} ORDER BY g.created_at, g.id`,
    params,
  );
  const matching = rows
    .map((r) => groupResource(r, baseUrl))
    .filter((resource) => matchesScimFilter(resource, filter, SCIM_GROUP_SHAPE));
  return { total: matching.length, resources: matching.slice(q.startIndex - 1, q.startIndex - 1 + q.count) };
}

export async function getScimGroup(ctx: Ctx, baseUrl: string, id: string, withMembers = true): Promise<Json> {
  const row = await loadGroup(ctx.db, id, withMembers);
  if (!row) throw groupNotFound(id);
  return groupResource(row, baseUrl);
}

/** Every member must be a user of the directory (by id); nested groups are not supported. */
async function checkMembers(tx: Queryable, memberIds: readonly string[]): Promise<void> {
  const wellFormed = memberIds.filter(isUuid);
  const { rows } = wellFormed.length
    ? await tx.query<{ id: string }>(
        "SELECT id FROM directory_users WHERE id = ANY($1::uuid[]) AND source IS NOT NULL AND deleted_at IS NULL",
        [wellFormed],
      )
    : { rows: [] };
  const known = new Set(rows.map((r) => r.id.toLowerCase()));
  const unknown = memberIds.find((id) => !known.has(id.toLowerCase()));
  if (unknown !== undefined) {
    throw scimError(
      400,
      "invalidValue",
      `members: '${unknown}' is not the id of a user in the directory (provision the user first; nested groups are not supported).`,
    );
  }
}

async function nameTaken(tx: Queryable, displayName: string, exceptId?: string): Promise<boolean> {
  const { rows } = await tx.query<{ id: string }>(
    "SELECT id FROM directory_groups WHERE lower(display_name) = lower($1) AND id IS DISTINCT FROM $2::uuid",
    [displayName, exceptId ?? null],
  );
  return rows.length > 0;
}

const groupNameTaken = (name: string) => scimError(409, "uniqueness", `A group named '${name}' already exists.`);

async function writeMembers(ctx: Ctx, tx: Queryable, groupId: string, memberIds: readonly string[]) {
  const { rows } = await tx.query<{ user_id: string }>(
    "SELECT user_id FROM directory_group_members WHERE group_id = $1",
    [groupId],
  );
  const before = new Set(rows.map((r) => r.user_id.toLowerCase()));
  const after = new Set(memberIds.map((m) => m.toLowerCase()));
  const added = [...after].filter((m) => !before.has(m));
  const removed = [...before].filter((m) => !after.has(m));
  if (removed.length) {
    await tx.query("DELETE FROM directory_group_members WHERE group_id = $1 AND user_id = ANY($2::uuid[])", [
      groupId,
      removed,
    ]);
  }
  if (added.length) {
    await tx.query(
      `INSERT INTO directory_group_members (group_id, user_id, added_at)
       SELECT $1, m, $3 FROM unnest($2::uuid[]) AS m ON CONFLICT DO NOTHING`,
      [groupId, added, ctx.clock.now().toISOString()],
    );
  }
  return { added: added.length, removed: removed.length };
}

function readGroupBody(body: unknown): GroupColumns {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw scimError(400, "invalidSyntax", "The request body must be a SCIM Group JSON object.");
  }
  return groupColumnsFromResource(normalizeScimResource(body as Json, SCIM_GROUP_SHAPE));
}

export async function createScimGroup(ctx: Ctx, baseUrl: string, body: unknown): Promise<Json> {
  const columns = readGroupBody(body);
  const id = randomUUID();
  await ctx.db.transaction(async (tx) => {
    if (await nameTaken(tx, columns.display_name)) throw groupNameTaken(columns.display_name);
    await checkMembers(tx, columns.memberIds);
    const now = ctx.clock.now().toISOString();
    await tx.query(
      `INSERT INTO directory_groups (id, display_name, external_id, scim_attributes, created_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $5)`,
      [id, columns.display_name, columns.external_id, JSON.stringify(columns.scim_attributes), now],
    );
    const members = await writeMembers(ctx, tx, id, columns.memberIds);
    await audit(ctx, tx, {
      action: "directory.group.create",
      category: "Users",
      targetType: "directoryGroup",
      targetId: id,
      details: { source: "scim", displayName: columns.display_name, membersAdded: members.added },
    });
  });
  return getScimGroup(ctx, baseUrl, id);
}

async function updateGroup(
  ctx: Ctx,
  baseUrl: string,
  id: string,
  change: (current: Json) => GroupColumns,
): Promise<Json> {
  await ctx.db.transaction(async (tx) => {
    const current = await loadGroup(tx, id, true, true);
    if (!current) throw groupNotFound(id);
    const columns = change(groupResource(current, baseUrl));
    if (await nameTaken(tx, columns.display_name, id)) throw groupNameTaken(columns.display_name);
    const before = new Set((current.members ?? []).map((m) => m.id.toLowerCase()));
    await checkMembers(
      tx,
      columns.memberIds.filter((m) => !before.has(m.toLowerCase())),
    );
    await tx.query(
      `UPDATE directory_groups SET display_name = $2, external_id = $3, scim_attributes = $4::jsonb, updated_at = $5
        WHERE id = $1`,
      [
        id,
        columns.display_name,
        columns.external_id,
        JSON.stringify(columns.scim_attributes),
        ctx.clock.now().toISOString(),
      ],
    );
    const members = await writeMembers(ctx, tx, id, columns.memberIds);
    await audit(ctx, tx, {
      action: "directory.group.update",
      category: "Users",
      targetType: "directoryGroup",
      targetId: id,
      details: {
        source: "scim",
        ...(current.display_name !== columns.display_name ? { renamedTo: columns.display_name } : {}),
        membersAdded: members.added,
        membersRemoved: members.removed,
      },
    });
  });
  return getScimGroup(ctx, baseUrl, id);
}

export function replaceScimGroup(ctx: Ctx, baseUrl: string, id: string, body: unknown): Promise<Json> {
  return updateGroup(ctx, baseUrl, id, () => readGroupBody(body));
}

export function patchScimGroup(ctx: Ctx, baseUrl: string, id: string, body: unknown): Promise<Json> {
  const operations = parseScimPatchRequest(body);
  return updateGroup(ctx, baseUrl, id, (current) =>
    groupColumnsFromResource(applyScimPatch(current, operations, SCIM_GROUP_SHAPE)),
  );
}

export async function deleteScimGroup(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const current = await loadGroup(tx, id, true, true);
    if (!current) throw groupNotFound(id);
    await tx.query("DELETE FROM directory_groups WHERE id = $1", [id]);
    await audit(ctx, tx, {
      action: "directory.group.delete",
      category: "Users",
      targetType: "directoryGroup",
      targetId: id,
      details: { source: "scim", displayName: current.display_name, members: current.members?.length ?? 0 },
    });
  });
}
