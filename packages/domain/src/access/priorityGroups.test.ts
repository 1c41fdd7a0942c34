import { describe, expect, it } from "vitest";
import {
  canSeeUser,
  checkMemberUpn,
  checkPriorityGroupName,
  isPriorityGroupViewer,
  MAX_PRIORITY_GROUP_NAME_LENGTH,
  parsePriorityGroupMemberCsv,
  priorityGroupVisibility,
  viewerRoleGroup,
  viewerRoleGroupMessage,
} from "./priorityGroups.ts";
import type { Actor, RoleGroup } from "./roleGroups.ts";

const account = (id: string, ...roleGroups: RoleGroup[]): Actor => ({ kind: "account", id, username: id, roleGroups });
const analyst = account("ana", "InsiderRiskManagementAnalysts");
const investigator = account("ivan", "InsiderRiskManagementInvestigators");
const allInOne = account("iris", "InsiderRiskManagement");
const admin = account("adam", "InsiderRiskManagementAdmins");
const nora = account("nora", "InsiderRiskManagementAnalysts");
const system: Actor = { kind: "system", id: "system" };
const app: Actor = { kind: "app", id: "app-1", clientId: "c", name: "Uploader" };

const executives = { roleGroups: ["InsiderRiskManagementInvestigators"], accountIds: ["nora"] };
const legal = { roleGroups: [], accountIds: ["nora", "ivan"] };

describe("canSeeUser", () => {
  it("lets everyone the role groups allow see a user in no group", () => {
    for (const actor of [analyst, investigator, allInOne, admin, app, system]) expect(canSeeUser(actor, [])).toBe(true);
  });

  // biome-ignore format: the matrix reads best as a table
  const MATRIX: Array<[string, Actor, boolean, boolean]> = [
    // actor                          Executives  Executives + Legal
    ["an Analyst, not a viewer",       analyst,      false,  false],
    ["an Investigator (role group)",   investigator, true,   true],
    ["a named-account viewer",         nora,         true,   true],
    ["InsiderRiskManagement, not named", allInOne,   false,  false],
    ["an Admin managing the groups",   admin,        false,  false],
    ["an app",                         app,          false,  false],
    ["the system (scoring)",           system,       true,   true],
  ];
  it.each(MATRIX)("%s", (_name, actor, inExecutives, inBoth) => {
    expect(canSeeUser(actor, [executives])).toBe(inExecutives);
    expect(canSeeUser(actor, [executives, legal])).toBe(inBoth);
  });

  it("needs the actor to be a viewer of every group the user is in", () => {
    const onlyLegal = account("lee", "InsiderRiskManagementAnalysts");
    expect(canSeeUser(onlyLegal, [{ roleGroups: [], accountIds: ["lee"] }])).toBe(true);
    expect(canSeeUser(onlyLegal, [executives, { roleGroups: [], accountIds: ["lee"] }])).toBe(false);
    // An investigator named in Legal and a viewer of Executives by role group sees the member of both.
    expect(canSeeUser(investigator, [executives, legal])).toBe(true);
  });

  it("matches a viewer by any of the actor's role groups", () => {
    const both = account("bo", "InsiderRiskManagementAuditors", "InsiderRiskManagementInvestigators");
    expect(isPriorityGroupViewer(both, executives)).toBe(true);
  });

  it("describes the actor for the query filter", () => {
    expect(priorityGroupVisibility(system)).toEqual({ unrestricted: true });
    expect(priorityGroupVisibility(app)).toEqual({ unrestricted: false, accountId: null, roleGroups: [] });
    expect(priorityGroupVisibility(investigator)).toEqual({
      unrestricted: false,
      accountId: "ivan",
      roleGroups: ["InsiderRiskManagementInvestigators"],
    });
  });
});

