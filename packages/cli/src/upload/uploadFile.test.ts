import { readFileSync, utimesSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../../../server/test/support.ts";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";
import { checkpointPath, readCheckpoint } from "./checkpoint.ts";
import { UploadError, uploadFile } from "./uploadFile.ts";

const FIXTURES = fileURLToPath(new URL("../../../server/test/fixtures", import.meta.url));
const HEADER =
  "UPN,Display_Name,Alert_Severity,Alert_Count,Aggregation_Date,Source_Workload,AdditionalInfo_Salesforce,AdditionalInfo_Dropbox";

let harness: CliHarness;
let server: TestServer;
let _dir: string;
let app: { clientId: string; clientSecret: string; tenantId: string };

const cli = (...args: string[]) => harness.cli(...args);

/** Seven detection rows; the third carries a quoted line break, so lines ≠ records. */
function sevenRecords(): string {
  const rows = [
    "sarad@contoso.com,Salesforce - Report exported,High,10,2023-04-24T05:52:56.962686Z,Salesforce,text,",
    "sarad@contoso.com,Dropbox - Files synced,High,14,2023-04-24T06:52:56.962686Z,Dropbox,,text",
    'bradh@contoso.com,Salesforce - Reports printed,Low,50,2023-04-24T07:52:56.962686Z,Salesforce,"two\nlines",',
    "bradh@contoso.com,Dropbox - Bulk copy,Medium,5,2023-04-24T08:52:56.962686Z,Dropbox,,text",
    "pilarp@contoso.com,Salesforce - Mass edits,Medium,3,2023-04-25T05:52:56.962686Z,Salesforce,text,",
    "pilarp@contoso.com,Dropbox - Shared link,Low,2,2023-04-25T06:52:56.962686Z,Dropbox,,text",
    "jackq@contoso.com,Salesforce - Contacts exported,Low,1,2023-04-26T05:52:56.962686Z,Salesforce,text,",
  ];
  return `${HEADER}\n${rows.join("\n")}\n`;
}

async function newConnector(name: string): Promise<{ id: string; jobId: string }> {
  const res = await cli(
    "connectors",
    "create",
    "--type",
    "indicators",
    "--name",
    name,
    "--app-id",
    app.clientId,
    "--sample",
    join(FIXTURES, "indicators-example2-upn.csv"),
    "--user-column",
    "UPN",
    "--time-column",
    "Aggregation_Date",
    "--source-column",
    "Source_Workload",
    "--source-values",
    "Salesforce,Dropbox",
    "--column-type",
    "Alert_Count=Number",
    "--json",
  );
  expect(res.stderr).toBe("");
  expect(res.code).toBe(0);
  return res.json();
}

const writeData = (name: string, content: string | Buffer) => harness.writeFile(name, content);
const storedSignals = (connectorId: string) => harness.storedSignals(connectorId);

/** A pass-through proxy in front of the server that can fail upload requests and counts them. */
async function startProxy(failFirst: { count: number; status: number }) {
  const target = new URL(server.url);
  const state = { uploads: 0, failed: 0 };
  const proxy = http.createServer((req, res) => {
    const isUpload = req.method === "POST" && (req.url ?? "").startsWith("/api/signals");
    if (isUpload) state.uploads++;
    if (isUpload && state.failed < failFirst.count) {
      state.failed++;
      req.resume();
      req.on("end", () => {
        res.writeHead(failFirst.status, { "content-type": "application/problem+json" });
        res.end(JSON.stringify({ status: failFirst.status, detail: "The service is busy; try again later." }));
      });
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    state,
    close: () => new Promise((r) => proxy.close(r)),
  };
}

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-upload-", signIn: "login" });
  ({ server, dir: _dir } = harness);
  app = (await cli("apps", "create", "--name", "Detections upload", "--json")).json();
});
afterAll(async () => harness?.close());

describe("openirm connectors and runs", () => {
  it("creates an indicators connector from the example file and lists it", async () => {
    const connector = await newConnector("SIEM detections");
    expect(connector.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(connector.jobId).toMatch(/^[0-9a-f-]{36}$/);
    const list = await cli("connectors", "list");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${connector.id}\\s+indicators\\s+SIEM detections\\s+${connector.jobId}`));
  });
});

describe("openirm upload", () => {
  it("sends 7 records in 4 chunks of 2 (a quoted line break never splits a record) and every one is saved", async () => {
    const connector = await newConnector("chunked upload");
    const file = writeData("seven.csv", sevenRecords());
    const res = await cli(
      "upload",
      "--tenant-id",
      app.tenantId,
      "--app-id",
      app.clientId,
      "--app-secret",
      app.clientSecret,
      "--job-id",
      connector.jobId,
      "--file-path",
      file,
      "--records-per-call",
      "2",
      "--json",
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const summary = res.json();
    expect(summary).toMatchObject({
      complete: true,
      chunks: 4,
      chunksSent: 4,
      recordsSent: 7,
      recordsSaved: 7,
      recordsRejected: 0,
      recordsDuplicate: 0,
      retries: 0,
    });
    expect(summary.runIds).toHaveLength(4);
    expect(await storedSignals(connector.id)).toBe(7);
    const runs = (await cli("runs", "list", "--connector", connector.id, "--json")).json().items;
    expect(runs.map((r: { recordsSaved: number }) => r.recordsSaved).sort()).toEqual([1, 2, 2, 2]);
    const csv = await cli("runs", "list", "--connector", connector.id, "--csv");
    expect(csv.code).toBe(0);
    expect(csv.stdout.trim().split("\n")).toHaveLength(5);
  });

  it("prints a readable summary and progress lines when not asked for JSON", async () => {
    const connector = await newConnector("human output");
    const file = writeData("seven-human.csv", sevenRecords());
    const res = await cli(
      "upload",
      ...["--tenant-id", app.tenantId, "--app-id", app.clientId, "--app-secret", app.clientSecret],
      ...["--job-id", connector.jobId, "--file-path", file, "--records-per-call", "5"],
    );
    expect(res.code).toBe(0);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toMatch(/^chunk 1: records 1–5 sent; saved 5, rejected 0, duplicates 0 \[run [0-9a-f-]{36}\]$/);
    expect(lines[1]).toMatch(/^chunk 2: records 6–7 sent; saved 2, rejected 0, duplicates 0 \[run [0-9a-f-]{36}\]$/);
    expect(res.stdout).toContain(`Uploaded ${file} to job ${connector.jobId}.`);
    expect(res.stdout).toMatch(/ chunks: +2\n/);
    expect(res.stdout).toMatch(/ records sent: +7\n/);
    expect(res.stdout).toMatch(/ saved: +7\n/);
  });

  it("resumes after an interruption: only the records after the last acknowledged chunk are sent", async () => {
    const connector = await newConnector("resumed upload");
    const file = writeData("resume.csv", sevenRecords());
    const opts = {
      server: server.url,
      tenantId: app.tenantId,
      appId: app.clientId,
      appSecret: app.clientSecret,
      jobId: connector.jobId,
      filePath: file,
      recordsPerCall: 2,
    };
    const interrupted = await uploadFile(opts, {
      beforeChunk(chunk) {
        if (chunk.index === 3) throw new Error("interrupted before chunk 3");
      },
    }).catch((e: Error) => e);
    expect((interrupted as Error).message).toBe("interrupted before chunk 3");
    const checkpoint = await readCheckpoint(checkpointPath(file));
    expect(checkpoint).toMatchObject({ chunksAcknowledged: 2, recordsAcknowledged: 4, recordsSaved: 4 });
    expect(await storedSignals(connector.id)).toBe(4);

    const res = await cli(
      "upload",
      ...["--tenant-id", app.tenantId, "--app-id", app.clientId, "--app-secret", app.clientSecret],
      ...["--job-id", connector.jobId, "--file-path", file, "--records-per-call", "2"],
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toBe(`Resuming ${file}: 4 records in 2 chunks were already acknowledged.`);
    expect(lines[1]).toMatch(/^chunk 3: records 5–6 sent; saved 2, rejected 0, duplicates 0 \[run [0-9a-f-]{36}\]$/);
    expect(lines[2]).toMatch(/^chunk 4: record 7 sent; saved 1, rejected 0, duplicates 0 \[run [0-9a-f-]{36}\]$/);
    expect(res.stdout).toMatch(/ chunks: +4 \(2 sent by this run\)\n/);
    expect(res.stdout).toMatch(/ records sent: +3 \(resumed: 4 records were acknowledged by an earlier run\)\n/);
    expect(res.stdout).toMatch(/ saved: +7\n/);
    expect(res.stdout).toMatch(/ duplicates: +0\n/);
    expect(await storedSignals(connector.id)).toBe(7);
    expect(await readCheckpoint(checkpointPath(file))).toBeUndefined();
  });

  it("starts over when the file changed since the checkpoint (the server then reports duplicates)", async () => {
    const connector = await newConnector("changed file");
    const file = writeData("changed.csv", sevenRecords());
    const opts = {
      server: server.url,
      tenantId: app.tenantId,
      appId: app.clientId,
      appSecret: app.clientSecret,
      jobId: connector.jobId,
      filePath: file,
      recordsPerCall: 3,
    };
    await uploadFile(opts, {
      beforeChunk(chunk) {
        if (chunk.index === 2) throw new Error("stop");
      },
    }).catch(() => undefined);
    expect((await readCheckpoint(checkpointPath(file)))?.recordsAcknowledged).toBe(3);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const summary = await uploadFile(opts);
    expect(summary).toMatchObject({ recordsResumed: 0, recordsSent: 7, recordsSaved: 4, recordsDuplicate: 3 });
    expect(await storedSignals(connector.id)).toBe(7);
  });

  it("retries a chunk answered 503 with a fresh token, then completes with exact counts", async () => {
    const connector = await newConnector("retried upload");
    const file = writeData("retry.csv", sevenRecords());
    const proxy = await startProxy({ count: 1, status: 503 });
    try {
      const retries: { attempt: number; delayMs: number; reason: string }[] = [];
      const summary = await uploadFile(
        {
          server: proxy.url,
          tenantId: app.tenantId,
          appId: app.clientId,
          appSecret: app.clientSecret,
          jobId: connector.jobId,
          filePath: file,
          recordsPerCall: 4,
          retry: { baseDelayMs: 20 },
        },
        { onRetry: (r) => retries.push(r) },
      );
      expect(retries).toEqual([
        { chunk: 1, attempt: 1, delayMs: 20, reason: "HTTP 503: The service is busy; try again later." },
      ]);
      expect(proxy.state.uploads).toBe(3);
      expect(summary).toMatchObject({ chunks: 2, recordsSent: 7, recordsSaved: 7, retries: 1 });
      expect(await storedSignals(connector.id)).toBe(7);
    } finally {
      await proxy.close();
    }
  });

  it("gives up after the configured attempts when the server keeps failing, keeping the checkpoint", async () => {
    const connector = await newConnector("failing server");
    const file = writeData("failing.csv", sevenRecords());
    const proxy = await startProxy({ count: 100, status: 502 });
    try {
      const error = await uploadFile(
        {
          server: proxy.url,
          tenantId: app.tenantId,
          appId: app.clientId,
          appSecret: app.clientSecret,
          jobId: connector.jobId,
          filePath: file,
          recordsPerCall: 4,
          retry: { attempts: 3, baseDelayMs: 1 },
        },
        {},
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UploadError);
      expect((error as UploadError).message).toBe(
        "chunk 1 (records 1–4) failed after 3 attempts: HTTP 502: The service is busy; try again later.",
      );
      expect(proxy.state.uploads).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it("does not retry a refusal: a job of another app answers 403 once and its detail is printed", async () => {
    const other = (await cli("apps", "create", "--name", "Another app", "--json")).json();
    const connector = await newConnector("someone else's job");
    const file = writeData("forbidden.csv", sevenRecords());
    const proxy = await startProxy({ count: 0, status: 503 });
    try {
      const res = await cli(
        "upload",
        ...["--server", proxy.url, "--tenant-id", app.tenantId, "--app-id", other.clientId],
        ...["--app-secret", other.clientSecret, "--job-id", connector.jobId, "--file-path", file],
      );
      expect(res.code).toBe(1);
      expect(res.stderr).toBe(
        "openirm: jobId and corresponding appId do not match. [HTTP 403, chunk 1 (records 1–7)]\n",
      );
      expect(proxy.state.uploads).toBe(1);
      expect(await storedSignals(connector.id)).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it("sends the whole file in one request with --records-per-call 0", async () => {
    const connector = await newConnector("whole file");
    const file = writeData("whole.csv", sevenRecords());
    const summary = await uploadFile({
      server: server.url,
      tenantId: app.tenantId,
      appId: app.clientId,
      appSecret: app.clientSecret,
      jobId: connector.jobId,
      filePath: file,
      recordsPerCall: 0,
    });
    expect(summary).toMatchObject({ chunks: 1, recordsSent: 7, recordsSaved: 7 });
    expect(readFileSync(file, "utf8")).toBe(sevenRecords());
  });

  it("refuses a bad app secret at the token endpoint without retrying", async () => {
    const connector = await newConnector("bad secret");
    const file = writeData("secret.csv", sevenRecords());
    const res = await cli(
      "upload",
      ...["--tenant-id", app.tenantId, "--app-id", app.clientId, "--app-secret", "not-the-secret"],
      ...["--job-id", connector.jobId, "--file-path", file, "--retry-delay", "1"],
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `openirm: token request refused (HTTP 401): OIRM7000215: Invalid client secret provided for application '${app.clientId}'. [HTTP 401, chunk 1 (records 1–7)]\n`,
    );
  });
});
