// SCIM 2.0 provisioning end to end, with request bodies shaped as Microsoft Entra ID and Okta send
// them: discovery, users (filter, create, patch, replace, disable, delete), groups and members,
// the SCIM error bodies, account-state signals and linking users already known from signals.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type TestApp } from "../../test/protocol/setup.ts";
import { insertSignals, startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { ensureUsers } from "../store/users.ts";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

let server: TestServer;
let entra: TestApp;
let okta: TestApp;
const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));

beforeAll(async () => {
  server = await startTestServer({ clock });
  entra = await createApp(server, "Microsoft Entra ID provisioning");
  okta = await createApp(server, "Okta provisioning");
});
afterAll(async () => server.close());

/** A SCIM call as the identity provider makes it (JSON body text, its content type, its token). */
async function scim(
  app: TestApp,
  method: string,
  url: string,
  body?: unknown,
  contentType = "application/scim+json; charset=utf-8",
) {
  return server.request({
    method,
    url: `/scim/v2${url}`,
    token: app.token,
    ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { "content-type": contentType } }),
  });
}

const q = (filter: string) => encodeURIComponent(filter);

/** Member ids in a stable order (members added together have no order of their own). */
const memberIds = (group: { members: Array<{ value: string }> }) => group.members.map((m) => m.value).sort();

async function signalsOf(userId: string) {
  const { rows } = await server.services.db.query<{
    kind: string;
    occurred_at: string;
    attributes: Record<string, unknown>;
    type: string;
    app_client_id: string;
  }>(
    `SELECT s.kind, s.occurred_at, s.attributes, c.type, c.app_client_id
       FROM signals s JOIN connectors c ON c.id = s.connector_id WHERE s.user_id = $1 ORDER BY s.id`,
    [userId],
  );
  return rows;
}

describe("discovery", () => {
  it("describes what it supports, its resource types and schemas", async () => {
    const config = await scim(entra, "GET", "/ServiceProviderConfig");
    expect(config.statusCode).toBe(200);
    expect(config.headers["content-type"]).toBe("application/scim+json; charset=utf-8");
    expect(config.json()).toMatchObject({
      patch: { supported: true },
      filter: { supported: true, maxResults: 1000 },
      bulk: { supported: false },
      authenticationSchemes: [{ type: "oauthbearertoken", primary: true }],
    });
    const types = (await scim(entra, "GET", "/ResourceTypes")).json();
    expect(types.schemas).toEqual([LIST]);
    expect(types.Resources.map((r: { id: string; endpoint: string }) => [r.id, r.endpoint])).toEqual([
      ["User", "/Users"],
      ["Group", "/Groups"],
    ]);
    expect(types.Resources[0].schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    const schemas = (await scim(entra, "GET", "/Schemas")).json();
    expect(schemas.Resources.map((s: { id: string }) => s.id)).toEqual([USER, ENTERPRISE, GROUP]);
    const enterprise = (await scim(entra, "GET", `/Schemas/${ENTERPRISE}`)).json();
    expect(enterprise.attributes.map((a: { name: string }) => a.name)).toContain("manager");
  });
});

describe("authentication and errors", () => {
  it("answers 401 with a SCIM error and a Bearer challenge without a token", async () => {
    const res = await server.request({ method: "GET", url: "/scim/v2/Users", token: null });
    expect(res.statusCode).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="OpenIRM SCIM"');
    expect(res.json()).toEqual({ schemas: [ERROR], status: "401", detail: "Authentication required." });
  });

  it("refuses console accounts: provisioning is for app registrations", async () => {
    const res = await server.request({ method: "GET", url: "/scim/v2/Users" });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      schemas: [ERROR],
      status: "403",
      detail: "Your role groups do not allow 'signals.upload'.",
    });
  });

  it("answers unknown users, endpoints, bad JSON and bad filters with SCIM errors", async () => {
    const missing = await scim(entra, "GET", "/Users/5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8");
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      schemas: [ERROR],
      status: "404",
      detail: "User '5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8' does not exist.",
    });
    const endpoint = await scim(entra, "GET", "/Bulk");
    expect(endpoint.json()).toEqual({ schemas: [ERROR], status: "404", detail: "No SCIM endpoint GET /scim/v2/Bulk." });
    const json = await server.request({
      method: "POST",
      url: "/scim/v2/Users",
      token: entra.token,
      payload: '{"userName": "x@contoso.com",',
      headers: { "content-type": "application/scim+json" },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toEqual({
      schemas: [ERROR],
      status: "400",
      scimType: "invalidSyntax",
      detail: "The request body is not valid JSON.",
    });
    const filter = await scim(entra, "GET", `/Users?filter=${q('userName eq "x" and')}`);
    expect(filter.json()).toEqual({
      schemas: [ERROR],
      status: "400",
      scimType: "invalidFilter",
      detail: "Expected an attribute name but found the end of the filter.",
    });
    const noName = await scim(entra, "POST", "/Users", { schemas: [USER], active: true });
    expect(noName.json()).toEqual({
      schemas: [ERROR],
      status: "400",
      scimType: "invalidValue",
      detail: "userName is required: the user principal name, such as ada@contoso.com.",
    });
  });
});

