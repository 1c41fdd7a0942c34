// Connector creation and reading over HTTP: validation against the sample, audit, runs and the
// downloadable logs.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApp,
  createConnector,
  EXAMPLE1_CONNECTOR,
  fixture,
  type TestApp,
  upload,
} from "../../test/protocol/setup.ts";
import { startTestServer, type TestServer } from "../../test/support.ts";

let server: TestServer;
let app: TestApp;
const example2 = () => fixture("indicators-example2-upn.csv").toString();

beforeAll(async () => {
  server = await startTestServer();
  app = await createApp(server);
});
afterAll(async () => server.close());

async function post(payload: Record<string, unknown>, token?: string) {
  return server.request({ method: "POST", url: "/api/connectors", payload, ...(token ? { token } : {}) });
}

describe("POST /api/connectors/infer", () => {
  it("infers the sample's delimiter, column types and examples", async () => {
    const res = await server.request({ method: "POST", url: "/api/connectors/infer", payload: { sample: example2() } });
    expect(res.statusCode).toBe(200);
    const { delimiter, columns } = res.json();
    expect(delimiter).toBe(",");
    expect(columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual([
      "UPN:Text",
      "Display_Name:Text",
      "Alert_Severity:Text",
      "Alert_Count:Number",
      "Aggregation_Date:DateTime",
      "Source_Workload:Text",
      "AdditionalInfo_Salesforce:Text",
      "AdditionalInfo_Dropbox:Text",
    ]);
    expect(columns[2].examples).toEqual(["High", "Medium", "Low"]);
  });
});

describe("POST /api/connectors", () => {
  it("creates an indicators connector with a job ID, typed columns and the mapping, and audits it", async () => {
    const res = await post({
      type: "indicators",
      name: "SIEM detections",
      appId: app.clientId,
      sample: example2(),
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: "Source_Workload",
      sourceValues: ["Salesforce", "Dropbox"],
      mapping: { Salesforce: ["Alert_Count", "AdditionalInfo_Salesforce"], Default: ["Alert_Count"] },
      columnTypes: { Alert_Severity: "Text" },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ type: "indicators", name: "SIEM detections", appId: app.clientId });
    expect(body.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.config).toEqual({
      columns: expect.arrayContaining([{ name: "Alert_Count", type: "Number" }]),
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: "Source_Workload",
      sourceValues: ["Salesforce", "Dropbox"],
      mapping: { Salesforce: ["Alert_Count", "AdditionalInfo_Salesforce"], Dropbox: ["Alert_Count"] },
      strictDuplicates: false,
      delimiter: ",",
    });
    const { rows } = await server.services.db.query<{ action: string; actor_name: string; details: { jobId: string } }>(
      "SELECT action, actor_name, details FROM audit_entries WHERE target_id = $1",
      [body.id],
    );
    expect(rows).toEqual([
      { action: "connector.create", actor_name: "admin", details: expect.objectContaining({ jobId: body.jobId }) },
    ]);
  });

  it("names a source column that is not in the sample and suggests the closest one", async () => {
    const res = await post({
      type: "indicators",
      name: "x",
      appId: app.clientId,
      sample: example2(),
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: "SourceWorkload",
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(
      "Column 'SourceWorkload' is not in the sample file. Did you mean 'Source_Workload'? The file has: UPN, Display_Name, Alert_Severity, Alert_Count, Aggregation_Date, Source_Workload, AdditionalInfo_Salesforce, AdditionalInfo_Dropbox.",
    );
    expect(res.json().details.column).toBe("sourceColumn");
  });

  it("refuses spaces in the source values and values the sample lacks", async () => {
    const base = {
      type: "indicators",
      name: "x",
      appId: app.clientId,
      sample: example2(),
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: "Source_Workload",
    };
    const spaced = await post({ ...base, sourceValues: "Salesforce, Dropbox" });
    expect(spaced.statusCode).toBe(400);
    expect(spaced.json().detail).toContain("must be comma-separated with no spaces");
    const missing = await post({ ...base, sourceValues: "Salesforce,Box" });
    expect(missing.json().detail).toBe(
      "Source value 'Box' does not occur in column 'Source_Workload' of the sample file. The column holds: Salesforce, Dropbox.",
    );
  });

  it("requires a DateTime time column and an existing app", async () => {
    const text = await post({
      ...EXAMPLE1_CONNECTOR,
      appId: app.clientId,
      sample: fixture("indicators-example1-upn.csv").toString(),
      timeColumn: "ModelInfo",
    });
    expect(text.json().detail).toMatch(
      /^timeColumn: column 'ModelInfo' is Text, but the event time column must be DateTime/,
    );
    const noApp = await post({
      ...EXAMPLE1_CONNECTOR,
      appId: "29ee526e-f9a7-4e98-a682-67f41bfd643e",
      sample: fixture("indicators-example1-upn.csv").toString(),
    });
    expect(noApp.statusCode).toBe(400);
    expect(noApp.json().detail).toMatch(
      /^appId: no app registration has the client ID '29ee526e-f9a7-4e98-a682-67f41bfd643e'/,
    );
  });

  it("is for connector admins only", async () => {
    await server.request({
      method: "POST",
      url: "/api/accounts",
      payload: { username: "analyst", password: "analyst-pass", roleGroups: ["InsiderRiskManagementAnalysts"] },
    });
    const token = (
      await server.request({
        method: "POST",
        url: "/api/auth/login",
        payload: { username: "analyst", password: "analyst-pass" },
        token: null,
      })
    ).json().token;
    const res = await post({ ...EXAMPLE1_CONNECTOR, appId: app.clientId, sample: "UPN,PredictionTime" }, token);
    expect(res.statusCode).toBe(403);
    expect((await server.request({ method: "GET", url: "/api/connectors", token })).statusCode).toBe(403);
  });
});

describe("reading connectors and runs", () => {
  let connector: { id: string; jobId: string };
  const runIds: string[] = [];
  let dcaToken: string;

  beforeAll(async () => {
    connector = await createConnector(server, {
      ...EXAMPLE1_CONNECTOR,
      name: "Runs",
      appId: app.clientId,
      sample: fixture("indicators-example1-upn.csv").toString(),
    });
    for (const content of [
      fixture("indicators-example1-upn.csv"),
      'UPN,PredictionTime,PredictionScore,ModelInfo\r\n=cmd,2023-04-20T05:52:56Z,1,a\r\nok@x.y,2023-04-20T05:52:56Z,x,"q"""\r\n',
    ]) {
      runIds.push((await upload(server, { jobId: connector.jobId, token: app.token, content })).json().runId);
    }
    await server.request({
      method: "POST",
      url: "/api/accounts",
      payload: { username: "dca", password: "dca-password", roleGroups: ["DataConnectorAdmin"] },
    });
    dcaToken = (
      await server.request({
        method: "POST",
        url: "/api/auth/login",
        payload: { username: "dca", password: "dca-password" },
        token: null,
      })
    ).json().token;
  });

  it("lists connectors with their last run", async () => {
    const list = (await server.request({ method: "GET", url: "/api/connectors" })).json();
    const item = list.items.find((c: { id: string }) => c.id === connector.id);
    expect(item.lastRun).toMatchObject({ id: runIds[1], status: "completed", recordsReceived: 2, recordsRejected: 2 });
    const one = (await server.request({ method: "GET", url: `/api/connectors/${connector.id}` })).json();
    expect(one).toMatchObject({ id: connector.id, jobId: connector.jobId, lastRun: { id: runIds[1] } });
    expect(one.lastRun.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect((await server.request({ method: "GET", url: "/api/connectors/nope" })).statusCode).toBe(404);
  });

  it("pages runs newest first", async () => {
    const page = (
      await server.request({ method: "GET", url: `/api/connectors/${connector.id}/runs?limit=1&offset=1` })
    ).json();
    expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.items.map((r: { id: string }) => r.id)).toEqual([runIds[0]]);
  });

  it("downloads the upload log as CSV", async () => {
    const res = await server.request({ method: "GET", url: `/api/connectors/${connector.id}/runs.csv` });
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toContain("attachment");
    const lines = res.body.trimEnd().split("\r\n");
    expect(lines[0]).toBe("Time,App,RecordsReceived,RecordsSaved,RecordsRejected,RecordsDuplicate,Status,Warnings");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(new RegExp(`^[^,]+Z,${app.clientId},3,3,0,0,completed,"3 row\\(s\\) had more fields`));
  });

  it("downloads rejected rows as CSV, raw rows only for roles that may see identities", async () => {
    const admin = await server.request({ method: "GET", url: `/api/runs/${runIds[1]}/rejections.csv` });
    expect(admin.body).toBe(
      "Line,Column,Reason,Kind,Raw\r\n" +
        "2,UPN,'=cmd' is not a user principal name (name@domain).,rejected,\"'=cmd,2023-04-20T05:52:56Z,1,a\"\r\n" +
        `3,PredictionScore,'x' is not a number.,rejected,"ok@x.y,2023-04-20T05:52:56Z,x,""q"""""""\r\n`,
    );
    const dca = await server.request({ method: "GET", url: `/api/runs/${runIds[1]}/rejections.csv`, token: dcaToken });
    expect(dca.body.split("\r\n")[1]).toBe("2,UPN,'=cmd' is not a user principal name (name@domain).,rejected,");
    const run = (await server.request({ method: "GET", url: `/api/runs/${runIds[1]}`, token: dcaToken })).json();
    expect(run.rejections[0]).toEqual({
      line: 2,
      column: "UPN",
      reason: "'=cmd' is not a user principal name (name@domain).",
      kind: "rejected",
      raw: null,
    });
  });
});
