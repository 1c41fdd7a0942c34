// What a connector type does after a batch of its signals is inserted, in the same transaction.

import type { ConnectorType } from "@openirm/domain";
import type { AfterInsert } from "./signalWriter.ts";

/** employee_profiles columns and the hr.employee_profile attributes they hold. */
export const EMPLOYEE_PROFILE_COLUMNS = {
  user_name: "UserName",
  first_name: "EmployeeFirstName",
  last_name: "EmployeeLastName",
  address_line1: "EmployeeAddressLine1",
  address_line2: "EmployeeAddressLine2",
  city: "EmployeeCity",
  state: "EmployeeState",
  zip_code: "EmployeeZipCode",
  country: "EmployeeCountry",
  department: "EmployeeDepartment",
  employee_type: "EmployeeType",
  role: "EmployeeRole",
} as const;

const profileColumns = Object.keys(EMPLOYEE_PROFILE_COLUMNS);
const profileValues = Object.values(EMPLOYEE_PROFILE_COLUMNS).map((field) => `b.attributes ->> '${field}'`);

/**
 * HR: the latest employee profile of each user of the batch (its last line) replaces the stored
 * one, and is refreshed even when the signal itself was a duplicate (a daily full export re-sends
 * the same profiles; that is what keeps them from expiring).
 */
const hrAfterInsert: AfterInsert = (source, run) =>
  `INSERT INTO employee_profiles (user_id, connector_id, run_id, ${profileColumns.join(", ")}, refreshed_at)
   SELECT DISTINCT ON (b.user_id) b.user_id, ${run.connectorId}, ${run.runId}, ${profileValues.join(", ")}, ${run.now}
     FROM ${source} b WHERE b.kind = 'hr.employee_profile'
    ORDER BY b.user_id, b.line DESC
   ON CONFLICT (user_id) DO UPDATE SET connector_id = EXCLUDED.connector_id, run_id = EXCLUDED.run_id,
     ${profileColumns.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}, refreshed_at = EXCLUDED.refreshed_at`;

const AFTER_INSERT: Partial<Record<ConnectorType, AfterInsert>> = {
  hr: hrAfterInsert,
};

export function afterInsertFor(type: ConnectorType | string): AfterInsert | undefined {
  return AFTER_INSERT[type as ConnectorType];
}
