import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertConnector,
  insertDetectionsConnector,
  insertDirectoryUser,
  insertSignals,
  signInAs,
  startTestServer,
  TestClock,
  type TestServer,
} from "../../test/support.ts";
import { recomputeRiskLevels } from "../commands/riskLevels.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";

// Triage (confirm, dismiss, resolve, bulk dismiss) and tuning a policy from an alert, end to end
// through the API: alerts raised by scoring from signals, and alerts inserted in every status.

const clock = new TestClock(new Date("2023-06-01T08:00:00.000Z"));
let server: TestServer;
let detections: string;
let hr: string;
let activity: string;
let policyId: string;
let salesforce: string;
let dropbox: string;
let sara: string;
let bob: string;
let saraAlert: string;
let bobAlert: string;
let investigator: string;
let analyst: string;
let adminOnly: string;

const USB_ROW_ID = "0b1e0000-0000-4000-8000-000000000020";
const REASONS = "ExpectedActivity, NeedsInvestigationElsewhere, TooMuchActivity";

const db = () => server.services.db;
const get = (url: string, token?: string) => server.request({ method: "GET", url, ...(token ? { token } : {}) });
const post = (url: string, payload: unknown = {}, token?: string) =>
  server.request({ method: "POST", url, payload, ...(token ? { token } : {}) });

const call = (method: "POST" | "PATCH", url: string, payload: unknown) => server.call(method, url, payload);

/** An alert inserted as the scorer writes it, for a new user of its own. */
async function insertAlert(
  status: string,
  severity = "Medium",
  upn = `${randomUUID().slice(0, 8)}@contoso.com`,
  displayName?: string,
) {
  const userId = await insertDirectoryUser(db(), upn, displayName);
  const id = randomUUID();
  const explanation = { modelVersion: "openirm-scoring/1", insights: [] };
  await db().query(
    `INSERT INTO alerts (id, policy_id, user_id, status, severity, score, version, explanation, time_detected, updated_at)
     VALUES ($1, $2, $3, $4, $5, 50, 1, $6, $7, $7)`,
    [id, policyId, userId, status, severity, explanation, "2023-05-20T10:00:00Z"],
  );
  return { id, userId };
}

async function statusOf(id: string): Promise<string> {
  return (await db().query<{ status: string }>("SELECT status FROM alerts WHERE id = $1", [id])).rows[0]!.status;
}

async function auditEntries(action: string, targetId?: string) {
  const { items } = (await get("/api/audit?pageSize=1000")).json();
  return (items as any[]).filter((e) => e.action === action && (!targetId || e.targetId === targetId));
}

const detection = (userId: string, at: string, source: string, count: number) => ({
  connectorId: detections,
  userId,
  occurredAt: at,
  sourceValue: source,
  attributes: { UPN: "x", Alert_Count: count, Source_Workload: source },
});

const usbCopy = (userId: string, at: string, file: string) => ({
  connectorId: activity,
  userId,
  occurredAt: at,
  kind: "activity.file.copiedToRemovableMedia",
  attributes: { fileName: file, filePath: `D:\\Sales\\${file}`, device: "LAPTOP-7" },
});