describe("Microsoft Entra ID", () => {
  const userName = "Test_User_ab6490ee@contoso.com";
  let userId = "";
  let managerId = "";

  it("looks the user up, finds nothing, then creates it", async () => {
    const lookup = await scim(entra, "GET", `/Users?filter=${q(`userName eq "${userName}"`)}`);
    expect(lookup.statusCode).toBe(200);
    expect(lookup.json()).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

    const created = await scim(
      entra,
      "POST",
      "/Users",
      {
        schemas: [USER, ENTERPRISE],
        externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        userName,
        active: true,
        emails: [{ primary: true, type: "work", value: "Test_User_fd0ea19b@contoso.com" }],
        meta: { resourceType: "User" },
        name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
        title: "Engineer",
        addresses: [{ type: "work", formatted: "Building 4, Redmond", primary: true }],
        [ENTERPRISE]: { department: "Engineering", employeeNumber: "1042", costCenter: "CC-7" },
        roles: [],
      },
      "application/json",
    );
    expect(created.statusCode).toBe(201);
    const body = created.json();
    userId = body.id;
    expect(created.headers.location).toBe(`http://localhost:80/scim/v2/Users/${userId}`);
    expect(body).toEqual({
      schemas: [USER, ENTERPRISE],
      id: userId,
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      userName,
      emails: [{ primary: true, type: "work", value: "Test_User_fd0ea19b@contoso.com" }],
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      roles: [],
      displayName: "givenName familyName",
      title: "Engineer",
      active: true,
      addresses: [{ type: "work", formatted: "Building 4, Redmond", primary: true }],
      [ENTERPRISE]: { costCenter: "CC-7", employeeNumber: "1042", department: "Engineering" },
      groups: [],
      meta: {
        resourceType: "User",
        created: "2026-11-21T12:00:00Z",
        lastModified: "2026-11-21T12:00:00Z",
        location: `http://localhost:80/scim/v2/Users/${userId}`,
        version: `W/"${Date.parse("2026-11-21T12:00:00.000Z")}"`,
      },
    });
    const { rows } = await server.services.db.query(
      `SELECT upn, user_name, display_name, department, job_title, office, employee_number, external_id, active, source
         FROM directory_users WHERE id = $1`,
      [userId],
    );
    expect(rows[0]).toEqual({
      upn: userName.toLowerCase(),
      user_name: userName,
      display_name: "givenName familyName",
      department: "Engineering",
      job_title: "Engineer",
      office: "Building 4, Redmond",
      employee_number: "1042",
      external_id: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      active: true,
      source: "scim",
    });
  });

  it("finds the user by userName in any case, and by externalId only in its exact case", async () => {
    const byName = await scim(entra, "GET", `/Users?filter=${q(`userName eq "${userName.toUpperCase()}"`)}`);
    expect(byName.json().totalResults).toBe(1);
    expect(byName.json().Resources[0].id).toBe(userId);
    const byExternal = await scim(
      entra,
      "GET",
      `/Users?filter=${q('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`,
    );
    expect(byExternal.json().totalResults).toBe(1);
    const wrongCase = await scim(
      entra,
      "GET",
      `/Users?filter=${q('externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"')}`,
    );
    expect(wrongCase.json().totalResults).toBe(0);
  });

  it("refuses a second user with the same userName with 409 uniqueness", async () => {
    const res = await scim(entra, "POST", "/Users", {
      schemas: [USER],
      userName: userName.toLowerCase(),
      active: true,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      schemas: [ERROR],
      status: "409",
      scimType: "uniqueness",
      detail: `A user with userName '${userName.toLowerCase()}' already exists.`,
    });
  });

  it("applies a multi-operation PATCH and sets the manager from a bare id", async () => {
    const manager = await scim(entra, "POST", "/Users", {
      schemas: [USER],
      externalId: "6a5e0e7f-0000-4000-8000-00000000beef",
      userName: "Grace.Hopper@contoso.com",
      active: true,
      displayName: "Grace Hopper",
    });
    managerId = manager.json().id;
    const res = await scim(entra, "PATCH", `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@contoso.com" },
        { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
        { op: "Replace", path: "displayName", value: "Ada Updated" },
        { op: "Replace", path: `${ENTERPRISE}:department`, value: "Research" },
        { op: "Add", path: `${ENTERPRISE}:manager`, value: managerId },
      ],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.emails).toEqual([{ primary: true, type: "work", value: "updatedEmail@contoso.com" }]);
    expect(body.name.familyName).toBe("updatedFamilyName");
    expect(body.displayName).toBe("Ada Updated");
    expect(body[ENTERPRISE]).toEqual({
      costCenter: "CC-7",
      employeeNumber: "1042",
      department: "Research",
      manager: { value: managerId, $ref: `http://localhost:80/scim/v2/Users/${managerId}` },
    });
    const { rows } = await server.services.db.query(
      "SELECT manager_upn, department FROM directory_users WHERE id = $1",
      [userId],
    );
    expect(rows[0]).toEqual({ manager_upn: "grace.hopper@contoso.com", department: "Research" });
  });

  it("disables with the string 'False', recording one account-disabled signal, and re-enables with 'True'", async () => {
    clock.advance(60_000);
    const disable = { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "False" }] };
    const res = await scim(entra, "PATCH", `/Users/${userId}`, disable);
    expect(res.statusCode).toBe(200);
    expect(res.json().active).toBe(false);
    await scim(entra, "PATCH", `/Users/${userId}`, disable); // already disabled: no second signal
    expect(await signalsOf(userId)).toEqual([
      {
        kind: "directory.account_disabled",
        occurred_at: "2026-11-21 12:01:00+00",
        attributes: {
          UserPrincipalName: userName.toLowerCase(),
          source: "scim",
          app: "Microsoft Entra ID provisioning",
        },
        type: "directory",
        app_client_id: entra.clientId,
      },
    ]);
    const { rows } = await server.services.db.query("SELECT disabled_at FROM directory_users WHERE id = $1", [userId]);
    expect(rows[0]).toEqual({ disabled_at: "2026-11-21 12:01:00+00" });
    const enable = await scim(entra, "PATCH", `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Replace", path: "active", value: "True" }],
    });
    expect(enable.json().active).toBe(true);
    const after = await server.services.db.query("SELECT disabled_at FROM directory_users WHERE id = $1", [userId]);
    expect(after.rows[0]).toEqual({ disabled_at: null });
  });

  it("creates a group, finds it without members, adds and removes members", async () => {
    const created = await scim(entra, "POST", "/Groups", {
      schemas: [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
      externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
      displayName: "Finance Team",
      meta: { resourceType: "Group" },
    });
    expect(created.statusCode).toBe(201);
    const groupId = created.json().id;
    expect(created.json()).toMatchObject({ schemas: [GROUP], displayName: "Finance Team", members: [] });

    const lookup = await scim(
      entra,
      "GET",
      `/Groups?excludedAttributes=members&filter=${q('displayName eq "finance team"')}`,
    );
    expect(lookup.json().totalResults).toBe(1);
    expect(lookup.json().Resources[0]).not.toHaveProperty("members");

    const add = await scim(entra, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { name: "addMember", op: "Add", path: "members", value: [{ $ref: null, value: userId }] },
        { name: "addMember", op: "Add", path: "members", value: [{ $ref: null, value: managerId }] },
      ],
    });
    expect(add.statusCode).toBe(200);
    expect(memberIds(add.json())).toEqual([userId, managerId].sort());
    const user = (await scim(entra, "GET", `/Users/${userId}`)).json();
    expect(user.groups).toEqual([
      {
        value: groupId,
        $ref: `http://localhost:80/scim/v2/Groups/${groupId}`,
        display: "Finance Team",
        type: "direct",
      },
    ]);

    const remove = await scim(entra, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ name: "removeMember", op: "Remove", path: "members", value: [{ $ref: null, value: userId }] }],
    });
    expect(remove.json().members.map((m: { value: string }) => m.value)).toEqual([managerId]);

    const unknown = await scim(entra, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Add", path: "members", value: [{ value: "f648f8d5ea4e4cd38e9c" }] }],
    });
    expect(unknown.json()).toEqual({
      schemas: [ERROR],
      status: "400",
      scimType: "invalidValue",
      detail:
        "members: 'f648f8d5ea4e4cd38e9c' is not the id of a user in the directory (provision the user first; nested groups are not supported).",
    });
    const duplicate = await scim(entra, "POST", "/Groups", { schemas: [GROUP], displayName: "FINANCE TEAM" });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().scimType).toBe("uniqueness");
  });

  it("deletes the user: 204, then 404, out of lists and groups, with an account-deleted signal", async () => {
    clock.advance(60_000);
    const res = await server.request({ method: "DELETE", url: `/scim/v2/Users/${managerId}`, token: entra.token });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe("");
    expect((await scim(entra, "GET", `/Users/${managerId}`)).statusCode).toBe(404);
    const lookup = await scim(entra, "GET", `/Users?filter=${q('userName eq "grace.hopper@contoso.com"')}`);
    expect(lookup.json().totalResults).toBe(0);
    expect((await signalsOf(managerId)).map((s) => [s.kind, s.occurred_at, s.type])).toEqual([
      ["directory.account_deleted", "2026-11-21 12:02:00+00", "directory"],
    ]);
    const { rows } = await server.services.db.query(
      "SELECT deleted_at, active, (SELECT count(*)::int FROM directory_group_members WHERE user_id = $1) AS groups FROM directory_users WHERE id = $1",
      [managerId],
    );
    expect(rows[0]).toEqual({ deleted_at: "2026-11-21 12:02:00+00", active: false, groups: 0 });
  });

  it("audits every provisioning change under the Users category", async () => {
    const { rows } = await server.services.db.query<{ action: string; actor_name: string }>(
      "SELECT action, actor_name FROM audit_entries WHERE target_id = $1 ORDER BY id",
      [managerId],
    );
    expect(rows).toEqual([
      { action: "directory.user.create", actor_name: "Microsoft Entra ID provisioning" },
      { action: "directory.user.delete", actor_name: "Microsoft Entra ID provisioning" },
    ]);
    const connectors = await server.services.db.query<{ name: string; app_client_id: string }>(
      "SELECT name, app_client_id FROM connectors WHERE type = 'directory'",
    );
    expect(connectors.rows).toEqual([
      { name: "Directory (SCIM: Microsoft Entra ID provisioning)", app_client_id: entra.clientId },
    ]);
  });
});

