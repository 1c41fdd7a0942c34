// Connectors over HTTP: creation and its validation against the sample, audit, runs and the
// downloadable logs; editing the mapping, name and app, disabling, enabling and deleting.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApp,
  createConnector,
  EXAMPLE1_CONNECTOR,
  fixture,
  type TestApp,
  upload,
} from "../../test/protocol/setup.ts";
import { insertConnector, signInAs, startTestServer, type TestServer } from "../../test/support.ts";

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
    const token = await signInAs(server, "analyst", ["InsiderRiskManagementAnalysts"]);
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
    dcaToken = await signInAs(server, "dca", ["DataConnectorAdmin"]);
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

const EXAMPLE2_CONNECTOR = {
  type: "indicators",
  userColumn: "UPN",
  timeColumn: "Aggregation_Date",
  sourceColumn: "Source_Workload",
  sourceValues: "Salesforce,Dropbox",
  mapping: { Salesforce: ["Alert_Count", "AdditionalInfo_Salesforce"], Dropbox: ["Alert_Count"] },
};

async function patch(id: string, payload: unknown, token?: string) {
  return server.request({ method: "PATCH", url: `/api/connectors/${id}`, payload, ...(token ? { token } : {}) });
}

async function auditOf(id: string) {
  const { rows } = await server.services.db.query<{ action: string; details: Record<string, unknown> }>(
    "SELECT action, details FROM audit_entries WHERE target_id = $1 ORDER BY id",
    [id],
  );
  return rows;
}

async function signalCount(connectorId: string): Promise<number> {
  const { rows } = await server.services.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM signals WHERE connector_id = $1",
    [connectorId],
  );
  return rows[0]?.n ?? -1;
}

