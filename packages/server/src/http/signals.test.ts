import { createHash } from "node:crypto";
// Uploads end to end: the reference fixtures' exact outcomes, duplicates, the bad-input corpus,
// answering "processing", resuming interrupted runs and the after-store hooks.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApp,
  createConnector,
  EXAMPLE1_CONNECTOR,
  fixture,
  type TestApp,
  upload,
} from "../../test/protocol/setup.ts";
import { startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { resumeRuns } from "../ingestion/resumeRuns.ts";

let server: TestServer;
let app: TestApp;
const clock = new TestClock();
const hookCalls: { runId: string; userIds: string[] }[] = [];

beforeAll(async () => {
  server = await startTestServer({ clock });
  server.services.hooks.afterSignalsStored.push(
    async (_ctx, info) => {
      hookCalls.push(info);
    },
    async () => {
      throw new Error("a broken listener");
    },
  );
  app = await createApp(server);
});
afterAll(async () => server.close());

const example2Connector = (userColumn: string) => ({
  type: "indicators",
  name: `SIEM ${userColumn}`,
  userColumn,
  timeColumn: "Aggregation_Date",
  sourceColumn: "Source_Workload",
  sourceValues: "Salesforce,Dropbox",
});

async function connectorFor(body: Record<string, unknown>, sampleFile: string) {
  return createConnector(server, { ...body, appId: app.clientId, sample: fixture(sampleFile).toString() });
}

async function send(jobId: string, content: Buffer | string) {
  return upload(server, { jobId, token: app.token, content });
}

describe("the reference fixtures", () => {
  for (const [file, userColumn] of [
    ["indicators-example1-upn.csv", "UPN"],
    ["indicators-example1-userprincipalname.csv", "UserPrincipalName"],
  ] as const) {
    it(`${file}: 3 received, 3 saved, the ModelInfo commas joined back with a warning`, async () => {
      const connector = await connectorFor({ ...EXAMPLE1_CONNECTOR, userColumn }, file);
      const res = await send(connector.jobId, fixture(file));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        runId: expect.any(String),
        status: "completed",
        recordsReceived: 3,
        recordsSaved: 3,
        recordsRejected: 0,
        recordsDuplicate: 0,
        warnings: [
          "3 row(s) had more fields than the header (lines 2, 3, 4); the extra fields were joined into the last column 'ModelInfo'. Quote values that contain the delimiter.",
        ],
      });
      const { rows } = await server.services.db.query<{ attributes: Record<string, unknown>; kind: string }>(
        "SELECT attributes, kind FROM signals WHERE run_id = $1 ORDER BY id",
        [res.json().runId],
      );
      expect(rows[0]).toEqual({
        kind: "indicator",
        attributes: {
          [userColumn]: "sarad@contoso.com",
          PredictionTime: "2023-04-20T05:52:56.962686Z",
          PredictionScore: 6,
          ModelInfo: "Model accuracy: 67%, Model name: LeaverPrediction_M1",
        },
      });
    });
  }

  it("strict duplicates: 1 saved, the 2 rows sharing user and time dropped and listed", async () => {
    const connector = await connectorFor(
      { ...EXAMPLE1_CONNECTOR, strictDuplicates: true },
      "indicators-example1-upn.csv",
    );
    const res = await send(connector.jobId, fixture("indicators-example1-upn.csv"));
    expect(res.json()).toMatchObject({ recordsReceived: 3, recordsSaved: 1, recordsDuplicate: 2, recordsRejected: 0 });
    const run = (await server.request({ method: "GET", url: `/api/runs/${res.json().runId}` })).json();
    expect(run.rejections).toEqual([
      {
        line: 3,
        column: null,
        kind: "duplicate",
        reason:
          "Dropped: the same user and time as line 4 of this file. The connector drops every row that shares user and time with another (strict duplicates).",
        raw: "sarad@contoso.com,2023-04-24T05:52:56.962686Z,9,Model accuracy: 67%, Model name: LeaverPrediction_M1",
      },
      expect.objectContaining({ line: 4, kind: "duplicate", reason: expect.stringContaining("as line 3 of") }),
    ]);
  });

  for (const [file, userColumn] of [
    ["indicators-example2-upn.csv", "UPN"],
    ["indicators-example2-user_principal_name.csv", "User_Principal_Name"],
  ] as const) {
    it(`${file}: 6 saved under their source values; the same file again is 6 duplicates`, async () => {
      const connector = await connectorFor(example2Connector(userColumn), file);
      const first = await send(connector.jobId, fixture(file));
      expect(first.json()).toMatchObject({
        recordsReceived: 6,
        recordsSaved: 6,
        recordsRejected: 0,
        recordsDuplicate: 0,
      });
      expect(first.json().warnings).toEqual([]);
      const again = await send(connector.jobId, fixture(file));
      expect(again.json()).toMatchObject({
        recordsReceived: 6,
        recordsSaved: 0,
        recordsRejected: 0,
        recordsDuplicate: 6,
      });
      const { rows } = await server.services.db.query<{ source_value: string; n: number }>(
        "SELECT source_value, count(*)::int AS n FROM signals WHERE connector_id = $1 GROUP BY 1 ORDER BY 1",
        [connector.id],
      );
      expect(rows).toEqual([
        { source_value: "Dropbox", n: 2 },
        { source_value: "Salesforce", n: 4 },
      ]);
    });
  }

  it("hr-resignation.csv: 2 saved, microseconds kept, users created lower-case", async () => {
    const connector = await createConnector(server, { type: "hr", name: "HR", appId: app.clientId });
    const res = await send(connector.jobId, fixture("hr-resignation.csv"));
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2, recordsRejected: 0 });
    const { rows } = await server.services.db.query<{
      upn: string;
      occurred_at: string;
      attributes: unknown;
      kind: string;
    }>(
      `SELECT u.upn, s.occurred_at, s.attributes, s.kind FROM signals s JOIN directory_users u ON u.id = s.user_id
        WHERE s.run_id = $1 ORDER BY s.occurred_at`,
      [res.json().runId],
    );
    expect(rows).toEqual([
      {
        upn: "sarad@contoso.com",
        kind: "hr.resignation",
        occurred_at: "2019-04-23 09:48:02.467504+00",
        attributes: { ResignationDate: "2019-04-23T09:48:02.467504Z", LastWorkingDate: "2019-04-29T09:48:02.467504Z" },
      },
      {
        upn: "pilarp@contoso.com",
        kind: "hr.resignation",
        occurred_at: "2019-04-24 09:15:49+00",
        attributes: { ResignationDate: "2019-04-24T09:15:49Z", LastWorkingDate: "2019-04-29T15:18:02.711754Z" },
      },
    ]);
  });

  it("calls the after-store hooks with the run's users; a failing hook does not fail the upload", async () => {
    const connector = await createConnector(server, { type: "hr", name: "HR hooks", appId: app.clientId });
    const res = await send(connector.jobId, fixture("hr-resignation.csv"));
    expect(res.statusCode).toBe(200);
    const call = hookCalls.find((c) => c.runId === res.json().runId);
    expect(call?.userIds).toHaveLength(2);
  });
});

