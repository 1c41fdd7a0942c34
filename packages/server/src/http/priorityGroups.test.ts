import { randomUUID } from "node:crypto";
import { ALIAS_PATTERN } from "@openirm/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertConnector,
  insertDirectoryUser,
  insertSignals,
  signInAs,
  startTestServer,
  TestClock,
  type TestServer,
} from "../../test/support.ts";

const clock = new TestClock(new Date("2026-03-10T08:00:00.000Z"));
const PATH = "/api/priority-user-groups";
let server: TestServer;
let policyId: string;
let sara: string; // member of Executives
let bob: string; // in no group
let saraAlert: string;
let bobAlert: string;
let analyst: string; // Analysts, not a viewer
let investigator: string; // Investigators: viewers of Executives by role group
let nora: string; // Analysts, a viewer of Executives by name
let noraId: string;
let iris: string; // InsiderRiskManagement (every permission), not a viewer
let adam: string; // Admins: manages groups, no alerts.read

const db = () => server.services.db;
const get = (url: string, token?: string) => server.request({ method: "GET", url, ...(token ? { token } : {}) });
const send = (method: string, url: string, payload: unknown, token?: string) =>
  server.request({ method, url, payload, ...(token ? { token } : {}) });

async function insertAlert(userId: string, at: string): Promise<string> {
  const id = randomUUID();
  await db().query(
    `INSERT INTO alerts (id, policy_id, user_id, status, severity, score, version, explanation, time_detected, updated_at)
     VALUES ($1, $2, $3, 'NeedsReview', 'High', 80, 1, '{}', $4, $4)`,
    [id, policyId, userId, at],
  );
  await db().query(
    `INSERT INTO alert_versions (alert_id, version, severity, score, explanation, created_at)
     VALUES ($1, 1, 'High', 80, '{}', $2)`,
    [id, at],
  );
  return id;
}

beforeAll(async () => {
  server = await startTestServer({ clock });
  policyId = randomUUID();
  await db().query(
    `INSERT INTO policies (id, name, template, config) VALUES ($1, 'Departing staff', 'departing-users-data-theft',
       '{"scope": {"allUsers": true}, "triggers": {"hrResignation": true}, "indicators": []}')`,
    [policyId],
  );
  sara = await insertDirectoryUser(db(), "sarad@contoso.com", "Sara Davis");
  bob = await insertDirectoryUser(db(), "bobk@contoso.com", "Bob Kelly");
  saraAlert = await insertAlert(sara, "2026-03-01T10:00:00Z");
  bobAlert = await insertAlert(bob, "2026-03-02T10:00:00Z");

  analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
  investigator = await signInAs(server, "ivan", ["InsiderRiskManagementInvestigators"]);
  nora = await signInAs(server, "nora", ["InsiderRiskManagementAnalysts"]);
  iris = await signInAs(server, "iris", ["InsiderRiskManagement"]);
  adam = await signInAs(server, "adam", ["InsiderRiskManagementAdmins"]);
  noraId = (await db().query<{ id: string }>("SELECT id FROM accounts WHERE username = 'nora'")).rows[0]!.id;

  const created = await send(
    "POST",
    PATH,
    {
      name: "Executives",
      description: "Board members and their assistants",
      viewers: { roleGroups: ["InsiderRiskManagementInvestigators"], accounts: ["Nora"] },
      members: ["SaraD@contoso.com"],
    },
    adam,
  );
  expect(created.statusCode, created.body).toBe(201);
});
afterAll(async () => server.close());

const userIdsOf = (items: Array<{ user: { id: string } }>) => items.map((i) => i.user.id);