describe("Okta", () => {
  let userId = "";
  let otherId = "";
  let groupId = "";

  it("creates a user (the password is ignored, never stored or returned)", async () => {
    const lookup = await scim(
      okta,
      "GET",
      `/Users?filter=${q('userName eq "test.user@okta.local"')}&startIndex=1&count=100`,
    );
    expect(lookup.json().totalResults).toBe(0);
    const res = await scim(okta, "POST", "/Users", {
      schemas: [USER],
      userName: "test.user@okta.local",
      name: { givenName: "Test", familyName: "User" },
      emails: [{ primary: true, value: "test.user@okta.local", type: "work" }],
      displayName: "Test User",
      locale: "en-US",
      externalId: "00ujl29u0le5T6Aj10h7",
      groups: [],
      password: "1mz050nq",
      active: true,
    });
    expect(res.statusCode).toBe(201);
    userId = res.json().id;
    expect(res.body).not.toContain("1mz050nq");
    expect(res.json()).toMatchObject({ userName: "test.user@okta.local", displayName: "Test User", locale: "en-US" });
    const { rows } = await server.services.db.query(
      "SELECT scim_attributes::text AS a FROM directory_users WHERE id = $1",
      [userId],
    );
    expect(String(rows[0]?.a)).not.toContain("1mz050nq");
  });

  it("replaces the user with PUT", async () => {
    const res = await scim(okta, "PUT", `/Users/${userId}`, {
      schemas: [USER],
      id: userId,
      userName: "test.user@okta.local",
      name: { givenName: "Another", middleName: "", familyName: "User" },
      emails: [{ primary: true, value: "test.user@okta.local", type: "work", display: "" }],
      locale: "en-US",
      externalId: "00u1dhhb1fkIGP7RL1d8",
      groups: [],
      active: true,
      meta: { resourceType: "User", created: "2026-11-21T12:00:00.000Z", lastModified: "2026-11-21T12:00:00.000Z" },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.name).toEqual({ givenName: "Another", middleName: "", familyName: "User" });
    expect(body.externalId).toBe("00u1dhhb1fkIGP7RL1d8");
    // PUT replaces: the displayName Okta no longer sends is derived from the name.
    expect(body.displayName).toBe("Another User");
  });

  it("deactivates with a path-less replace and records an account-disabled signal", async () => {
    const res = await scim(okta, "PATCH", `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(res.json().active).toBe(false);
    const signals = await signalsOf(userId);
    expect(signals.map((s) => [s.kind, s.type, s.app_client_id])).toEqual([
      ["directory.account_disabled", "directory", okta.clientId],
    ]);
  });

  it("pushes a group with members, renames it, removes and adds members, and deletes it", async () => {
    otherId = (
      await scim(okta, "POST", "/Users", { schemas: [USER], userName: "second.user@okta.local", active: true })
    ).json().id;
    const created = await scim(okta, "POST", "/Groups", {
      schemas: [GROUP],
      displayName: "Test SCIMv2",
      members: [
        { value: userId, display: "test.user@okta.local" },
        { value: otherId, display: "second.user@okta.local" },
      ],
    });
    expect(created.statusCode).toBe(201);
    groupId = created.json().id;
    // Members added together are listed by userName.
    expect(created.json().members).toEqual([
      {
        value: otherId,
        $ref: `http://localhost:80/scim/v2/Users/${otherId}`,
        display: "second.user@okta.local",
        type: "User",
      },
      { value: userId, $ref: `http://localhost:80/scim/v2/Users/${userId}`, display: "Another User", type: "User" },
    ]);
    const renamed = await scim(okta, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { id: groupId, displayName: "Test SCIMv2 renamed" } }],
    });
    expect(renamed.json().displayName).toBe("Test SCIMv2 renamed");
    const removed = await scim(okta, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "remove", path: `members[value eq "${otherId}"]` }],
    });
    expect(removed.json().members.map((m: { value: string }) => m.value)).toEqual([userId]);
    const added = await scim(okta, "PATCH", `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "add", path: "members", value: [{ value: otherId, display: "second.user@okta.local" }] }],
    });
    expect(memberIds(added.json())).toEqual([userId, otherId].sort());
    const put = await scim(okta, "PUT", `/Groups/${groupId}`, {
      schemas: [GROUP],
      id: groupId,
      displayName: "Test SCIMv2 renamed",
      members: [{ value: otherId, display: "second.user@okta.local" }],
    });
    expect(put.json().members.map((m: { value: string }) => m.value)).toEqual([otherId]);
    const deleted = await server.request({ method: "DELETE", url: `/scim/v2/Groups/${groupId}`, token: okta.token });
    expect(deleted.statusCode).toBe(204);
    expect((await scim(okta, "GET", `/Groups/${groupId}`)).json()).toEqual({
      schemas: [ERROR],
      status: "404",
      detail: `Group '${groupId}' does not exist.`,
    });
  });
});

describe("lists", () => {
  it("pages with startIndex and count, and answers the total alone for count=0", async () => {
    const all = (await scim(okta, "GET", "/Users")).json();
    const page = (await scim(okta, "GET", "/Users?startIndex=2&count=1")).json();
    expect(page.totalResults).toBe(all.totalResults);
    expect(page.startIndex).toBe(2);
    expect(page.itemsPerPage).toBe(1);
    expect(page.Resources[0].id).toBe(all.Resources[1].id);
    const none = (await scim(okta, "GET", "/Users?count=0")).json();
    expect(none).toMatchObject({ totalResults: all.totalResults, itemsPerPage: 0, Resources: [] });
    const filtered = (await scim(okta, "GET", `/Users?filter=${q('userName ew "@okta.local"')}&count=1`)).json();
    expect(filtered.totalResults).toBe(2);
    expect(filtered.itemsPerPage).toBe(1);
  });

  it("ignores Entra ID's feature flag in the query and bounds startIndex and count", async () => {
    const flagged = await scim(
      entra,
      "GET",
      `/Users?aadOptscim062020&filter=${q('userName eq "test.user@okta.local"')}`,
    );
    expect(flagged.statusCode).toBe(200);
    expect(flagged.json().totalResults).toBe(1);
    const bounded = (await scim(okta, "GET", "/Users?startIndex=-4&count=5000")).json();
    expect(bounded.startIndex).toBe(1);
    const bad = await scim(okta, "GET", "/Users?count=ten");
    expect(bad.json()).toEqual({
      schemas: [ERROR],
      status: "400",
      scimType: "invalidValue",
      detail: "count must be an integer, not 'ten'.",
    });
  });

  it("returns only the requested attributes", async () => {
    const res = await scim(
      okta,
      "GET",
      `/Users?attributes=userName&filter=${q('userName eq "second.user@okta.local"')}`,
    );
    expect(Object.keys(res.json().Resources[0]).sort()).toEqual(["id", "schemas", "userName"]);
  });
});

describe("users already known from their signals", () => {
  it("fills the existing record instead of creating a second one, keeping its signals", async () => {
    const ids = await ensureUsers(server.services.db, ["Linus.Known@contoso.com"], clock.now());
    const knownId = ids.get("linus.known@contoso.com")!;
    const connector = await server.services.db.query<{ id: string }>("SELECT id FROM connectors LIMIT 1");
    await insertSignals(server.services.db, [
      { connectorId: connector.rows[0]!.id, userId: knownId, occurredAt: "2026-11-20T09:00:00Z", kind: "indicator" },
    ]);
    // Not yet in the directory: SCIM does not list it.
    const before = await scim(entra, "GET", `/Users?filter=${q('userName eq "linus.known@contoso.com"')}`);
    expect(before.json().totalResults).toBe(0);

    const res = await scim(entra, "POST", "/Users", {
      schemas: [USER],
      userName: "linus.known@CONTOSO.com",
      displayName: "Linus Known",
      active: true,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toBe(knownId);
    const { rows } = await server.services.db.query(
      `SELECT count(*)::int AS n, min(display_name) AS name,
              (SELECT count(*)::int FROM signals WHERE user_id = $1) AS signals
         FROM directory_users WHERE upn = 'linus.known@contoso.com'`,
      [knownId],
    );
    expect(rows[0]).toEqual({ n: 1, name: "Linus Known", signals: 1 });
    const audit = await server.services.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_entries WHERE target_id = $1 AND action = 'directory.user.create'",
      [knownId],
    );
    expect(audit.rows[0]?.details).toEqual({ source: "scim", linkedExistingUser: true, ip: "127.0.0.1" });
  });
});

describe("users brought by a CSV upload", () => {
  it("are found by the identity provider and keep their CSV manager through a PATCH", async () => {
    const imported = await server.request({
      method: "POST",
      url: "/api/directory/users/import",
      payload: "UPN,DisplayName,Manager\nboss@fabrikam.com,The Boss,\nworker@fabrikam.com,A Worker,boss@fabrikam.com\n",
      headers: { "content-type": "text/csv" },
    });
    expect(imported.json()).toMatchObject({ created: 2, rejected: 0 });
    const found = await scim(entra, "GET", `/Users?filter=${q('userName eq "worker@fabrikam.com"')}`);
    expect(found.json().totalResults).toBe(1);
    const worker = found.json().Resources[0];
    const bossId = (await scim(entra, "GET", `/Users?filter=${q('userName eq "boss@fabrikam.com"')}`)).json()
      .Resources[0].id;
    expect(worker[ENTERPRISE].manager.value).toBe(bossId);
    await scim(entra, "PATCH", `/Users/${worker.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "Replace", path: "displayName", value: "Worker Renamed" }],
    });
    const { rows } = await server.services.db.query(
      "SELECT display_name, manager_upn, source FROM directory_users WHERE id = $1",
      [worker.id],
    );
    expect(rows[0]).toEqual({ display_name: "Worker Renamed", manager_upn: "boss@fabrikam.com", source: "scim" });
  });
});
