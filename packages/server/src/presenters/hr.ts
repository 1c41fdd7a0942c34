// Employee profiles as the API shows them: the user (through presentUser), the connector that
// brought the profile, the profile's fields and when it expires.

import { toIsoUtc } from "@openirm/domain";
import type { EmployeeProfileRow } from "../commands/hr.ts";
import type { Ctx } from "../context.ts";
import { presentUser } from "./users.ts";

export function presentEmployeeProfile(ctx: Pick<Ctx, "actor" | "tenant">, row: EmployeeProfileRow) {
  return {
    user: presentUser(ctx, { id: row.user_id, upn: row.upn, display_name: row.display_name }),
    connector: { id: row.connector_id, name: row.connector_name },
    runId: row.run_id,
    userName: row.user_name,
    firstName: row.first_name,
    lastName: row.last_name,
    addressLine1: row.address_line1,
    addressLine2: row.address_line2,
    city: row.city,
    state: row.state,
    zipCode: row.zip_code,
    country: row.country,
    department: row.department,
    employeeType: row.employee_type,
    role: row.role,
    refreshedAt: toIsoUtc(row.refreshed_at),
    expiresAt: toIsoUtc(row.expires_at),
  };
}