beforeAll(async () => {
  server = await startTestServer({ clock });
  detections = await insertDetectionsConnector(db());
  hr = await insertConnector(db(), { name: "HR", type: "hr", config: { columns: [] } });
  activity = await insertConnector(db(), { name: "Endpoint activity", config: { columns: [] } });
  const indicator = async (name: string, sourceValue: string) =>
    (await call("POST", "/api/indicators", { name, connectorId: detections, sourceValue, valueColumn: "Alert_Count" }))
      .id as string;
  salesforce = await indicator("Salesforce alerts", "Salesforce");
  dropbox = await indicator("Dropbox alerts", "Dropbox");
  await call("PATCH", "/api/indicators/device.removableMediaCopy", { enabled: true });
  policyId = (
    await call("POST", "/api/policies", {
      name: "Departing sales staff",
      template: "departing-users-data-theft",
      scope: { allUsers: true },
      triggers: { hrResignation: true },
      indicators: [
        { indicatorId: salesforce, thresholds: { low: 5, medium: 10, high: 20 } },
        { indicatorId: dropbox, thresholds: { low: 5, medium: 10, high: 20 } },
        { indicatorId: "device.removableMediaCopy", thresholds: { low: 2, medium: 4, high: 6 } },
      ],
    })
  ).id;

  sara = await insertDirectoryUser(db(), "sarad@contoso.com", "Sara Davis");
  bob = await insertDirectoryUser(db(), "bobk@contoso.com", "Bob Kane");
  const others = await Promise.all(["u1", "u2", "u3", "u4"].map((u) => insertDirectoryUser(db(), `${u}@contoso.com`)));
  await insertSignals(db(), [
    { connectorId: hr, userId: sara, occurredAt: "2023-05-01T09:00:00Z", kind: "hr.resignation" },
    { connectorId: hr, userId: bob, occurredAt: "2023-05-01T09:00:00Z", kind: "hr.resignation" },
    detection(sara, "2023-05-10T09:00:00Z", "Salesforce", 16),
    detection(sara, "2023-05-10T09:00:00Z", "Dropbox", 7),
    usbCopy(sara, "2023-05-11T09:00:00Z", "a.xlsx"),
    usbCopy(sara, "2023-05-11T09:01:00Z", "b.xlsx"),
    usbCopy(sara, "2023-05-11T09:02:00Z", "c.xlsx"),
    detection(bob, "2023-05-12T09:00:00Z", "Salesforce", 2),
    detection(bob, "2023-05-12T10:00:00Z", "Salesforce", 23),
    // Other users' activity in the last 30 days (no resignation: no alert), and older activity.
    detection(others[0]!, "2023-05-20T09:00:00Z", "Salesforce", 30),
    detection(others[1]!, "2023-05-21T09:00:00Z", "Salesforce", 40),
    detection(others[2]!, "2023-05-22T09:00:00Z", "Salesforce", 2),
    detection(others[3]!, "2023-05-23T09:00:00Z", "Salesforce", 3),
    detection(others[3]!, "2023-04-01T09:00:00Z", "Salesforce", 1000),
    ...Array.from({ length: 8 }, (_, i) => usbCopy(others[0]!, "2023-05-20T10:00:00Z", `f${i}.docx`)),
  ]);
  await call("POST", "/api/scoring/run", {});
  const alertOf = async (userId: string) =>
    (await db().query<{ id: string }>("SELECT id FROM alerts WHERE user_id = $1", [userId])).rows[0]!.id;
  saraAlert = await alertOf(sara);
  bobAlert = await alertOf(bob);

  investigator = await signInAs(server, "ivan", ["InsiderRiskManagementInvestigators"]);
  analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
  adminOnly = await signInAs(server, "adam", ["InsiderRiskManagementAdmins"]);
});
afterAll(async () => server.close());

