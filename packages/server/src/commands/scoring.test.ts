import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertConnector,
  insertDetectionsConnector,
  insertDirectoryUser,
  insertSignals,
  startTestServer,
  TestClock,
  type TestServer,
} from "../../test/support.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";

// The worked example of docs/scoring.md, end to end: signals in the database, a scoring run,
// the alert it produces, and what later runs do to it.

const clock = new TestClock(new Date("2023-06-01T08:00:00.000Z"));
let server: TestServer;
let detections: string;
let leaverModel: string;
let hrFeed: string;
let sara: string;
let brad: string;
let pilar: string;
let departing: string;

const db = () => server.services.db;

const detection = (userId: string, upn: string, at: string, workload: string, count: number) => ({
  connectorId: detections,
  userId,
  occurredAt: at,
  sourceValue: workload,
  attributes: { UPN: upn, Display_Name: `${workload} - activity`, Alert_Count: count, Source_Workload: workload },
});

async function post(url: string, payload: unknown) {
  const res = await server.request({ method: "POST", url, payload });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.body}`);
  return res.json();
}

async function alertsOf(userId: string) {
  return (
    await db().query<{
      id: string;
      policy_id: string;
      status: string;
      score: number;
      severity: string;
      version: number;
      time_detected: string;
      updated_at: string;
      explanation: any;
    }>(
      "SELECT id, policy_id, status, score, severity, version, time_detected, updated_at, explanation FROM alerts WHERE user_id = $1 ORDER BY time_detected",
      [userId],
    )
  ).rows;
}

const versionsOf = async (alertId: string) =>
  (
    await db().query<{ version: number; score: number }>(
      "SELECT version, score FROM alert_versions WHERE alert_id = $1 ORDER BY version",
      [alertId],
    )
  ).rows;

beforeAll(async () => {
  server = await startTestServer({ clock });
  detections = await insertDetectionsConnector(db());
  leaverModel = await insertConnector(db(), {
    name: "Leaver model",
    config: {
      columns: [
        { name: "UPN", type: "Text" },
        { name: "PredictionScore", type: "Number" },
      ],
      userColumn: "UPN",
      timeColumn: "PredictionTime",
      sourceColumn: null,
      sourceValues: [],
      mapping: { Default: ["PredictionScore"] },
    },
  });
  hrFeed = await insertConnector(db(), { name: "HR", type: "hr", config: { columns: [] } });
  const salesforce = (
    await post("/api/indicators", {
      name: "Salesforce alerts",
      connectorId: detections,
      sourceValue: "Salesforce",
      valueColumn: "Alert_Count",
    })
  ).id;
  const dropbox = (
    await post("/api/indicators", {
      name: "Dropbox alerts",
      connectorId: detections,
      sourceValue: "Dropbox",
      valueColumn: "Alert_Count",
    })
  ).id;
  const leaver = (await post("/api/indicators", { name: "Leaver prediction", connectorId: leaverModel })).id;
  departing = (
    await post("/api/policies", {
      name: "Departing sales staff",
      template: "departing-users-data-theft",
      scope: { allUsers: true },
      triggers: { hrResignation: true, indicators: [{ indicatorId: leaver }] },
      indicators: [
        { indicatorId: salesforce, thresholds: { low: 5, medium: 10, high: 20 } },
        { indicatorId: dropbox, thresholds: { low: 3, medium: 8, high: 12 } },
      ],
    })
  ).id;
  await post("/api/policies", {
    name: "Named leavers",
    template: "departing-users-data-theft",
    scope: { users: ["pilarp@contoso.com"] },
    indicators: [{ indicatorId: salesforce, thresholds: { low: 5, medium: 10, high: 20 } }],
  });

  sara = await insertDirectoryUser(db(), "sarad@contoso.com", "Sara Davis");
  brad = await insertDirectoryUser(db(), "bradh@contoso.com", "Brad Hughes");
  pilar = await insertDirectoryUser(db(), "pilarp@contoso.com", "Pilar Pinilla");
  await insertSignals(db(), [
    {
      connectorId: hrFeed,
      userId: sara,
      occurredAt: "2023-04-23T09:48:02.467504Z",
      kind: "hr.resignation",
      attributes: { ResignationDate: "2023-04-23T09:48:02.467504Z", LastWorkingDate: "2023-04-29T09:48:02.467504Z" },
    },
    detection(sara, "sarad@contoso.com", "2022-12-01T10:00:00Z", "Salesforce", 30), // outside the window
    detection(sara, "sarad@contoso.com", "2023-04-24T05:52:56.962686Z", "Salesforce", 10),
    detection(sara, "sarad@contoso.com", "2023-04-24T07:12:00.000001Z", "Salesforce", 6),
    detection(sara, "sarad@contoso.com", "2023-04-24T05:52:56.962686Z", "Dropbox", 14),
    detection(sara, "sarad@contoso.com", "2023-04-25T11:00:00Z", "Salesforce", 7),
    detection(sara, "sarad@contoso.com", "2023-04-26T11:00:00Z", "Dropbox", 2), // below low
    // Brad has plenty of activity but no trigger: he is not scored.
    detection(brad, "bradh@contoso.com", "2023-04-24T05:52:56.962686Z", "Salesforce", 50),
    // Pilar has no resignation; the trigger-only leaver prediction brings her in.
    {
      connectorId: leaverModel,
      userId: pilar,
      occurredAt: "2023-05-10T05:52:56.962686Z",
      attributes: { UPN: "pilarp@contoso.com", PredictionScore: 6 },
    },
    detection(pilar, "pilarp@contoso.com", "2023-05-12T09:00:00Z", "Salesforce", 25),
  ]);
});
afterAll(async () => server.close());

describe("scoring a departing user (docs/scoring.md worked example)", () => {
  let alertId: string;

  it("raises exactly one alert of 78.09 High for the resigning user, with its explanation", async () => {
    const run = await post("/api/scoring/run", {});
    expect(run).toEqual({
      usersScored: 3,
      alertsCreated: 2,
      alertsUpdated: 0,
      alertsHeldBack: 0,
      durationMs: expect.any(Number),
    });

    const alerts = await alertsOf(sara);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    alertId = alert!.id;
    expect(alert).toMatchObject({
      policy_id: departing,
      status: "NeedsReview",
      score: 78.09,
      severity: "High",
      version: 1,
      time_detected: "2023-06-01 08:00:00+00",
    });
    const e = alert!.explanation;
    expect(e.modelVersion).toBe("openirm-scoring/2");
    expect(e.triggers).toEqual([
      {
        kind: "hr.resignation",
        event: "hrResignation",
        at: "2023-04-23T09:48:02.467504Z",
        signalId: expect.any(Number),
        reason: "HR resignation dated 2023-04-23",
      },
    ]);
    expect(e.windows).toEqual([{ start: "2023-01-23T00:00:00.000000Z", end: "2023-05-24T00:00:00.000000Z" }]);
    expect(e.insights.map((i: any) => [i.indicator, i.day, i.value, i.score, i.severity, i.contribution])).toEqual([
      ["Dropbox alerts", "2023-04-24", 14, 71.71, "High", 71.71],
      ["Salesforce alerts", "2023-04-24", 16, 53.8, "Medium", 5.38],
      ["Salesforce alerts", "2023-04-25", 7, 22.6, "Low", 1],
    ]);
    expect(await versionsOf(alertId)).toEqual([{ version: 1, score: 78.09 }]);
  });

  it("stores the membership and only the in-window insights", async () => {
    const memberships = await db().query<{ reason: string; window_start: string; window_end: string }>(
      "SELECT reason, window_start, window_end FROM policy_memberships WHERE user_id = $1",
      [sara],
    );
    expect(memberships.rows).toEqual([
      {
        reason: "HR resignation dated 2023-04-23",
        window_start: "2023-01-23 00:00:00+00",
        window_end: "2023-05-24 00:00:00+00",
      },
    ]);
    const insights = await db().query<{ day: string; value: number }>(
      "SELECT day, value FROM insights WHERE user_id = $1 ORDER BY day, value",
      [sara],
    );
    expect(insights.rows).toEqual([
      { day: "2023-04-24", value: 14 },
      { day: "2023-04-24", value: 16 },
      { day: "2023-04-25", value: 7 },
    ]);
  });

  it("gives nothing to a user without a trigger or outside a policy's scope", async () => {
    expect(await alertsOf(brad)).toEqual([]);
    const bradMemberships = await db().query("SELECT 1 FROM policy_memberships WHERE user_id = $1", [brad]);
    expect(bradMemberships.rows).toHaveLength(0);
    // Sara resigned, but "Named leavers" only includes Pilar; Pilar has no resignation for it.
    const named = await db().query<{ user_id: string }>(
      "SELECT a.user_id FROM alerts a JOIN policies p ON p.id = a.policy_id WHERE p.name = 'Named leavers'",
    );
    expect(named.rows).toEqual([]);
  });

  it("brings a user in through a trigger-only indicator", async () => {
    const [alert] = await alertsOf(pilar);
    // Salesforce 25 against high 20: 67 + 33 · (1 − 20/25) = 73.6.
    expect(alert).toMatchObject({ policy_id: departing, score: 73.6, severity: "High" });
    expect(alert!.explanation.triggers).toEqual([
      expect.objectContaining({
        kind: "indicator",
        at: "2023-05-10T05:52:56.962686Z",
        reason: "Indicator 'Leaver prediction' had activity on 2023-05-10",
      }),
    ]);
  });

  it("does not version or duplicate anything when the same evidence is scored again", async () => {
    clock.advance(3600_000);
    const run = await post("/api/scoring/run", {});
    expect(run).toMatchObject({ usersScored: 3, alertsCreated: 0, alertsUpdated: 0 });
    const [alert] = await alertsOf(sara);
    expect(alert).toMatchObject({ id: alertId, version: 1, updated_at: "2023-06-01 08:00:00+00" });
    expect(await versionsOf(alertId)).toHaveLength(1);
    const audit = await db().query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_entries WHERE action = 'scoring.run' ORDER BY id",
    );
    expect(audit.rows.map((r) => r.details.alertsCreated)).toEqual([2, 0]);
  });

  it("updates the same alert with a new version when an upload adds evidence", async () => {
    expect(server.services.hooks.afterSignalsStored.length).toBeGreaterThan(0);
    clock.advance(3600_000);
    await insertSignals(db(), [detection(sara, "sarad@contoso.com", "2023-04-27T10:00:00Z", "Dropbox", 4)]);
    const ctx = withActor(server.services, SYSTEM_ACTOR);
    for (const hook of server.services.hooks.afterSignalsStored) await hook(ctx, { runId: "run-1", userIds: [sara] });

    const alerts = await alertsOf(sara);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      id: alertId,
      score: 78.6,
      severity: "High",
      version: 2,
      time_detected: "2023-06-01 08:00:00+00",
      updated_at: "2023-06-01 10:00:00+00",
    });
    expect(alerts[0]!.explanation.insights.at(-1)).toMatchObject({
      day: "2023-04-27",
      score: 18.8,
      contribution: 0.51,
    });
    expect(await versionsOf(alertId)).toEqual([
      { version: 1, score: 78.09 },
      { version: 2, score: 78.6 },
    ]);
  });

  it("after a dismissal, raises a new alert only for new evidence", async () => {
    await db().query("UPDATE alerts SET status = 'Dismissed' WHERE id = $1", [alertId]);
    expect(await post("/api/scoring/run", {})).toMatchObject({ alertsCreated: 0, alertsUpdated: 0 });
    expect(await alertsOf(sara)).toHaveLength(1);

    clock.advance(3600_000);
    await insertSignals(db(), [detection(sara, "sarad@contoso.com", "2023-05-02T10:00:00Z", "Salesforce", 12)]);
    expect(await post("/api/scoring/run", {})).toMatchObject({ alertsCreated: 1, alertsUpdated: 0 });
    const alerts = await alertsOf(sara);
    expect(alerts.map((a) => [a.status, a.version])).toEqual([
      ["Dismissed", 2],
      ["NeedsReview", 1],
    ]);
    expect(alerts[1]!.explanation.insights.map((i: any) => [i.day, i.score])).toEqual([["2023-05-02", 40.6]]);
    expect(alerts[1]!.score).toBe(40.6);
    expect(alerts[1]!.severity).toBe("Medium");
  });
});
