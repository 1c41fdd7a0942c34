// Physical access events (physical.access signals from badging connectors) with their findings for
// the physical access indicator: access to a priority asset, failed access, and access after the
// user's termination. The termination is the end of the last working day of the user's latest
// resignation (hr.resignation signal), else the directory's disabling or deletion of the account.
// The rules are the domain's (classifyPhysicalAccess, terminationOf); the SQL only narrows the rows.

import {
  type AccessStatus,
  AppError,
  classifyPhysicalAccess,
  forbidden,
  notFound,
  PHYSICAL_ACCESS_SIGNAL,
  type PhysicalFinding,
  type Termination,
  terminationOf,
  toIsoUtc,
} from "@openirm/domain";
import { type Ctx, SYSTEM_ACTOR } from "../context.ts";
import { canSeeNames } from "../presenters/users.ts";
import type { SqlParam } from "../store/db.ts";
import { priorityAssetKeys } from "./physicalAssets.ts";
import { isUserVisible, visibleUserSql } from "./priorityGroups.ts";
import { isUuid } from "./runs.ts";

export interface PhysicalAccessQuery {
  /** Users (directory_users ids); undefined for every user. */
  userIds?: readonly string[] | undefined;
  /** Window start, inclusive (ISO 8601). */
  from: string;
  /** Window end, exclusive (ISO 8601). */
  to: string;
  /** Every event of the window, not only those with a finding. */
  all?: boolean | undefined;
  limit: number;
  offset: number;
}

export interface PhysicalAccessRecord {
  signalId: string;
  connectorId: string;
  user: { id: string; upn: string; display_name: string | null };
  occurredAt: string;
  assetId: string;
  assetName: string | null;
  accessStatus: AccessStatus;
  sourceSystem: string | null;
  termination: Termination | null;
  findings: PhysicalFinding[];
}

interface Row {
  id: string;
  connector_id: string;
  user_id: string;
  upn: string;
  display_name: string | null;
  occurred_at: string;
  attributes: Record<string, unknown>;
  last_working_date: string | null;
  disabled_at: string | null;
  deleted_at: string | null;
  total: number;
}

/** The LastWorkingDate values the query reads (ISO 8601, as HR uploads store them); others are left out. */
const LAST_WORKING_DATE_PATTERN =
  "^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}(:?\\d{2})?)?)?$";

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/**
 * Physical access events in [from, to), newest first, with their findings; only events with at
 * least one finding unless `all`. `total` counts the matching events of the window.
 */