describe("confirm, dismiss and resolve", () => {
  it("confirms an alert under review, with notes, and audits the change", async () => {
    const { id } = await insertAlert("NeedsReview");
    const res = await post(`/api/alerts/${id}/confirm`, { notes: "  Looks deliberate.  " });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: "Confirmed",
      triage: {
        reason: null,
        resolution: null,
        notes: "Looks deliberate.",
        triagedAt: "2023-06-01T08:00:00Z",
        triagedBy: "admin",
      },
    });
    const [entry] = await auditEntries("alert.confirm", id);
    expect(entry).toMatchObject({
      category: "Alerts",
      actorName: "admin",
      targetType: "alert",
      details: { previousStatus: "NeedsReview", status: "Confirmed", notes: "Looks deliberate.", policyId },
    });
  });

  it("dismisses an alert under review or confirmed, with a reason", async () => {
    for (const status of ["NeedsReview", "Confirmed"]) {
      const { id } = await insertAlert(status);
      const res = await post(`/api/alerts/${id}/dismiss`, { reason: "ExpectedActivity" });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: "Dismissed", triage: { reason: "ExpectedActivity", notes: null } });
      const [entry] = await auditEntries("alert.dismiss", id);
      expect(entry.details).toMatchObject({ previousStatus: status, status: "Dismissed", reason: "ExpectedActivity" });
    }
  });

  it("resolves an alert as a confirmed violation or as benign", async () => {
    const violation = await insertAlert("Confirmed");
    const res = await post(`/api/alerts/${violation.id}/resolve`, {
      resolution: "ConfirmedViolation",
      notes: "Case 12",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: "Resolved",
      triage: { resolution: "ConfirmedViolation", notes: "Case 12" },
    });
    const benign = await insertAlert("NeedsReview");
    expect((await post(`/api/alerts/${benign.id}/resolve`, { resolution: "benign" })).json()).toMatchObject({
      status: "Resolved",
      triage: { resolution: "Benign" },
    });
    const [entry] = await auditEntries("alert.resolve", violation.id);
    expect(entry.details).toMatchObject({
      previousStatus: "Confirmed",
      status: "Resolved",
      resolution: "ConfirmedViolation",
    });
  });

  it("answers 409 naming the current status and the statuses that allow the change", async () => {
    const confirmed = await insertAlert("Confirmed");
    const again = await post(`/api/alerts/${confirmed.id}/confirm`);
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toBe(
      `Alert '${confirmed.id}' is Confirmed; only an alert in NeedsReview can be confirmed.`,
    );
    const dismissed = await insertAlert("Dismissed");
    const resolve = await post(`/api/alerts/${dismissed.id}/resolve`, { resolution: "Benign" });
    expect(resolve.statusCode).toBe(409);
    expect(resolve.json().detail).toBe(
      `Alert '${dismissed.id}' is Dismissed; only an alert in NeedsReview or Confirmed can be resolved. A dismissed or resolved alert is closed: new activity of the user opens a new alert.`,
    );
    expect(resolve.json().details).toMatchObject({ status: "Dismissed", allowed: ["NeedsReview", "Confirmed"] });
    const resolved = await insertAlert("Resolved");
    expect((await post(`/api/alerts/${resolved.id}/dismiss`, { reason: "TooMuchActivity" })).statusCode).toBe(409);
    expect((await post(`/api/alerts/${resolved.id}/confirm`)).statusCode).toBe(409);
    expect(await statusOf(resolved.id)).toBe("Resolved");
  });

  it("answers 400 naming the field and the allowed values", async () => {
    const { id } = await insertAlert("NeedsReview");
    const cases: Array<[string, unknown, string, string]> = [
      ["dismiss", {}, "reason", `reason is required; allowed values: ${REASONS}.`],
      ["dismiss", { reason: "Boring" }, "reason", `reason: "Boring" is not allowed; allowed values: ${REASONS}.`],
      [
        "resolve",
        { resolution: "Violation" },
        "resolution",
        'resolution: "Violation" is not allowed; allowed values: ConfirmedViolation, Benign.',
      ],
      [
        "confirm",
        { notes: "x".repeat(2001) },
        "notes",
        "notes is 2001 characters long; at most 2000 are kept. Shorten the notes.",
      ],
      ["confirm", { notes: 5 }, "notes", "notes must be text (got 5)."],
      ["confirm", { reason: "ExpectedActivity" }, "reason", "Unknown field 'reason'; allowed fields: notes."],
    ];
    for (const [action, body, field, message] of cases) {
      const res = await post(`/api/alerts/${id}/${action}`, body);
      expect(res.statusCode, message).toBe(400);
      expect(res.json().detail).toBe(message);
      expect(res.json().details.column).toBe(field);
    }
    expect((await post(`/api/alerts/${id}/dismiss`, { reason: "Boring" })).json().details.allowed).toEqual([
      "ExpectedActivity",
      "NeedsInvestigationElsewhere",
      "TooMuchActivity",
    ]);
    expect(await statusOf(id)).toBe("NeedsReview");
  });

  it("answers 404 for a missing alert, and 403 to a role without alerts.triage", async () => {
    for (const id of [randomUUID(), "abc"]) {
      const res = await post(`/api/alerts/${id}/confirm`);
      expect(res.statusCode).toBe(404);
      expect(res.json().detail).toBe(`Alert '${id}' does not exist.`);
    }
    const { id } = await insertAlert("NeedsReview");
    expect((await post(`/api/alerts/${id}/confirm`, {}, adminOnly)).statusCode).toBe(403);
    expect((await post(`/api/alerts/${id}/confirm`, {}, analyst)).statusCode).toBe(200);
  });

  it("shows the triage decision in the queue and the alert, null until someone triages", async () => {
    const { id } = await insertAlert("NeedsReview");
    await post(`/api/alerts/${id}/dismiss`, { reason: "TooMuchActivity", notes: "Noisy" });
    const list = (await get("/api/alerts?pageSize=500")).json().items as any[];
    expect(list.find((a) => a.id === id).triage).toEqual({
      reason: "TooMuchActivity",
      resolution: null,
      notes: "Noisy",
      triagedAt: "2023-06-01T08:00:00Z",
      triagedBy: "admin",
    });
    expect(list.find((a) => a.id === saraAlert).triage).toBeNull();
    expect((await get(`/api/alerts/${id}`)).json().triage).toMatchObject({ reason: "TooMuchActivity" });
    expect((await get(`/api/alerts/${saraAlert}`)).json().triage).toBeNull();
  });

  it("shows the user in notes by alias to callers without identities", async () => {
    const { id } = await insertAlert("NeedsReview", "Low", "nina@contoso.com", "Nina Ross");
    const notes = "Nina Ross (NINA@contoso.com) copied the files";
    await post(`/api/alerts/${id}/confirm`, { notes }, investigator);
    const asAnalyst = (await get(`/api/alerts/${id}`, analyst)).json();
    const alias = asAnalyst.user.alias;
    expect(asAnalyst.triage.notes).toBe(`${alias} (${alias}) copied the files`);
    expect(asAnalyst.triage.triagedBy).toBe("ivan");
    expect((await get(`/api/alerts/${id}`, investigator)).json().triage.notes).toBe(notes);
  });
});

