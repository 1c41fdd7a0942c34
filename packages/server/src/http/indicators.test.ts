import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertConnector, signInAs, startTestServer, type TestServer } from "../../test/support.ts";

let server: TestServer;
let detections: string;
let leaver: string;
let hr: string;

const DETECTIONS_CONFIG = {
  columns: [
    { name: "UPN", type: "Text" },
    { name: "Display_Name", type: "Text" },
    { name: "Alert_Severity", type: "Text" },
    { name: "Alert_Count", type: "Number" },
    { name: "Aggregation_Date", type: "DateTime" },
    { name: "Source_Workload", type: "Text" },
  ],
  userColumn: "UPN",
  timeColumn: "Aggregation_Date",
  sourceColumn: "Source_Workload",
  sourceValues: ["Salesforce", "Dropbox"],
  mapping: {
    Salesforce: ["Display_Name", "Alert_Severity", "Alert_Count"],
    Dropbox: ["Display_Name", "Alert_Severity"],
  },
};

beforeAll(async () => {
  server = await startTestServer();
  const db = server.services.db;
  detections = await insertConnector(db, { name: "Third-party detections", config: DETECTIONS_CONFIG });
  leaver = await insertConnector(db, {
    name: "Leaver model",
    config: {
      columns: [
        { name: "UPN", type: "Text" },
        { name: "PredictionTime", type: "DateTime" },
        { name: "PredictionScore", type: "Number" },
      ],
      userColumn: "UPN",
      timeColumn: "PredictionTime",
      sourceColumn: null,
      sourceValues: [],
      mapping: { Default: ["PredictionScore"] },
    },
  });
  hr = await insertConnector(db, { name: "HR feed", type: "hr", config: { columns: [] } });
});
afterAll(async () => server.close());

const post = (payload: unknown, token?: string) =>
  server.request({ method: "POST", url: "/api/indicators", payload, ...(token ? { token } : {}) });

