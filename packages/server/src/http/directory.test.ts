// The directory in the console API: CSV upload of users (counts, per-row errors, updates,
// account-disabled signals, users known from signals), and reading users and groups with names
// shown or pseudonymised by role.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../test/protocol/setup.ts";
import { signInAs, startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { ensureUsers } from "../store/users.ts";

let server: TestServer;
const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));

beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(async () => server.close());

function importCsv(csv: string | Buffer, token?: string, contentType = "text/csv; charset=utf-8") {
  return server.request({
    method: "POST",
    url: "/api/directory/users/import",
    payload: csv,
    headers: { "content-type": contentType },
    ...(token ? { token } : {}),
  });
}

async function userRow(upn: string) {
  const { rows } = await server.services.db.query<Record<string, unknown>>(
    `SELECT id, upn, user_name, display_name, department, job_title, manager_upn, employee_type, office, active,
            employment_status, source, disabled_at
       FROM directory_users WHERE upn = $1`,
    [upn],
  );
  return rows[0];
}

async function directorySignals() {
  const { rows } = await server.services.db.query<Record<string, unknown>>(
    `SELECT u.upn, s.kind, s.occurred_at, s.attributes, c.type, c.name AS connector, a.name AS app, a.disabled AS app_disabled
       FROM signals s JOIN directory_users u ON u.id = s.user_id JOIN connectors c ON c.id = s.connector_id
       JOIN app_registrations a ON a.client_id = c.app_client_id
      WHERE s.kind LIKE 'directory.%' ORDER BY s.id`,
  );
  return rows;
}

const FIRST_FILE = [
  "UserPrincipalName,DisplayName,Department,JobTitle,Manager,EmployeeType,Office,AccountEnabled,CostCenter",
  "grace.hopper@contoso.com,Grace Hopper,Engineering,Director,,Employee,Arlington,TRUE,100",
  "Ada.Lovelace@contoso.com,Ada Lovelace,Research,Analyst,grace.hopper@contoso.com,Contractor,London,TRUE,200",
  "not-an-upn,Bad Row,,,,,,TRUE,",
  "bob@contoso.com,Bob,Sales,,Grace Hopper,,,TRUE,",
  'carol@contoso.com,"Smith, Carol",Sales,,,,,maybe,',
  "ada.lovelace@contoso.com,Ada Again,,,,,,,",
  ",No UPN,,,,,,,",
  'dave@contoso.com,"Dave ""The Rave""",Ops,,,,,FALSE,',
  'erin@contoso.com,"Erin,,,,,,,,',
].join("\r\n");

