import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, createConnector } from "../../test/protocol/setup.ts";
import { insertConnector, insertSignals, startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";
import { scoreAllUsers } from "./scoring.ts";

// The directory as the departing-user trigger: an account disabled or deleted in the directory
// brings its user into the departing-user policies while no live HR connector imports resignations.

const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));
let server: TestServer;
let sara: string;

const db = () => server.services.db;
const score = () => scoreAllUsers(withActor(server.services, SYSTEM_ACTOR));
const memberships = async () =>
  (
    await db().query<{ reason: string }>(
      "SELECT reason FROM policy_memberships WHERE user_id = $1 ORDER BY triggered_at",
      [sara],
    )
  ).rows.map((r) => r.reason);

async function post(url: string, payload: unknown) {
  const res = await server.request({ method: "POST", url, payload });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.body}`);
  return res.json();
}

beforeAll(async () => {
  server = await startTestServer({ clock });
  const detections = await insertConnector(db(), {
    name: "Detections",
    config: {
      columns: [
        { name: "UPN", type: "Text" },
        { name: "Alert_Count", type: "Number" },
        { name: "Aggregation_Date", type: "DateTime" },
      ],
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: null,
      sourceValues: [],
      mapping: { Default: ["Alert_Count"] },
    },
  });
  const indicator = (
    await post("/api/indicators", { name: "Exfiltration alerts", connectorId: detections, valueColumn: "Alert_Count" })
  ).id;
  await post("/api/policies", {
    name: "Departing users",
    template: "departing-users-data-theft",
    scope: { allUsers: true },
    indicators: [{ indicatorId: indicator, thresholds: { low: 3, medium: 8, high: 12 } }],
  });
  // The directory knows Sara; then it disables her account (a CSV import with AccountEnabled FALSE).
  for (const enabled of ["TRUE", "FALSE"]) {
    const res = await server.request({
      method: "POST",
      url: "/api/directory/users/import",
      payload: `UserPrincipalName,DisplayName,AccountEnabled\nsarad@contoso.com,Sara Davis,${enabled}\n`,
      headers: { "content-type": "text/csv" },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  sara = (await db().query<{ id: string }>("SELECT id FROM directory_users WHERE upn = 'sarad@contoso.com'")).rows[0]
    ?.id as string;
  await insertSignals(db(), [
    {
      connectorId: detections,
      userId: sara,
      occurredAt: "2026-11-20T09:00:00Z",
      attributes: { UPN: "sarad@contoso.com", Alert_Count: 14 },
    },
  ]);
});
afterAll(async () => server.close());

describe("directory departures as the departing-user trigger", () => {
  it("trigger the policy when no HR connector imports resignations, saying they came from the directory", async () => {
    // The import that disabled the account scored Sara at once: she is in the policy before any run.
    expect(await memberships()).toEqual([
      "Account disabled in the directory on 2026-11-21 (no HR connector imports resignations)",
    ]);
    const summary = await score();
    expect(summary.alertsCreated).toBe(1);
    expect(await memberships()).toEqual([
      "Account disabled in the directory on 2026-11-21 (no HR connector imports resignations)",
    ]);
    const { rows } = await db().query<{ explanation: any }>("SELECT explanation FROM alerts WHERE user_id = $1", [
      sara,
    ]);
    expect(rows[0]?.explanation.triggers).toEqual([
      {
        kind: "directory.account_disabled",
        event: "hrResignation",
        at: "2026-11-21T12:00:00.000000Z",
        signalId: expect.any(Number),
        reason: "Account disabled in the directory on 2026-11-21 (no HR connector imports resignations)",
      },
    ]);
  });

  it("an HR connector of other data types changes nothing; a live resignation connector takes over", async () => {
    const app = await createApp(server, "HR");
    await createConnector(server, {
      type: "hr",
      name: "HR reviews",
      appId: app.clientId,
      dataTypes: ["performance-review"],
    });
    await score();
    expect(await memberships()).toHaveLength(1);
    const resignations = await createConnector(server, {
      type: "hr",
      name: "HR resignations",
      appId: app.clientId,
      dataTypes: ["resignation", "job-level-change"],
      scenarioColumn: "HRScenario",
    });
    await score();
    expect(await memberships()).toEqual([]);
    // A disabled resignation connector is not live: the directory is the trigger again.
    const disabled = await server.request({ method: "POST", url: `/api/connectors/${resignations.id}/disable` });
    expect(disabled.statusCode).toBe(200);
    await score();
    expect(await memberships()).toEqual([
      "Account disabled in the directory on 2026-11-21 (no HR connector imports resignations)",
    ]);
  });
});
