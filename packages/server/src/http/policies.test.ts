import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertConnector,
  insertDirectoryUser,
  signInAs,
  startTestServer,
  type TestServer,
} from "../../test/support.ts";

let server: TestServer;
let salesforce: string;
let leaver: string;

beforeAll(async () => {
  server = await startTestServer();
  const db = server.services.db;
  const connector = await insertConnector(db, {
    name: "Detections",
    config: {
      columns: [
        { name: "UPN", type: "Text" },
        { name: "Alert_Count", type: "Number" },
        { name: "Source_Workload", type: "Text" },
      ],
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: "Source_Workload",
      sourceValues: ["Salesforce", "Prediction"],
      mapping: { Salesforce: ["Alert_Count"], Prediction: [] },
    },
  });
  const create = async (body: Record<string, unknown>) =>
    (
      await server.request({ method: "POST", url: "/api/indicators", payload: { connectorId: connector, ...body } })
    ).json().id as string;
  salesforce = await create({ name: "Salesforce alerts", sourceValue: "Salesforce", valueColumn: "Alert_Count" });
  leaver = await create({ name: "Leaver prediction", sourceValue: "Prediction" });
  for (const upn of ["sarad@contoso.com", "bradh@contoso.com", "pilarp@contoso.com"])
    await insertDirectoryUser(db, upn);
});
afterAll(async () => server.close());

const policy = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  template: "departing-users-data-theft",
  scope: { allUsers: true },
  indicators: [{ indicatorId: salesforce, thresholds: { low: 5, medium: 10, high: 20 } }],
  ...extra,
});
const post = (payload: unknown) => server.request({ method: "POST", url: "/api/policies", payload });

