import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAs, startTestServer, type TestServer } from "../../test/support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const patch = (payload: unknown, token?: string) =>
  server.request({ method: "PATCH", url: "/api/settings", payload, ...(token ? { token } : {}) });

describe("tenant settings", () => {
  it("starts with the defaults", async () => {
    const res = await server.request({ method: "GET", url: "/api/settings" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      activationWindowDays: 30,
      pastActivityDays: 90,
      privacy: { showNamesToEntitledRoles: true },
    });
  });

  it("answers 400 naming the field and its range for out-of-range values, and changes nothing", async () => {
    const high = await patch({ activationWindowDays: 31 });
    expect(high.statusCode).toBe(400);
    expect(high.json().detail).toBe("activationWindowDays must be a whole number of days from 1 to 30 (got 31).");
    expect(high.json().details).toEqual({ column: "activationWindowDays", min: 1, max: 30 });
    const low = await patch({ pastActivityDays: -1 });
    expect(low.json().detail).toBe("pastActivityDays must be a whole number of days from 0 to 90 (got -1).");
    expect((await patch({ privacy: { showNamesToEntitledRoles: "false" } })).statusCode).toBe(400);
    expect((await server.request({ method: "GET", url: "/api/settings" })).json().activationWindowDays).toBe(30);
  });

  it("applies a change, keeps the running server current and audits previous and new values", async () => {
    const res = await patch({ pastActivityDays: 14, privacy: { showNamesToEntitledRoles: false } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      activationWindowDays: 30,
      pastActivityDays: 14,
      privacy: { showNamesToEntitledRoles: false },
    });
    expect(server.services.tenant.settings).toMatchObject({
      pastActivityDays: 14,
      privacy: { showNamesToEntitledRoles: false },
    });
    const stored = await server.services.db.query<{ settings: Record<string, unknown> }>("SELECT settings FROM tenant");
    expect(stored.rows[0]!.settings).toEqual({
      activationWindowDays: 30,
      pastActivityDays: 14,
      privacy: { showNamesToEntitledRoles: false },
    });
    const audit = await server.services.db.query<{ details: Record<string, unknown> }>(
      "SELECT details FROM audit_entries WHERE action = 'settings.update'",
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.details).toMatchObject({
      changed: ["pastActivityDays", "privacy.showNamesToEntitledRoles"],
      previous: { pastActivityDays: 90, privacy: { showNamesToEntitledRoles: true } },
      next: { pastActivityDays: 14, privacy: { showNamesToEntitledRoles: false } },
    });
    // Repeating the same values is not a change: no second audit entry.
    await patch({ pastActivityDays: 14 });
    const again = await server.services.db.query("SELECT 1 FROM audit_entries WHERE action = 'settings.update'");
    expect(again.rows).toHaveLength(1);
  });

  it("lets Analysts read but not change settings", async () => {
    const analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
    expect((await server.request({ method: "GET", url: "/api/settings", token: analyst })).statusCode).toBe(200);
    expect((await patch({ activationWindowDays: 5 }, analyst)).statusCode).toBe(403);
  });
});
