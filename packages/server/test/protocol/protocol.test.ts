// The connector upload protocol over real sockets, byte for byte as the scripts and workflow
// templates send it.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support.ts";
import {
  dotnetUploadRequest,
  RawConnection,
  scriptChunks,
  sendOnce,
  tokenRequest,
  workflowTokenRequest,
  workflowUploadRequest,
} from "./client.ts";
import { createApp, createConnector, fixture, type TestApp } from "./setup.ts";

let server: TestServer;
let app: TestApp;
let hr: { id: string; jobId: string };
const RESOURCE = "https://microsoft.onmicrosoft.com/86dfdabb-5089-4a0c-880a-cfa5a790c5b1";

beforeAll(async () => {
  server = await startTestServer({ listen: true });
  app = await createApp(server, "HR upload");
  hr = await createConnector(server, { type: "hr", name: "HR", appId: app.clientId });
});
afterAll(async () => server.close());

async function scriptToken(style: "upper" | "lower" = "upper", windowsPowerShell = false): Promise<string> {
  const tenantId = server.services.tenant.id;
  const res = await sendOnce(
    server.url,
    tokenRequest(server.url, {
      tenantId,
      style,
      windowsPowerShell,
      fields: [
        ["resource", RESOURCE],
        ["tenant_id", tenantId],
        ["grant_type", "client_credentials"],
        ["client_secret", app.clientSecret],
        ["client_id", app.clientId],
      ],
    }),
  );
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(typeof res.json().expires_in).toBe("string");
  return res.json().access_token;
}

async function signalCount(connectorId: string): Promise<number> {
  const { rows } = await server.services.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM signals WHERE connector_id = $1",
    [connectorId],
  );
  return rows[0]?.n ?? 0;
}