describe("the visibility of priority user group members", () => {
  it("hides a member's alerts from an Analyst who is not a viewer: list, count and detail (404)", async () => {
    const list = await get("/api/alerts", analyst);
    expect(list.statusCode).toBe(200);
    expect(userIdsOf(list.json().items)).toEqual([bob]);
    expect(list.json().total).toBe(1);
    // Filters and pages count the same rows.
    expect((await get("/api/alerts?severity=High&pageSize=1", analyst)).json()).toMatchObject({ total: 1 });

    const hidden = await get(`/api/alerts/${saraAlert}`, analyst);
    const absent = await get(`/api/alerts/${randomUUID()}`, analyst);
    expect(hidden.statusCode).toBe(404);
    expect(absent.statusCode).toBe(404);
    // Indistinguishable from an alert that does not exist: same code and message form.
    expect(hidden.json().code).toBe(absent.json().code);
    expect(hidden.json().detail).toBe(`Alert '${saraAlert}' does not exist.`);
    expect((await get(`/api/alerts/${bobAlert}`, analyst)).statusCode).toBe(200);
    // The policy's counts do not tell that a hidden alert exists.
    expect((await get(`/api/policies/${policyId}`, analyst)).json()).toMatchObject({ activeAlerts: 1 });
    expect((await get("/api/policies", analyst)).json().items[0]).toMatchObject({ activeAlerts: 1 });
  });

  it("shows them to an Investigator (a viewer by role group) and to a named-account viewer", async () => {
    for (const token of [investigator, nora]) {
      const list = await get("/api/alerts", token);
      expect(userIdsOf(list.json().items).sort()).toEqual([sara, bob].sort());
      expect(list.json().total).toBe(2);
      const detail = await get(`/api/alerts/${saraAlert}`, token);
      expect(detail.statusCode).toBe(200);
      expect(detail.json().versions).toHaveLength(1);
      expect((await get(`/api/policies/${policyId}`, token)).json()).toMatchObject({ activeAlerts: 2 });
    }
  });

  it("hides them from an account with every permission that is not a viewer, and from the admin who manages groups", async () => {
    const list = await get("/api/alerts", iris);
    expect(userIdsOf(list.json().items)).toEqual([bob]);
    expect((await get(`/api/alerts/${saraAlert}`, iris)).statusCode).toBe(404);
    // The built-in admin (InsiderRiskManagement) created no viewer rule for itself.
    expect(userIdsOf((await get("/api/alerts")).json().items)).toEqual([bob]);
    // An Admins member manages the group and sees its definition, but not the alerts.
    expect((await get("/api/alerts", adam)).statusCode).toBe(403);
    const group = await get(`${PATH}/executives`, adam);
    expect(group.statusCode).toBe(200);
    expect(group.json()).toMatchObject({ name: "Executives", memberCount: 1, callerIsViewer: false });
  });

  it("filters physical access events and a lookup of the hidden user (404)", async () => {
    const badging = await insertConnector(db(), { name: "Badges", config: { columns: [] } });
    await insertSignals(db(), [
      {
        connectorId: badging,
        userId: sara,
        occurredAt: "2026-03-05T07:00:00Z",
        kind: "physical.access",
        attributes: { AssetId: "Door-1", AccessStatus: "Failed" },
      },
      {
        connectorId: badging,
        userId: bob,
        occurredAt: "2026-03-05T08:00:00Z",
        kind: "physical.access",
        attributes: { AssetId: "Door-1", AccessStatus: "Failed" },
      },
    ]);
    const seen = await get("/api/physical-access?all=true", analyst);
    expect(seen.statusCode).toBe(200);
    expect(userIdsOf(seen.json().items)).toEqual([bob]);
    expect(seen.json().total).toBe(1);
    expect((await get(`/api/physical-access?user=${sara}`, analyst)).statusCode).toBe(404);
    expect((await get("/api/physical-access?user=sarad@contoso.com", iris)).statusCode).toBe(404);
    const viewer = await get("/api/physical-access?all=true", investigator);
    expect(viewer.json().total).toBe(2);
    expect((await get(`/api/physical-access?user=${sara}`, investigator)).json().total).toBe(1);
  });

  it("filters employee profiles", async () => {
    const hr = await insertConnector(db(), { name: "HR", type: "hr", config: { columns: [] } });
    for (const [user, last] of [
      [sara, "Davis"],
      [bob, "Kelly"],
    ] as const) {
      await db().query(
        "INSERT INTO employee_profiles (user_id, connector_id, last_name, refreshed_at) VALUES ($1, $2, $3, $4)",
        [user, hr, last, clock.now().toISOString()],
      );
    }
    const hidden = await get("/api/hr/profiles", iris);
    expect(hidden.json().items.map((p: { lastName: string }) => p.lastName)).toEqual(["Kelly"]);
    expect(hidden.json().total).toBe(1);
    expect((await get("/api/hr/profiles?user=sarad@contoso.com", iris)).json().total).toBe(0);
    expect((await get("/api/hr/profiles", investigator)).json().total).toBe(2);
  });

  it("shows a member of several groups only to viewers of every one of them", async () => {
    const eve = await insertDirectoryUser(db(), "eve@contoso.com");
    const eveAlert = await insertAlert(eve, "2026-03-03T10:00:00Z");
    const legal = await send("POST", PATH, {
      name: "Legal",
      viewers: { accounts: ["nora"] },
      members: ["eve@contoso.com"],
    });
    expect(legal.statusCode, legal.body).toBe(201);
    await send("POST", `${PATH}/Executives/members`, { members: ["eve@contoso.com"] });
    // ivan views Executives only, nora views both.
    expect((await get(`/api/alerts/${eveAlert}`, investigator)).statusCode).toBe(404);
    expect((await get(`/api/alerts/${eveAlert}`, nora)).statusCode).toBe(200);
    expect((await get("/api/alerts", nora)).json().total).toBe(3);
    expect((await get("/api/alerts", investigator)).json().total).toBe(2);
    await send("DELETE", `${PATH}/legal`, undefined);
    await send("POST", `${PATH}/Executives/members/remove`, { members: ["eve@contoso.com"] });
    expect((await get(`/api/alerts/${eveAlert}`, analyst)).statusCode).toBe(200);
  });
});