describe("group definitions", () => {
  it("checks names", () => {
    expect(checkPriorityGroupName("  Executives ")).toEqual({ ok: true, name: "Executives" });
    expect(checkPriorityGroupName("")).toEqual({
      ok: false,
      reason: "give the group a name (text, e.g. 'Executives').",
    });
    expect(checkPriorityGroupName("x".repeat(MAX_PRIORITY_GROUP_NAME_LENGTH + 1))).toEqual({
      ok: false,
      reason: `the name is ${MAX_PRIORITY_GROUP_NAME_LENGTH + 1} characters long; the limit is ${MAX_PRIORITY_GROUP_NAME_LENGTH}.`,
    });
    expect(checkPriorityGroupName("a\tb").ok).toBe(false);
  });

  it("reads viewer role groups by name or label, in any case; others are refused", () => {
    expect(viewerRoleGroup("insiderriskmanagementinvestigators")).toBe("InsiderRiskManagementInvestigators");
    expect(viewerRoleGroup("Insider Risk Management Analysts")).toBe("InsiderRiskManagementAnalysts");
    expect(viewerRoleGroup("InsiderRiskManagement")).toBe("InsiderRiskManagement");
    expect(viewerRoleGroup("InsiderRiskManagementAdmins")).toBeUndefined();
    expect(viewerRoleGroup("Investigators")).toBeUndefined();
    expect(viewerRoleGroupMessage("InsiderRiskManagementInvestigator")).toContain(
      "(did you mean 'InsiderRiskManagementInvestigators'?)",
    );
    // No guess that would name another role group.
    expect(viewerRoleGroupMessage("InsiderRiskManagementAuditors")).not.toContain("did you mean");
  });

  it("checks member UPNs", () => {
    expect(checkMemberUpn(" SaraD@Contoso.com ")).toEqual({ ok: true, upn: "sarad@contoso.com" });
    expect(checkMemberUpn("sara davis")).toEqual({
      ok: false,
      reason: "'sara davis' is not a user principal name (name@domain).",
    });
  });
});

describe("parsePriorityGroupMemberCsv", () => {
  it("reads the documented column, keeps good lines and refuses bad ones by line number", () => {
    const csv = parsePriorityGroupMemberCsv(
      '\uFEFFuser principal name\r\nsarad@contoso.com\r\n"bobk@contoso.com"\r\nnope\r\n\r\nSARAD@CONTOSO.COM\r\n',
    );
    expect(csv).toEqual({
      members: [
        { line: 2, upn: "sarad@contoso.com" },
        { line: 3, upn: "bobk@contoso.com" },
      ],
      errors: [
        {
          line: 4,
          column: "user principal name",
          reason: "user principal name: 'nope' is not a user principal name (name@domain).",
        },
      ],
      duplicates: 1,
      column: "user principal name",
      warnings: [],
    });
  });

  it.each([
    ["UserPrincipalName", ","],
    ["UPN", ";"],
    ["email", "\t"],
    ["User_Principal_Name", ","],
  ])("accepts the column %s (separated by %j) among others", (column, delimiter) => {
    const csv = parsePriorityGroupMemberCsv(`Name${delimiter}${column}\nSara${delimiter}sarad@contoso.com\n`);
    expect(csv.members).toEqual([{ line: 2, upn: "sarad@contoso.com" }]);
    expect(csv.column).toBe(column);
    expect(csv.warnings).toEqual([`Column(s) 'Name' were ignored; only '${column}' is read.`]);
  });

  it("reads a bare list of UPNs without a header", () => {
    const csv = parsePriorityGroupMemberCsv("sarad@contoso.com\nbobk@contoso.com\n");
    expect(csv.members.map((m) => m.line)).toEqual([1, 2]);
    expect(csv.column).toBeNull();
  });

  it("refuses a header without a member column as a whole, suggesting a near name", () => {
    expect(() => parsePriorityGroupMemberCsv("Name,UserPrincipleName\nSara,sarad@contoso.com\n")).toThrow(
      "Line 1: the file has no 'user principal name' column (UserPrincipalName, UPN and Email are accepted too). Did you mean 'UserPrincipleName'? The header has: 'Name', 'UserPrincipleName'. The whole file was refused: name the column 'user principal name', or send one UPN per line without a header.",
    );
  });

  it("returns nothing for an empty file", () => {
    expect(parsePriorityGroupMemberCsv("\n\n").members).toEqual([]);
  });
});
