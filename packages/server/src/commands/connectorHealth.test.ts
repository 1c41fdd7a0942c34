// Connector health over HTTP with a pinned clock: the last upload, the 24-hour and 7-day windows,
// the error rate and the HR silence warning; and the judgement itself on exact facts.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appToken, createApp, EXAMPLE1_CONNECTOR, fixture, type TestApp, upload } from "../../test/protocol/setup.ts";
import { signInAdmin, startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { assessHealth, type HealthFacts } from "./connectorHealth.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let server: TestServer;
let app: TestApp;
let adminToken: string;
const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));

beforeAll(async () => {
  server = await startTestServer({ clock });
  app = await createApp(server);
  adminToken = server.adminToken;
});
afterAll(async () => server.close());

/** Tokens expire as the clock moves: sign the admin and the app in again at the current time. */
async function signInAgain() {
  adminToken = await signInAdmin(server);
  app.token = await appToken(server, app);
}

/** Moves the clock (tokens are issued again at the new time). */
async function advance(ms: number) {
  clock.advance(ms);
  await signInAgain();
}

async function setClock(at: string) {
  clock.current = new Date(at);
  await signInAgain();
}

async function createConnector(body: Record<string, unknown>) {
  const res = await server.request({ method: "POST", url: "/api/connectors", payload: body, token: adminToken });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; jobId: string };
}

