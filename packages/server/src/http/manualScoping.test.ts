import { randomUUID } from "node:crypto";
import { ALIAS_PATTERN } from "@openirm/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertDirectoryUser, signInAs, startTestServer, TestClock, type TestServer } from "../../test/support.ts";

const clock = new TestClock(new Date("2026-03-10T08:00:00.000Z"));
const START = "/api/policies/scoring/start";
const REMOVE = "/api/policies/scoring/remove";
const HOUR = 3_600_000;
let server: TestServer;
let departing: string; // all users
let sales: string; // sara and bob only
let priority: string; // data leaks by priority users: members of Executives
let disabled: string;
let deleted: string;
let sara: string;
let bob: string;
let carl: string;
let eve: string; // member of Executives (viewers: Investigators)
let analyst: string; // policies.read, no identities.view, not a viewer
let investigator: string; // identities.view, a viewer of Executives
let adam: string; // Admins: policies.manage

const db = () => server.services.db;
const get = (url: string, token?: string) => server.request({ method: "GET", url, ...(token ? { token } : {}) });
const post = (url: string, payload: unknown, token?: string) =>
  server.request({ method: "POST", url, payload, ...(token ? { token } : {}) });

async function insertPolicy(name: string, template: string, scope: unknown, extra = ""): Promise<string> {
  const id = randomUUID();
  await db().query(
    `INSERT INTO policies (id, name, template, config${extra ? ", enabled, deleted_at" : ""})
     VALUES ($1, $2, $3, $4${extra})`,
    [id, name, template, { scope, triggers: { hrResignation: false, indicators: [] }, indicators: [] }],
  );
  return id;
}

async function entriesOf(userId: string) {
  const { rows } = await db().query<{ policy_id: string; reason: string; starts_at: string; ends_at: string }>(
    `SELECT policy_id, reason, to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS starts_at,
            to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ends_at
       FROM manual_scoping WHERE user_id = $1 ORDER BY created_at, policy_id`,
    [userId],
  );
  return rows;
}

async function membershipsOf(userId: string) {
  const { rows } = await db().query<{ policy_id: string; window_start: string }>(
    `SELECT policy_id, to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS window_start
       FROM policy_memberships WHERE user_id = $1 ORDER BY policy_id, window_start`,
    [userId],
  );
  return rows;
}

async function auditEntries(action: string) {
  const { rows } = await db().query<{ category: string; actor_name: string; details: Record<string, unknown> }>(
    "SELECT category, actor_name, details FROM audit_entries WHERE action = $1 ORDER BY id",
    [action],
  );
  return rows;
}

beforeAll(async () => {
  server = await startTestServer({ clock });
  sara = await insertDirectoryUser(db(), "sarad@contoso.com", "Sara Davis");
  bob = await insertDirectoryUser(db(), "bobk@contoso.com", "Bob Kelly");
  carl = await insertDirectoryUser(db(), "carl@contoso.com", "Carl Ito");
  eve = await insertDirectoryUser(db(), "eve@contoso.com", "Eve Moss");
  analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
  investigator = await signInAs(server, "ivan", ["InsiderRiskManagementInvestigators"]);
  adam = await signInAs(server, "adam", ["InsiderRiskManagementAdmins"]);
  const group = await post("/api/priority-user-groups", {
    name: "Executives",
    viewers: { roleGroups: ["InsiderRiskManagementInvestigators"] },
    members: ["eve@contoso.com"],
  });
  expect(group.statusCode, group.body).toBe(201);

  departing = await insertPolicy("Departing staff", "departing-users-data-theft", { allUsers: true });
  sales = await insertPolicy("Leavers in Sales", "departing-users-data-theft", {
    users: ["sarad@contoso.com", "bobk@contoso.com"],
  });
  priority = await insertPolicy("Executives data leaks", "data-leaks-priority-users", {
    users: [],
    priorityUserGroups: [group.json().id],
  });
  disabled = await insertPolicy("Paused", "data-leaks", { allUsers: true }, ", false, NULL");
  deleted = await insertPolicy("Gone", "data-leaks", { allUsers: true }, ", false, now()");
});
afterAll(async () => server.close());

