// The two field sets a healthcare connector reads (the generic EHR set and Epic Clarity's), each
// field under one stable key shared by both sets, with the column name the set documents and
// whether the column, and its value on every row, are mandatory.

import type { HealthcareFieldSet } from "../config.ts";

/** A healthcare access record's fields, by stable key (the signal's attribute names). */
export const HEALTHCARE_FIELD_KEYS = [
  "CreationTime",
  "EventName",
  "WorkstationId",
  "EventSection",
  "EventCategory",
  "PatientRegId",
  "PatientFirstName",
  "PatientMiddleName",
  "PatientLastName",
  "PatientAddressLine1",
  "PatientAddressLine2",
  "PatientCity",
  "PatientZipCode",
  "PatientState",
  "PatientCountry",
  "PatientDepartment",
  "RestrictedAccessReason",
  "RestrictedAccessComment",
  "EmailAddress",
  "EmployeeUserName",
  "EmployeeId",
  "EmployeeLastName",
  "EmployeeFirstName",
] as const;
export type HealthcareFieldKey = (typeof HEALTHCARE_FIELD_KEYS)[number];

export interface HealthcareField {
  key: HealthcareFieldKey;
  /** The column name the field set documents (the default column). */
  name: string;
  /** The file must have the column (a file without it is refused as a whole). */
  mandatory: boolean;
  /**
   * Every row must have a value in it (a row without one is rejected alone). Only the access time,
   * the event name and the user: the other mandatory columns may be empty on a row (see the docs).
   */
  valueRequired: boolean;
}

const field = (key: HealthcareFieldKey, name: string, mandatory = false, valueRequired = false): HealthcareField => ({
  key,
  name,
  mandatory,
  valueRequired,
});

/** The generic EHR field set, in the documented order. */
export const GENERIC_FIELDS: readonly HealthcareField[] = [
  field("CreationTime", "Creation Time", true, true),
  field("EventName", "Event Name", true, true),
  field("WorkstationId", "Workstation Id"),
  field("EventSection", "Event Section"),
  field("EventCategory", "Event Category"),
  field("PatientRegId", "Patient Reg Id"),
  field("PatientFirstName", "Patient First Name", true),
  field("PatientMiddleName", "Patient Middle Name"),
  field("PatientLastName", "Patient Last Name", true),
  field("PatientAddressLine1", "Patient Address Line 1", true),
  field("PatientAddressLine2", "Patient Address Line 2"),
  field("PatientCity", "Patient City", true),
  field("PatientZipCode", "Patient Zip Code", true),
  field("PatientState", "Patient State"),
  field("PatientCountry", "Patient Country"),
  field("PatientDepartment", "Patient Department"),
  field("RestrictedAccessReason", "Restricted Access Reason", true),
  field("RestrictedAccessComment", "Restricted Access Comment"),
  field("EmailAddress", "Email Address (UPN) or SamAccountName", true, true),
  field("EmployeeUserName", "Employee User Name"),
  field("EmployeeId", "Employee Id"),
  field("EmployeeLastName", "Employee Last Name"),
  field("EmployeeFirstName", "Employee First Name"),
];

/**
 * Epic Clarity's field set, in the documented order. It has no column for EmployeeUserName (Epic's
 * user ID, CLARITY_EMP.USER_ID, is the EmployeeId).
 */
export const EPIC_FIELDS: readonly HealthcareField[] = [
  field("CreationTime", "ACCESS_LOG.ACCESS_TIME", true, true),
  field("EventName", "ACCESS_LOG_METRIC.METRIC_NAME", true, true),
  field("WorkstationId", "ACCESS_LOG.WORKSTATION_ID"),
  field("EventSection", "ZC_METRIC_GROUP.NAME"),
  field("EventCategory", "ZC_ACCESS_ACTION.NAME"),
  field("PatientRegId", "PATIENT.PAT_MRN_ID"),
  field("PatientFirstName", "PATIENT.PAT_FIRST_NAME", true),
  field("PatientMiddleName", "PATIENT.PAT_MIDDLE_NAME"),
  field("PatientLastName", "PATIENT.PAT_LAST_NAME", true),
  field("PatientAddressLine1", "PATIENT.ADD_LINE_1", true),
  field("PatientAddressLine2", "PATIENT.ADD_LINE_2"),
  field("PatientCity", "PATIENT.CITY", true),
  field("PatientZipCode", "PATIENT.ZIP", true),
  field("PatientState", "ZC_STATE.NAME"),
  field("PatientCountry", "ZC_COUNTRY.NAME"),
  field("PatientDepartment", "CLARITY_DEP.DEPARTMENT_NAME"),
  field("RestrictedAccessReason", "ZC_BTG_REASON.NAME", true),
  field("RestrictedAccessComment", "PAT_BTG_AUDIT.BTG_EXPLANATION"),
  field("EmailAddress", "EMP.SYSTEM_LOGIN", true, true),
  field("EmployeeId", "CLARITY_EMP.USER_ID"),
  field("EmployeeLastName", "employee_last_name"),
  field("EmployeeFirstName", "employee_first_name"),
];

/** The fields of a field set. */
export function healthcareFields(fieldSet: HealthcareFieldSet): readonly HealthcareField[] {
  return fieldSet === "epic" ? EPIC_FIELDS : GENERIC_FIELDS;
}

/** A field set's fields by key. */
export function healthcareField(fieldSet: HealthcareFieldSet, key: HealthcareFieldKey): HealthcareField | undefined {
  return healthcareFields(fieldSet).find((f) => f.key === key);
}
