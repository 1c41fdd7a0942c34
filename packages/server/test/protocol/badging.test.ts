// The physical badging upload over real sockets, byte for byte as the badging scripts send it:
// Windows PowerShell 5.1 (ConvertTo-Json's 4-space layout and \u003c escapes, ISO-8859-1 bytes,
// Expect: 100-continue), pwsh 7.4 (2 spaces, UTF-8, times re-written with an offset), the 2020
// script (the whole file on one line) and the GCC copy's "//" path.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support.ts";
import { RawConnection, type RawRequest, sendOnce, tokenRequest } from "./client.ts";
import { createApp, createConnector, fixture, type TestApp } from "./setup.ts";

let server: TestServer;
let app: TestApp;
let badging: { id: string; jobId: string };
const RESOURCE = "https://microsoft.onmicrosoft.com/86dfdabb-5089-4a0c-880a-cfa5a790c5b1";
const PS51_AGENT = "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.4522";
const PWSH_AGENT = "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; en-US) PowerShell/7.4.6";

beforeAll(async () => {
  server = await startTestServer({ listen: true });
  app = await createApp(server, "badging script");
  badging = await createConnector(server, { type: "badging", name: "Lenel badges", appId: app.clientId });
});
afterAll(async () => server.close());

type BadgeRecord = Record<string, string>;

/** JavaScriptSerializer's string: JSON with <, >, & and ' written as \u00XX; other characters as they are. */
function ps51String(value: string): string {
  return JSON.stringify(value).replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Windows PowerShell 5.1's ConvertTo-Json of a chunk: a bare object for one record, CRLF, 4 spaces, `"k":  v`. */
function ps51Json(records: readonly BadgeRecord[]): string {
  const object = (r: BadgeRecord, indent: string) =>
    `{\r\n${Object.entries(r)
      .map(([k, v]) => `${indent}    ${ps51String(k)}:  ${ps51String(v)}`)
      .join(",\r\n")}\r\n${indent}}`;
  if (records.length === 1) return object(records[0] as BadgeRecord, "");
  return `[\r\n${records.map((r) => `    ${object(r, "    ")}`).join(",\r\n")}\r\n]`;
}

/** pwsh 7.4's ConvertTo-Json: 2 spaces, `"k": v`, UTF-8. */
function pwshJson(records: readonly BadgeRecord[]): string {
  const body = JSON.stringify(records.length === 1 ? records[0] : records, null, 2);
  return body.replace(/\n/g, "\r\n");
}

function badgingRequest(opts: { path?: string; token: string; body: Buffer; windowsPowerShell?: boolean }): RawRequest {
  const path = opts.path ?? `/api/signals/physicalbadging?jobid=${badging.jobId}`;
  const host = new URL(server.url).host;
  const head = opts.windowsPowerShell
    ? `POST ${path} HTTP/1.1\r\nAccept: application/json\r\nAuthorization: Bearer ${opts.token}\r\n` +
      `Content-Type: application/json\r\nUser-Agent: ${PS51_AGENT}\r\nHost: ${host}\r\n` +
      `Content-Length: ${opts.body.length}\r\nExpect: 100-continue\r\nConnection: Keep-Alive\r\n\r\n`
    : `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${PWSH_AGENT}\r\nAccept: application/json\r\n` +
      `Authorization: Bearer ${opts.token}\r\nContent-Type: application/json\r\nContent-Length: ${opts.body.length}\r\n\r\n`;
  return { head, body: opts.body, expectContinue: opts.windowsPowerShell === true };
}

async function scriptToken(): Promise<string> {
  const tenantId = server.services.tenant.id;
  const res = await sendOnce(
    server.url,
    tokenRequest(server.url, {
      tenantId,
      style: "lower",
      windowsPowerShell: true,
      fields: [
        ["client_secret", app.clientSecret],
        ["grant_type", "client_credentials"],
        ["client_id", app.clientId],
        ["tenant_id", tenantId],
        ["resource", RESOURCE],
      ],
    }),
  );
  expect(res.statusCode).toBe(200);
  return res.json().access_token;
}

async function stored(runId: string) {
  const { rows } = await server.services.db.query<{ upn: string; at: string; attributes: Record<string, unknown> }>(
    `SELECT u.upn, s.occurred_at::text AS at, s.attributes FROM signals s JOIN directory_users u ON u.id = s.user_id
      WHERE s.run_id = $1 ORDER BY s.id`,
    [runId],
  );
  return rows;
}

const records = (day: number, n: number): BadgeRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    UserId: i % 2 ? "SaraD@contoso.com" : "pilarp@contoso.com",
    AssetId: `Mid-Sec-${i % 4}`,
    AssetName: i === 0 ? "Caf\u00e9 <North> & 'Lab'" : `Main Building Door ${i % 4}`,
    EventTime: `2019-07-${String(day).padStart(2, "0")}T0${i % 10}:57:49`,
    AccessStatus: i % 3 === 0 ? "Failed" : "Success",
    SourceSystem: "Lenel",
  }));

