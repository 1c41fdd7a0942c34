import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ALIAS_PATTERN } from "@openirm/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertDirectoryUser, signInAs, startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { recomputeAllRiskLevels, recomputeRiskLevels } from "../commands/riskLevels.ts";
import { processDeliveries } from "../commands/riskLevelWebhooks.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";

const clock = new TestClock(new Date("2023-06-10T12:00:00.000Z"));
let server: TestServer;
let policyId: string;
let analyst: string;
let auditor: string;
let admin2: string;
let investigator: string;

const db = () => server.services.db;
/** Times as the API writes them (ISO 8601 UTC, fractions only when not zero). */
const apiTime = (d: Date) => d.toISOString().replace(".000Z", "Z");
const system = () => withActor(server.services, SYSTEM_ACTOR);
const recompute = (...userIds: string[]) => recomputeRiskLevels(system(), userIds);
const get = (url: string, token?: string) => server.request({ method: "GET", url, ...(token ? { token } : {}) });
const post = (url: string, payload: unknown = {}, token?: string) =>
  server.request({ method: "POST", url, payload, ...(token ? { token } : {}) });

/** Inserts an alert the way the scorer writes it (alerts + alert_versions). */
async function insertAlert(userId: string, severity: string, at = clock.now().toISOString(), status = "NeedsReview") {
  const id = randomUUID();
  const explanation = { modelVersion: "openirm-scoring/1", insights: [] };
  await db().query(
    `INSERT INTO alerts (id, policy_id, user_id, status, severity, score, version, explanation, time_detected, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $8)`,
    [
      id,
      policyId,
      userId,
      status,
      severity,
      severity === "High" ? 80 : severity === "Medium" ? 50 : 20,
      explanation,
      at,
    ],
  );
  await db().query(
    "INSERT INTO alert_versions (alert_id, version, severity, score, explanation, created_at) VALUES ($1, 1, $2, 50, $3, $4)",
    [id, severity, explanation, at],
  );
  return id;
}

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A local HTTP receiver answering with the queued status codes (then 200). */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[]; answers: number[] }> {
  const received: Received[] = [];
  const answers: number[] = [];
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.statusCode = answers.shift() ?? 200;
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  return { server: receiver, url: `http://127.0.0.1:${port}/hooks/openirm`, received, answers };
}