describe("starting to score users", () => {
  it("scores typed users in a policy for the chosen days, with 90 days of look-back, and audits it", async () => {
    const res = await post(
      START,
      { policyIds: [departing], users: ["SaraD@contoso.com", "bobk@contoso.com"], days: 14, reason: "Case 42" },
      adam,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      policies: [{ id: departing, name: "Departing staff" }],
      started: 2,
      entries: 2,
      days: 14,
      reason: "Case 42",
      startsAt: "2026-03-10T08:00:00.000Z",
      endsAt: "2026-03-24T08:00:00.000Z",
      scoredFrom: "2025-12-10",
      rejected: 0,
      errors: [],
      warnings: [],
    });
    // Admins do not see identities: the users come back as aliases.
    for (const user of res.json().users) {
      expect(user.alias).toMatch(ALIAS_PATTERN);
      expect(user.upn).toBeUndefined();
    }
    expect(await entriesOf(sara)).toEqual([
      { policy_id: departing, reason: "Case 42", starts_at: "2026-03-10T08:00:00Z", ends_at: "2026-03-24T08:00:00Z" },
    ]);
    // The users were rescored at once: the scorer put them in the policy with the manual window.
    expect(await membershipsOf(sara)).toEqual([{ policy_id: departing, window_start: "2025-12-10" }]);
    const [entry] = await auditEntries("scoping.start");
    expect(entry).toMatchObject({
      category: "Policies",
      actor_name: "adam",
      details: { policyIds: [departing], userCount: 2, days: 14, reason: "Case 42" },
    });
    expect(((entry?.details.userIds ?? []) as string[]).sort()).toEqual([sara, bob].sort());
  });

  it("reads a CSV: unknown users and users out of a policy's scope are reported by line, the others kept", async () => {
    clock.advance(HOUR);
    const csv = "User Principal Name\r\ncarl@contoso.com\nghost@contoso.com\nsarad@contoso.com\nnot a upn\n";
    const res = await post(START, { policyIds: [departing, sales], csv, days: 30, reason: "Tip from HR" });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ started: 2, entries: 3, rejected: 3 });
    // The administrator sees names.
    expect(body.users.map((u: { upn: string }) => u.upn).sort()).toEqual(["carl@contoso.com", "sarad@contoso.com"]);
    expect(body.errors.map((e: { message: string }) => e.message)).toEqual([
      "line 2: user 'carl@contoso.com' is not in the scope of policy 'Leavers in Sales' and was not added to it; add the user to the policy's scope (users or groups) first.",
      "line 3: user 'ghost@contoso.com' is not in the directory; check the spelling, or bring the user into the directory first (CSV import or SCIM provisioning).",
      "line 5: User Principal Name: 'not a upn' is not a user principal name (name@domain).",
    ]);
    expect(body.errors[0]).toMatchObject({ line: 2, column: "User Principal Name", policyId: sales });
    expect((await entriesOf(carl)).map((e) => e.policy_id)).toEqual([departing]);
    // Sara's earlier 14-day entry stays: the scorer takes the union of both windows.
    expect((await entriesOf(sara)).map((e) => `${e.policy_id} ${e.ends_at}`).sort()).toEqual(
      [
        `${departing} 2026-03-24T08:00:00Z`,
        `${departing} 2026-04-09T09:00:00Z`,
        `${sales} 2026-04-09T09:00:00Z`,
      ].sort(),
    );
    const { rows } = await db().query<{ n: number }>(
      "SELECT count(*)::int AS n FROM directory_users WHERE upn = 'ghost@contoso.com'",
    );
    expect(rows[0]?.n).toBe(0);
  });

  it("scores only members of the policy's priority user groups in a priority-users policy", async () => {
    const res = await post(START, {
      policyIds: [priority],
      users: ["eve@contoso.com", "bobk@contoso.com"],
      days: 5,
      reason: "Board request",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ started: 1, rejected: 1 });
    expect(res.json().errors[0].message).toBe(
      "users[1]: user 'bobk@contoso.com' is not a member of the priority user groups of policy 'Executives data leaks' (Data leaks by priority users policies score only their members) and was not added to it; add the user to one of the policy's priority user groups first.",
    );
    expect((await entriesOf(eve)).map((e) => e.policy_id)).toEqual([priority]);
  });

  it("refuses 4 and 31 days, a missing reason and 1,001 users, naming the field", async () => {
    const base = { policyIds: [departing], users: ["bobk@contoso.com"], days: 10, reason: "r" };
    for (const days of [4, 31]) {
      const res = await post(START, { ...base, days });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toBe(
        `days: ${days} is out of range; manual scoring lasts a whole number of days from 5 to 30.`,
      );
      expect(res.json().details).toEqual({ column: "days" });
    }
    const { reason: _, ...withoutReason } = base;
    const noReason = await post(START, withoutReason);
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().detail).toBe(
      "reason: give the reason for scoring these users (it is shown on their timelines and in their alerts' explanations), 1 to 500 characters.",
    );
    const users = Array.from({ length: 1001 }, (_, i) => `user${i}@contoso.com`);
    const tooMany = await post(START, { ...base, users });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().detail).toBe(
      "users: the request names 1,001 users; at most 1,000 can be changed in one request. Split the list into several requests.",
    );
    const csv = await post(START, { ...base, users: undefined, csv: "name\nBob\n" });
    expect(csv.statusCode).toBe(400);
    expect(csv.json().details).toMatchObject({ column: "user principal name" });
  });

  it("refuses a turned-off, a deleted and an unknown policy", async () => {
    const base = { users: ["bobk@contoso.com"], days: 10, reason: "r" };
    const off = await post(START, { ...base, policyIds: [departing, disabled] });
    expect(off.statusCode).toBe(400);
    expect(off.json().detail).toBe(
      `policyIds[1]: policy 'Paused' is turned off; turn it on (PATCH /api/policies/${disabled} {"enabled": true}) before scoring users in it.`,
    );
    const gone = await post(START, { ...base, policyIds: [deleted] });
    expect(gone.statusCode).toBe(400);
    expect(gone.json().detail).toBe(
      "policyIds[0]: policy 'Gone' was deleted; users can only be scored in live policies.",
    );
    const unknown = randomUUID();
    const missing = await post(START, { ...base, policyIds: [unknown] });
    expect(missing.json().detail).toBe(`policyIds[0]: there is no policy '${unknown}' (GET /api/policies lists them).`);
    // Nothing was written for Bob by the refused requests.
    expect(await entriesOf(bob)).toHaveLength(1);
  });

  it("is refused to a role without policies.manage", async () => {
    const res = await post(
      START,
      { policyIds: [departing], users: ["bobk@contoso.com"], days: 5, reason: "r" },
      analyst,
    );
    expect(res.statusCode).toBe(403);
    expect((await post(REMOVE, { users: ["bobk@contoso.com"] }, investigator)).statusCode).toBe(403);
  });
});

