// The directory CSV upload: header columns matched by name (case, spaces, underscores and hyphens
// ignored, several accepted names per field), and each row mapped to a user or to errors naming
// its line, column and reason.

import { closestName, listNames } from "../connectors/suggest.ts";
import { AppError } from "../errors.ts";

export const DIRECTORY_CSV_FIELDS = [
  "upn",
  "displayName",
  "department",
  "jobTitle",
  "manager",
  "employeeType",
  "office",
  "accountEnabled",
  "status",
  "externalId",
  "employeeNumber",
] as const;
export type DirectoryCsvField = (typeof DIRECTORY_CSV_FIELDS)[number];

/** Accepted column names per field, the preferred first (a file with several uses the first found). */
export const DIRECTORY_CSV_COLUMNS: Record<DirectoryCsvField, readonly string[]> = {
  upn: ["UserPrincipalName", "UPN", "Email", "EmailAddress", "Mail", "UserName"],
  displayName: ["DisplayName", "Name", "FullName"],
  department: ["Department"],
  jobTitle: ["JobTitle", "Title"],
  manager: ["Manager", "ManagerUPN", "ManagerUserPrincipalName", "ManagerEmail"],
  employeeType: ["EmployeeType", "UserType"],
  office: ["Office", "OfficeLocation", "PhysicalDeliveryOfficeName"],
  accountEnabled: ["AccountEnabled", "Enabled", "Active"],
  status: ["Status", "EmploymentStatus", "AccountStatus"],
  externalId: ["ExternalId", "ObjectId", "Id"],
  employeeNumber: ["EmployeeId", "EmployeeNumber"],
};

/** Longest accepted value of one cell. */
export const MAX_DIRECTORY_VALUE_LENGTH = 1024;

const ENABLED_WORDS = new Set(["true", "yes", "y", "1", "enabled", "enable", "active"]);
const DISABLED_WORDS = new Set(["false", "no", "n", "0", "disabled", "disable", "inactive"]);
const ACTIVE_STATUSES = new Set(["active", "enabled", "employed", "current"]);
const INACTIVE_STATUSES = new Set([
  "disabled",
  "inactive",
  "suspended",
  "terminated",
  "deleted",
  "left",
  "leaver",
  "departed",
]);

const loose = (name: string) => name.toLowerCase().replace(/[\s_\-.]/g, "");

export interface DirectoryCsvPlan {
  header: string[];
  /** Where each field's column is, for the fields the file has. */
  columns: Partial<Record<DirectoryCsvField, { index: number; name: string }>>;
  /** Header columns OpenIRM does not read (unknown names, or a second name for the same field). */
  ignored: string[];
}

/** Matches a header to the directory fields; a file without a user column fails as a whole. */
export function planDirectoryCsv(rawHeader: readonly string[]): DirectoryCsvPlan {
  const header = rawHeader.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, "") : h).trim());
  const columns: DirectoryCsvPlan["columns"] = {};
  const used = new Set<number>();
  for (const field of DIRECTORY_CSV_FIELDS) {
    for (const name of DIRECTORY_CSV_COLUMNS[field]) {
      const index = header.findIndex((h, i) => !used.has(i) && loose(h) === loose(name));
      if (index >= 0) {
        columns[field] = { index, name: header[index] as string };
        used.add(index);
        break;
      }
    }
  }
  if (!columns.upn) {
    const accepted = DIRECTORY_CSV_COLUMNS.upn;
    const guess = header.map((h) => closestName(h, accepted) && h).find((h) => h);
    throw new AppError(
      "missing_column",
      400,
      `Line 1: the file has no user column; name it ${accepted.slice(0, -1).join(", ")} or ${accepted.at(-1)}. The whole file was refused.${guess ? ` Did you mean '${guess}'?` : ""} The header has: ${listNames(header)}.`,
      { line: 1, column: "UserPrincipalName" },
    );
  }
  const ignored = header.filter((h, i) => !used.has(i) && h !== "");
  return { header, columns, ignored };
}

export interface DirectoryCsvValues {
  displayName?: string | null;
  department?: string | null;
  jobTitle?: string | null;
  managerUpn?: string | null;
  employeeType?: string | null;
  office?: string | null;
  externalId?: string | null;
  employeeNumber?: string | null;
  /** The Status column's text, as written. */
  employmentStatus?: string | null;
}

