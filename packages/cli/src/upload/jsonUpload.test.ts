// `openirm upload` with JSON files: chunks of whole records to the badging endpoint (a JSON array
// body) or to /api/signals (a multipart file of NDJSON), resuming after an interruption.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../../../server/test/support.ts";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";
import { checkpointPath, readCheckpoint } from "./checkpoint.ts";
import { uploadFile } from "./uploadFile.ts";

let harness: CliHarness;
let server: TestServer;
let _dir: string;
let app: { clientId: string; clientSecret: string; tenantId: string };

const cli = (...args: string[]) => harness.cli(...args);

const credentials = () => ["--tenant-id", app.tenantId, "--app-id", app.clientId, "--app-secret", app.clientSecret];

async function badgingConnector(name: string): Promise<{ id: string; jobId: string }> {
  const res = await cli(
    "connectors",
    "create",
    "--type",
    "badging",
    "--name",
    name,
    "--app-id",
    app.clientId,
    "--json",
  );
  expect(res.stderr).toBe("");
  return res.json();
}

/** Seven badge events; the first has a name with brackets, quotes and a comma inside its string. */
function sevenEvents(day = 1) {
  return Array.from({ length: 7 }, (_, i) => ({
    UserId: `user${i % 3}@contoso.com`,
    AssetId: `Mid-Sec-${i}`,
    AssetName: i === 0 ? 'Door "7", [north] {annex}' : `Door ${i}`,
    EventTime: `2026-04-${String(day).padStart(2, "0")}T0${i}:00:00`,
    AccessStatus: i % 2 ? "Success" : "Failed",
  }));
}

const writeData = (name: string, content: string | Buffer) => harness.writeFile(name, content);
const storedSignals = (connectorId: string) => harness.storedSignals(connectorId);

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-json-upload-", signIn: "login" });
  ({ server, dir: _dir } = harness);
  app = (await cli("apps", "create", "--name", "Badge upload", "--json")).json();
});
afterAll(async () => harness?.close());

describe("openirm upload with JSON to the badging endpoint", () => {
  it("sends a pretty-printed array (with a byte order mark) in chunks of whole records", async () => {
    const connector = await badgingConnector("badges in chunks");
    const file = writeData("badges.json", `\uFEFF${JSON.stringify(sevenEvents(1), null, 4).replace(/\n/g, "\r\n")}`);
    const res = await cli(
      "upload",
      ...credentials(),
      ...["--job-id", connector.jobId, "--file-path", file, "--endpoint", "physicalbadging", "--records-per-call", "3"],
    );
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const lines = res.stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      expect.stringMatching(/^chunk 1: records 1–3 sent; saved 3, rejected 0, duplicates 0 \[run [0-9a-f-]{36}\]$/),
      expect.stringMatching(/^chunk 2: records 4–6 sent; saved 3, rejected 0, duplicates 0 \[run /),
      expect.stringMatching(/^chunk 3: record 7 sent; saved 1, rejected 0, duplicates 0 \[run /),
    ]);
    expect(res.stdout).toMatch(/ saved: +7\n/);
    expect(await storedSignals(connector.id)).toBe(7);
    const { rows } = await server.services.db.query<{ name: string }>(
      "SELECT attributes->>'AssetName' AS name FROM signals WHERE connector_id = $1 ORDER BY occurred_at LIMIT 1",
      [connector.id],
    );
    expect(rows[0]?.name).toBe('Door "7", [north] {annex}');
  });

  it("sends NDJSON and a single object, 50,000 records per request unless told otherwise", async () => {
    const connector = await badgingConnector("ndjson badges");
    const ndjson = writeData(
      "badges.ndjson",
      `${sevenEvents(2)
        .map((r) => JSON.stringify(r))
        .join("\n")}\n`,
    );
    const summary = await uploadFile({
      server: server.url,
      tenantId: app.tenantId,
      appId: app.clientId,
      appSecret: app.clientSecret,
      jobId: connector.jobId,
      filePath: ndjson,
      endpoint: "physicalbadging",
    });
    expect(summary).toMatchObject({ format: "json", chunks: 1, recordsSent: 7, recordsSaved: 7 });
    const single = writeData("one.json", JSON.stringify(sevenEvents(3)[0], null, 4));
    const res = await cli(
      "upload",
      ...credentials(),
      ...["--job-id", connector.jobId, "--file-path", single, "--endpoint", "physicalbadging", "--json"],
    );
    expect(res.json()).toMatchObject({ chunks: 1, recordsSent: 1, recordsSaved: 1 });
  });

  it("resumes after an interruption: only the records after the last acknowledged chunk are sent", async () => {
    const connector = await badgingConnector("resumed badges");
    const file = writeData("resume.json", JSON.stringify(sevenEvents(4), null, 2));
    const opts = {
      server: server.url,
      tenantId: app.tenantId,
      appId: app.clientId,
      appSecret: app.clientSecret,
      jobId: connector.jobId,
      filePath: file,
      endpoint: "physicalbadging" as const,
      recordsPerCall: 3,
    };
    const interrupted = await uploadFile(opts, {
      beforeChunk(chunk) {
        if (chunk.index === 2) throw new Error("interrupted before chunk 2");
      },
    }).catch((e: Error) => e);
    expect((interrupted as Error).message).toBe("interrupted before chunk 2");
    expect(await readCheckpoint(checkpointPath(file))).toMatchObject({ chunksAcknowledged: 1, recordsAcknowledged: 3 });
    expect(await storedSignals(connector.id)).toBe(3);

    const res = await cli(
      "upload",
      ...credentials(),
      ...["--job-id", connector.jobId, "--file-path", file, "--endpoint", "physicalbadging", "--records-per-call", "3"],
    );
    expect(res.code).toBe(0);
    const lines = res.stdout.split("\n");
    expect(lines[0]).toBe(`Resuming ${file}: 3 records in 1 chunks were already acknowledged.`);
    expect(lines[1]).toMatch(/^chunk 2: records 4–6 sent; saved 3, rejected 0, duplicates 0/);
    expect(lines[2]).toMatch(/^chunk 3: record 7 sent; saved 1, rejected 0, duplicates 0/);
    expect(res.stdout).toMatch(/ duplicates: +0\n/);
    expect(await storedSignals(connector.id)).toBe(7);
    expect(await readCheckpoint(checkpointPath(file))).toBeUndefined();
  });

  it("sends the whole file as it is with --records-per-call 0", async () => {
    const connector = await badgingConnector("whole badges");
    const file = writeData("whole.json", `\uFEFF${JSON.stringify(sevenEvents(5))}`);
    const res = await cli(
      "upload",
      ...credentials(),
      ...["--job-id", connector.jobId, "--file-path", file, "--endpoint", "physicalbadging"],
      ...["--records-per-call", "0", "--json"],
    );
    expect(res.json()).toMatchObject({ chunks: 1, recordsSent: 7, recordsSaved: 7 });
  });

  it("explains a CSV file or too many records per call for the badging endpoint (exit 2)", async () => {
    const csv = writeData("badges.csv", "UserId,AssetId\nsarad@contoso.com,Mid-Sec-7\n");
    const wrongFile = await cli(
      "upload",
      ...credentials(),
      ...["--job-id", "0b7c4b4e-3f0e-4a7e-9c1c-3c0d8e7b6a51", "--file-path", csv, "--endpoint", "physicalbadging"],
    );
    expect(wrongFile.code).toBe(2);
    expect(wrongFile.stderr).toBe(
      `openirm: ${csv} is not JSON records (it does not start with '[' or '{'): the badging endpoint takes badge events as JSON (UserId, AssetId, AssetName, EventTime, AccessStatus). Upload CSV files without --endpoint physicalbadging.\n`,
    );
    const tooMany = await cli(
      "upload",
      ...credentials(),
      ...["--job-id", "0b7c4b4e-3f0e-4a7e-9c1c-3c0d8e7b6a51", "--file-path", csv, "--endpoint", "physicalbadging"],
      ...["--records-per-call", "100001"],
    );
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toBe(
      "openirm: records per call: the badging endpoint takes up to 100,000 records per request (got 100,001).\n",
    );
  });

  it("shows the server's pointer to the badging endpoint when a badging job's file goes to /api/signals", async () => {
    const connector = await badgingConnector("wrong endpoint");
    const file = writeData("wrong.json", JSON.stringify(sevenEvents(6)));
    const res = await cli("upload", ...credentials(), "--job-id", connector.jobId, "--file-path", file);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `send its records as a JSON body to POST /api/signals/physicalbadging?jobid=${connector.jobId} (the badging upload script's endpoint), not as a multipart file to /api/signals. With the OpenIRM command line: openirm upload --endpoint physicalbadging. [HTTP 400, chunk 1 (records 1–7)]`,
    );
  });
});

