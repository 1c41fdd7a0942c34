// A large upload is streamed end to end: the file is generated while it is sent, and the server's
// live heap stays far below the file's size.

import { request } from "node:http";
import { Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, createConnector, EXAMPLE1_CONNECTOR, fixture } from "../../test/protocol/setup.ts";
import { startTestServer, type TestServer } from "../../test/support.ts";

// 150,000 rows (~15 MB) keep the test near 15 s on the embedded database of a 2-core machine.
const ROWS = 150_000;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ listen: true });
});
afterAll(async () => server.close());

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function liveHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** The multipart body of a ROWS-line CSV, produced piece by piece. */
function* body(boundary: string): Generator<Buffer> {
  yield Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name=file; filename=big.csv\r\n\r\nUPN,PredictionTime,PredictionScore,ModelInfo\r\n`,
  );
  let chunk = "";
  for (let i = 0; i < ROWS; i++) {
    const second = String(i % 60).padStart(2, "0");
    const minute = String(Math.floor(i / 60) % 60).padStart(2, "0");
    const hour = String(Math.floor(i / 3600) % 24).padStart(2, "0");
    chunk += `user${i % 1000}@contoso.com,2023-04-${String(1 + Math.floor(i / 86400)).padStart(2, "0")}T${hour}:${minute}:${second}.${String(i).padStart(6, "0")}Z,${i % 97},Model ${i} of the leaver prediction series\r\n`;
    if (chunk.length > 64 * 1024) {
      yield Buffer.from(chunk);
      chunk = "";
    }
  }
  yield Buffer.from(`${chunk}\r\n--${boundary}--\r\n`);
}

it(`stores a ${ROWS.toLocaleString("en-US")}-row upload with a flat heap`, async () => {
  const app = await createApp(server);
  const connector = await createConnector(server, {
    ...EXAMPLE1_CONNECTOR,
    appId: app.clientId,
    sample: fixture("indicators-example1-upn.csv").toString(),
  });
  let bytes = 0;
  const source = Readable.from(
    (function* () {
      for (const piece of body("b0undary")) {
        bytes += piece.length;
        yield piece;
      }
    })(),
  );
  const baseline = liveHeap();
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, liveHeap() - baseline);
  }, 500);
  const url = new URL(`${server.url}/api/signals?jobid=${connector.jobId}`);
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { authorization: `Bearer ${app.token}`, "content-type": 'multipart/form-data; boundary="b0undary"' },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    source.pipe(req);
  });
  clearInterval(sampler);
  peak = Math.max(peak, liveHeap() - baseline);
  expect(answer.status, answer.body).toBe(200);
  expect(JSON.parse(answer.body)).toMatchObject({
    status: "completed",
    recordsReceived: ROWS,
    recordsSaved: ROWS,
    recordsRejected: 0,
    recordsDuplicate: 0,
  });
  expect(bytes).toBeGreaterThan(14_000_000);
  // Batches of 5,000 rows are all the server holds: a few MB (a little more with the PostgreSQL
  // driver's buffers), against a file of 14+ MB. Buffering the upload would exceed the file size.
  expect(peak).toBeLessThan(bytes / 2);
});
