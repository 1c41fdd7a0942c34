import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { type DemoLoadResult, demoCanLoad, loadDemo } from "./loadDemo.ts";
import { mintAccountSession } from "./session.ts";

let server: TestServer;
let result: DemoLoadResult;
const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));

beforeAll(async () => {
  server = await startTestServer({ clock });
  result = await loadDemo(server);
}, 180_000);
afterAll(async () => server?.close());

describe("loadDemo", () => {
  it("loads the organisation through the real path", async () => {
    expect(result).toMatchObject({ people: 200, resignations: 10, recordsRejected: 0 });
    expect(result.indicatorRows).toBe(12_766);
    // HR file in one run, detections in 3 chunks of at most 5,000 records.
    expect(result.runIds).toHaveLength(4);
    expect(result.recordsSaved).toBe(10 + 12_766);
    const connectors = await server.request({ method: "GET", url: "/api/connectors" });
    expect(
      connectors
        .json()
        .items.map((c: { type: string }) => c.type)
        .sort(),
    ).toEqual(["hr", "indicators"]);
    const indicators = await server.request({ method: "GET", url: "/api/indicators?kind=custom" });
    expect(indicators.json().items).toHaveLength(2);
    const policies = await server.request({ method: "GET", url: "/api/policies" });
    expect(policies.json().items.map((p: { name: string }) => p.name)).toEqual(["Departing users data theft"]);
    const people = await server.services.db.query<{ n: number; named: number }>(
      "SELECT count(*)::int AS n, count(display_name)::int AS named FROM directory_users",
    );
    expect(people.rows[0]).toEqual({ n: 200, named: 200 });
  });

  it("raises alerts for the 6 risky leavers and for none of the busy, quiet or quietly leaving people", async () => {
    const res = await server.request({ method: "GET", url: "/api/alerts?pageSize=500" });
    expect(res.statusCode).toBe(200);
    const alerted = res
      .json()
      .items.map((a: { user: { upn: string } }) => a.user.upn)
      .sort();
    const { shouldAlert, busyBenign, departingQuiet } = result.groundTruth;
    expect(shouldAlert).toHaveLength(6);
    expect(busyBenign).toHaveLength(20);
    expect(alerted).toEqual(shouldAlert);
    expect(alerted.filter((u: string) => busyBenign.includes(u) || departingQuiet.includes(u))).toEqual([]);
    expect(result.alerts).toBe(6);
  });

  it("marks the tenant, refuses a second load and leaves no usable session behind", async () => {
    expect(await demoCanLoad(server.services)).toBe(false);
    await expect(loadDemo(server)).rejects.toThrow(
      "The demo organisation loads only into an empty database (no connectors, demo not loaded before).",
    );
    // Only the test's own sign-in is still open; the demo's session was revoked.
    const sessions = await server.services.db.query<{ open: number }>(
      "SELECT count(*)::int AS open FROM sessions WHERE revoked_at IS NULL",
    );
    expect(sessions.rows[0]?.open).toBe(1);
    const audit = await server.services.db.query<{ action: string }>(
      "SELECT action FROM audit_entries WHERE action IN ('demo.load', 'account.session.mint', 'account.session.revoke') ORDER BY id",
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["account.session.mint", "demo.load", "account.session.revoke"]);
  });

  it("a minted session token works on the API until it is revoked", async () => {
    const session = await mintAccountSession(server.services, "admin", { minutes: 5, purpose: "test" });
    const ok = await server.request({ method: "GET", url: "/api/me", token: session.token });
    expect(ok.json().actor.username).toBe("admin");
    await session.revoke();
    const revoked = await server.request({ method: "GET", url: "/api/me", token: session.token });
    expect(revoked.statusCode).toBe(401);
  });
});
