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
    expect(list.json().items.map((i: { name: string }) => i.name)).toEqual(["Leaver prediction", "Salesforce alerts"]);
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