describe("managing priority user groups", () => {
  it("needs settings.manage to change and settings.read to read", async () => {
    const body = { name: "Finance", viewers: { roleGroups: ["InsiderRiskManagementAnalysts"] } };
    expect((await send("POST", PATH, body, analyst)).statusCode).toBe(403);
    expect((await send("PATCH", `${PATH}/Executives`, { description: "x" }, investigator)).statusCode).toBe(403);
    expect((await send("DELETE", `${PATH}/Executives`, undefined, analyst)).statusCode).toBe(403);
    expect((await send("POST", `${PATH}/Executives/members`, { members: ["a@b.c"] }, analyst)).statusCode).toBe(403);
    const auditor = await signInAs(server, "audrey", ["InsiderRiskManagementAuditors"]);
    expect((await get(PATH, auditor)).statusCode).toBe(403);
    expect((await get(PATH, analyst)).statusCode).toBe(200);
  });

  it("lists groups with their viewers and members pseudonymised for callers without identities", async () => {
    const list = await get(PATH, adam);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        name: "Executives",
        description: "Board members and their assistants",
        viewers: { roleGroups: ["InsiderRiskManagementInvestigators"], accounts: [{ id: noraId, username: "nora" }] },
        memberCount: 1,
        createdBy: "adam",
      }),
    ]);
    const asAdmin = (await get(`${PATH}/Executives`, adam)).json();
    expect(asAdmin.members.total).toBe(1);
    expect(asAdmin.members.items[0].id).toBe(sara);
    expect(asAdmin.members.items[0].alias).toMatch(ALIAS_PATTERN);
    expect(asAdmin.members.items[0].upn).toBeUndefined();
    // A reader who neither manages groups nor views this one sees the definition, not the members.
    const asReader = (await get(`${PATH}/Executives`, analyst)).json();
    expect(asReader).toMatchObject({ memberCount: 1, callerIsViewer: false, members: { items: [], total: 0 } });
    const asViewer = (await get(`${PATH}/Executives`, investigator)).json();
    expect(asViewer).toMatchObject({ callerIsViewer: true });
    expect(asViewer.members.items[0]).toMatchObject({ upn: "sarad@contoso.com", displayName: "Sara Davis" });
  });

  it("refuses a second group with the same name in another case, a new name, and groups without viewers", async () => {
    const again = await send("POST", PATH, { name: "EXECUTIVES", viewers: { roleGroups: ["InsiderRiskManagement"] } });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toBe(
      "name: a priority user group named 'Executives' exists already (names are compared without regard to case); choose another name.",
    );
    const rename = await send("PATCH", `${PATH}/Executives`, { name: "Execs" });
    expect(rename.statusCode).toBe(400);
    expect(rename.json().detail).toBe(
      "name: a priority user group's name cannot be changed after it is created ('Executives'); create a new group and delete this one instead.",
    );
    const noViewers = await send("POST", PATH, { name: "Nobody", viewers: { roleGroups: [], accounts: [] } });
    expect(noViewers.statusCode).toBe(400);
    expect(noViewers.json().detail).toMatch(/^viewers: choose at least one viewer/);
    const badGroup = await send("POST", PATH, {
      name: "Bad",
      viewers: { roleGroups: ["InsiderRiskManagementAuditors"] },
    });
    expect(badGroup.json().detail).toBe(
      "viewers.roleGroups[0]: 'InsiderRiskManagementAuditors' is not a role group that can view a priority user group; use InsiderRiskManagement, InsiderRiskManagementAnalysts, InsiderRiskManagementInvestigators, or name console accounts.",
    );
    const badAccount = await send("POST", PATH, { name: "Bad", viewers: { accounts: ["ghost"] } });
    expect(badAccount.json()).toMatchObject({
      detail: "viewers.accounts[0]: there is no console account 'ghost'; give a username or account id.",
      details: { column: "viewers.accounts[0]" },
    });
    expect((await get(PATH)).json().total).toBe(1);
  });

  it("changes viewers and description, and audits every change", async () => {
    const patched = await send("PATCH", `${PATH}/Executives`, {
      name: "Executives",
      description: "Board",
      viewers: { roleGroups: ["Insider Risk Management Investigators", "InsiderRiskManagementAnalysts"] },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().viewers).toEqual({
      roleGroups: ["InsiderRiskManagementAnalysts", "InsiderRiskManagementInvestigators"],
      accounts: [],
    });
    // Analysts are viewers now: ana sees Sara's alert.
    expect((await get(`/api/alerts/${saraAlert}`, analyst)).statusCode).toBe(200);
    await send("PATCH", `${PATH}/Executives`, {
      viewers: { roleGroups: ["InsiderRiskManagementInvestigators"], accounts: [noraId] },
    });
    expect((await get(`/api/alerts/${saraAlert}`, analyst)).statusCode).toBe(404);

    const { rows } = await db().query<{ action: string; actor_name: string; details: Record<string, unknown> }>(
      "SELECT action, actor_name, details FROM audit_entries WHERE target_type = 'priority_user_group' ORDER BY id",
    );
    const actions = rows.map((r) => r.action);
    expect(actions.slice(0, 2)).toEqual(["priority_user_group.create", "priority_user_group.members.add"]);
    expect(actions).toContain("priority_user_group.members.remove");
    expect(actions).toContain("priority_user_group.delete");
    expect(actions.filter((a) => a === "priority_user_group.update")).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      actor_name: "adam",
      details: {
        name: "Executives",
        viewers: { roleGroups: ["InsiderRiskManagementInvestigators"], accounts: ["nora"] },
      },
    });
    // Member changes name users by id, not UPN.
    expect(rows[1]!.details).toMatchObject({ added: 1, userIds: [sara] });
  });

  it("deletes a group: removed from policies' scope, alerts kept and visible again", async () => {
    const temp = await send("POST", PATH, {
      name: "Temporary",
      viewers: { roleGroups: ["InsiderRiskManagementInvestigators"] },
      members: ["bobk@contoso.com"],
    });
    const tempId = temp.json().id as string;
    await db().query(
      `UPDATE policies SET config = jsonb_set(config, '{scope}', jsonb_build_object('priorityUserGroups', jsonb_build_array($2::text, 'other-group'))) WHERE id = $1`,
      [policyId, tempId],
    );
    expect((await get(`/api/alerts/${bobAlert}`, analyst)).statusCode).toBe(404);
    const deleted = await send("DELETE", `${PATH}/${tempId}`, undefined);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().policiesUpdated).toEqual([{ id: policyId, name: "Departing staff" }]);
    const config = (await db().query<{ config: any }>("SELECT config FROM policies WHERE id = $1", [policyId])).rows[0]!
      .config;
    expect(config.scope.priorityUserGroups).toEqual(["other-group"]);
    // A policy whose only group is deleted keeps no empty list.
    const last = await send("POST", PATH, { name: "Last", viewers: { roleGroups: ["InsiderRiskManagement"] } });
    await db().query(
      `UPDATE policies SET config = jsonb_set(config, '{scope}', jsonb_build_object('priorityUserGroups', jsonb_build_array($2::text))) WHERE id = $1`,
      [policyId, last.json().id],
    );
    await send("DELETE", `${PATH}/Last`, undefined);
    const after = (await db().query<{ config: any }>("SELECT config FROM policies WHERE id = $1", [policyId])).rows[0]!;
    expect(after.config.scope).toEqual({});
    expect((await get(`/api/alerts/${bobAlert}`, analyst)).statusCode).toBe(200);
    expect((await get(`${PATH}/${tempId}`)).statusCode).toBe(404);
    const policyAudit = await db().query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_entries WHERE action = 'policy.update' AND target_id = $1",
      [policyId],
    );
    expect(policyAudit.rows[0]!.details.reason).toBe(
      `priority user group 'Temporary' (${tempId}) was deleted and removed from the scope`,
    );
  });
});