describe("token requests", () => {
  it("issues tokens for the five form fields in any order, upper- or lower-case encoded", async () => {
    expect(await scriptToken("upper")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await scriptToken("lower", true)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("issues a token for the workflow template's padded, unencoded body", async () => {
    const res = await sendOnce(
      server.url,
      workflowTokenRequest(server.url, {
        tenantId: server.services.tenant.id,
        clientId: app.clientId,
        secret: app.clientSecret,
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().access_token).toBeTruthy();
  });
});

describe("uploads as the senders frame them", () => {
  it("takes the current script's chunks: a new token each, .NET framing, 'Bearer <token> ', header per chunk", async () => {
    const connector = await createConnector(server, {
      type: "hr",
      name: "HR chunks",
      appId: app.clientId,
    });
    const text = fixture("hr-resignation.csv").toString();
    const chunks = scriptChunks(text, 1);
    expect(chunks).toHaveLength(2);
    const guid = "4f9b2a1c-0d3e-4b6f-8a7c-1e2d3c4b5a69";
    let saved = 0;
    for (const [i, chunk] of chunks.entries()) {
      const token = await scriptToken();
      const res = await sendOnce(
        server.url,
        dotnetUploadRequest(server.url, {
          path: `/api/signals?jobid=${connector.jobId}`,
          token,
          content: chunk,
          fileName: `tmp_${guid}${String(i + 1).padStart(4, "0")}.txt`,
        }),
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: "completed", recordsReceived: 1, recordsRejected: 0 });
      saved += res.json().recordsSaved;
    }
    expect(saved).toBe(2);
    const { rows } = await server.services.db.query<{ occurred_at: string }>(
      "SELECT occurred_at FROM signals WHERE connector_id = $1 ORDER BY occurred_at",
      [connector.id],
    );
    expect(rows.map((r) => r.occurred_at)).toEqual(["2019-04-23 09:48:02.467504+00", "2019-04-24 09:15:49+00"]);
  });

  it("answers Windows PowerShell's Expect: 100-continue, and a quoted file name with a backslash", async () => {
    const token = await scriptToken("lower", true);
    const res = await sendOnce(
      server.url,
      dotnetUploadRequest(server.url, {
        path: `/api/signals?jobid=${hr.jobId}`,
        token,
        content: fixture("hr-resignation.csv"),
        fileName: "ctr###D\\tmp_0001.txt",
        windowsPowerShell: true,
      }),
    );
    expect(res.continued).toBe(true);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().recordsReceived).toBe(2);
  });

  it('takes the workflow template\'s framing: ?jobId=, name = "file", a file name with a space', async () => {
    const connector = await createConnector(server, { type: "hr", name: "HR flow", appId: app.clientId });
    const res = await sendOnce(
      server.url,
      workflowUploadRequest(server.url, {
        jobId: connector.jobId,
        token: app.token,
        content: fixture("hr-resignation.csv"),
        fileName: "HR Data.csv",
      }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2 });
    expect(await signalCount(connector.id)).toBe(2);
  });

  it("sniffs the boundary when the Content-Type header has none", async () => {
    const connector = await createConnector(server, { type: "hr", name: "HR flow 2", appId: app.clientId });
    const res = await sendOnce(
      server.url,
      workflowUploadRequest(server.url, {
        jobId: connector.jobId,
        token: app.token,
        content: fixture("hr-resignation.csv"),
        fileName: "HR Data.csv",
        boundaryInHeader: false,
      }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().recordsSaved).toBe(2);
  });

  it("routes the GCC copy's //api/signals", async () => {
    const connector = await createConnector(server, { type: "hr", name: "HR gcc", appId: app.clientId });
    const res = await sendOnce(
      server.url,
      dotnetUploadRequest(server.url, {
        path: `//api/signals?jobid=${connector.jobId}`,
        token: await scriptToken(),
        content: fixture("hr-resignation.csv"),
        fileName: "tmp_0001.txt",
      }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(await signalCount(connector.id)).toBe(2);
  });

  it("takes the legacy whole-file upload with a BOM on /api/signals/hr/termination/csv", async () => {
    const connector = await createConnector(server, { type: "hr", name: "HR legacy", appId: app.clientId });
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture("hr-resignation.csv")]);
    const res = await sendOnce(
      server.url,
      dotnetUploadRequest(server.url, {
        path: `/api/signals/hr/termination/csv?jobid=${connector.jobId}`,
        token: await scriptToken(),
        content: withBom,
        fileName: "hr-resignation.csv",
        trailingBlank: false,
      }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2, recordsRejected: 0 });
  });

  it("refuses another app's job with the reason phrase the scripts print, keeping the connection", async () => {
    const other = await createApp(server, "someone else");
    const connection = await RawConnection.open(server.url);
    const res = await connection.send(
      dotnetUploadRequest(server.url, {
        path: `/api/signals?jobid=${hr.jobId}`,
        token: other.token,
        content: fixture("hr-resignation.csv"),
        fileName: "tmp_0001.txt",
      }),
    );
    expect(res.statusCode).toBe(403);
    expect(res.reason).toBe("jobId and corresponding appId do not match.");
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toBe("jobId and corresponding appId do not match.");
    const health = await connection.send({
      head: `GET /api/health HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\n\r\n`,
      body: Buffer.alloc(0),
    });
    expect(health.statusCode).toBe(200);
    connection.close();
  });
});

describe("upload size limit", () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ listen: true, config: { maxUploadBytes: 1000 } });
  });
  afterAll(async () => small.close());

  it("answers 413 problem+json after reading the body, and the connection stays usable", async () => {
    const smallApp = await createApp(small);
    const connector = await createConnector(small, { type: "hr", name: "HR", appId: smallApp.clientId });
    const big = `EmailAddress,ResignationDate,LastWorkingDate\r\n${"a@b.c,2019-04-24T09:15:49Z,2019-04-29T15:18:02Z\r\n".repeat(5000)}`;
    const connection = await RawConnection.open(small.url);
    const res = await connection.send(
      dotnetUploadRequest(small.url, {
        path: `/api/signals?jobid=${connector.jobId}`,
        token: smallApp.token,
        content: big,
        fileName: "tmp_0001.txt",
      }),
    );
    expect(res.statusCode).toBe(413);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(/^The upload is larger than this server accepts \(1,000 bytes\)/);
    const ok = await connection.send(
      dotnetUploadRequest(small.url, {
        path: `/api/signals?jobid=${connector.jobId}`,
        token: smallApp.token,
        content: fixture("hr-resignation.csv"),
        fileName: "tmp_0002.txt",
      }),
    );
    expect(ok.statusCode, ok.body).toBe(200);
    connection.close();
    const runs = (await small.request({ method: "GET", url: `/api/connectors/${connector.id}/runs` })).json();
    expect(runs.items.map((r: { status: string }) => r.status)).toEqual(["completed", "failed"]);
  });
});