describe("policies", () => {
  let id: string;

  it("creates a policy from the departing users template and reads it back with its counts", async () => {
    const res = await post(
      policy("Departing sales staff", {
        description: "Sales leavers",
        scope: { users: ["SaraD@contoso.com", "bradh@contoso.com"] },
        triggers: { hrResignation: true, indicators: [{ indicatorId: leaver }] },
      }),
    );
    expect(res.statusCode).toBe(201);
    id = res.json().id;
    const read = await server.request({ method: "GET", url: `/api/policies/${id}` });
    expect(read.json()).toMatchObject({
      id,
      name: "Departing sales staff",
      template: "departing-users-data-theft",
      templateName: "Data theft by departing users",
      description: "Sales leavers",
      enabled: true,
      scope: { users: ["sarad@contoso.com", "bradh@contoso.com"] },
      triggers: {
        hrResignation: true,
        indicators: [{ indicatorId: leaver, name: "Leaver prediction", threshold: null }],
      },
      indicators: [
        { indicatorId: salesforce, name: "Salesforce alerts", thresholds: { low: 5, medium: 10, high: 20 } },
      ],
      usersInScope: 2,
      activeAlerts: 0,
    });
    const list = await server.request({ method: "GET", url: "/api/policies" });
    expect(list.json().items).toHaveLength(1);
    const audit = await server.services.db.query("SELECT 1 FROM audit_entries WHERE action = 'policy.create'");
    expect(audit.rows).toHaveLength(1);
  });

  it("counts every directory user for an all-users scope", async () => {
    const res = await post(policy("Everyone leaving"));
    expect(res.json().usersInScope).toBe(3);
  });

  it("rejects bad thresholds, naming the indicator and what to change", async () => {
    const res = await post(
      policy("Bad", { indicators: [{ indicatorId: salesforce, thresholds: { low: 10, medium: 8, high: 20 } }] }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(
      "indicators[0]: thresholds of 'Salesforce alerts' must increase (low < medium < high): medium 8 is not above low 10; raise medium above 10 or lower low.",
    );
    expect(res.json().details.column).toBe("indicators[0].thresholds.medium");
    const missing = await post(policy("Bad", { indicators: [{ indicatorId: salesforce }] }));
    expect(missing.json().detail).toMatch(/^indicators\[0\]: indicator 'Salesforce alerts' needs thresholds/);
  });

  it("keeps a trigger-only indicator out of scoring and requires one trigger", async () => {
    const asScoring = await post(
      policy("Bad", { indicators: [{ indicatorId: leaver, thresholds: { low: 1, medium: 2, high: 3 } }] }),
    );
    expect(asScoring.statusCode).toBe(400);
    expect(asScoring.json().detail).toBe(
      "indicators[0]: indicator 'Leaver prediction' is trigger-only (no value column), so it cannot score activity; use it under triggers.indicators instead.",
    );
    const noTrigger = await post(policy("Bad", { triggers: { hrResignation: false, indicators: [] } }));
    expect(noTrigger.statusCode).toBe(400);
    expect(noTrigger.json().detail).toBe(
      "A policy needs at least one trigger: keep triggers.hrResignation true or add an indicator under triggers.indicators.",
    );
  });

  it("only lets enabled indicators be selected", async () => {
    await server.services.db.query("UPDATE indicators SET enabled = false WHERE id = $1", [leaver]);
    const res = await post(policy("Bad", { triggers: { indicators: [{ indicatorId: leaver }] } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(
      "triggers.indicators[0].indicatorId: indicator 'Leaver prediction' is turned off; turn it on before selecting it.",
    );
    await server.services.db.query("UPDATE indicators SET enabled = true WHERE id = $1", [leaver]);
  });

  it("refuses duplicate names, renames and template changes; changes the rest, audited", async () => {
    const dup = await post(policy("departing SALES staff"));
    expect(dup.statusCode).toBe(409);
    expect(dup.json().detail).toBe("A policy named 'Departing sales staff' already exists; choose another name.");
    const rename = await server.request({ method: "PATCH", url: `/api/policies/${id}`, payload: { name: "New" } });
    expect(rename.statusCode).toBe(400);
    expect(rename.json().detail).toBe(
      "A policy's name cannot be changed after it is created; create a new policy with the new name instead.",
    );
    const template = await server.request({
      method: "PATCH",
      url: `/api/policies/${id}`,
      payload: { template: "data-leaks" },
    });
    expect(template.statusCode).toBe(400);
    expect(template.json().detail).toBe(
      "A policy's template cannot be changed after it is created; create a new policy from the other template instead.",
    );
    const res = await server.request({
      method: "PATCH",
      url: `/api/policies/${id}`,
      payload: { enabled: false, scope: { allUsers: true } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ enabled: false, scope: { allUsers: true }, usersInScope: 3 });
    const audit = await server.services.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_entries WHERE action = 'policy.update' AND target_id = $1",
      [id],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.details).toMatchObject({
      changed: ["enabled", "scope"],
      previous: { enabled: true, scope: { users: ["sarad@contoso.com", "bradh@contoso.com"] } },
      next: { enabled: false, scope: { allUsers: true } },
    });
  });

  it("allows five policies per template; the sixth gets 409 naming the limit", async () => {
    for (const name of ["Third", "Fourth", "Fifth"]) expect((await post(policy(name))).statusCode).toBe(201);
    const sixth = await post(policy("Sixth"));
    expect(sixth.statusCode).toBe(409);
    expect(sixth.json().detail).toBe(
      "The Data theft by departing users template allows at most 5 policies and 5 exist; delete one before creating another.",
    );
  });

  it("deletes a policy but keeps its alerts; its name and slot become free", async () => {
    const userId = (await server.services.db.query<{ id: string }>("SELECT id FROM directory_users LIMIT 1")).rows[0]!
      .id;
    await server.services.db.query(
      `INSERT INTO alerts (id, policy_id, user_id, status, severity, score, version, explanation, time_detected, updated_at)
       VALUES (gen_random_uuid(), $1, $2, 'NeedsReview', 'Low', 20, 1, '{}', now(), now())`,
      [id, userId],
    );
    const res = await server.request({ method: "DELETE", url: `/api/policies/${id}` });
    expect(res.statusCode).toBe(204);
    expect((await server.request({ method: "GET", url: `/api/policies/${id}` })).statusCode).toBe(404);
    const alerts = await server.services.db.query("SELECT 1 FROM alerts WHERE policy_id = $1", [id]);
    expect(alerts.rows).toHaveLength(1);
    const audit = await server.services.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_entries WHERE action = 'policy.delete'",
    );
    expect(audit.rows[0]!.details).toMatchObject({ name: "Departing sales staff", activeAlerts: 1 });
    expect((await post(policy("Departing sales staff"))).statusCode).toBe(201);
  });

  it("lets Analysts read policies but not change them, with aliases instead of the UPNs a scope lists", async () => {
    const analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
    const list = (await server.request({ method: "GET", url: "/api/policies" })).json().items;
    const third = list.find((p: { name: string }) => p.name === "Third");
    const patched = await server.request({
      method: "PATCH",
      url: `/api/policies/${third.id}`,
      payload: { scope: { users: ["sarad@contoso.com", "notyetseen@contoso.com"] } },
    });
    expect(patched.json().scope).toEqual({ users: ["sarad@contoso.com", "notyetseen@contoso.com"] });
    const asAnalyst = await server.request({ method: "GET", url: `/api/policies/${third.id}`, token: analyst });
    expect(asAnalyst.statusCode).toBe(200);
    expect(asAnalyst.body).not.toContain("@contoso.com");
    expect(asAnalyst.json().scope).toEqual({
      users: [expect.stringMatching(/^Anon-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/)],
    });
    expect(asAnalyst.json().usersInScope).toBe(2);
    const listed = await server.request({ method: "GET", url: "/api/policies", token: analyst });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain("@contoso.com");
    const res = await server.request({ method: "POST", url: "/api/policies", payload: policy("X"), token: analyst });
    expect(res.statusCode).toBe(403);
  });
});