describe("members", () => {
  it("imports a CSV: bad lines refused with their line number, good ones kept, new UPNs become directory users", async () => {
    await send("POST", PATH, { name: "Import", viewers: { roleGroups: ["InsiderRiskManagementInvestigators"] } });
    const csv = [
      "User Principal Name,Department",
      "sarad@contoso.com,Sales",
      "not-an-upn,Sales",
      "",
      "NEWPERSON@contoso.com,Legal",
      "SARAD@contoso.com,Sales",
      ",Empty",
    ].join("\r\n");
    const res = await server.request({
      method: "POST",
      url: `${PATH}/Import/members/import`,
      payload: csv,
      headers: { "content-type": "text/csv" },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      added: 2,
      alreadyMembers: 0,
      duplicates: 1,
      newDirectoryUsers: 1,
      rejected: 2,
      errors: [
        {
          line: 3,
          column: "User Principal Name",
          reason: "User Principal Name: 'not-an-upn' is not a user principal name (name@domain).",
        },
        { line: 7, column: "User Principal Name", reason: "User Principal Name: the user principal name is empty." },
      ],
      warnings: ["Column(s) 'Department' were ignored; only 'User Principal Name' is read."],
      memberCount: 2,
    });
    const created = await db().query("SELECT id FROM directory_users WHERE upn = 'newperson@contoso.com'");
    expect(created.rows).toHaveLength(1);
    // Sara is in Import now too: ivan views both of her groups.
    expect((await get(`/api/alerts/${saraAlert}`, investigator)).statusCode).toBe(200);

    const upnColumn = await send("POST", `${PATH}/Import/members/import`, { csv: "UPN\nsarad@contoso.com\n" });
    expect(upnColumn.json()).toMatchObject({ added: 0, alreadyMembers: 1 });
  });

  it("refuses a file without a member column as a whole, naming the column", async () => {
    const res = await send("POST", `${PATH}/Import/members/import`, {
      csv: "Name,Mail Adress\nSara,sarad@contoso.com\n",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: "missing_column",
      detail:
        "Line 1: the file has no 'user principal name' column (UserPrincipalName, UPN and Email are accepted too). The header has: 'Name', 'Mail Adress'. The whole file was refused: name the column 'user principal name', or send one UPN per line without a header.",
      details: { line: 1, column: "user principal name" },
    });
  });

  it("keeps a group within 10,000 members: the lines past the limit are refused", async () => {
    await send("POST", PATH, { name: "Big", viewers: { roleGroups: ["InsiderRiskManagementInvestigators"] } });
    const lines = ["user principal name"];
    for (let i = 0; i < 10_001; i++) lines.push(`user${i}@big.example`);
    const started = performance.now();
    const res = await send("POST", `${PATH}/Big/members/import`, { csv: lines.join("\n") });
    const ms = performance.now() - started;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ added: 10_000, rejected: 1, memberCount: 10_000, newDirectoryUsers: 10_000 });
    expect(res.json().errors).toEqual([
      {
        line: 10_002,
        column: "user principal name",
        reason:
          "'user10000@big.example' was not added: the group has reached its limit of 10,000 members. Remove members, or split them into another group.",
      },
    ]);
    expect(ms).toBeLessThan(15_000);
    const more = await send("POST", `${PATH}/Big/members`, { members: ["user1@big.example", "late@big.example"] });
    expect(more.json()).toMatchObject({ added: 0, alreadyMembers: 1, rejected: 1 });
    expect(more.json().errors[0]).toMatchObject({ index: 1, column: "members[1]" });
    const page = (await get(`${PATH}/Big?page=2&pageSize=500`)).json();
    expect(page.members).toMatchObject({ total: 10_000, page: 2, pageSize: 500 });
    expect(page.members.items).toHaveLength(500);
  });

  it("adds and removes members through the JSON API", async () => {
    const added = await send("POST", `${PATH}/Import/members`, { members: ["bobk@contoso.com", "bad value", 7] });
    expect(added.json()).toMatchObject({
      added: 1,
      rejected: 2,
      errors: [
        {
          index: 1,
          column: "members[1]",
          reason: "members[1]: 'bad value' is not a user principal name (name@domain).",
        },
        { index: 2, column: "members[2]", reason: "members[2]: give the user principal name as text (name@domain)." },
      ],
    });
    const removed = await send("DELETE", `${PATH}/Import/members/${bob}`, undefined);
    expect(removed.json()).toEqual({ removed: 1, notMembers: [], memberCount: 2 });
    const again = await send("POST", `${PATH}/Import/members/remove`, { members: ["BOBK@contoso.com"] });
    expect(again.json()).toEqual({ removed: 0, notMembers: ["bobk@contoso.com"], memberCount: 2 });
    expect((await send("POST", `${PATH}/Nope/members`, { members: ["a@b.c"] })).statusCode).toBe(404);
  });
});