describe("the upload request", () => {
  let connector: { id: string; jobId: string };
  beforeAll(async () => {
    connector = await createConnector(server, { type: "hr", name: "HR request", appId: app.clientId });
  });

  it("matches the jobid key case-insensitively", async () => {
    for (const key of ["jobId", "JOBID"]) {
      const res = await upload(server, {
        jobId: connector.jobId,
        token: app.token,
        content: fixture("hr-resignation.csv"),
        url: `/api/signals?${key}=${connector.jobId}`,
      });
      expect(res.statusCode, key).toBe(200);
    }
  });

  it("needs a job ID, a known one, and an app token", async () => {
    const none = await upload(server, { jobId: "", token: app.token, content: "x", url: "/api/signals" });
    expect(none.statusCode).toBe(400);
    expect(none.json().detail).toBe("The upload URL needs the connector's job ID: ?jobid=<job ID>.");
    const unknown = await send("0b7c4b4e-3f0e-4a7e-9c1c-3c0d8e7b6a51", "x");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toMatch(/^No connector has the job ID '0b7c4b4e-3f0e-4a7e-9c1c-3c0d8e7b6a51'/);
    const wrong = await send("not-a-guid", "x");
    expect(wrong.statusCode).toBe(404);
    const account = await upload(server, { jobId: connector.jobId, token: server.adminToken, content: "x" });
    expect(account.statusCode).toBe(403);
  });

  it("refuses an expired token and a forged one with 401 naming the reason", async () => {
    const fresh = await createApp(server, "expiring");
    clock.advance(2 * 3600_000);
    const expired = await upload(server, { jobId: connector.jobId, token: fresh.token, content: "x" });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().detail).toBe("The token has expired. Sign in again or request a new token.");
    const forged = `${app.token.slice(0, -6)}AAAAAA`;
    const bad = await upload(server, { jobId: connector.jobId, token: forged, content: "x" });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().detail).toMatch(/^The token (signature )?is invalid\./);
    app = await createApp(server, "renewed");
    connector = await createConnector(server, { type: "hr", name: "HR request 2", appId: app.clientId });
  });

  it("answers 'processing' when processing takes longer than the answer window, and finishes in the background", async () => {
    server.services.config.uploadAnswerWithinMs = 0;
    try {
      const c = await connectorFor(EXAMPLE1_CONNECTOR, "indicators-example1-upn.csv");
      const res = await send(c.jobId, fixture("indicators-example1-upn.csv"));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ runId: expect.any(String), status: "processing" });
      let run: { status: string; recordsSaved: number } | undefined;
      for (let i = 0; i < 100 && run?.status !== "completed"; i++) {
        await new Promise((r) => setTimeout(r, 20));
        run = (await server.request({ method: "GET", url: `/api/runs/${res.json().runId}` })).json();
      }
      expect(run).toMatchObject({ status: "completed", recordsSaved: 3 });
    } finally {
      server.services.config.uploadAnswerWithinMs = 60_000;
    }
  });

  it("resumes a run left 'received' by a stop", async () => {
    const dir = join(server.services.config.dataDir, "uploads");
    mkdirSync(dir, { recursive: true });
    const runId = "6d3c1b7e-2a4f-4c5d-8e9f-0a1b2c3d4e5f";
    const path = join(dir, runId);
    writeFileSync(path, fixture("hr-resignation.csv"));
    await server.services.db.query(
      `INSERT INTO upload_runs (id, connector_id, app_client_id, status, file_name, stored_path, bytes, received_at)
       VALUES ($1, $2, $3, 'processing', 'left.csv', $4, 199, $5)`,
      [runId, connector.id, app.clientId, path, clock.now().toISOString()],
    );
    const stop = await resumeRuns(server.services, { scheduled: true });
    await stop?.();
    const run = (await server.request({ method: "GET", url: `/api/runs/${runId}` })).json();
    expect(run).toMatchObject({ status: "completed", recordsReceived: 2, recordsSaved: 2 });
  });

  it("does not resume a run whose stored file was cut short by the stop: its checksum tells", async () => {
    const dir = join(server.services.config.dataDir, "uploads");
    mkdirSync(dir, { recursive: true });
    const whole = Buffer.from(fixture("hr-resignation.csv"));
    const checksum = createHash("sha256").update(whole).digest("hex");
    const runs = { whole: "7e4d2c8f-3b5a-4d6e-9f0a-1b2c3d4e5f60", cut: "8f5e3d9a-4c6b-4e7f-8a1b-2c3d4e5f6071" };
    for (const [name, runId] of Object.entries(runs)) {
      const path = join(dir, runId);
      writeFileSync(path, name === "cut" ? whole.subarray(0, 60) : whole);
      await server.services.db.query(
        `INSERT INTO upload_runs (id, connector_id, app_client_id, status, file_name, stored_path, bytes, checksum,
                                  received_at)
         VALUES ($1, $2, $3, 'received', 'hr.csv', $4, $5, $6, $7)`,
        [runId, connector.id, app.clientId, path, whole.length, checksum, clock.now().toISOString()],
      );
    }
    const stop = await resumeRuns(server.services, { scheduled: true });
    const run = async (id: string) => (await server.request({ method: "GET", url: `/api/runs/${id}` })).json();
    // Resuming goes on in the background, one run after the other, until both have ended.
    for (let i = 0; i < 200; i++) {
      const states = await Promise.all(Object.values(runs).map(async (id) => (await run(id)).status));
      if (states.every((state) => state === "completed" || state === "failed")) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await stop?.();
    expect(await run(runs.whole)).toMatchObject({ status: "completed", recordsSaved: 0, recordsDuplicate: 2 });
    expect(await run(runs.cut)).toMatchObject({
      status: "failed",
      recordsReceived: 0,
      error: "The stored upload was incomplete after the server stopped; send the file again.",
    });
  });
});