describe("priority user groups", () => {
  it("answers 404 to a caller who does not view the user's group, as for a missing alert", async () => {
    const hidden = await insertAlert("NeedsReview", "High", "vip@contoso.com");
    const group = await post("/api/priority-user-groups", {
      name: "Executives",
      viewers: { roleGroups: ["InsiderRiskManagementInvestigators"] },
      members: ["vip@contoso.com"],
    });
    expect(group.statusCode, group.body).toBe(201);
    const message = `Alert '${hidden.id}' does not exist.`;
    for (const [action, body] of [
      ["confirm", {}],
      ["dismiss", { reason: "ExpectedActivity" }],
      ["resolve", { resolution: "Benign" }],
      ["tune", { indicatorId: salesforce, action: "recommended" }],
    ] as const) {
      const res = await post(`/api/alerts/${hidden.id}/${action}`, body);
      expect(res.statusCode, action).toBe(404);
      expect(res.json().detail).toBe(message);
    }
    expect((await get(`/api/alerts/${hidden.id}/tuning`)).statusCode).toBe(404);
    const bulk = await post("/api/alerts/dismiss", { ids: [hidden.id], reason: "ExpectedActivity" });
    expect(bulk.json().items).toEqual([{ id: hidden.id, outcome: "not-found" }]);
    expect(await statusOf(hidden.id)).toBe("NeedsReview");
    // A viewer of the group may triage it.
    const confirmed = await post(`/api/alerts/${hidden.id}/confirm`, {}, investigator);
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().status).toBe("Confirmed");
  });
});