/** Verifies the signature header as a receiver would. */
function verify(secret: string, received: Received): boolean {
  const header = String(received.headers["openirm-signature"] ?? "");
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]));
  const expected = createHmac("sha256", secret).update(`${parts.t}.${received.body}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

beforeAll(async () => {
  server = await startTestServer({ clock });
  policyId = randomUUID();
  await db().query(
    "INSERT INTO policies (id, name, template, config, enabled) VALUES ($1, 'Departing staff', 'departing-users-data-theft', '{}', false)",
    [policyId],
  );
  const on = await server.request({
    method: "PATCH",
    url: "/api/settings",
    payload: { adaptiveProtection: { enabled: true } },
  });
  expect(on.statusCode).toBe(200);
  analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
  auditor = await signInAs(server, "audrey", ["InsiderRiskManagementAuditors"]);
  admin2 = await signInAs(server, "adam", ["InsiderRiskManagementAdmins"]);
  investigator = await signInAs(server, "ivan", ["InsiderRiskManagementInvestigators"]);
});
afterAll(async () => server.close());

describe("risk levels", () => {
  let high: string;
  let medium: string;
  let low: string;

  it("assigns levels from alerts and lists them, highest first", async () => {
    high = await insertDirectoryUser(db(), "hank@contoso.com", "Hank High");
    medium = await insertDirectoryUser(db(), "mia@contoso.com", "Mia Medium");
    low = await insertDirectoryUser(db(), "lou@contoso.com", "Lou Low");
    await insertAlert(high, "High");
    await insertAlert(medium, "Medium");
    await insertAlert(low, "Low");
    expect(await recompute(high, medium, low)).toEqual({ usersComputed: 3, levelsChanged: 3 });

    const list = await get("/api/risk-levels");
    expect(list.statusCode).toBe(200);
    const body = list.json();
    expect(body).toMatchObject({ total: 3, page: 1, pageSize: 50, counts: { Elevated: 1, Moderate: 1, Minor: 1 } });
    expect(body.items.map((i: { user: { upn: string }; level: string }) => [i.user.upn, i.level])).toEqual([
      ["hank@contoso.com", "Elevated"],
      ["mia@contoso.com", "Moderate"],
      ["lou@contoso.com", "Minor"],
    ]);
    expect(body.items[0]).toMatchObject({
      assignedAt: "2023-06-10T12:00:00Z",
      expiresAt: "2023-06-17T12:00:00Z",
      reasons: [{ level: "Elevated", criterion: "alertGenerated" }],
    });
    const moderate = await get("/api/risk-levels?level=moderate");
    expect(moderate.json().items.map((i: { user: { id: string } }) => i.user.id)).toEqual([medium]);
    const bad = await get("/api/risk-levels?level=Severe");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toBe("level: 'Severe' is not allowed; allowed values: Elevated, Moderate, Minor.");
  });

  it("pseudonymises users for callers without identities.view", async () => {
    const asAnalyst = (await get("/api/risk-levels", analyst)).json();
    expect(asAnalyst.items[0].user).toEqual({ id: high, alias: expect.stringMatching(ALIAS_PATTERN) });
    const one = (await get(`/api/risk-levels/${high}`, analyst)).json();
    expect(one.user).not.toHaveProperty("upn");
    expect(JSON.stringify(one)).not.toContain("hank");
    const asInvestigator = (await get(`/api/risk-levels/${high}`, investigator)).json();
    expect(asInvestigator.user.upn).toBe("hank@contoso.com");
  });

  it("shows one user's level with its history; a user without a level reads as none", async () => {
    const one = (await get(`/api/risk-levels/${high}`)).json();
    expect(one).toMatchObject({
      level: "Elevated",
      history: [{ previousLevel: null, level: "Elevated", at: "2023-06-10T12:00:00Z", cause: "criteria" }],
    });
    const nobody = await insertDirectoryUser(db(), "nobody@contoso.com");
    expect((await get(`/api/risk-levels/${nobody}`)).json()).toMatchObject({ level: null, reasons: [], history: [] });
    const missing = await get(`/api/risk-levels/${randomUUID()}`);
    expect(missing.statusCode).toBe(404);
  });

  it("counts High exfiltration insights", async () => {
    const user = await insertDirectoryUser(db(), "ines@contoso.com");
    const indicator = randomUUID();
    await db().query("INSERT INTO indicators (id, name, kind) VALUES ($1, 'Files shared externally', $2)", [
      indicator,
      "activity.file.sharedExternally",
    ]);
    for (const day of ["2023-06-08", "2023-06-09"]) {
      await db().query(
        `INSERT INTO insights (id, policy_id, user_id, insight_key, indicator_id, day, value, event_count, base_score,
                               score, severity)
         VALUES ($1, $2, $3, $4, $5, $6, 30, 30, 80, 80, 'High')`,
        [randomUUID(), policyId, user, `${indicator}|${day}`, indicator, day],
      );
    }
    await recompute(user);
    const level = (await get(`/api/risk-levels/${user}`)).json();
    expect(level).toMatchObject({ level: "Moderate", expiresAt: "2023-06-17T00:00:00Z" });
    expect(level.reasons[0].message).toBe(
      "2 High exfiltration insights within 7 days (2023-06-08 to 2023-06-09; at least 2 needed).",
    );
  });

  it("resets the level when the alert is dismissed", async () => {
    const user = await insertDirectoryUser(db(), "dana@contoso.com");
    const alertId = await insertAlert(user, "Medium");
    await recompute(user);
    expect((await get(`/api/risk-levels/${user}`)).json().level).toBe("Moderate");
    clock.advance(60_000);
    await db().query("UPDATE alerts SET status = 'Dismissed', updated_at = $2 WHERE id = $1", [
      alertId,
      clock.now().toISOString(),
    ]);
    await recomputeRiskLevels(system(), [user], "triage");
    const after = (await get(`/api/risk-levels/${user}`)).json();
    expect(after).toMatchObject({ level: null, expiresAt: null });
    expect(after.history[0]).toMatchObject({ previousLevel: "Moderate", level: null, cause: "triage" });
  });

  it("expires a level by hand (alerts.triage), audited; new evidence counts again", async () => {
    const denied = await post(`/api/risk-levels/${low}/expire`, {}, auditor);
    expect(denied.statusCode).toBe(403);
    const res = await post(`/api/risk-levels/${low}/expire`, { note: "Known test account" }, analyst);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ level: null, lastResetAt: apiTime(clock.now()) });
    const entry = (
      await db().query<{ actor_name: string; target_id: string; details: Record<string, unknown> }>(
        "SELECT actor_name, target_id, details FROM audit_entries WHERE action = 'riskLevel.expire'",
      )
    ).rows;
    expect(entry).toEqual([
      {
        actor_name: "ana",
        target_id: low,
        details: expect.objectContaining({ level: "Minor", note: "Known test account" }),
      },
    ]);
    expect((await get(`/api/risk-levels/${low}`)).json().history[0]).toMatchObject({ level: null, cause: "expire" });
    const again = await post(`/api/risk-levels/${low}/expire`, {}, analyst);
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toBe(
      `User '${low}' has no risk level to expire; only a user with a level (Elevated, Moderate or Minor) can be expired.`,
    );
    // The old alert no longer counts; a new one does.
    await recompute(low);
    expect((await get(`/api/risk-levels/${low}`)).json().level).toBeNull();
    // The scorer updates the open alert with new activity (a new version).
    clock.advance(1000);
    await db().query("UPDATE alerts SET version = 2, updated_at = $2 WHERE user_id = $1", [
      low,
      clock.now().toISOString(),
    ]);
    await recompute(low);
    expect((await get(`/api/risk-levels/${low}`)).json().level).toBe("Minor");
  });

  it("ends levels when their timeframe is over (the hourly run)", async () => {
    const saved = clock.current;
    try {
      clock.current = new Date("2023-06-17T12:00:01Z");
      await recomputeAllRiskLevels(system());
    } finally {
      clock.current = saved;
    }
    const hank = (await get(`/api/risk-levels/${high}`)).json();
    expect(hank).toMatchObject({ level: null });
    expect(hank.history[0]).toMatchObject({ previousLevel: "Elevated", level: null, cause: "expiry" });
  });
});

describe("risk level webhooks", () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = "s3cret-for-the-receiver-0123456789";
  let webhookId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  it("registers an endpoint (settings.manage), returns the secret once, refuses bad URLs", async () => {
    const denied = await post("/api/risk-levels/webhooks", { url: receiver.url }, analyst);
    expect(denied.statusCode).toBe(403);
    const http = await post("/api/risk-levels/webhooks", { url: "http://soar.example.com/hook" });
    expect(http.statusCode).toBe(400);
    expect(http.json().detail).toBe(
      "url: 'http://soar.example.com/hook' uses http; give the full https URL of the receiving endpoint, e.g. https://soar.example.com/hooks/openirm (http is accepted only for localhost, 127.0.0.1 and [::1]).",
    );
    const short = await post("/api/risk-levels/webhooks", { url: receiver.url, secret: "short" });
    expect(short.json().detail).toBe(
      "secret: give 16 to 200 characters without spaces, or leave it out to have one generated.",
    );
    const names = await post("/api/risk-levels/webhooks", { url: receiver.url, includeIdentities: true }, admin2);
    expect(names.statusCode).toBe(403);
    expect(names.json().detail).toMatch(/^includeIdentities: only a caller entitled to see identities/);

    const created = await post("/api/risk-levels/webhooks", { name: "SOAR", url: receiver.url, secret }, admin2);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: "SOAR", url: receiver.url, includeIdentities: false, secret });
    webhookId = created.json().id;
    const generated = await post("/api/risk-levels/webhooks", { url: "https://siem.example.com/in" });
    expect(generated.json().secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    await server.request({ method: "DELETE", url: `/api/risk-levels/webhooks/${generated.json().id}` });

    const list = await get("/api/risk-levels/webhooks");
    expect(list.json().items).toHaveLength(1);
    expect(JSON.stringify(list.json())).not.toContain(secret);
    const audit = (
      await db().query<{ action: string }>(
        "SELECT action FROM audit_entries WHERE action LIKE 'riskLevelWebhook.%' ORDER BY id",
      )
    ).rows.map((r) => r.action);
    expect(audit).toEqual(["riskLevelWebhook.create", "riskLevelWebhook.create", "riskLevelWebhook.delete"]);
  });

  it("sends a signed test event", async () => {
    const res = await post(`/api/risk-levels/webhooks/${webhookId}/test`);
    expect(res.json()).toMatchObject({
      status: "delivered",
      attempts: 1,
      lastStatus: 200,
      eventType: "riskLevel.test",
    });
    const got = receiver.received.at(-1)!;
    expect(verify(secret, got)).toBe(true);
    expect(verify("another-secret-0123456789", got)).toBe(false);
    receiver.received.length = 0;
  });

  it("posts each level change with the user's alias, signed over the timestamp and body", async () => {
    const user = await insertDirectoryUser(db(), "wes@contoso.com", "Wes Webhook");
    await insertAlert(user, "High");
    await recompute(user);
    expect(await processDeliveries(system())).toEqual({ attempted: 1, delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(verify(secret, got)).toBe(true);
    const t = Number(/t=(\d+)/.exec(String(got.headers["openirm-signature"]))![1]);
    expect(t).toBe(Math.floor(clock.now().getTime() / 1000));
    const event = JSON.parse(got.body);
    expect(event).toEqual({
      id: expect.any(String),
      type: "riskLevel.changed",
      occurredAt: clock.now().toISOString(),
      user: { id: user, alias: expect.stringMatching(ALIAS_PATTERN) },
      previousLevel: null,
      level: "Elevated",
      expiresAt: new Date(clock.now().getTime() + 7 * 86_400_000).toISOString(),
      reasons: [expect.objectContaining({ level: "Elevated", criterion: "alertGenerated" })],
    });
    expect(got.headers["openirm-event-id"]).toBe(event.id);
    expect(got.body).not.toContain("wes@");
    receiver.received.length = 0;
  });

  it("includes the UPN only for an endpoint configured to include identities", async () => {
    const named = await post("/api/risk-levels/webhooks", {
      url: receiver.url.replace("/hooks/", "/named/"),
      secret,
      includeIdentities: true,
    });
    expect(named.statusCode).toBe(201);
    const user = await insertDirectoryUser(db(), "nina@contoso.com");
    await insertAlert(user, "Low");
    await recompute(user);
    await processDeliveries(system());
    const bodies = receiver.received.map((r) => JSON.parse(r.body).user);
    expect(bodies).toHaveLength(2);
    expect(bodies.filter((u) => u.upn === "nina@contoso.com")).toHaveLength(1);
    expect(bodies.filter((u) => u.upn === undefined)).toHaveLength(1);
    await server.request({ method: "DELETE", url: `/api/risk-levels/webhooks/${named.json().id}` });
    receiver.received.length = 0;
  });

  it("retries a failing receiver with exponential backoff, keeping one user's events in order", async () => {
    const user = await insertDirectoryUser(db(), "rita@contoso.com");
    const alertId = await insertAlert(user, "Medium");
    await recompute(user);
    receiver.answers.push(500, 503);
    expect(await processDeliveries(system())).toEqual({ attempted: 1, delivered: 0 });
    const deliveries = async () =>
      (await get(`/api/risk-levels/webhooks/${webhookId}/deliveries?status=pending`)).json().items;
    const [first] = await deliveries();
    expect(first).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatus: 500,
      lastError: "The endpoint answered HTTP 500.",
      nextAttemptAt: apiTime(new Date(clock.now().getTime() + 60_000)),
    });
    // A second change of the same user waits behind the first.
    clock.advance(1000);
    await db().query("UPDATE alerts SET severity = 'High', updated_at = $2 WHERE id = $1", [
      alertId,
      clock.now().toISOString(),
    ]);
    await recompute(user);
    expect(await processDeliveries(system())).toEqual({ attempted: 0, delivered: 0 });
    clock.advance(60_000);
    expect(await processDeliveries(system())).toEqual({ attempted: 1, delivered: 0 });
    expect((await deliveries()).find((d: { id: string }) => d.id === first.id)).toMatchObject({
      attempts: 2,
      lastStatus: 503,
      nextAttemptAt: apiTime(new Date(clock.now().getTime() + 5 * 60_000)),
    });
    clock.advance(5 * 60_000);
    expect(await processDeliveries(system())).toEqual({ attempted: 1, delivered: 1 });
    expect(await processDeliveries(system())).toEqual({ attempted: 1, delivered: 1 });
    const levels = receiver.received.map((r) => JSON.parse(r.body).level);
    expect(levels).toEqual(["Moderate", "Moderate", "Moderate", "Elevated"]);
    const headers = receiver.received.map((r) => r.headers["openirm-delivery-attempt"]);
    expect(headers).toEqual(["1", "2", "3", "1"]);
    expect(receiver.received.every((r) => verify(secret, r))).toBe(true);
    receiver.received.length = 0;
  });

  it("gives up after the last attempt and shows the delivery as failed", async () => {
    const user = await insertDirectoryUser(db(), "fred@contoso.com");
    await insertAlert(user, "Low");
    await recompute(user);
    receiver.answers.push(...Array(8).fill(500));
    const saved = clock.current;
    try {
      for (let i = 0; i < 8; i++) {
        await processDeliveries(system());
        clock.advance(6 * 3_600_000);
      }
    } finally {
      clock.current = saved;
    }
    const failed = (await get(`/api/risk-levels/webhooks/${webhookId}/deliveries?status=failed`)).json().items;
    expect(failed).toEqual([
      expect.objectContaining({ userId: user, status: "failed", attempts: 8, maxAttempts: 8, nextAttemptAt: null }),
    ]);
    expect((await get(`/api/risk-levels/webhooks/${webhookId}`)).json().deliveries).toMatchObject({ failed: 1 });
    receiver.received.length = 0;
  });

  it("answers 400 for an unknown delivery status and 404 for an unknown webhook", async () => {
    const bad = await get(`/api/risk-levels/webhooks/${webhookId}/deliveries?status=done`);
    expect(bad.json().detail).toBe(
      "status: 'done' is not allowed; allowed values: pending, delivered, failed, cancelled.",
    );
    expect((await post(`/api/risk-levels/webhooks/${randomUUID()}/test`)).statusCode).toBe(404);
  });
});