async function health(id: string) {
  const res = await server.request({ method: "GET", url: `/api/connectors/${id}/health`, token: adminToken });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe("GET /api/connectors/:id/health", () => {
  it("counts records in the last 24 hours and 7 days, computes the error rate and flags a high one", async () => {
    await setClock("2026-11-21T12:00:00.000Z");
    const c = await createConnector({
      ...EXAMPLE1_CONNECTOR,
      name: "Windows",
      appId: app.clientId,
      sample: fixture("indicators-example1-upn.csv").toString(),
    });
    expect(await health(c.id)).toMatchObject({
      status: "healthy",
      lastUpload: null,
      last24Hours: { runs: 0, recordsReceived: 0 },
      errorRate: null,
      warnings: [],
    });
    // Day 0: 3 good records.
    await upload(server, { jobId: c.jobId, token: app.token, content: fixture("indicators-example1-upn.csv") });
    // Day 2: 2 records, one with a score that is not a number.
    await advance(2 * DAY);
    const second = await upload(server, {
      jobId: c.jobId,
      token: app.token,
      content:
        "UPN,PredictionTime,PredictionScore,ModelInfo\r\na@contoso.com,2026-11-23T10:00:00Z,4,m\r\nb@contoso.com,2026-11-23T10:00:00Z,high,m\r\n",
    });
    await advance(HOUR);
    const h = await health(c.id);
    expect(h).toMatchObject({
      connectorId: c.id,
      name: "Windows",
      status: "warning",
      lastUpload: {
        runId: second.json().runId,
        receivedAt: "2026-11-23T12:00:00Z",
        status: "completed",
        origin: "upload",
        recordsReceived: 2,
        recordsSaved: 1,
        recordsRejected: 1,
      },
      lastSuccessfulUploadAt: "2026-11-23T12:00:00Z",
      last24Hours: {
        runs: 1,
        failedRuns: 0,
        recordsReceived: 2,
        recordsSaved: 1,
        recordsRejected: 1,
        recordsDuplicate: 0,
      },
      last7Days: {
        runs: 2,
        failedRuns: 0,
        recordsReceived: 5,
        recordsSaved: 4,
        recordsRejected: 1,
        recordsDuplicate: 0,
      },
      errorRate: 0.2,
    });
    expect(h.warnings).toEqual([
      `20% of the records received in the last 7 days were rejected (1 of 5); the run log lists each rejected row with its line, column and reason ('openirm runs list --connector ${c.id}').`,
    ]);
    // Day 8: the first upload has left the 7-day window, the second has not.
    await advance(6 * DAY - 2 * HOUR);
    expect(await health(c.id)).toMatchObject({
      last24Hours: { runs: 0, recordsReceived: 0 },
      last7Days: { runs: 1, recordsReceived: 2, recordsSaved: 1 },
      errorRate: 0.5,
    });
  });

  it("flags an HR connector without an upload for 7 days, and shows it in the connector list", async () => {
    await setClock("2026-12-01T08:00:00.000Z");
    const hr = await createConnector({ type: "hr", name: "HR feed", appId: app.clientId });
    await advance(6 * DAY);
    expect((await health(hr.id)).warnings).toEqual([]);
    await advance(2 * DAY);
    expect((await health(hr.id)).warnings).toEqual([
      "No upload for 7 days: HR connector 'HR feed' has received no successful upload since it was created on 2026-12-01T08:00:00Z. Departing-user and risky-user triggers depend on it; check the upload script or the scheduled import.",
    ]);
    const res = await upload(server, { jobId: hr.jobId, token: app.token, content: fixture("hr-resignation.csv") });
    expect(res.json()).toMatchObject({ status: "completed", recordsSaved: 2 });
    expect(await health(hr.id)).toMatchObject({ status: "healthy", warnings: [] });
    await advance(7 * DAY + HOUR);
    const stale = await health(hr.id);
    expect(stale.status).toBe("warning");
    expect(stale.warnings).toEqual([
      "No upload for 7 days: the last successful upload of HR connector 'HR feed' was received on 2026-12-09T08:00:00Z (7 days ago). Departing-user and risky-user triggers depend on it; check the upload script or the scheduled import.",
    ]);
    const list = (await server.request({ method: "GET", url: "/api/connectors", token: adminToken })).json();
    const item = list.items.find((i: { id: string }) => i.id === hr.id);
    expect(item.health.warnings).toEqual(stale.warnings);
    expect(item.schedule).toBeNull();
  });

  it("reports a failed last upload", async () => {
    await setClock("2026-12-20T08:00:00.000Z");
    const c = await createConnector({
      ...EXAMPLE1_CONNECTOR,
      name: "Broken files",
      appId: app.clientId,
      sample: fixture("indicators-example1-upn.csv").toString(),
    });
    const res = await upload(server, { jobId: c.jobId, token: app.token, content: "Who,When\r\nx,y\r\n" });
    expect(res.statusCode).toBe(400);
    const h = await health(c.id);
    expect(h.lastUpload).toMatchObject({ status: "failed", error: res.json().detail });
    expect(h.last24Hours).toMatchObject({ runs: 1, failedRuns: 1 });
    expect(h.warnings).toEqual([`The last upload (2026-12-20T08:00:00Z) failed: ${res.json().detail}`]);
  });
});

describe("assessHealth", () => {
  const empty = {
    runs: 0,
    failedRuns: 0,
    recordsReceived: 0,
    recordsSaved: 0,
    recordsRejected: 0,
    recordsDuplicate: 0,
  };
  const facts = (over: Partial<HealthFacts>): HealthFacts => ({
    id: "c1",
    type: "indicators",
    name: "C",
    disabled: false,
    createdAt: "2026-01-01 00:00:00+00",
    lastRun: null,
    lastCompletedAt: null,
    last24Hours: empty,
    last7Days: empty,
    schedule: null,
    ...over,
  });
  const now = new Date("2026-02-01T00:00:00Z");

  it("flags HR silence only for HR connectors, from the 7th day on", () => {
    expect(assessHealth(facts({ type: "indicators" }), now).warnings).toEqual([]);
    const justInside = facts({ type: "hr", lastCompletedAt: "2026-01-25 00:00:01+00" });
    expect(assessHealth(justInside, now).warnings).toEqual([]);
    const justOutside = facts({ type: "hr", lastCompletedAt: "2026-01-24 23:59:59+00" });
    expect(assessHealth(justOutside, now).warnings[0]).toMatch(/^No upload for 7 days: .* \(7 days ago\)/);
  });

  it("flags an error rate above 10% but not at 10%, and reports a failed scheduled import", () => {
    const at10 = facts({ last7Days: { ...empty, recordsReceived: 100, recordsRejected: 10 } });
    expect(assessHealth(at10, now)).toMatchObject({ errorRate: 0.1, warnings: [], status: "healthy" });
    const scheduled = facts({
      disabled: true,
      schedule: {
        enabled: true,
        last_status: "failed",
        last_message: "folder gone",
        last_run_at: "2026-01-31 02:00:00+00",
      },
    });
    expect(assessHealth(scheduled, now)).toMatchObject({
      status: "disabled",
      warnings: ["The last scheduled import (2026-01-31T02:00:00Z) failed: folder gone"],
    });
  });
});