export interface DirectoryCsvUser {
  line: number;
  /** Lower-case key the user is matched on. */
  upn: string;
  /** The UPN as written in the file. */
  userName: string;
  /** Only the columns the file has; null when the cell is empty (the value is cleared). */
  values: DirectoryCsvValues;
  /** From AccountEnabled, else from Status; undefined when neither says. */
  active?: boolean;
}

export interface DirectoryCsvError {
  line: number;
  column: string | null;
  reason: string;
}

export type DirectoryCsvRow = { ok: true; user: DirectoryCsvUser } | { ok: false; errors: DirectoryCsvError[] };

export function isDirectoryUpn(value: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value);
}

const TEXT_FIELDS: ReadonlyArray<[DirectoryCsvField, keyof DirectoryCsvValues]> = [
  ["displayName", "displayName"],
  ["department", "department"],
  ["jobTitle", "jobTitle"],
  ["employeeType", "employeeType"],
  ["office", "office"],
  ["externalId", "externalId"],
  ["employeeNumber", "employeeNumber"],
  ["status", "employmentStatus"],
];

/** Maps one data row (its fields as parsed, `line` its 1-based line in the file). */
export function mapDirectoryCsvRow(plan: DirectoryCsvPlan, fields: readonly string[], line: number): DirectoryCsvRow {
  const errors: DirectoryCsvError[] = [];
  const fail = (column: string | null, reason: string) => errors.push({ line, column, reason });
  const width = plan.header.length;
  if (fields.length > width && fields.slice(width).some((f) => f.trim() !== "")) {
    fail(
      plan.header[width - 1] ?? null,
      `the row has ${fields.length} fields but the header has ${width}; a value probably contains an unquoted comma. Put such values in double quotes.`,
    );
    return { ok: false, errors };
  }
  const cell = (field: DirectoryCsvField): { name: string; text: string } | undefined => {
    const column = plan.columns[field];
    if (!column) return undefined;
    const text = (fields[column.index] ?? "").trim();
    if (text.length > MAX_DIRECTORY_VALUE_LENGTH) {
      fail(column.name, `the value is longer than ${MAX_DIRECTORY_VALUE_LENGTH.toLocaleString("en-US")} characters.`);
    }
    return { name: column.name, text };
  };

  const upnCell = cell("upn") as { name: string; text: string };
  if (upnCell.text === "") fail(upnCell.name, "the value is empty; every row needs the user's user principal name.");
  else if (!isDirectoryUpn(upnCell.text)) {
    fail(upnCell.name, `'${upnCell.text}' is not a user principal name (name@domain).`);
  }
  const upn = upnCell.text.toLowerCase();

  const values: DirectoryCsvValues = {};
  for (const [field, key] of TEXT_FIELDS) {
    const c = cell(field);
    if (c) values[key] = c.text === "" ? null : c.text;
  }

  const manager = cell("manager");
  if (manager) {
    const text = manager.text.toLowerCase();
    if (text === "") values.managerUpn = null;
    else if (!isDirectoryUpn(text)) {
      fail(manager.name, `'${manager.text}' is not a user principal name (name@domain); give the manager's UPN.`);
    } else if (text === upn) fail(manager.name, "a user cannot be their own manager.");
    else values.managerUpn = text;
  }

  let active: boolean | undefined;
  const enabled = cell("accountEnabled");
  if (enabled && enabled.text !== "") {
    const word = enabled.text.toLowerCase();
    if (ENABLED_WORDS.has(word)) active = true;
    else if (DISABLED_WORDS.has(word)) active = false;
    else fail(enabled.name, `'${enabled.text}' is not TRUE or FALSE.`);
  }
  // Status decides only when AccountEnabled does not (no such column, or an empty cell).
  const status = cell("status");
  if (status && status.text !== "" && !enabled?.text) {
    const word = status.text.toLowerCase();
    if (ACTIVE_STATUSES.has(word)) active = true;
    else if (INACTIVE_STATUSES.has(word)) active = false;
    else {
      fail(
        status.name,
        `'${status.text}' is not a known status; use Active or Disabled (also understood: Enabled, Inactive, Suspended, Terminated, Deleted).`,
      );
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  const user: DirectoryCsvUser = { line, upn, userName: upnCell.text, values };
  if (active !== undefined) user.active = active;
  return { ok: true, user };
}

/** "Line 7, column AccountEnabled: <reason>" */
export function directoryCsvMessage(error: DirectoryCsvError): string {
  return `Line ${error.line}${error.column ? `, column ${error.column}` : ""}: ${error.reason}`;
}
