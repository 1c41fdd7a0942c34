// Employee profiles from HR connectors: reading the live ones (refreshed within the last 30
// days) and removing those that expired. The table is kept filled by the HR connector's
// after-insert step (ingestion/afterInsert.ts).

import { EMPLOYEE_PROFILE_EXPIRY_DAYS } from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import type { SqlParam } from "../store/db.ts";
import { visibleUserSql } from "./priorityGroups.ts";

const DAY_MS = 86_400_000;

export interface EmployeeProfileRow {
  user_id: string;
  upn: string;
  display_name: string | null;
  connector_id: string;
  connector_name: string;
  run_id: string | null;
  user_name: string | null;
  first_name: string | null;
  last_name: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  zip_code: string | null;
  country: string | null;
  department: string | null;
  employee_type: string | null;
  role: string | null;
  refreshed_at: string;
  expires_at: string;
}

/** The oldest refresh time a live profile may have at `now`: older profiles have expired. */
export function profileCutoff(now: Date): Date {
  return new Date(now.getTime() - EMPLOYEE_PROFILE_EXPIRY_DAYS * DAY_MS);
}

/**
 * SQL condition for a live profile of alias `p`, with `$n` the cutoff (profileCutoff). Everything
 * that reads employee_profiles uses it, so an expired profile is never used even before the
 * background job removes it.
 */
export const liveProfile = (alias: string, param: string) => `${alias}.refreshed_at > ${param}::timestamptz`;

export interface ProfileQuery {
  /** A user principal name: only that user's profile. */
  user?: string | undefined;
  limit: number;
  offset: number;
}

export async function listEmployeeProfiles(
  ctx: Ctx,
  q: ProfileQuery,
): Promise<{ items: EmployeeProfileRow[]; total: number }> {
  const params: SqlParam[] = [profileCutoff(ctx.clock.now()).toISOString()];
  const where = [liveProfile("p", "$1")];
  if (q.user) {
    params.push(q.user.trim().toLowerCase());
    where.push(`u.upn = $${params.length}`);
  }
  // Profiles of priority user group members only for the groups' viewers.
  const visible = visibleUserSql(ctx.actor, "p.user_id", params);
  if (visible !== "TRUE") where.push(visible);
  const from = `FROM employee_profiles p JOIN directory_users u ON u.id = p.user_id
                JOIN connectors c ON c.id = p.connector_id WHERE ${where.join(" AND ")}`;
  const total = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, params);
  params.push(q.limit, q.offset);
  const { rows } = await ctx.db.query<EmployeeProfileRow>(
    `SELECT p.user_id, u.upn, u.display_name, p.connector_id, c.name AS connector_name, p.run_id, p.user_name,
            p.first_name, p.last_name, p.address_line1, p.address_line2, p.city, p.state, p.zip_code, p.country,
            p.department, p.employee_type, p.role, p.refreshed_at,
            p.refreshed_at + make_interval(days => ${EMPLOYEE_PROFILE_EXPIRY_DAYS}) AS expires_at
       ${from}
      ORDER BY u.upn
      LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return { items: rows, total: total.rows[0]?.n ?? 0 };
}

/** Removes the profiles not refreshed for EMPLOYEE_PROFILE_EXPIRY_DAYS days; returns how many. */
export async function expireEmployeeProfiles(ctx: Ctx): Promise<number> {
  // Personal data removed by the system is audited like any other change.
  const rowCount = await ctx.db.transaction(async (tx) => {
    const deleted = await tx.query("DELETE FROM employee_profiles WHERE refreshed_at <= $1::timestamptz", [
      profileCutoff(ctx.clock.now()).toISOString(),
    ]);
    if (deleted.rowCount > 0) {
      await audit(ctx, tx, {
        action: "hr.profiles.expire",
        category: "Connectors",
        targetType: "employeeProfile",
        details: { expired: deleted.rowCount, notRefreshedForDays: EMPLOYEE_PROFILE_EXPIRY_DAYS },
      });
    }
    return deleted.rowCount;
  });
  if (rowCount > 0) {
    ctx.log.info(
      { expired: rowCount },
      `employee profiles not refreshed for ${EMPLOYEE_PROFILE_EXPIRY_DAYS} days removed`,
    );
  }
  return rowCount;
}
