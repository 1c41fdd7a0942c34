// The physical badging endpoint end to end: POST /api/signals/physicalbadging?jobid=… with the
// records as a JSON body, as the badging script, Postman and `openirm upload` send them.

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

let server: TestServer;
let app: TestApp;
let badging: { id: string; jobId: string };
const clock = new TestClock();

beforeAll(async () => {
  server = await startTestServer({ clock });
  app = await createApp(server, "badge feed");
  badging = await createConnector(server, { type: "badging", name: "Badge readers", appId: app.clientId });
});
afterAll(async () => server.close());

async function post(
  body: Buffer | string,
  opts: { jobId?: string; token?: string; contentType?: string | null; url?: string } = {},
) {
  const contentType = opts.contentType === undefined ? "application/json" : opts.contentType;
  return server.request({
    method: "POST",
    url: opts.url ?? `/api/signals/physicalbadging?jobid=${opts.jobId ?? badging.jobId}`,
    payload: body,
    headers: contentType === null ? {} : { "content-type": contentType },
    token: opts.token ?? app.token,
  });
}

const record = (i: number, extra: Record<string, unknown> = {}) => ({
  UserId: `user${i % 50}@contoso.com`,
  AssetId: `Door-${i % 7}`,
  AssetName: `Door ${i % 7}`,
  EventTime: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(".000Z", ""),
  AccessStatus: i % 3 === 0 ? "Failed" : "Success",
  ...extra,
});

async function storedSignals(runId: string) {
  const { rows } = await server.services.db.query<{
    upn: string;
    occurred_at: string;
    kind: string;
    attributes: Record<string, unknown>;
  }>(
    `SELECT u.upn, s.occurred_at::text, s.kind, s.attributes FROM signals s JOIN directory_users u ON u.id = s.user_id
      WHERE s.run_id = $1 ORDER BY s.id`,
    [runId],
  );
  return rows;
}

const counts = (saved: number, extra: Record<string, unknown> = {}) => ({
  runId: expect.any(String),
  status: "completed",
  recordsReceived: saved,
  recordsSaved: saved,
  recordsRejected: 0,
  recordsDuplicate: 0,
  warnings: [],
  ...extra,
});