describe("CSV upload of users", () => {
  it("keeps the good rows and names the line, column and reason of every bad one", async () => {
    const res = await importCsv(FIRST_FILE);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      received: 9,
      created: 3,
      updated: 0,
      rejected: 6,
      errors: [
        {
          line: 4,
          column: "UserPrincipalName",
          reason: "'not-an-upn' is not a user principal name (name@domain).",
          message: "Line 4, column UserPrincipalName: 'not-an-upn' is not a user principal name (name@domain).",
        },
        {
          line: 5,
          column: "Manager",
          reason: "'Grace Hopper' is not a user principal name (name@domain); give the manager's UPN.",
          message:
            "Line 5, column Manager: 'Grace Hopper' is not a user principal name (name@domain); give the manager's UPN.",
        },
        {
          line: 6,
          column: "AccountEnabled",
          reason: "'maybe' is not TRUE or FALSE.",
          message: "Line 6, column AccountEnabled: 'maybe' is not TRUE or FALSE.",
        },
        {
          line: 7,
          column: "UserPrincipalName",
          reason: "'ada.lovelace@contoso.com' already appears on line 3; this row was ignored.",
          message:
            "Line 7, column UserPrincipalName: 'ada.lovelace@contoso.com' already appears on line 3; this row was ignored.",
        },
        {
          line: 8,
          column: "UserPrincipalName",
          reason: "the value is empty; every row needs the user's user principal name.",
          message:
            "Line 8, column UserPrincipalName: the value is empty; every row needs the user's user principal name.",
        },
        {
          line: 10,
          column: null,
          reason:
            "a quoted value starts on this line and its closing quote is missing, so the row was rejected. Close the quote or remove it.",
          message:
            "Line 10: a quoted value starts on this line and its closing quote is missing, so the row was rejected. Close the quote or remove it.",
        },
      ],
      warnings: ["These columns were not read: CostCenter."],
    });
    expect(await userRow("ada.lovelace@contoso.com")).toMatchObject({
      user_name: "Ada.Lovelace@contoso.com",
      display_name: "Ada Lovelace",
      department: "Research",
      job_title: "Analyst",
      manager_upn: "grace.hopper@contoso.com",
      employee_type: "Contractor",
      office: "London",
      active: true,
      source: "csv",
    });
    expect(await userRow("dave@contoso.com")).toMatchObject({ display_name: 'Dave "The Rave"', active: false });
    expect(await userRow("bob@contoso.com")).toBeUndefined();
    // A user that arrives already disabled has not departed now: no signal.
    expect(await directorySignals()).toEqual([]);
    const { rows } = await server.services.db.query<{ action: string; category: string; details: unknown }>(
      "SELECT action, category, details FROM audit_entries WHERE action = 'directory.import'",
    );
    expect(rows).toEqual([
      {
        action: "directory.import",
        category: "Users",
        details: {
          received: 9,
          created: 3,
          updated: 0,
          rejected: 6,
          accountsDisabled: 0,
          columns: [
            "UserPrincipalName",
            "DisplayName",
            "Department",
            "JobTitle",
            "Manager",
            "EmployeeType",
            "Office",
            "AccountEnabled",
          ],
          ip: "127.0.0.1",
        },
      },
    ]);
  });

  it("updates users: empty cells clear, absent columns stay, and disabling records one signal", async () => {
    clock.advance(3_600_000);
    const file =
      "upn,department,AccountEnabled\nada.lovelace@contoso.com,,FALSE\ngrace.hopper@contoso.com,Leadership,\n";
    const res = await importCsv(file);
    expect(res.json()).toEqual({ received: 2, created: 0, updated: 2, rejected: 0, errors: [], warnings: [] });
    expect(await userRow("ada.lovelace@contoso.com")).toMatchObject({
      department: null,
      job_title: "Analyst",
      active: false,
      disabled_at: "2026-11-21 13:00:00+00",
    });
    expect(await userRow("grace.hopper@contoso.com")).toMatchObject({ department: "Leadership", active: true });
    const expected = [
      {
        upn: "ada.lovelace@contoso.com",
        kind: "directory.account_disabled",
        occurred_at: "2026-11-21 13:00:00+00",
        attributes: { UserPrincipalName: "ada.lovelace@contoso.com", source: "csv" },
        type: "directory",
        connector: "Directory (CSV import)",
        app: "Directory CSV import (built-in)",
        app_disabled: true,
      },
    ];
    expect(await directorySignals()).toEqual(expected);
    clock.advance(60_000);
    expect((await importCsv(file)).json().updated).toBe(2);
    expect(await directorySignals()).toEqual(expected);
  });

  it("fills a user known so far only from signals instead of creating a second record", async () => {
    const ids = await ensureUsers(server.services.db, ["Known.Person@contoso.com"], clock.now());
    const knownId = ids.get("known.person@contoso.com");
    const res = await importCsv("UPN,DisplayName,Status\nknown.person@CONTOSO.com,Known Person,Active\n");
    expect(res.json()).toMatchObject({ received: 1, created: 1, updated: 0, rejected: 0 });
    const { rows } = await server.services.db.query<{ id: string; display_name: string }>(
      "SELECT id, display_name FROM directory_users WHERE upn = 'known.person@contoso.com'",
    );
    expect(rows).toEqual([{ id: knownId, display_name: "Known Person" }]);
    expect(await userRow("known.person@contoso.com")).toMatchObject({ employment_status: "Active", source: "csv" });
  });

  it("reads semicolon files, JSON {csv} bodies and Latin-1 bytes", async () => {
    expect((await importCsv("UPN;DisplayName\nsemi@contoso.com;Semi Colon\n")).json().created).toBe(1);
    expect((await userRow("semi@contoso.com"))?.display_name).toBe("Semi Colon");
    const json = await server.request({
      method: "POST",
      url: "/api/directory/users/import",
      payload: { csv: "Email,Title\nzoe@contoso.com,Buyer\n" },
    });
    expect(json.json()).toMatchObject({ created: 1, rejected: 0 });
    expect((await userRow("zoe@contoso.com"))?.job_title).toBe("Buyer");
    const latin1 = await importCsv(Buffer.from("UPN,DisplayName\nrene@contoso.com,René Müller\n", "latin1"));
    expect(latin1.json().warnings).toEqual([
      "The file is not valid UTF-8, so it was read as Latin-1. Save it as CSV UTF-8 to keep every character.",
    ]);
    expect((await userRow("rene@contoso.com"))?.display_name).toBe("René Müller");
  });

  it("refuses a file without a user column, or an empty one, as a whole", async () => {
    const before = await server.services.db.query<{ n: number }>("SELECT count(*)::int AS n FROM directory_users");
    const noUser = await importCsv("Name,Department\nSomeone,Sales\n");
    expect(noUser.statusCode).toBe(400);
    expect(noUser.json()).toMatchObject({
      code: "missing_column",
      detail:
        "Line 1: the file has no user column; name it UserPrincipalName, UPN, Email, EmailAddress, Mail or UserName. The whole file was refused. The header has: Name, Department.",
      details: { line: 1, column: "UserPrincipalName" },
    });
    const empty = await importCsv("\r\n\r\n");
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toBe(
      "The file is empty; it needs a header line (for example UserPrincipalName,DisplayName,Department) and one line per user.",
    );
    const after = await server.services.db.query<{ n: number }>("SELECT count(*)::int AS n FROM directory_users");
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });
});