describe("bad input: a clear error and no loss of good rows", () => {
  let connector: { id: string; jobId: string };
  const header = "UPN,PredictionTime,PredictionScore,ModelInfo";
  beforeAll(async () => {
    connector = await connectorFor(EXAMPLE1_CONNECTOR, "indicators-example1-upn.csv");
  });

  async function rejections(runId: string) {
    return (await server.request({ method: "GET", url: `/api/runs/${runId}` })).json().rejections;
  }

  it("refuses a file without a mandatory column as a whole (HR), naming the column", async () => {
    const hr = await createConnector(server, { type: "hr", name: "HR missing", appId: app.clientId });
    const res = await send(hr.jobId, "EmailAddress,ResignationDate\r\nsarad@contoso.com,2019-04-23T15:18:02Z\r\n");
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
    expect(res.json().detail).toMatch(/^Line 1: the file has no column 'LastWorkingDate' \(the last working date\)/);
    expect(res.json().details).toEqual({ line: 1, column: "LastWorkingDate" });
    const runs = (await server.request({ method: "GET", url: `/api/connectors/${hr.id}/runs` })).json();
    expect(runs.items[0]).toMatchObject({ status: "failed", error: res.json().detail });
  });

  it("explains a semicolon file", async () => {
    const res = await send(connector.jobId, "UPN;PredictionTime;PredictionScore\r\na@b.c;2023-04-20T05:52:56Z;1\r\n");
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toContain("The file looks separated by ';'");
  });

  it("refuses an empty file and takes a header-only file as 0 rows", async () => {
    const empty = await send(connector.jobId, "");
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toBe("The file is empty: it has no header line and no rows.");
    const headerOnly = await send(connector.jobId, `${header}\r\n`);
    expect(headerOnly.json()).toMatchObject({ status: "completed", recordsReceived: 0, recordsSaved: 0 });
  });

  it("reads BOM, CRLF, quoted newlines, blank lines and a repeated header", async () => {
    const body = `\uFEFF${header}\r\n\r\nq1@x.y,2023-04-20T05:52:56Z,1,"two\r\nlines, and ""quotes"""\r\n${header}\r\nq2@x.y,2023-04-20T05:52:57Z,2,plain\r\n`;
    const res = await send(connector.jobId, body);
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2, recordsRejected: 0, warnings: [] });
    const { rows } = await server.services.db.query<{ info: string }>(
      "SELECT attributes->>'ModelInfo' AS info FROM signals WHERE run_id = $1 ORDER BY id",
      [res.json().runId],
    );
    expect(rows.map((r) => r.info)).toEqual(['two\r\nlines, and "quotes"', "plain"]);
  });

  it("rejects bad rows with line, column and reason and saves the others", async () => {
    const body = [
      header,
      "r1@x.y,2023-04-20T05:52:56Z,1,ok",
      "r2@x.y,2023-13-01,1,bad month",
      "not-a-user,2023-04-20T05:52:56Z,1,bad user",
      ",2023-04-20T05:52:56Z,1,no user",
      "r3@x.y,2023-04-20T05:52:56Z,ten,bad number",
      "r4@x.y",
      "r5@x.y,2023-04-20T05:52:56Z,5",
    ].join("\r\n");
    const res = await send(connector.jobId, body);
    expect(res.json()).toMatchObject({ recordsReceived: 7, recordsSaved: 2, recordsRejected: 5 });
    expect(res.json().warnings).toContain(
      "2 row(s) had fewer fields than the header (lines 7, 8); the missing trailing columns were read as empty.",
    );
    const list = await rejections(res.json().runId);
    expect(list.map((r: { line: number; column: string }) => [r.line, r.column])).toEqual([
      [3, "PredictionTime"],
      [4, "UPN"],
      [5, "UPN"],
      [6, "PredictionScore"],
      [7, "PredictionTime"],
    ]);
    expect(list[0].reason).toMatch(/^'2023-13-01' is not an ISO 8601 date and time \(month 13 does not exist\)/);
    expect(list[3].reason).toBe("'ten' is not a number.");
    expect(list[4].reason).toBe("the value is empty; every row needs an event time.");
  });

  it("rejects only the row with a 10 MB field", async () => {
    const body = `${header}\r\nbig@x.y,2023-04-20T05:52:56Z,1,${"x".repeat(10 * 1024 * 1024)}\r\nsmall@x.y,2023-04-20T05:52:56Z,1,fine\r\n`;
    const res = await send(connector.jobId, body);
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 1, recordsRejected: 1 });
    const [rejection] = await rejections(res.json().runId);
    expect(rejection).toMatchObject({
      line: 2,
      column: "ModelInfo",
      reason: "the value is 10,485,760 characters long; the limit is 1,048,576 (1 MiB).",
    });
    expect(rejection.raw.length).toBeLessThanOrEqual(2001);
  });

  it("reads lines that are not UTF-8 as Windows-1252, with a warning naming the first", async () => {
    const body = Buffer.concat([
      Buffer.from(`${header}\r\nu1@x.y,2023-04-20T05:52:56Z,1,caf\u00e9\r\n`),
      Buffer.from("u2@x.y,2023-04-20T05:52:56Z,1,caf"),
      Buffer.from([0xe9, 0x0d, 0x0a]),
    ]);
    const res = await send(connector.jobId, body);
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2 });
    expect(res.json().warnings).toEqual([
      "Line 3 is not valid UTF-8 and was read as Windows-1252. Save the file as UTF-8 so that accents and symbols are read as intended.",
    ]);
    const { rows } = await server.services.db.query<{ info: string }>(
      "SELECT attributes->>'ModelInfo' AS info FROM signals WHERE run_id = $1 ORDER BY id",
      [res.json().runId],
    );
    expect(rows.map((r) => r.info)).toEqual(["café", "café"]);
  });

  it("rejects rows whose source value is not one of the connector's, listing the expected values", async () => {
    const c = await connectorFor(example2Connector("UPN"), "indicators-example2-upn.csv");
    const body = `${fixture("indicators-example2-upn.csv").toString().trimEnd()}\nsarad@contoso.com,Box - x,High,1,2023-04-24T05:52:56Z,Box,t,t\n`;
    const res = await send(c.jobId, body);
    expect(res.json()).toMatchObject({ recordsReceived: 7, recordsSaved: 6, recordsRejected: 1 });
    const [rejection] = await rejections(res.json().runId);
    expect(rejection).toMatchObject({
      line: 8,
      column: "Source_Workload",
      reason: "'Box' is not one of the connector's source values (Salesforce, Dropbox).",
    });
  });
});