describe("PATCH /api/connectors/:id", () => {
  it("changes the mapping of one source value, keeps the others, and audits before and after", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE2_CONNECTOR,
      name: "Edit map",
      appId: app.clientId,
      sample: example2(),
    });
    const res = await patch(c.id, { mapping: { Dropbox: ["Alert_Count", "AdditionalInfo_Dropbox"] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().changed).toEqual(["mapping"]);
    expect(res.json().config.mapping).toEqual({
      Salesforce: ["Alert_Count", "AdditionalInfo_Salesforce"],
      Dropbox: ["Alert_Count", "AdditionalInfo_Dropbox"],
    });
    expect(res.json().jobId).toBe(c.jobId);
    const shown = (await server.request({ method: "GET", url: `/api/connectors/${c.id}` })).json();
    expect(shown.config.mapping.Dropbox).toEqual(["Alert_Count", "AdditionalInfo_Dropbox"]);
    const entries = await auditOf(c.id);
    expect(entries.map((e) => e.action)).toEqual(["connector.create", "connector.update"]);
    expect(entries[1]?.details).toMatchObject({
      changed: ["mapping"],
      before: { mapping: { Dropbox: ["Alert_Count"] } },
      after: { mapping: { Dropbox: ["Alert_Count", "AdditionalInfo_Dropbox"] } },
    });
  });

  it("applies a Default mapping entry to every source value the request does not name", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE2_CONNECTOR,
      name: "Edit default",
      appId: app.clientId,
      sample: example2(),
    });
    const res = await patch(c.id, { mapping: { Default: ["Alert_Count"], Salesforce: ["Alert_Severity"] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().config.mapping).toEqual({ Salesforce: ["Alert_Severity"], Dropbox: ["Alert_Count"] });
  });

  it("re-validates against the connector's columns: a misspelt column, an unknown source value, a non-DateTime time column", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE2_CONNECTOR,
      name: "Edit bad",
      appId: app.clientId,
      sample: example2(),
    });
    const column = await patch(c.id, { mapping: { Dropbox: ["Alert_Cnt"] } });
    expect(column.statusCode).toBe(400);
    expect(column.json().detail).toBe(
      "mapping 'Dropbox': Column 'Alert_Cnt' is not in the connector's sample. Did you mean 'Alert_Count'? The file has: UPN, Display_Name, Alert_Severity, Alert_Count, Aggregation_Date, Source_Workload, AdditionalInfo_Salesforce, AdditionalInfo_Dropbox. To use other columns or source values, send a new sample file in 'sample'.",
    );
    expect(column.json().details.column).toBe("mapping");
    const key = await patch(c.id, { mapping: { Dropbx: ["Alert_Count"] } });
    expect(key.json().detail).toBe(
      "mapping: 'Dropbx' is not a source value of this connector. Did you mean 'Dropbox'? Use one of: Salesforce, Dropbox, Default.",
    );
    const time = await patch(c.id, { timeColumn: "Alert_Count" });
    expect(time.json().detail).toMatch(
      /^timeColumn: column 'Alert_Count' is Number, but the event time column must be DateTime/,
    );
    const value = await patch(c.id, { sourceValues: "Salesforce,Box" });
    expect(value.json().detail).toBe(
      "Source value 'Box' does not occur in column 'Source_Workload' of the connector's sample. The column holds: Salesforce, Dropbox. To use other columns or source values, send a new sample file in 'sample'.",
    );
    // Nothing was changed by the refused requests.
    const shown = (await server.request({ method: "GET", url: `/api/connectors/${c.id}` })).json();
    expect(shown.config.mapping).toEqual({
      Salesforce: ["Alert_Count", "AdditionalInfo_Salesforce"],
      Dropbox: ["Alert_Count"],
    });
    expect((await auditOf(c.id)).map((e) => e.action)).toEqual(["connector.create"]);
  });

  it("drops a source value and keeps the mapping of the others; a new sample adds columns and values", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE2_CONNECTOR,
      name: "Edit values",
      appId: app.clientId,
      sample: example2(),
    });
    const fewer = await patch(c.id, { sourceValues: ["Salesforce"] });
    expect(fewer.statusCode, fewer.body).toBe(200);
    expect(fewer.json().changed).toEqual(["sourceValues", "mapping"]);
    expect(fewer.json().config.mapping).toEqual({ Salesforce: ["Alert_Count", "AdditionalInfo_Salesforce"] });
    const sample =
      `${example2().trimEnd()}\r\nbradh@contoso.com,Box - upload,Low,2,2023-04-24T05:52:56Z,Box,text,text\r\n`
        .replace("AdditionalInfo_Dropbox", "AdditionalInfo_Dropbox,Region")
        .replace(/text,text\r\n/g, "text,text,EU\r\n");
    const wider = await patch(c.id, { sample, sourceValues: "Salesforce,Dropbox,Box" });
    expect(wider.statusCode, wider.body).toBe(200);
    const body = wider.json();
    expect(body.config.sourceValues).toEqual(["Salesforce", "Dropbox", "Box"]);
    expect(body.config.columns.map((col: { name: string }) => col.name)).toContain("Region");
    expect(body.config.mapping.Salesforce).toEqual(["Alert_Count", "AdditionalInfo_Salesforce"]);
    expect(body.config.mapping.Box).toHaveLength(9);
  });

  it("renames and moves the connector to another app, which must exist; uploads then need the new app", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE1_CONNECTOR,
      name: "Move me",
      appId: app.clientId,
      sample: fixture("indicators-example1-upn.csv").toString(),
    });
    const unknown = await patch(c.id, { appId: "29ee526e-f9a7-4e98-a682-67f41bfd643e" });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().detail).toMatch(
      /^appId: no app registration has the client ID '29ee526e-f9a7-4e98-a682-67f41bfd643e'/,
    );
    const other = await createApp(server, "second uploader");
    const moved = await patch(c.id, { name: "  Moved  ", appId: other.clientId.toUpperCase() });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ name: "Moved", appId: other.clientId, changed: ["name", "appId"] });
    const oldApp = await upload(server, {
      jobId: c.jobId,
      token: app.token,
      content: fixture("indicators-example1-upn.csv"),
    });
    expect(oldApp.statusCode).toBe(403);
    expect(oldApp.json().detail).toBe("jobId and corresponding appId do not match.");
    const newApp = await upload(server, {
      jobId: c.jobId,
      token: other.token,
      content: fixture("indicators-example1-upn.csv"),
    });
    expect(newApp.statusCode).toBe(200);
    expect(newApp.json()).toMatchObject({ recordsReceived: 3, recordsSaved: 3 });
    expect((await auditOf(c.id))[1]?.details).toMatchObject({
      previousName: "Move me",
      previousAppId: app.clientId,
      appId: other.clientId,
    });
  });

  it("refuses a change that would break a custom indicator, naming it", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE2_CONNECTOR,
      name: "Used",
      appId: app.clientId,
      sample: example2(),
    });
    const indicator = await server.request({
      method: "POST",
      url: "/api/indicators",
      payload: {
        name: "Salesforce alerts (edit test)",
        connectorId: c.id,
        sourceValue: "Salesforce",
        valueColumn: "Alert_Count",
      },
    });
    expect(indicator.statusCode, indicator.body).toBe(201);
    const res = await patch(c.id, { mapping: { Salesforce: ["AdditionalInfo_Salesforce"] } });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe("connector_in_use");
    expect(res.json().detail).toBe(
      "Custom indicator 'Salesforce alerts (edit test)' would no longer work with this configuration: valueColumn: column 'Alert_Count' is not kept for source value Salesforce in connector 'Used'. Number columns available: (none). Change the indicator first, or keep what it uses.",
    );
  });

  it("edits an HR connector's column map without a sample", async () => {
    const c = await createConnector(server, { type: "hr", name: "HR edit", appId: app.clientId });
    const res = await patch(c.id, { columnMap: { EmailAddress: "Mail" } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().config.columnMap).toEqual({
      EmailAddress: "Mail",
      ResignationDate: "ResignationDate",
      LastWorkingDate: "LastWorkingDate",
    });
    expect(res.json().config.userColumn).toBe("Mail");
  });

  it("refuses an empty change, unknown fields, a change of type, and callers without connectors.manage", async () => {
    const c = await createConnector(server, { type: "hr", name: "HR strict", appId: app.clientId });
    const empty = await patch(c.id, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toMatch(/^The request changes nothing: give at least one of name, appId/);
    const typed = await patch(c.id, { type: "indicators" });
    expect(typed.statusCode).toBe(400);
    expect(typed.json().detail).toContain('Unrecognized key: "type"');
    const analyst = await signInAs(server, "edit-analyst", ["InsiderRiskManagementAnalysts"]);
    expect((await patch(c.id, { name: "x" }, analyst)).statusCode).toBe(403);
    expect((await patch("2b0c6e0e-0000-4000-8000-000000000000", { name: "x" })).statusCode).toBe(404);
  });
});