describe("listing a policy's manually scored users", () => {
  it("pseudonymises users for a caller without identities.view and hides priority group members from non-viewers", async () => {
    const forAnalyst = await get(`/api/policies/${departing}/scoring`, analyst);
    expect(forAnalyst.statusCode, forAnalyst.body).toBe(200);
    const items = forAnalyst.json().items;
    expect(forAnalyst.json().total).toBe(4);
    expect(items.map((i: { user: { id: string } }) => i.user.id).sort()).toEqual([sara, sara, bob, carl].sort());
    for (const item of items) {
      expect(item.user.upn).toBeUndefined();
      expect(item.user.alias).toMatch(ALIAS_PATTERN);
      expect(item).toMatchObject({ status: "active", endedBy: null, createdBy: expect.any(String) });
    }
    expect(items[0]).toMatchObject({ reason: "Tip from HR", createdBy: "admin", scoredFrom: "2025-12-10" });

    // Eve is a member of Executives: the analyst does not see her entry, nor count it.
    const hidden = await get(`/api/policies/${priority}/scoring`, analyst);
    expect(hidden.json()).toMatchObject({ items: [], total: 0 });
    const shown = await get(`/api/policies/${priority}/scoring`, investigator);
    expect(shown.json().total).toBe(1);
    expect(shown.json().items[0].user).toMatchObject({ id: eve, upn: "eve@contoso.com", displayName: "Eve Moss" });
    // The administrator (every permission) is not a viewer of the group either.
    expect((await get(`/api/policies/${priority}/scoring`)).json().total).toBe(0);

    expect((await get(`/api/policies/${deleted}/scoring`)).statusCode).toBe(404);
    expect((await get(`/api/policies/${departing}/scoring?pageSize=0`)).json().detail).toBe(
      "pageSize: '0' is not allowed; use a whole number from 1 to 500.",
    );
  });
});