describe("openirm upload with JSON to /api/signals", () => {
  it("sends each chunk as a multipart file of NDJSON, the records' bytes as they are", async () => {
    const requests: { url: string; contentType: string; body: Buffer }[] = [];
    const capture = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (c: Buffer) => parts.push(c));
      req.on("end", () => {
        const body = Buffer.concat(parts);
        res.setHeader("content-type", "application/json");
        if ((req.url ?? "").includes("/oauth2/token")) {
          res.end(JSON.stringify({ access_token: "token", token_type: "Bearer", expires_in: "3599" }));
          return;
        }
        expect(body.length).toBe(Number(req.headers["content-length"]));
        requests.push({ url: req.url ?? "", contentType: req.headers["content-type"] ?? "", body });
        res.end(JSON.stringify({ runId: `run-${requests.length}`, status: "completed", recordsSaved: 2 }));
      });
    });
    await new Promise<void>((r) => capture.listen(0, "127.0.0.1", r));
    try {
      const file = writeData(
        "activity.json",
        Buffer.concat([
          Buffer.from('[\n  {"user": "a@b.c", "op": "Caf'),
          Buffer.from([0xe9]),
          Buffer.from('"},\n  {"user": "d@e.f",\n   "op": "x"},\n  {"user": "g@h.i", "op": "y"}\n]\n'),
        ]),
      );
      const summary = await uploadFile({
        server: `http://127.0.0.1:${(capture.address() as AddressInfo).port}`,
        tenantId: "tenant",
        appId: "app",
        appSecret: "secret",
        jobId: "job",
        filePath: file,
        recordsPerCall: 2,
        checkpoint: false,
      });
      expect(summary).toMatchObject({ chunks: 2, recordsSent: 3, runIds: ["run-1", "run-2"] });
      expect(requests.map((r) => r.url)).toEqual(["/api/signals?jobid=job", "/api/signals?jobid=job"]);
      const [first] = requests;
      const boundary = /boundary=(\S+)$/.exec(first?.contentType ?? "")?.[1];
      expect(first?.body.toString("latin1")).toBe(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="activity_0001.ndjson"\r\n` +
          'Content-Type: application/x-ndjson\r\n\r\n{"user": "a@b.c", "op": "Caf\u00e9"}\n{"user": "d@e.f",\n   "op": "x"}\n' +
          `\r\n--${boundary}--\r\n`,
      );
    } finally {
      await new Promise((r) => capture.close(r));
    }
  });
});