describe("POST /api/signals/physicalbadging", () => {
  it("stores the documented example: 2 records, 2 physical.access signals", async () => {
    const res = await post(fixture("physical-badging.json"));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(counts(2));
    expect(await storedSignals(res.json().runId)).toEqual([
      {
        upn: "sarad@contoso.com",
        occurred_at: "2019-07-04 01:57:49+00",
        kind: "physical.access",
        attributes: {
          AssetId: "Mid-Sec-7",
          AssetName: "Main Building 1st Floor Mid Section",
          AccessStatus: "Failed",
          SourceSystem: null,
        },
      },
      {
        upn: "pilarp@contoso.com",
        occurred_at: "2019-07-04 02:57:49+00",
        kind: "physical.access",
        attributes: {
          AssetId: "Mid-Sec-7",
          AssetName: "Main Building 1st Floor Mid Section",
          AccessStatus: "Success",
          SourceSystem: null,
        },
      },
    ]);
    const runs = (await server.request({ method: "GET", url: `/api/connectors/${badging.id}/runs` })).json();
    expect(runs.items[0]).toMatchObject({ status: "completed", format: "json", recordsSaved: 2, fileName: null });
  });

  it("takes a single object (a one-record chunk), as Windows PowerShell 5.1 writes it", async () => {
    const body =
      '{\r\n    "UserId":  "JackQ@contoso.com",\r\n    "AssetId":  "Lab-2",\r\n    "AssetName":  "R\\u0026D \\u003cLab\\u003e",\r\n' +
      '    "EventTime":  "2026-02-01T08:00:00.1234567",\r\n    "AccessStatus":  "Success",\r\n    "SourceSystem":  "Lenel"\r\n}';
    const res = await post(body);
    expect(res.json()).toEqual(counts(1));
    expect(await storedSignals(res.json().runId)).toEqual([
      {
        upn: "jackq@contoso.com",
        occurred_at: "2026-02-01 08:00:00.123456+00",
        kind: "physical.access",
        attributes: { AssetId: "Lab-2", AssetName: "R&D <Lab>", AccessStatus: "Success", SourceSystem: "Lenel" },
      },
    ]);
  });

  it("reads a UTF-8 byte order mark, any Content-Type, a leading '//' and the job ID key in any case", async () => {
    const one = (i: number) => JSON.stringify([record(1000 + i)]);
    const withBom = await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(one(1))]));
    expect(withBom.json()).toEqual(counts(1));
    for (const [i, contentType] of [
      [2, "application/json; charset=utf-8"],
      [3, "text/plain"],
      [4, null],
      [5, "application/octet-stream"],
    ] as const) {
      const res = await post(one(i), { contentType });
      expect(res.statusCode, `${contentType}: ${res.body}`).toBe(200);
      expect(res.json().recordsSaved).toBe(1);
    }
    const slashes = await post(one(6), { url: `//api/signals/physicalbadging?JobId=${badging.jobId}` });
    expect(slashes.json().recordsSaved).toBe(1);
  });

  it("reads bytes that are not UTF-8 as Latin-1 (Windows PowerShell 5.1), one line or many", async () => {
    const latin1 = (text: string) => Buffer.from(text, "latin1");
    const pretty = latin1(
      `[\r\n    {\r\n        "UserId":  "bradh@contoso.com",\r\n        "AssetId":  "Caf-1",\r\n        "AssetName":  "Caf\u00e9 S\u00fcd",\r\n` +
        '        "EventTime":  "2026-02-02T08:00:00",\r\n        "AccessStatus":  "Success"\r\n    },\r\n' +
        '    {\r\n        "UserId":  "bradh@contoso.com",\r\n        "AssetId":  "Lobby",\r\n        "AssetName":  "Lobby",\r\n' +
        '        "EventTime":  "2026-02-02T08:01:00",\r\n        "AccessStatus":  "Success"\r\n    }\r\n]',
    );
    const res = await post(pretty);
    expect(res.json()).toMatchObject({ recordsSaved: 2, recordsRejected: 0 });
    expect(res.json().warnings).toEqual([
      "Line 5 is not valid UTF-8 and was read as Windows-1252. Save the file as UTF-8 so that accents and symbols are read as intended.",
    ]);
    const oneLine = latin1(
      '[ {"UserId":"bradh@contoso.com","AssetId":"Caf-1","AssetName":"Caf\u00e9 Nord","EventTime":"2026-02-02T09:00:00","AccessStatus":"Failed"} ]',
    );
    const single = await post(oneLine);
    expect(single.json()).toMatchObject({ recordsSaved: 1 });
    const names = [...(await storedSignals(res.json().runId)), ...(await storedSignals(single.json().runId))].map(
      (s) => s.attributes.AssetName,
    );
    expect(names).toEqual(["Caf\u00e9 S\u00fcd", "Lobby", "Caf\u00e9 Nord"]);
  });

  it("rejects an invalid record alone, naming the record and the field, and reads 'Failure' as Failed", async () => {
    const body = JSON.stringify([
      record(2001),
      { ...record(2002), UserId: "not an address" },
      "text",
      { ...record(2004), AccessStatus: "Failure", Badge: "0042" },
      { ...record(2005), EventTime: "yesterday" },
    ]);
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ...counts(2),
      recordsReceived: 5,
      recordsRejected: 3,
      warnings: [
        "1 record(s) have properties the badging format does not define (Badge); they were ignored. The fields read are: UserId, AssetId, AssetName, EventTime, AccessStatus, SourceSystem.",
      ],
    });
    const run = (await server.request({ method: "GET", url: `/api/runs/${res.json().runId}` })).json();
    expect(run.rejections.map((r: Record<string, unknown>) => [r.line, r.column, r.reason])).toEqual([
      [
        2,
        "UserId",
        "Record 2, field UserId: 'not an address' is not a user principal name or e-mail address (name@domain).",
      ],
      [
        3,
        null,
        "Record 3: the record is the text 'text', not a JSON object; every record is an object with UserId, AssetId, EventTime, AccessStatus.",
      ],
      [
        5,
        "EventTime",
        "Record 5, field EventTime: 'yesterday' is not an ISO 8601 date and time. Use e.g. 2023-04-24T05:52:56.962686Z or 2019-04-23T15:18:02.4675041+05:30.",
      ],
    ]);
    const stored = await storedSignals(res.json().runId);
    expect(stored.map((s) => s.attributes.AccessStatus)).toEqual([record(2001).AccessStatus, "Failed"]);
  });

  it("counts a re-sent chunk as duplicates, even when an asset was renamed in between", async () => {
    const chunk = Array.from({ length: 20 }, (_, i) => record(3000 + i));
    const first = await post(JSON.stringify(chunk));
    expect(first.json()).toEqual(counts(20));
    const renamed = chunk.map((r) => ({ ...r, AssetName: `${r.AssetName} (renamed)`, SourceSystem: "Lenel" }));
    const again = await post(JSON.stringify([...renamed, record(3020)]));
    expect(again.json()).toEqual({ ...counts(1), recordsReceived: 21, recordsDuplicate: 20 });
    // The same event with another outcome is another event.
    const otherOutcome = await post(JSON.stringify([{ ...chunk[1], AccessStatus: "Failed" }]));
    expect(otherOutcome.json()).toEqual(counts(1));
  });

  it("takes bodies over the API's 10 MB limit (the upload limit applies)", async () => {
    const padding = "    \r\n".repeat(2 * 1024 * 1024);
    const res = await post(`[${JSON.stringify(record(4000))},${padding}${JSON.stringify(record(4001))}]`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual(counts(2));
  });

  it("answers 413 for more than 100,000 records, stores nothing and logs a failed run", async () => {
    const line = (i: number) =>
      `{"UserId":"u${i % 100}@contoso.com","AssetId":"D${i % 9}","EventTime":"2026-03-01T00:00:00","AccessStatus":"Success"}`;
    const body = `[${Array.from({ length: 100_001 }, (_, i) => line(i)).join(",")}]`;
    const res = await post(body);
    expect(res.statusCode).toBe(413);
    expect(res.json().detail).toBe(
      "The request has 100,001 records; one request to the badging endpoint takes up to 100,000. Nothing was stored. Send at most 100,000 records per request (the badging script sends 50,000; 'openirm upload --records-per-call').",
    );
    const run = (await server.request({ method: "GET", url: `/api/runs/${res.json().details.runId}` })).json();
    expect(run).toMatchObject({
      status: "failed",
      format: "json",
      recordsReceived: 0,
      bytes: Buffer.byteLength(body),
      error: res.json().detail,
    });
  });

  it("answers 413 over OPENIRM_MAX_UPLOAD_BYTES", async () => {
    const limit = server.services.config.maxUploadBytes;
    server.services.config.maxUploadBytes = 1000;
    try {
      const res = await post(JSON.stringify(Array.from({ length: 20 }, (_, i) => record(5000 + i))));
      expect(res.statusCode).toBe(413);
      expect(res.json().detail).toBe(
        "The upload is larger than this server accepts (1,000 bytes). Send fewer records per request (the badging script's chunk size, or 'openirm upload --records-per-call') or raise OPENIRM_MAX_UPLOAD_BYTES.",
      );
    } finally {
      server.services.config.maxUploadBytes = limit;
    }
  });

  it("refuses an empty body, a multipart body and a body that is not JSON records, clearly", async () => {
    const empty = await post("  \r\n");
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toBe(
      "The request body is empty: send the badge events as a JSON array of records (UserId, AssetId, AssetName, EventTime, AccessStatus).",
    );
    const multipart = await upload(server, {
      jobId: badging.jobId,
      token: app.token,
      content: fixture("physical-badging.json"),
      url: `/api/signals/physicalbadging?jobid=${badging.jobId}`,
    });
    expect(multipart.statusCode).toBe(415);
    expect(multipart.json().detail).toMatch(
      /^The badging endpoint takes the records as the request body, a JSON array/,
    );
    const csv = await post("UserId,AssetId\nsarad@contoso.com,Mid-Sec-7\n", { contentType: "text/plain" });
    expect(csv.statusCode).toBe(400);
    expect(csv.json().detail).toBe(
      "Line 1: the file is delimited text (CSV or TSV with a header line), but a badging connector reads JSON records (an array, one object, or one object per line); the whole file was refused.",
    );
  });

  it("takes only badging jobs, and /api/signals refuses a badging job pointing at this endpoint", async () => {
    const hr = await createConnector(server, {
      ...EXAMPLE1_CONNECTOR,
      name: "Detections",
      appId: app.clientId,
      sample: fixture("indicators-example1-upn.csv").toString(),
    });
    const wrongJob = await post(fixture("physical-badging.json"), { jobId: hr.jobId });
    expect(wrongJob.statusCode).toBe(400);
    expect(wrongJob.json().detail).toBe(
      `Connector 'Detections' is an indicators connector; /api/signals/physicalbadging takes only physical badging connectors' jobs. Upload this connector's file as multipart/form-data to POST /api/signals?jobid=${hr.jobId} (its upload script's endpoint, or 'openirm upload').`,
    );
    const multipart = await upload(server, {
      jobId: badging.jobId,
      token: app.token,
      content: fixture("physical-badging.json"),
    });
    expect(multipart.statusCode).toBe(400);
    expect(multipart.json()).toMatchObject({
      code: "wrong_endpoint",
      detail: `Connector 'Badge readers' is a physical badging connector: send its records as a JSON body to POST /api/signals/physicalbadging?jobid=${badging.jobId} (the badging upload script's endpoint), not as a multipart file to /api/signals. With the OpenIRM command line: openirm upload --endpoint physicalbadging.`,
    });
  });

  it("refuses another app's token with 403 and the reference reason phrase, and no token with 401", async () => {
    const other = await createApp(server, "someone else");
    const res = await post(fixture("physical-badging.json"), { token: other.token });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe("jobId and corresponding appId do not match.");
    const anonymous = await server.request({
      method: "POST",
      url: `/api/signals/physicalbadging?jobid=${badging.jobId}`,
      payload: "[]",
      headers: { "content-type": "application/json" },
      token: null,
    });
    expect(anonymous.statusCode).toBe(401);
    const missing = await post("[]", { url: "/api/signals/physicalbadging" });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toBe("The upload URL needs the connector's job ID: ?jobid=<job ID>.");
  });

  it("answers an empty array with zero counts", async () => {
    const res = await post("[]");
    expect(res.json()).toEqual(counts(0));
  });
});