export async function loadPhysicalAccess(
  ctx: Ctx,
  query: PhysicalAccessQuery,
): Promise<{ items: PhysicalAccessRecord[]; total: number }> {
  const priority = await priorityAssetKeys(ctx.db);
  const params: SqlParam[] = [
    PHYSICAL_ACCESS_SIGNAL,
    query.from,
    query.to,
    query.userIds ? [...query.userIds] : null,
    query.all === true,
    [...priority],
    query.limit,
    query.offset,
    LAST_WORKING_DATE_PATTERN,
  ];
  // Events of priority user group members only for the groups' viewers (counted and paged alike).
  const visible = visibleUserSql(ctx.actor, "s.user_id", params);
  const { rows } = await ctx.db.query<Row>(
    `WITH events AS (
       SELECT s.id, s.connector_id, s.user_id, s.occurred_at, s.attributes
         FROM signals s
        WHERE s.kind = $1 AND s.occurred_at >= $2 AND s.occurred_at < $3
          AND ($4::uuid[] IS NULL OR s.user_id = ANY($4::uuid[]))
          AND ${visible}
     ), people AS (
       SELECT u.id, u.upn, u.display_name, u.disabled_at, u.deleted_at,
              (SELECT h.attributes->>'LastWorkingDate' FROM signals h
                WHERE h.user_id = u.id AND h.kind = 'hr.resignation'
                  AND h.attributes->>'LastWorkingDate' ~ $9
                ORDER BY h.occurred_at DESC, h.received_at DESC, h.id DESC LIMIT 1) AS last_working_date
         FROM directory_users u WHERE u.id IN (SELECT DISTINCT user_id FROM events)
     ), terminated AS (
       SELECT p.*, CASE
                WHEN p.last_working_date IS NOT NULL
                  THEN (date_trunc('day', p.last_working_date::timestamptz AT TIME ZONE 'UTC') + interval '1 day')
                       AT TIME ZONE 'UTC'
                ELSE LEAST(p.disabled_at, p.deleted_at)
              END AS terminated_at
         FROM people p
     )
     SELECT e.id::text, e.connector_id, e.user_id, t.upn, t.display_name, e.occurred_at::text, e.attributes,
            t.last_working_date, t.disabled_at::text, t.deleted_at::text, count(*) OVER ()::int AS total
       FROM events e JOIN terminated t ON t.id = e.user_id
      WHERE $5::boolean
         OR lower(btrim(e.attributes->>'AssetId')) = ANY($6::text[])
         OR e.attributes->>'AccessStatus' = 'Failed'
         OR e.occurred_at >= t.terminated_at
      ORDER BY e.occurred_at DESC, e.id DESC
      LIMIT $7 OFFSET $8`,
    params,
  );
  const items = rows.map((row): PhysicalAccessRecord => {
    const termination = terminationOf({
      lastWorkingDate: row.last_working_date,
      disabledAt: toIsoUtc(row.disabled_at),
      deletedAt: toIsoUtc(row.deleted_at),
    });
    const occurredAt = toIsoUtc(row.occurred_at) as string;
    const assetId = text(row.attributes.AssetId) ?? "";
    const accessStatus: AccessStatus = row.attributes.AccessStatus === "Failed" ? "Failed" : "Success";
    return {
      signalId: row.id,
      connectorId: row.connector_id,
      user: { id: row.user_id, upn: row.upn, display_name: row.display_name },
      occurredAt,
      assetId,
      assetName: text(row.attributes.AssetName),
      accessStatus,
      sourceSystem: text(row.attributes.SourceSystem),
      termination,
      findings: classifyPhysicalAccess(
        { occurredAt, assetId, accessStatus },
        { priorityAssets: priority, termination },
      ),
    };
  });
  if (rows.length === 0 && query.offset > 0) {
    // Past the last page: still say how many there are.
    const first = await loadPhysicalAccess(ctx, { ...query, limit: 1, offset: 0 });
    return { items, total: first.total };
  }
  return { items, total: rows[0]?.total ?? 0 };
}

/**
 * Every physical access event with a finding for these users in [from, to) (for scoring, which
 * reads every user's events whoever asked for the run: priority user groups limit who sees, not what is scored).
 */
export async function physicalAccessFindings(
  callerCtx: Ctx,
  query: { userIds: readonly string[]; from: string; to: string },
): Promise<PhysicalAccessRecord[]> {
  const ctx: Ctx = { ...callerCtx, actor: SYSTEM_ACTOR };
  const out: PhysicalAccessRecord[] = [];
  const pageSize = 5000;
  for (let offset = 0; ; offset += pageSize) {
    const { items } = await loadPhysicalAccess(ctx, { ...query, limit: pageSize, offset });
    out.push(...items);
    if (items.length < pageSize) return out;
  }
}

/**
 * The user a request names: a user id, or a UPN (any case) for callers who see identities. A
 * caller who sees only aliases must give the id, so that a UPN cannot be tied to its alias. A user
 * hidden from the caller by a priority user group is answered like one that does not exist (404).
 */
export async function findUserForPhysicalAccess(ctx: Ctx, ref: string): Promise<{ id: string }> {
  const user = await findAnyUserForPhysicalAccess(ctx, ref);
  if (!(await isUserVisible(ctx, user.id))) throw notFound("User", ref.trim());
  return user;
}

async function findAnyUserForPhysicalAccess(ctx: Ctx, ref: string): Promise<{ id: string }> {
  const value = ref.trim();
  if (isUuid(value)) {
    const { rows } = await ctx.db.query<{ id: string }>("SELECT id FROM directory_users WHERE id = $1", [value]);
    if (!rows[0]) throw notFound("User", value);
    return rows[0];
  }
  if (!canSeeNames(ctx)) {
    throw forbidden(
      "user: your role groups show users by alias only, so a user cannot be looked up by UPN; give the user's id (shown with the alias).",
    );
  }
  if (!value.includes("@")) {
    throw new AppError("invalid_parameter", 400, `user: '${value}' is neither a user id nor a UPN (name@domain).`, {
      column: "user",
    });
  }
  const { rows } = await ctx.db.query<{ id: string }>("SELECT id FROM directory_users WHERE upn = $1", [
    value.toLowerCase(),
  ]);
  if (!rows[0]) throw notFound("User", value);
  return rows[0];
}
