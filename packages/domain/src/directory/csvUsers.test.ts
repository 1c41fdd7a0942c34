import { describe, expect, it } from "vitest";
import type { AppError } from "../errors.ts";
import { directoryCsvMessage, mapDirectoryCsvRow, planDirectoryCsv } from "./csvUsers.ts";

const HEADER = [
  "UserPrincipalName",
  "DisplayName",
  "Department",
  "JobTitle",
  "Manager",
  "EmployeeType",
  "Office",
  "AccountEnabled",
];
const plan = planDirectoryCsv(HEADER);

describe("planDirectoryCsv", () => {
  it("matches column names whatever their case, spaces and underscores", () => {
    const p = planDirectoryCsv(["\uFEFFupn", "Display Name", "job_title", "manager-upn", "OFFICE LOCATION", "Status"]);
    expect(p.columns).toEqual({
      upn: { index: 0, name: "upn" },
      displayName: { index: 1, name: "Display Name" },
      jobTitle: { index: 2, name: "job_title" },
      manager: { index: 3, name: "manager-upn" },
      office: { index: 4, name: "OFFICE LOCATION" },
      status: { index: 5, name: "Status" },
    });
    expect(p.ignored).toEqual([]);
  });

  it("prefers UserPrincipalName over Email and reports the columns it does not read", () => {
    const p = planDirectoryCsv(["Email", "UserPrincipalName", "CostCenter"]);
    expect(p.columns.upn).toEqual({ index: 1, name: "UserPrincipalName" });
    expect(p.ignored).toEqual(["Email", "CostCenter"]);
  });

  it("refuses a file without a user column, naming the accepted names and the header", () => {
    let error: AppError | undefined;
    try {
      planDirectoryCsv(["User Principal", "DisplayName"]);
    } catch (err) {
      error = err as AppError;
    }
    expect(error?.status).toBe(400);
    expect(error?.message).toBe(
      "Line 1: the file has no user column; name it UserPrincipalName, UPN, Email, EmailAddress, Mail or UserName. The whole file was refused. Did you mean 'User Principal'? The header has: User Principal, DisplayName.",
    );
    expect(error?.details).toEqual({ line: 1, column: "UserPrincipalName" });
  });
});

describe("mapDirectoryCsvRow", () => {
  it("maps a full row, lower-casing the UPN and keeping it as written", () => {
    const row = mapDirectoryCsvRow(
      plan,
      [
        " Ada.Lovelace@Contoso.com ",
        "Ada Lovelace",
        "Research",
        "Analyst",
        "Grace.Hopper@contoso.com",
        "Employee",
        "London",
        "TRUE",
      ],
      2,
    );
    expect(row).toEqual({
      ok: true,
      user: {
        line: 2,
        upn: "ada.lovelace@contoso.com",
        userName: "Ada.Lovelace@Contoso.com",
        values: {
          displayName: "Ada Lovelace",
          department: "Research",
          jobTitle: "Analyst",
          employeeType: "Employee",
          office: "London",
          managerUpn: "grace.hopper@contoso.com",
        },
        active: true,
      },
    });
  });

  it("turns empty cells into cleared values and leaves active unsaid when AccountEnabled is empty", () => {
    const row = mapDirectoryCsvRow(plan, ["bob@contoso.com", "", "", "", "", "", ""], 3);
    expect(row).toEqual({
      ok: true,
      user: {
        line: 3,
        upn: "bob@contoso.com",
        userName: "bob@contoso.com",
        values: {
          displayName: null,
          department: null,
          jobTitle: null,
          employeeType: null,
          office: null,
          managerUpn: null,
        },
      },
    });
  });

  it("reports every bad value of a row with its line, column and reason", () => {
    const row = mapDirectoryCsvRow(plan, ["ada", "Ada", "", "", "Grace Hopper", "", "", "maybe"], 7);
    expect(row.ok).toBe(false);
    if (row.ok) return;
    expect(row.errors.map(directoryCsvMessage)).toEqual([
      "Line 7, column UserPrincipalName: 'ada' is not a user principal name (name@domain).",
      "Line 7, column Manager: 'Grace Hopper' is not a user principal name (name@domain); give the manager's UPN.",
      "Line 7, column AccountEnabled: 'maybe' is not TRUE or FALSE.",
    ]);
  });

  it("refuses an empty UPN, a self-manager and a row with unquoted commas", () => {
    const empty = mapDirectoryCsvRow(plan, ["", "Nobody"], 4);
    expect(empty).toEqual({
      ok: false,
      errors: [
        {
          line: 4,
          column: "UserPrincipalName",
          reason: "the value is empty; every row needs the user's user principal name.",
        },
      ],
    });
    const self = mapDirectoryCsvRow(plan, ["a@contoso.com", "", "", "", "A@contoso.com"], 5);
    expect(self.ok ? [] : self.errors.map((e) => e.reason)).toEqual(["a user cannot be their own manager."]);
    const wide = mapDirectoryCsvRow(plan, ["a@contoso.com", "Lovelace", " Ada", "", "", "", "", "", "TRUE"], 6);
    expect(wide.ok ? [] : wide.errors.map(directoryCsvMessage)).toEqual([
      "Line 6, column AccountEnabled: the row has 9 fields but the header has 8; a value probably contains an unquoted comma. Put such values in double quotes.",
    ]);
  });

  it("derives active from Status when AccountEnabled does not say, and keeps the status text", () => {
    const p = planDirectoryCsv(["UPN", "AccountEnabled", "Status"]);
    const terminated = mapDirectoryCsvRow(p, ["a@contoso.com", "", "Terminated"], 2);
    expect(terminated.ok && terminated.user.active).toBe(false);
    expect(terminated.ok && terminated.user.values.employmentStatus).toBe("Terminated");
    const enabledWins = mapDirectoryCsvRow(p, ["a@contoso.com", "Yes", "On leave"], 3);
    expect(enabledWins.ok && enabledWins.user.active).toBe(true);
    const unknown = mapDirectoryCsvRow(p, ["a@contoso.com", "", "On leave"], 4);
    expect(unknown.ok ? [] : unknown.errors.map(directoryCsvMessage)).toEqual([
      "Line 4, column Status: 'On leave' is not a known status; use Active or Disabled (also understood: Enabled, Inactive, Suspended, Terminated, Deleted).",
    ]);
  });
});