describe("reading the directory", () => {
  it("shows names to the all-in-one role group and aliases to Data Connector Admins", async () => {
    const named = await server.request({ method: "GET", url: "/api/directory/users?status=disabled" });
    expect(named.statusCode).toBe(200);
    expect(named.json().total).toBe(2);
    const ada = named.json().items.find((u: { upn?: string }) => u.upn === "ada.lovelace@contoso.com");
    expect(ada).toMatchObject({
      displayName: "Ada Lovelace",
      status: "disabled",
      active: false,
      jobTitle: "Analyst",
      office: "London",
      manager: { upn: "grace.hopper@contoso.com", displayName: "Grace Hopper" },
      source: "csv",
      disabledAt: "2026-11-21T13:00:00Z",
    });

    const connectorAdmin = await signInAs(server, "connector-admin", ["DataConnectorAdmin"]);
    const hidden = await server.request({
      method: "GET",
      url: "/api/directory/users?status=disabled",
      token: connectorAdmin,
    });
    expect(hidden.statusCode).toBe(200);
    const aliased = hidden.json().items.find((u: { id: string }) => u.id === ada.id);
    expect(aliased.alias).toMatch(/^Anon-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(aliased).not.toHaveProperty("upn");
    expect(aliased).not.toHaveProperty("displayName");
    expect(aliased).not.toHaveProperty("externalId");
    expect(aliased.manager).toEqual({ id: ada.manager.id, alias: ada.manager.alias });
    expect(JSON.stringify(hidden.json())).not.toContain("contoso.com");

    const search = await server.request({
      method: "GET",
      url: "/api/directory/users?search=ada",
      token: connectorAdmin,
    });
    expect(search.statusCode).toBe(403);
    const found = await server.request({ method: "GET", url: "/api/directory/users?search=LOVELACE" });
    expect(found.json().items.map((u: { upn: string }) => u.upn)).toEqual(["ada.lovelace@contoso.com"]);
  });

  it("pages, filters by department and keeps users known only from signals apart", async () => {
    const page = await server.request({ method: "GET", url: "/api/directory/users?limit=2&offset=1" });
    expect(page.json()).toMatchObject({ limit: 2, offset: 1 });
    expect(page.json().items).toHaveLength(2);
    const all = await server.request({ method: "GET", url: "/api/directory/users?limit=500" });
    expect(page.json().items.map((u: { id: string }) => u.id)).toEqual(
      all
        .json()
        .items.slice(1, 3)
        .map((u: { id: string }) => u.id),
    );
    const dept = await server.request({ method: "GET", url: "/api/directory/users?department=leadership" });
    expect(dept.json().items.map((u: { upn: string }) => u.upn)).toEqual(["grace.hopper@contoso.com"]);
    await ensureUsers(server.services.db, ["only.signals@contoso.com"], clock.now());
    const unlisted = await server.request({ method: "GET", url: "/api/directory/users?status=unlisted" });
    expect(unlisted.json().items.map((u: { upn: string; status: string }) => [u.upn, u.status])).toEqual([
      ["only.signals@contoso.com", "unlisted"],
    ]);
  });

  it("lists groups with member counts and shows a group's members", async () => {
    const app = await createApp(server, "Okta");
    const members = await server.services.db.query<{ id: string }>(
      "SELECT id FROM directory_users WHERE upn IN ('grace.hopper@contoso.com', 'zoe@contoso.com') ORDER BY upn",
    );
    const created = await server.request({
      method: "POST",
      url: "/scim/v2/Groups",
      token: app.token,
      payload: JSON.stringify({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: "Procurement",
        members: members.rows.map((m) => ({ value: m.id })),
      }),
      headers: { "content-type": "application/scim+json" },
    });
    expect(created.statusCode, created.body).toBe(201);
    const list = await server.request({ method: "GET", url: "/api/directory/groups" });
    expect(list.json()).toMatchObject({
      total: 1,
      items: [{ id: created.json().id, displayName: "Procurement", memberCount: 2 }],
    });
    const connectorAdmin = (
      await server.request({
        method: "POST",
        url: "/api/auth/login",
        payload: { username: "connector-admin", password: "connector-admin-password" },
        token: null,
      })
    ).json().token;
    const one = await server.request({
      method: "GET",
      url: `/api/directory/groups/${created.json().id}`,
      token: connectorAdmin,
    });
    expect(one.json().members).toHaveLength(2);
    expect(one.json().members[0]).toEqual({ id: members.rows[0]!.id, alias: expect.any(String), status: "active" });
  });

  it("needs connectors.read to read and connectors.manage to import", async () => {
    const analyst = await signInAs(server, "analyst", ["InsiderRiskManagementAnalysts"]);
    expect((await server.request({ method: "GET", url: "/api/directory/users", token: analyst })).statusCode).toBe(403);
    expect((await server.request({ method: "GET", url: "/api/directory/groups", token: analyst })).statusCode).toBe(
      403,
    );
    expect((await importCsv("UPN\nx@contoso.com\n", analyst)).statusCode).toBe(403);
    expect(await userRow("x@contoso.com")).toBeUndefined();
  });
});
