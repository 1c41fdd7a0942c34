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

const clock = new TestClock(new Date("2023-06-01T08:00:00.000Z"));
let server: TestServer;
let policyId: string;
let otherPolicyId: string;
let sara: string;
let scoredAlertId: string;
let analyst: string;
let investigator: string;

const db = () => server.services.db;
const get = (url: string, token?: string) => server.request({ method: "GET", url, ...(token ? { token } : {}) });

beforeAll(async () => {
  server = await startTestServer({ clock });
  const detections = await insertConnector(db(), {
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
      sourceValues: ["Salesforce"],
      mapping: { Salesforce: ["Alert_Count"] },
    },
  });
  const hr = await insertConnector(db(), { name: "HR", type: "hr", config: { columns: [] } });
  const indicator = (
    await server.request({
      method: "POST",
      url: "/api/indicators",
      payload: {
        name: "Salesforce alerts",
        connectorId: detections,
        sourceValue: "Salesforce",
        valueColumn: "Alert_Count",
      },
    })
  ).json().id;
  const policy = (name: string) =>
    server.request({
      method: "POST",
      url: "/api/policies",
      payload: {
        name,
        template: "departing-users-data-theft",
        scope: { allUsers: true },
        indicators: [{ indicatorId: indicator, thresholds: { low: 5, medium: 10, high: 20 } }],
      },
    });
  policyId = (await policy("Departing sales staff")).json().id;
  otherPolicyId = (await policy("Departing engineers")).json().id;
  // Only the first policy scores; the second exists for the policy filter.
  await server.request({ method: "PATCH", url: `/api/policies/${otherPolicyId}`, payload: { enabled: false } });

  sara = await insertDirectoryUser(db(), "sarad@contoso.com", "Sara Davis");
  await insertSignals(db(), [
    { connectorId: hr, userId: sara, occurredAt: "2023-04-23T09:48:02.467504Z", kind: "hr.resignation" },
    {
      connectorId: detections,
      userId: sara,
      occurredAt: "2023-04-24T05:52:56.962686Z",
      sourceValue: "Salesforce",
      attributes: {
        UPN: "SaraD@contoso.com",
        Alert_Count: 10,
        Note: "sent by sarad@contoso.com to a personal address",
      },
    },
    {
      connectorId: detections,
      userId: sara,
      occurredAt: "2023-04-24T06:00:00Z",
      sourceValue: "Salesforce",
      attributes: { UPN: "SaraD@contoso.com", Alert_Count: 6 },
    },
  ]);
  await server.request({ method: "POST", url: "/api/scoring/run", payload: {} });
  scoredAlertId = (await db().query<{ id: string }>("SELECT id FROM alerts")).rows[0]!.id;

  // Queue fixtures: alerts of other users across statuses, severities, policies and days.
  const rows: Array<[string, string, string, string, string]> = [
    // upn, policy, status, severity, time detected
    ["u1@contoso.com", policyId, "NeedsReview", "High", "2023-05-01T10:00:00Z"],
    ["u2@contoso.com", policyId, "Confirmed", "Medium", "2023-05-02T00:00:00Z"],
    ["u3@contoso.com", policyId, "Dismissed", "Low", "2023-05-02T23:59:59.999999Z"],
    ["u4@contoso.com", otherPolicyId, "Resolved", "High", "2023-05-03T00:00:00Z"],
    ["u5@contoso.com", otherPolicyId, "NeedsReview", "Low", "2023-05-04T12:00:00Z"],
  ];
  for (const [upn, policy, status, severity, at] of rows) {
    const user = await insertDirectoryUser(db(), upn);
    await db().query(
      `INSERT INTO alerts (id, policy_id, user_id, status, severity, score, version, explanation, time_detected, updated_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, 50, 1, '{}', $5, $5)`,
      [policy, user, status, severity, at],
    );
  }
  analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
  investigator = await signInAs(server, "ivan", ["InsiderRiskManagementInvestigators"]);
});
afterAll(async () => server.close());

const upnsOf = (items: Array<{ user: { upn?: string } }>) => items.map((i) => i.user.upn);