describe("custom indicators", () => {
  it("creates one per source value with a Number column, and a trigger-only one, audited", async () => {
    const res = await post({
      name: "Salesforce alerts",
      description: "Salesforce detections",
      connectorId: detections,
      sourceValue: "Salesforce",
      valueColumn: "Alert_Count",
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: "Salesforce alerts",
      kind: "custom",
      connector: { id: detections, name: "Third-party detections" },
      sourceValue: "Salesforce",
      valueColumn: "Alert_Count",
      triggerOnly: false,
      enabled: true,
    });
    const trigger = await post({ name: "Leaver prediction", connectorId: leaver, valueColumn: null });
    expect(trigger.statusCode).toBe(201);
    expect(trigger.json()).toMatchObject({ sourceValue: null, valueColumn: null, triggerOnly: true });

    const list = await server.request({ method: "GET", url: "/api/indicators" });
    const custom = list.json().items.filter((i: { kind: string }) => i.kind === "custom");
    expect(custom.map((i: { name: string }) => i.name)).toEqual(["Leaver prediction", "Salesforce alerts"]);
    const one = await server.request({ method: "GET", url: `/api/indicators/${res.json().id}` });
    expect(one.json().description).toBe("Salesforce detections");
    const audit = await server.services.db.query<{ action: string; details: Record<string, unknown> }>(
      "SELECT action, details FROM audit_entries WHERE target_id = $1",
      [res.json().id],
    );
    expect(audit.rows).toEqual([
      {
        action: "indicator.create",
        details: expect.objectContaining({
          name: "Salesforce alerts",
          sourceValue: "Salesforce",
          valueColumn: "Alert_Count",
        }),
      },
    ]);
  });

  it("refuses a second indicator with the same name (any case)", async () => {
    const res = await post({ name: "salesforce ALERTS", connectorId: detections, sourceValue: "Salesforce" });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toBe("An indicator named 'Salesforce alerts' already exists; choose another name.");
  });

  it("names the valid source values", async () => {
    const missing = await post({ name: "A", connectorId: detections, valueColumn: "Alert_Count" });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toBe(
      "sourceValue: connector 'Third-party detections' splits its rows by column Source_Workload; choose one of its values: Salesforce, Dropbox.",
    );
    const wrong = await post({ name: "A", connectorId: detections, sourceValue: "Box" });
    expect(wrong.json().detail).toBe(
      "sourceValue: 'Box' is not a value of column Source_Workload in connector 'Third-party detections'; valid values: Salesforce, Dropbox.",
    );
    expect(wrong.json().details).toMatchObject({ column: "sourceValue", validValues: ["Salesforce", "Dropbox"] });
  });

  it("names the value column, its type and the Number columns kept for the source value", async () => {
    const text = await post({
      name: "A",
      connectorId: detections,
      sourceValue: "Salesforce",
      valueColumn: "Alert_Severity",
    });
    expect(text.statusCode).toBe(400);
    expect(text.json().detail).toBe(
      "valueColumn: column 'Alert_Severity' is of type Text; thresholds need a Number column. Number columns available: Alert_Count.",
    );
    const notKept = await post({
      name: "A",
      connectorId: detections,
      sourceValue: "Dropbox",
      valueColumn: "Alert_Count",
    });
    expect(notKept.json().detail).toBe(
      "valueColumn: column 'Alert_Count' is not kept for source value Dropbox in connector 'Third-party detections'. Number columns available: (none).",
    );
  });

  it("requires an existing indicators connector", async () => {
    const none = await post({ name: "A", connectorId: "5f1ed0a4-7b8f-4a59-9a9e-2a1f3f6f7a01" });
    expect(none.statusCode).toBe(400);
    expect(none.json().detail).toBe("connectorId: connector '5f1ed0a4-7b8f-4a59-9a9e-2a1f3f6f7a01' does not exist.");
    const wrongType = await post({ name: "A", connectorId: hr });
    expect(wrongType.json().detail).toBe(
      "connectorId: connector 'HR feed' is of type hr; custom indicators are built on an indicators connector.",
    );
    expect((await server.request({ method: "GET", url: "/api/indicators/not-a-uuid" })).statusCode).toBe(404);
  });

  it("treats a deleted connector as gone", async () => {
    const gone = await insertConnector(server.services.db, { name: "Retired feed", config: DETECTIONS_CONFIG });
    await server.services.db.query("UPDATE connectors SET deleted_at = now() WHERE id = $1", [gone]);
    const res = await post({
      name: "On a deleted connector",
      connectorId: gone,
      sourceValue: "Salesforce",
      valueColumn: "Alert_Count",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(`connectorId: connector '${gone}' does not exist.`);
  });

  it("lets Analysts read but not create indicators", async () => {
    const analyst = await signInAs(server, "ana", ["InsiderRiskManagementAnalysts"]);
    expect((await server.request({ method: "GET", url: "/api/indicators", token: analyst })).statusCode).toBe(200);
    expect((await post({ name: "B", connectorId: leaver }, analyst)).statusCode).toBe(403);
  });
});

describe("built-in indicators", () => {
  const patch = (id: string, payload: unknown, token?: string) =>
    server.request({ method: "PATCH", url: `/api/indicators/${id}`, payload, ...(token ? { token } : {}) });

  it("lists the catalog turned off, with category and default thresholds, next to custom indicators", async () => {
    const list = (await server.request({ method: "GET", url: "/api/indicators" })).json().items;
    const builtins = list.filter((i: { kind: string }) => i.kind === "builtin");
    expect(builtins.length).toBeGreaterThan(40);
    expect(builtins.every((i: { enabled: boolean }) => !i.enabled)).toBe(true);
    expect(builtins[0]).toMatchObject({
      id: "office.documentSiteDownload",
      kind: "builtin",
      category: "office",
      categoryName: "Office",
      measure: "files",
      defaultThresholds: { low: 50, medium: 100, high: 300 },
      sequenceStage: "collection",
      canTrigger: true,
      enabled: false,
    });
    const device = await server.request({ method: "GET", url: "/api/indicators?kind=builtin&category=device" });
    expect(device.json().items.every((i: { category: string }) => i.category === "device")).toBe(true);
    const bad = await server.request({ method: "GET", url: "/api/indicators?kind=other" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toBe("kind 'other' is not one of: builtin, custom.");
  });

  it("turns a built-in indicator on and off by its stable id, audited", async () => {
    const on = await patch("device.print", { enabled: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toMatchObject({ id: "device.print", enabled: true });
    expect((await server.request({ method: "GET", url: "/api/indicators/device.print" })).json().enabled).toBe(true);
    const off = await patch("device.print", { enabled: false });
    expect(off.json().enabled).toBe(false);
    const audit = await server.services.db.query<{ action: string; details: Record<string, unknown> }>(
      "SELECT action, details FROM audit_entries WHERE action LIKE 'indicator.%able' ORDER BY at, action",
    );
    expect(audit.rows.map((r) => r.action)).toEqual(["indicator.enable", "indicator.disable"]);
    expect(audit.rows[0]!.details).toMatchObject({ builtinId: "device.print", enabled: true });
  });

  it("refuses a body without enabled, an unknown indicator and callers without indicators.manage", async () => {
    const bad = await patch("device.print", { enabled: "yes" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toBe(
      'enabled must be true or false; send {"enabled": true} to turn the indicator on or {"enabled": false} to turn it off.',
    );
    const extra = await patch("device.print", { enabled: true, name: "Printing" });
    expect(extra.json().detail).toBe(
      "Only 'enabled' can be changed on an indicator (got 'name'); send {\"enabled\": true} or {\"enabled\": false}.",
    );
    expect((await patch("device.nothing", { enabled: true })).statusCode).toBe(404);
    const analyst = await signInAs(server, "ana2", ["InsiderRiskManagementAnalysts"]);
    expect((await patch("device.print", { enabled: true }, analyst)).statusCode).toBe(403);
  });

  it("refuses to turn off an indicator a policy selects", async () => {
    await patch("office.emailExternal", { enabled: true });
    const created = await server.request({
      method: "POST",
      url: "/api/policies",
      payload: {
        name: "Leaks by e-mail",
        template: "data-leaks",
        scope: { allUsers: true },
        indicators: [{ indicatorId: "office.emailExternal" }],
      },
    });
    expect(created.statusCode).toBe(201);
    const off = await patch("office.emailExternal", { enabled: false });
    expect(off.statusCode).toBe(409);
    expect(off.json().detail).toBe(
      "Indicator 'Sending e-mail with attachments outside the organisation' is selected by policy 'Leaks by e-mail'; remove it from that policy before turning it off.",
    );
  });
});