describe("the badging script as Windows PowerShell 5.1 runs it", () => {
  it("uploads its chunks on one keep-alive connection (the last one a single object) and gets 200 with counts", async () => {
    const token = await scriptToken();
    const all = records(10, 5);
    // A chunk size of 4: a chunk of 4 records, then a one-record chunk that ConvertTo-Json writes as an object.
    const chunks = [all.slice(0, 4), all.slice(4)];
    const connection = await RawConnection.open(server.url);
    try {
      const answers = [];
      for (const chunk of chunks) {
        const body = Buffer.from(ps51Json(chunk), "latin1");
        const res = await connection.send(badgingRequest({ token, body, windowsPowerShell: true }));
        expect(res.continued).toBe(true);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.headers["content-type"]).toMatch(/^application\/json/);
        answers.push(res.json());
      }
      expect(answers.map((a) => [a.status, a.recordsReceived, a.recordsSaved, a.recordsRejected])).toEqual([
        ["completed", 4, 4, 0],
        ["completed", 1, 1, 0],
      ]);
      expect(answers[0].warnings).toEqual([
        "Line 5 is not valid UTF-8 and was read as Windows-1252. Save the file as UTF-8 so that accents and symbols are read as intended.",
      ]);
      const [first] = await stored(answers[0].runId);
      expect(first).toEqual({
        upn: "pilarp@contoso.com",
        at: "2019-07-10 00:57:49+00",
        attributes: {
          AssetId: "Mid-Sec-0",
          AssetName: "Caf\u00e9 <North> & 'Lab'",
          AccessStatus: "Failed",
          SourceSystem: "Lenel",
        },
      });
      expect((await stored(answers[1].runId)).map((s) => s.upn)).toEqual(["pilarp@contoso.com"]);
    } finally {
      connection.close();
    }
  });

  it("sends everything again after a failed attempt: every record is a duplicate, the answer still 200", async () => {
    const token = await scriptToken();
    const body = Buffer.from(ps51Json(records(10, 4)), "latin1");
    const res = await sendOnce(server.url, badgingRequest({ token, body, windowsPowerShell: true }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ recordsReceived: 4, recordsSaved: 0, recordsDuplicate: 4 });
  });

  it("prints the reference reason phrase when the job belongs to another app", async () => {
    const other = await createApp(server, "other badging app");
    const body = Buffer.from(ps51Json(records(11, 2)), "latin1");
    const res = await sendOnce(server.url, badgingRequest({ token: other.token, body, windowsPowerShell: true }));
    expect(res.statusCode).toBe(403);
    expect(`Failure with StatusCode [Forbidden] and ReasonPhrase [${res.reason}]`).toBe(
      "Failure with StatusCode [Forbidden] and ReasonPhrase [jobId and corresponding appId do not match.]",
    );
  });
});

describe("other badging senders", () => {
  it("pwsh 7.4: 2-space layout, UTF-8 bytes, times re-written with the machine's offset", async () => {
    const token = await scriptToken();
    const chunk = records(12, 3).map((r) => ({
      ...r,
      EventTime: `${r.EventTime}+02:00`,
    }));
    const res = await sendOnce(server.url, badgingRequest({ token, body: Buffer.from(pwshJson(chunk), "utf8") }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ recordsSaved: 3, warnings: [] });
    expect((await stored(res.json().runId)).map((s) => [s.at, s.attributes.AssetName])).toEqual([
      ["2019-07-11 22:57:49+00", "Caf\u00e9 <North> & 'Lab'"],
      ["2019-07-11 23:57:49+00", "Main Building Door 1"],
      ["2019-07-12 00:57:49+00", "Main Building Door 2"],
    ]);
  });

  it("the 2020 script: the file's lines joined by spaces into one line, Latin-1, to the GCC '//' path", async () => {
    const token = await scriptToken();
    const file = fixture("physical-badging.json")
      .toString("utf8")
      .replace(/^\uFEFF/, "");
    const oneLine = file
      .split(/\r?\n/)
      .join(" ")
      .replace("Main Building 1st Floor Mid Section", "B\u00e2timent principal");
    const res = await sendOnce(
      server.url,
      badgingRequest({
        token,
        body: Buffer.from(oneLine, "latin1"),
        path: `//api/signals/physicalbadging?jobid=${badging.jobId}`,
      }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2 });
    expect((await stored(res.json().runId)).map((s) => s.attributes.AssetName)).toEqual([
      "B\u00e2timent principal",
      "Main Building 1st Floor Mid Section",
    ]);
  });

  it("Postman: the documented array with its byte order mark", async () => {
    const token = await scriptToken();
    const other = await createConnector(server, { type: "badging", name: "Postman", appId: app.clientId });
    const res = await sendOnce(
      server.url,
      badgingRequest({
        token,
        body: fixture("physical-badging.json"),
        path: `/api/signals/physicalbadging?jobId=${other.jobId}`,
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2, recordsRejected: 0 });
  });
});