describe("bulk dismissal", () => {
  it("dismisses the alerts in NeedsReview and says what happened to each id", async () => {
    const a = await insertAlert("NeedsReview");
    const b = await insertAlert("NeedsReview");
    const confirmed = await insertAlert("Confirmed");
    const missing = randomUUID();
    const res = await post("/api/alerts/dismiss", {
      ids: [a.id, confirmed.id, missing, b.id, "not-an-id", a.id],
      reason: "NeedsInvestigationElsewhere",
      notes: "Handled by the SOC",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      items: [
        { id: a.id, outcome: "dismissed" },
        { id: confirmed.id, outcome: "not-needs-review" },
        { id: missing, outcome: "not-found" },
        { id: b.id, outcome: "dismissed" },
        { id: "not-an-id", outcome: "not-found" },
      ],
      dismissed: 2,
    });
    expect([await statusOf(a.id), await statusOf(b.id), await statusOf(confirmed.id)]).toEqual([
      "Dismissed",
      "Dismissed",
      "Confirmed",
    ]);
    const [entry] = await auditEntries("alert.dismiss", b.id);
    expect(entry.details).toMatchObject({
      previousStatus: "NeedsReview",
      status: "Dismissed",
      reason: "NeedsInvestigationElsewhere",
      notes: "Handled by the SOC",
      bulk: true,
    });
  });

  it("takes at most 400 ids and needs a reason", async () => {
    const ids = Array.from({ length: 401 }, () => randomUUID());
    const tooMany = await post("/api/alerts/dismiss", { ids, reason: "ExpectedActivity" });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().detail).toBe(
      "ids lists 401 alerts; at most 400 can be dismissed at once. Send the rest in another request.",
    );
    const exactly = await post("/api/alerts/dismiss", { ids: ids.slice(0, 400), reason: "ExpectedActivity" });
    expect(exactly.statusCode).toBe(200);
    expect(exactly.json().dismissed).toBe(0);
    const empty = await post("/api/alerts/dismiss", { ids: [], reason: "ExpectedActivity" });
    expect(empty.json().details.column).toBe("ids");
    const noReason = await post("/api/alerts/dismiss", { ids: [randomUUID()] });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().detail).toBe(`reason is required; allowed values: ${REASONS}.`);
  });
});

describe("risk levels follow triage", () => {
  it("drops the level a dismissed alert had given its user", async () => {
    expect(
      (
        await server.request({
          method: "PATCH",
          url: "/api/settings",
          payload: { adaptiveProtection: { enabled: true } },
        })
      ).statusCode,
    ).toBe(200);
    const { id, userId } = await insertAlert("NeedsReview", "Medium");
    await db().query("UPDATE alerts SET updated_at = $2 WHERE id = $1", [id, clock.now().toISOString()]);
    await recomputeRiskLevels(withActor(server.services, SYSTEM_ACTOR), [userId]);
    expect((await get(`/api/risk-levels/${userId}`)).json().level).toBe("Moderate");
    clock.advance(60_000);
    await post(`/api/alerts/${id}/dismiss`, { reason: "ExpectedActivity" });
    const after = (await get(`/api/risk-levels/${userId}`)).json();
    expect(after).toMatchObject({ level: null });
    expect(after.history[0]).toMatchObject({ previousLevel: "Moderate", level: null, cause: "triage" });
    await server.request({
      method: "PATCH",
      url: "/api/settings",
      payload: { adaptiveProtection: { enabled: false } },
    });
  });
});

