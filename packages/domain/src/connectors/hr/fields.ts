// The HR data types as data: for each one its fields (name, whether mandatory, date or text,
// length limit, the other column names its documented sample uses), its scenario value in
// multi-scenario files, and the kind of signal its rows become.

import { HR_DATA_TYPES, type HrDataType } from "../config.ts";

/** Remarks hold at most this many characters (the reference format's limit). */
export const HR_REMARKS_MAX = 200;
/** A rating holds at most this many characters. */
export const HR_RATING_MAX = 25;
/** Days after its last refresh an employee profile expires. */
export const EMPLOYEE_PROFILE_EXPIRY_DAYS = 30;
/** The employee types the reference format lists; other values are kept with a warning. */
export const EMPLOYEE_TYPES = ["Regular", "Exempt", "Contractor"] as const;
/** The scenario column a file may carry when the connector names none (the documented name). */
export const DEFAULT_SCENARIO_COLUMN = "HRScenario";

export interface HrField {
  /** The field's name, also the column name matched by default (case-insensitively). */
  name: string;
  /** How messages call it, e.g. "the effective date". */
  role: string;
  mandatory: boolean;
  date: boolean;
  /** Longest value accepted, in characters. */
  maxLength?: number;
  /** Other column names matched by default, e.g. the names of the documented sample file. */
  aliases?: readonly string[];
}

export interface HrDataTypeSpec {
  id: HrDataType;
  /** How messages call one row of it: "job level change". */
  label: string;
  /** The default value of the scenario column for it. */
  scenarioValue: string;
  /** The kind of the signals its rows become. */
  signalKind: string;
  fields: readonly HrField[];
}

const email: HrField = { name: "EmailAddress", role: "the employee's e-mail address", mandatory: true, date: false };
const effectiveDate: HrField = { name: "EffectiveDate", role: "the effective date", mandatory: true, date: true };
const remarks = (aliases?: readonly string[]): HrField => ({
  name: "Remarks",
  role: "the remarks",
  mandatory: false,
  date: false,
  maxLength: HR_REMARKS_MAX,
  ...(aliases ? { aliases } : {}),
});
const rating = (aliases?: readonly string[]): HrField => ({
  name: "Rating",
  role: "the rating",
  mandatory: false,
  date: false,
  maxLength: HR_RATING_MAX,
  ...(aliases ? { aliases } : {}),
});
const text = (name: string, role: string, mandatory = false, aliases?: readonly string[]): HrField => ({
  name,
  role,
  mandatory,
  date: false,
  ...(aliases ? { aliases } : {}),
});

export const HR_TYPES: Readonly<Record<HrDataType, HrDataTypeSpec>> = {
  resignation: {
    id: "resignation",
    label: "resignation",
    scenarioValue: "Resignation",
    signalKind: "hr.resignation",
    fields: [
      email,
      { name: "ResignationDate", role: "the resignation date", mandatory: true, date: true },
      { name: "LastWorkingDate", role: "the last working date", mandatory: true, date: true },
    ],
  },
  "job-level-change": {
    id: "job-level-change",
    label: "job level change",
    scenarioValue: "Job level change",
    signalKind: "hr.job_level_change",
    fields: [email, effectiveDate, remarks(), text("OldLevel", "the old level"), text("NewLevel", "the new level")],
  },
  "performance-review": {
    id: "performance-review",
    label: "performance review",
    scenarioValue: "Performance review",
    signalKind: "hr.performance_review",
    fields: [email, effectiveDate, remarks(), rating()],
  },
  "performance-improvement-plan": {
    id: "performance-improvement-plan",
    label: "performance improvement plan",
    scenarioValue: "Performance improvement plan",
    signalKind: "hr.performance_improvement_plan",
    fields: [email, effectiveDate, remarks(["ImprovementRemarks"]), rating(["PerformanceRating"])],
  },
  "employee-profile": {
    id: "employee-profile",
    label: "employee profile",
    scenarioValue: "Employee profile",
    signalKind: "hr.employee_profile",
    fields: [
      email,
      text("UserName", "the user name"),
      text("EmployeeFirstName", "the first name", true),
      text("EmployeeLastName", "the last name", true),
      text("EmployeeAddressLine1", "the first address line", true, ["EmployeeAddLine1"]),
      text("EmployeeAddressLine2", "the second address line", false, ["EmployeeAddLine2"]),
      text("EmployeeCity", "the city"),
      text("EmployeeState", "the state"),
      text("EmployeeZipCode", "the ZIP code", true),
      text("EmployeeCountry", "the country"),
      text("EmployeeDepartment", "the department", false, ["EmployeeDept"]),
      text("EmployeeType", "the employee type"),
      text("EmployeeRole", "the role"),
    ],
  },
};

/** Every HR field name, once, in the order of the data types. */
export const HR_FIELD_NAMES: readonly string[] = [
  ...new Set(HR_DATA_TYPES.flatMap((t) => HR_TYPES[t].fields.map((f) => f.name))),
];

/** The signal kinds HR connectors write. */
export const HR_SIGNAL_KINDS: readonly string[] = HR_DATA_TYPES.map((t) => HR_TYPES[t].signalKind);

/** "a job level change" / "an employee profile". */
export function withArticle(label: string): string {
  return /^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`;
}

/** "Job level change". */
export function capitalised(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}

export function fieldOf(type: HrDataType, name: string): HrField | undefined {
  return HR_TYPES[type].fields.find((f) => f.name === name);
}

/** The data types a connector imports (a stored configuration without any imports resignations). */
export function connectorDataTypes(config: { dataTypes?: readonly HrDataType[] | undefined }): HrDataType[] {
  return config.dataTypes && config.dataTypes.length > 0 ? [...config.dataTypes] : ["resignation"];
}

/** Same text for column and value matching: trimmed, lower-case. */
export const folded = (value: string) => value.trim().toLowerCase();
