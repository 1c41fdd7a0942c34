import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs, startTestServer, type TestServer } from "../../test/support.ts";

let server: TestServer;
let auditorToken: string;
beforeAll(async () => {
  server = await startTestServer();
  auditorToken = await signInAs(server, "audrey", ["InsiderRiskManagementAuditors"]);
});
afterAll(async () => server.close());

describe("audit log", () => {
  it("records who created an app registration, readable by an Auditor, without the secret", async () => {
    const app = (
      await server.request({ method: "POST", url: "/api/apps", payload: { name: "Payroll export" } })
    ).json();
    const res = await server.request({ method: "GET", url: "/api/audit?category=Apps", token: auditorToken });
    expect(res.statusCode).toBe(200);
    const entry = res.json().items.find((e: { targetId: string }) => e.targetId === app.clientId);
    expect(entry).toMatchObject({
      action: "app.create",
      category: "Apps",
      actorName: "admin",
      details: { name: "Payroll export" },
    });
    expect(JSON.stringify(res.json())).not.toContain(app.clientSecret);
  });

  it("exports the log as CSV", async () => {
    const res = await server.request({ method: "GET", url: "/api/audit.csv", token: auditorToken });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/csv/);
    const lines = res.body.trim().split("\r\n");
    expect(lines[0]).toBe("Date,Activity,Category,Activity performed by,Target type,Target,Details");
    expect(lines.some((l) => l.includes("account.create") && l.includes("audrey"))).toBe(true);
  });

  it("rejects a malformed date filter naming the parameter", async () => {
    const res = await server.request({ method: "GET", url: "/api/audit?from=yesterday", token: auditorToken });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe("from: 'yesterday' is not a date (use YYYY-MM-DD or ISO 8601).");
  });

  it("is closed to roles without audit.read", async () => {
    const token = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
    expect((await server.request({ method: "GET", url: "/api/audit", token })).statusCode).toBe(403);
  });
});