describe("tuning from an alert", () => {
  const salesforceThresholds = async () => {
    const policy = (await get(`/api/policies/${policyId}`)).json();
    return policy.indicators.find((i: any) => i.indicatorId === salesforce)?.thresholds;
  };

  it("lists the alert's indicators with current and recommended thresholds, built-in ones by catalog id", async () => {
    const res = await get(`/api/alerts/${saraAlert}/tuning`, analyst);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.alert).toEqual({ id: saraAlert, status: "NeedsReview" });
    expect(body.policy).toMatchObject({ id: policyId, name: "Departing sales staff", deleted: false });
    const byId = Object.fromEntries((body.indicators as any[]).map((i) => [i.indicator.id, i]));
    expect(Object.keys(byId).sort()).toEqual([dropbox, salesforce, "device.removableMediaCopy"].sort());
    // Salesforce: 16 (Sara), 25 (Bob), 30, 40, 2, 3 in the last 30 days (the 1000 of April is older):
    // p95 = 37.5 → 38, p99 = 39.5 → 40, p99.9 = 39.95 → 40, then above medium: 41.
    expect(byId[salesforce]).toEqual({
      indicator: { id: salesforce, name: "Salesforce alerts", kind: "custom" },
      inPolicy: true,
      currentThresholds: { low: 5, medium: 10, high: 20 },
      defaultThresholds: false,
      recommendedThresholds: { low: 38, medium: 40, high: 41 },
      recommendationDays: 6,
      canStop: true,
      edits: [],
    });
    // Dropbox: only Sara's 7, so 1.5 × the current thresholds win.
    expect(byId[dropbox].recommendedThresholds).toEqual({ low: 8, medium: 15, high: 30 });
    // USB copies: 3 files (Sara) and 8 (another user): p95 = 7.75 → 8, p99 = 7.95 → 9 (above low), 1.5 × 6 = 9 → 10.
    expect(byId["device.removableMediaCopy"]).toMatchObject({
      indicator: { id: "device.removableMediaCopy", name: "Creating or copying files to USB", kind: "builtin" },
      currentThresholds: { low: 2, medium: 4, high: 6 },
      recommendedThresholds: { low: 8, medium: 9, high: 10 },
      recommendationDays: 2,
    });
  });

  it("refuses thresholds lower than the current ones, and invalid ones with the policy's messages", async () => {
    const lower = await post(`/api/alerts/${saraAlert}/tune`, {
      indicatorId: salesforce,
      action: "custom",
      thresholds: { low: 6, medium: 9, high: 30 },
    });
    expect(lower.statusCode).toBe(400);
    expect(lower.json().detail).toBe(
      `thresholds.medium 9 is lower than the policy's current medium threshold 10 for 'Salesforce alerts'; tuning from an alert reduces alerts, so it can only raise thresholds (current 5/10/20). To lower them, change the policy (PATCH /api/policies/${policyId}).`,
    );
    expect(lower.json().details.column).toBe("thresholds.medium");
    const unordered = await post(`/api/alerts/${saraAlert}/tune`, {
      indicatorId: salesforce,
      action: "custom",
      thresholds: { low: 30, medium: 20, high: 40 },
    });
    expect(unordered.statusCode).toBe(400);
    expect(unordered.json().detail).toBe(
      "indicators[0]: thresholds of 'Salesforce alerts' must increase (low < medium < high): medium 20 is not above low 30; raise medium above 30 or lower low.",
    );
    const cases: Array<[unknown, string]> = [
      [
        { indicatorId: salesforce, action: "lower" },
        'action: "lower" is not allowed; allowed values: recommended, custom, stop.',
      ],
      [
        { indicatorId: salesforce, action: "custom" },
        'action custom needs thresholds {"low": …, "medium": …, "high": …}, the daily totals for low, medium and high severity (got nothing).',
      ],
      [
        { indicatorId: salesforce, action: "custom", thresholds: { low: 6, medium: "x", high: 30 } },
        'thresholds.medium must be a positive number (got "x"); use a value above 0.',
      ],
      [
        // biome-ignore lint/suspicious/noThenProperty: the API names the field "then"
        { indicatorId: salesforce, action: "recommended", then: "close" },
        'then: "close" is not allowed; allowed values: dismiss, none.',
      ],
      [
        { indicatorId: salesforce, action: "custom", thresholds: { low: 5, medium: 10, high: 20 } },
        "thresholds 5/10/20 are the current thresholds of 'Salesforce alerts'; nothing would change. Raise at least one of them.",
      ],
      [{ indicatorId: randomUUID(), action: "stop" }, "is not an indicator of this alert; its indicators are:"],
    ];
    for (const [body, message] of cases) {
      const res = await post(`/api/alerts/${saraAlert}/tune`, body);
      expect(res.statusCode, message).toBe(400);
      expect(res.json().detail).toContain(message);
    }
    expect(await salesforceThresholds()).toEqual({ low: 5, medium: 10, high: 20 });
  });

  it("raises an indicator's thresholds, audits the change, lists it as an earlier edit and rescores the user", async () => {
    const res = await post(
      `/api/alerts/${saraAlert}/tune`,
      { indicatorId: salesforce, action: "custom", thresholds: { low: 6, medium: 12, high: 24 } },
      analyst,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      policy: { id: policyId, name: "Departing sales staff" },
      indicator: { id: salesforce, name: "Salesforce alerts" },
      action: "custom",
      previous: { low: 5, medium: 10, high: 20 },
      next: { low: 6, medium: 12, high: 24 },
      alert: { id: saraAlert, status: "NeedsReview", triage: null },
    });
    expect(await salesforceThresholds()).toEqual({ low: 6, medium: 12, high: 24 });
    const [entry] = await auditEntries("policy.tune", policyId);
    expect(entry).toMatchObject({
      category: "Policies",
      actorName: "ana",
      details: {
        policyId,
        indicatorId: salesforce,
        action: "custom",
        previous: { low: 5, medium: 10, high: 20 },
        next: { low: 6, medium: 12, high: 24 },
        alertId: saraAlert,
      },
    });
    // Rescored at once: Sara's Salesforce day (16) is now scored against 6/12/24.
    const alert = (await get(`/api/alerts/${saraAlert}`)).json();
    const insight = alert.insights.find((i: any) => i.indicator.name === "Salesforce alerts");
    expect(insight.thresholds).toEqual({ low: 6, medium: 12, high: 24 });
    const tuning = (await get(`/api/alerts/${saraAlert}/tuning`)).json();
    const edits = tuning.indicators.find((i: any) => i.indicator.id === salesforce).edits;
    expect(edits).toEqual([
      {
        at: "2023-06-01T08:01:00Z",
        by: "ana",
        action: "custom",
        previous: { low: 5, medium: 10, high: 20 },
        next: { low: 6, medium: 12, high: 24 },
        alertId: saraAlert,
      },
    ]);
  });

  it("stops scoring an indicator, but not the policy's last one", async () => {
    const stop = await post(`/api/alerts/${saraAlert}/tune`, { indicatorId: dropbox, action: "stop" });
    expect(stop.statusCode, stop.body).toBe(200);
    expect(stop.json()).toMatchObject({ action: "stop", previous: { low: 5, medium: 10, high: 20 }, next: null });
    const usb = await post(`/api/alerts/${saraAlert}/tune`, { indicatorId: USB_ROW_ID, action: "stop" });
    expect(usb.statusCode, usb.body).toBe(200);
    expect(usb.json().indicator).toEqual({ id: "device.removableMediaCopy", name: "Creating or copying files to USB" });
    const policy = (await get(`/api/policies/${policyId}`)).json();
    expect(policy.indicators.map((i: any) => i.indicatorId)).toEqual([salesforce]);
    const last = await post(`/api/alerts/${saraAlert}/tune`, { indicatorId: salesforce, action: "stop" });
    expect(last.statusCode).toBe(400);
    expect(last.json().detail).toBe(
      `'Salesforce alerts' is the only indicator policy 'Departing sales staff' scores, and a policy needs at least one: it cannot stop scoring it. Raise its thresholds instead (action recommended or custom), or turn the policy off (PATCH /api/policies/${policyId} with {"enabled": false}).`,
    );
    const view = (await get(`/api/alerts/${saraAlert}/tuning`)).json();
    const byId = Object.fromEntries((view.indicators as any[]).map((i) => [i.indicator.id, i]));
    expect(byId[salesforce].canStop).toBe(false);
  });

  it("leaves out sequence and cumulative insights, and says when the policy no longer scores an indicator", async () => {
    const { id } = await insertAlert("NeedsReview");
    const insight = (indicatorId: string, indicator: string, kind: string) => ({
      id: randomUUID(),
      kind,
      indicatorId,
      indicator,
      day: "2023-05-20",
      value: 9,
      eventCount: 9,
      thresholds: { low: 5, medium: 10, high: 20 },
      score: 30,
      severity: "Low",
      rank: 1,
      contribution: 30,
    });
    const explanation = {
      modelVersion: "openirm-scoring/2",
      insights: [
        insight(dropbox, "Dropbox alerts", "indicator"),
        insight(USB_ROW_ID, "Sequence: download then USB", "sequence"),
        insight(USB_ROW_ID, "Cumulative exfiltration", "cumulative"),
      ],
    };
    await db().query("UPDATE alerts SET explanation = $2 WHERE id = $1", [id, explanation]);
    const view = (await get(`/api/alerts/${id}/tuning`)).json();
    expect(view.indicators).toEqual([
      {
        indicator: { id: dropbox, name: "Dropbox alerts", kind: "custom" },
        inPolicy: false,
        currentThresholds: null,
        defaultThresholds: false,
        recommendedThresholds: null,
        recommendationDays: 0,
        canStop: false,
        edits: [expect.objectContaining({ action: "stop", alertId: saraAlert, next: null })],
      },
    ]);
    const res = await post(`/api/alerts/${id}/tune`, { indicatorId: dropbox, action: "recommended" });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toBe(
      "Policy 'Departing sales staff' no longer scores 'Dropbox alerts' (it was removed since the alert was raised); there is nothing to tune.",
    );
    const usb = await post(`/api/alerts/${id}/tune`, { indicatorId: "device.removableMediaCopy", action: "stop" });
    expect(usb.statusCode).toBe(400);
    expect(usb.json().detail).toBe(
      "indicatorId: 'device.removableMediaCopy' is not an indicator of this alert; its indicators are: " +
        `${dropbox} (Dropbox alerts).`,
    );
  });

  it("with then dismiss, sets the recommended thresholds and resolves the alert as benign in one step", async () => {
    clock.advance(60_000);
    const res = await post(`/api/alerts/${bobAlert}/tune`, {
      indicatorId: salesforce,
      action: "recommended",
      // biome-ignore lint/suspicious/noThenProperty: the API names the field "then"
      then: "dismiss",
    });
    expect(res.statusCode, res.body).toBe(200);
    // From 6/12/24: max(p95 38, 9) = 38, max(40, 18) = 40, max(40, 36) = 40 → 41.
    expect(res.json()).toMatchObject({
      previous: { low: 6, medium: 12, high: 24 },
      next: { low: 38, medium: 40, high: 41 },
      alert: {
        id: bobAlert,
        status: "Resolved",
        triage: {
          resolution: "Benign",
          reason: null,
          notes:
            "Tuned: raised the thresholds of 'Salesforce alerts' in policy 'Departing sales staff' from 6/12/24 to 38/40/41 (recommended).",
        },
      },
    });
    expect(await salesforceThresholds()).toEqual({ low: 38, medium: 40, high: 41 });
    const [entry] = await auditEntries("alert.resolve", bobAlert);
    expect(entry.details).toMatchObject({
      previousStatus: "NeedsReview",
      status: "Resolved",
      resolution: "Benign",
      tuned: true,
    });
    // The alert is closed now: then dismiss again is refused and changes nothing.
    const again = await post(`/api/alerts/${bobAlert}/tune`, {
      indicatorId: salesforce,
      action: "custom",
      thresholds: { low: 50, medium: 60, high: 70 },
      // biome-ignore lint/suspicious/noThenProperty: the API names the field "then"
      then: "dismiss",
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toContain('is Resolved; then "dismiss" resolves the alert');
    expect(await salesforceThresholds()).toEqual({ low: 38, medium: 40, high: 41 });
    // Tuning itself works on an alert of any status.
    const closed = await post(`/api/alerts/${bobAlert}/tune`, {
      indicatorId: salesforce,
      action: "custom",
      thresholds: { low: 50, medium: 60, high: 70 },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().alert.status).toBe("Resolved");
  });
});