describe("alert queue", () => {
  it("lists alerts newest first with the page, its size and the total", async () => {
    const res = await get("/api/alerts");
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 6, page: 1, pageSize: 50 });
    expect(upnsOf(body.items)).toEqual([
      "sarad@contoso.com",
      "u5@contoso.com",
      "u4@contoso.com",
      "u3@contoso.com",
      "u2@contoso.com",
      "u1@contoso.com",
    ]);
    expect(body.items[0]).toEqual({
      id: scoredAlertId,
      policy: { id: policyId, name: "Departing sales staff" },
      user: {
        id: sara,
        alias: expect.stringMatching(ALIAS_PATTERN),
        upn: "sarad@contoso.com",
        displayName: "Sara Davis",
      },
      status: "NeedsReview",
      severity: "Medium",
      score: 53.8,
      timeDetected: "2023-06-01T08:00:00Z",
      updatedAt: "2023-06-01T08:00:00Z",
      version: 1,
      triage: null,
    });
  });

  it("filters by status and severity (comma-separated or repeated), policy and detection dates", async () => {
    const byStatus = await get("/api/alerts?status=NeedsReview,confirmed");
    expect(upnsOf(byStatus.json().items)).toEqual([
      "sarad@contoso.com",
      "u5@contoso.com",
      "u2@contoso.com",
      "u1@contoso.com",
    ]);
    const bySeverity = await get("/api/alerts?severity=High&severity=Low");
    expect(upnsOf(bySeverity.json().items)).toEqual([
      "u5@contoso.com",
      "u4@contoso.com",
      "u3@contoso.com",
      "u1@contoso.com",
    ]);
    const byPolicy = await get(`/api/alerts?policyId=${otherPolicyId}`);
    expect(byPolicy.json().total).toBe(2);
    // detectedTo is exclusive: 2023-05-03 00:00:00 is not before 2023-05-03.
    const byDates = await get("/api/alerts?detectedFrom=2023-05-02&detectedTo=2023-05-03");
    expect(upnsOf(byDates.json().items)).toEqual(["u3@contoso.com", "u2@contoso.com"]);
    const combined = await get(`/api/alerts?status=NeedsReview&policyId=${policyId}&detectedFrom=2023-05-01`);
    expect(upnsOf(combined.json().items)).toEqual(["sarad@contoso.com", "u1@contoso.com"]);
  });

  it("pages through the queue", async () => {
    const page2 = (await get("/api/alerts?page=2&pageSize=2")).json();
    expect(page2).toMatchObject({ total: 6, page: 2, pageSize: 2 });
    expect(upnsOf(page2.items)).toEqual(["u4@contoso.com", "u3@contoso.com"]);
    const beyond = (await get("/api/alerts?page=9&pageSize=2")).json();
    expect(beyond).toMatchObject({ items: [], total: 6, page: 9 });
  });

  it("answers 400 naming the parameter and the allowed values", async () => {
    const cases: Array<[string, string]> = [
      ["status=Open", "status: 'Open' is not allowed; allowed values: NeedsReview, Confirmed, Dismissed, Resolved."],
      ["severity=High,Critical", "severity: 'Critical' is not allowed; allowed values: High, Medium, Low."],
      [
        "detectedFrom=2023-13-01",
        "detectedFrom: '2023-13-01' is not a UTC date; use YYYY-MM-DD (e.g. 2023-04-24, read as 00:00 UTC) or an ISO 8601 date and time with Z or an offset.",
      ],
      ["pageSize=501", "pageSize: '501' is not allowed; use a whole number from 1 to 500."],
      ["page=0", "page: '0' is not allowed; use a whole number from 1 to 1000000."],
      ["policyId=abc", "policyId: 'abc' is not a policy id (a UUID)."],
      [
        "severities=High",
        "severities: unknown parameter; the alert queue accepts: status, severity, policyId, detectedFrom, detectedTo, page, pageSize.",
      ],
    ];
    for (const [query, message] of cases) {
      const res = await get(`/api/alerts?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().detail, query).toBe(message);
    }
    expect((await get("/api/alerts?status=Open")).json().details).toMatchObject({
      column: "status",
      allowed: ["NeedsReview", "Confirmed", "Dismissed", "Resolved"],
    });
  });

  it("shows one alert with its explanation, insights, signals and versions", async () => {
    const res = await get(`/api/alerts/${scoredAlertId}`);
    expect(res.statusCode).toBe(200);
    const alert = res.json();
    expect(alert.explanation).toMatchObject({
      modelVersion: "openirm-scoring/2",
      score: 53.8,
      severity: "Medium",
      windows: [{ start: "2023-01-23T00:00:00.000000Z", end: "2023-05-24T00:00:00.000000Z" }],
      triggers: [expect.objectContaining({ kind: "hr.resignation", at: "2023-04-23T09:48:02.467504Z" })],
    });
    expect(alert.insights).toHaveLength(1);
    expect(alert.insights[0]).toMatchObject({
      indicator: { name: "Salesforce alerts" },
      day: "2023-04-24",
      value: 16,
      eventCount: 2,
      thresholds: { low: 5, medium: 10, high: 20 },
      score: 53.8,
      severity: "Medium",
      contribution: 53.8,
      signalCount: 2,
    });
    expect(alert.insights[0].signals.map((s: any) => [s.occurredAt, s.sourceValue, s.attributes.Alert_Count])).toEqual([
      ["2023-04-24T05:52:56.962686Z", "Salesforce", 10],
      ["2023-04-24T06:00:00Z", "Salesforce", 6],
    ]);
    expect(alert.versions).toEqual([
      { version: 1, score: 53.8, severity: "Medium", insightCount: 1, createdAt: "2023-06-01T08:00:00Z" },
    ]);
    expect((await get("/api/alerts/00000000-0000-0000-0000-000000000000")).statusCode).toBe(404);
  });
});

describe("pseudonymisation", () => {
  it("shows an Analyst only aliases, in the queue, the alert and its signals", async () => {
    const list = await get("/api/alerts", analyst);
    expect(list.statusCode).toBe(200);
    const detail = await get(`/api/alerts/${scoredAlertId}`, analyst);
    const raw = `${list.body}${detail.body}`;
    expect(raw).not.toMatch(/sarad@contoso\.com/i);
    expect(raw).not.toContain("Sara Davis");
    expect(raw).not.toMatch(/u\d@contoso\.com/);
    const alias = detail.json().user.alias;
    expect(detail.json().user).toEqual({ id: sara, alias });
    expect(alias).toMatch(ALIAS_PATTERN);
    expect(list.json().items[0].user.alias).toBe(alias);
    const signal = detail.json().insights[0].signals[0];
    expect(signal.attributes.UPN).toBe(alias);
    expect(signal.attributes.Note).toBe(`sent by ${alias} to a personal address`);
    expect(new Set(list.json().items.map((i: any) => i.user.alias)).size).toBe(6);
  });

  it("shows an Investigator real names, with the same alias", async () => {
    const detail = (await get(`/api/alerts/${scoredAlertId}`, investigator)).json();
    const analystView = (await get(`/api/alerts/${scoredAlertId}`, analyst)).json();
    expect(detail.user).toEqual({
      id: sara,
      alias: analystView.user.alias,
      upn: "sarad@contoso.com",
      displayName: "Sara Davis",
    });
    expect(detail.insights[0].signals[0].attributes.UPN).toBe("SaraD@contoso.com");
  });

  it("shows nobody names when the tenant hides them", async () => {
    const res = await server.request({
      method: "PATCH",
      url: "/api/settings",
      payload: { privacy: { showNamesToEntitledRoles: false } },
    });
    expect(res.statusCode).toBe(200);
    for (const token of [investigator, server.adminToken]) {
      const list = await get("/api/alerts", token);
      const detail = await get(`/api/alerts/${scoredAlertId}`, token);
      expect(`${list.body}${detail.body}`).not.toMatch(/@contoso\.com|Sara Davis/i);
      expect(detail.json().user).toEqual({ id: sara, alias: expect.stringMatching(ALIAS_PATTERN) });
    }
  });
});