describe("disabling, enabling and deleting connectors", () => {
  const example1 = () => fixture("indicators-example1-upn.csv");

  it("a disabled connector refuses uploads with 403 until it is enabled again; both are audited", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE1_CONNECTOR,
      name: "Pausable",
      appId: app.clientId,
      sample: example1().toString(),
    });
    const disabled = await server.request({ method: "POST", url: `/api/connectors/${c.id}/disable` });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabled).toBe(true);
    const refused = await upload(server, { jobId: c.jobId, token: app.token, content: example1() });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toMatch(
      /^Connector 'Pausable' is disabled. Enable it with 'openirm connectors enable [0-9a-f-]{36}'.$/,
    );
    const listed = (await server.request({ method: "GET", url: "/api/connectors" })).json();
    expect(listed.items.find((i: { id: string }) => i.id === c.id).health.status).toBe("disabled");
    const enabled = await server.request({ method: "POST", url: `/api/connectors/${c.id}/enable` });
    expect(enabled.json().disabled).toBe(false);
    expect((await upload(server, { jobId: c.jobId, token: app.token, content: example1() })).statusCode).toBe(200);
    expect((await auditOf(c.id)).map((e) => e.action)).toEqual([
      "connector.create",
      "connector.disable",
      "connector.enable",
    ]);
  });

  it("deleting keeps the signals, says how many, hides the connector and makes its job ID answer 410", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE1_CONNECTOR,
      name: "Retired",
      appId: app.clientId,
      sample: example1().toString(),
    });
    const uploaded = await upload(server, { jobId: c.jobId, token: app.token, content: example1() });
    const runId = uploaded.json().runId;
    const res = await server.request({ method: "DELETE", url: `/api/connectors/${c.id}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id: c.id,
      name: "Retired",
      signals: { kept: 3, deleted: 0 },
      message:
        "Connector 'Retired' deleted; its job ID no longer accepts uploads. The 3 signals it brought are kept and still count in scoring (delete with ?deleteSignals=true to erase them).",
    });
    expect(await signalCount(c.id)).toBe(3);
    const list = (await server.request({ method: "GET", url: "/api/connectors" })).json();
    expect(list.items.map((i: { id: string }) => i.id)).not.toContain(c.id);
    const all = (await server.request({ method: "GET", url: "/api/connectors?includeDeleted=true" })).json();
    expect(all.items.find((i: { id: string }) => i.id === c.id).deletedAt).toBe(res.json().deletedAt);
    const shown = await server.request({ method: "GET", url: `/api/connectors/${c.id}` });
    expect(shown.statusCode).toBe(410);
    expect(shown.json().detail).toBe(`Connector 'Retired' was deleted on ${res.json().deletedAt}.`);
    const refused = await upload(server, { jobId: c.jobId, token: app.token, content: example1() });
    expect(refused.statusCode).toBe(410);
    expect(refused.json().detail).toBe(
      `The connector with job ID '${c.jobId}' was deleted on ${res.json().deletedAt}; this job ID no longer accepts uploads. Create a new connector ('openirm connectors create') and upload with its job ID.`,
    );
    // The run log stays readable.
    const runs = (await server.request({ method: "GET", url: `/api/connectors/${c.id}/runs` })).json();
    expect(runs.items.map((r: { id: string }) => r.id)).toEqual([runId]);
    expect((await server.request({ method: "DELETE", url: `/api/connectors/${c.id}` })).statusCode).toBe(410);
    expect((await auditOf(c.id)).at(-1)).toMatchObject({
      action: "connector.delete",
      details: { deleteSignals: false, signalsKept: 3, signalsDeleted: 0 },
    });
  });

  it("deletes the signals too when asked, and keeps the run log", async () => {
    const c = await createConnector(server, {
      ...EXAMPLE1_CONNECTOR,
      name: "Erased",
      appId: app.clientId,
      sample: example1().toString(),
    });
    await upload(server, { jobId: c.jobId, token: app.token, content: example1() });
    expect(await signalCount(c.id)).toBe(3);
    const bad = await server.request({ method: "DELETE", url: `/api/connectors/${c.id}?deleteSignals=maybe` });
    expect(bad.statusCode).toBe(400);
    const res = await server.request({ method: "DELETE", url: `/api/connectors/${c.id}?deleteSignals=true` });
    expect(res.json()).toMatchObject({
      signals: { kept: 0, deleted: 3 },
      message: "Connector 'Erased' deleted; its job ID no longer accepts uploads. 3 signals it brought were deleted.",
    });
    expect(await signalCount(c.id)).toBe(0);
    const runs = (await server.request({ method: "GET", url: `/api/connectors/${c.id}/runs` })).json();
    expect(runs.total).toBe(1);
  });

  it("refuses to edit, disable or delete a built-in directory connector", async () => {
    const id = await insertConnector(server.services.db, {
      name: "Directory (CSV import)",
      type: "directory" as "hr",
      config: { builtIn: "directory", columns: [], mapping: {}, sourceValues: [] },
    });
    for (const res of [
      await server.request({ method: "DELETE", url: `/api/connectors/${id}` }),
      await server.request({ method: "POST", url: `/api/connectors/${id}/disable` }),
      await patch(id, { name: "x" }),
    ]) {
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe("built_in_connector");
    }
  });
});