describe("removing users from scoring", () => {
  it("ends their running manual entries in every policy, lists the removal and audits it", async () => {
    clock.advance(3 * HOUR);
    const removedAt = clock.now().toISOString();
    const res = await post(
      REMOVE,
      { csv: "user principal name\nsarad@contoso.com\nnobody@contoso.com\n", reason: "Investigation closed" },
      adam,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ removed: 1, removedAt, reason: "Investigation closed", rejected: 1 });
    expect(res.json().errors[0].message).toMatch(/^line 3: user 'nobody@contoso.com' is not in the directory/);
    expect((await entriesOf(sara)).map((e) => e.ends_at)).toEqual([
      "2026-03-10T12:00:00Z",
      "2026-03-10T12:00:00Z",
      "2026-03-10T12:00:00Z",
    ]);
    expect(await membershipsOf(sara)).toEqual([]);
    // Bob's entry runs on.
    expect((await entriesOf(bob)).map((e) => e.ends_at)).toEqual(["2026-03-24T08:00:00Z"]);

    const list = (await get(`/api/policies/${departing}/scoring`, investigator)).json().items as Array<{
      user: { upn: string };
      status: string;
      endedBy: string | null;
    }>;
    expect(list.filter((i) => i.user.upn === "sarad@contoso.com").map((i) => [i.status, i.endedBy])).toEqual([
      ["ended", "removal"],
      ["ended", "removal"],
    ]);
    expect(list.find((i) => i.user.upn === "bobk@contoso.com")).toMatchObject({ status: "active" });

    const removals = await get("/api/scoring/removals", analyst);
    expect(removals.statusCode).toBe(200);
    expect(removals.json()).toMatchObject({ total: 1 });
    expect(removals.json().items[0]).toMatchObject({
      user: { id: sara },
      removedAt: "2026-03-10T12:00:00Z",
      reason: "Investigation closed",
      removedBy: "adam",
    });
    expect(removals.json().items[0].user.upn).toBeUndefined();

    const [entry] = await auditEntries("scoping.remove");
    expect(entry).toMatchObject({
      category: "Policies",
      details: { userCount: 1, manualEntriesEnded: 3, reason: "Investigation closed", userIds: [sara] },
    });
  });

  it("takes a new manual start after the removal, and hides a removed priority group member from non-viewers", async () => {
    clock.advance(HOUR);
    const again = await post(START, {
      policyIds: [departing],
      users: ["sarad@contoso.com"],
      days: 5,
      reason: "Reopened: SaraD@contoso.com shared files again",
    });
    expect(again.json()).toMatchObject({ started: 1 });
    const list = (await get(`/api/policies/${departing}/scoring`, investigator)).json().items;
    expect(list[0]).toMatchObject({
      reason: "Reopened: SaraD@contoso.com shared files again",
      status: "active",
      user: { id: sara },
    });
    // A UPN written in the reason is replaced by the alias for a caller who sees aliases.
    const forAnalyst = (await get(`/api/policies/${departing}/scoring`, analyst)).json().items[0];
    expect(forAnalyst.reason).toBe(`Reopened: ${forAnalyst.user.alias} shared files again`);

    expect((await post(REMOVE, { users: ["eve@contoso.com"] })).json()).toMatchObject({ removed: 1, reason: null });
    expect((await get("/api/scoring/removals", analyst)).json().total).toBe(1);
    expect((await get("/api/scoring/removals", investigator)).json().total).toBe(2);
  });
});
