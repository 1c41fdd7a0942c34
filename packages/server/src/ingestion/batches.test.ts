// Uploads larger than a batch: rows are written in several pipelined batches (the next one read
// while the last is in the database), and the outcome is the one a single batch would give —
// counts, duplicates across batches, rejections, users first seen late in the file, file order.

import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createApp,
  createConnector,
  EXAMPLE1_CONNECTOR,
  fixture,
  type TestApp,
  upload,
} from "../../test/protocol/setup.ts";
import { startTestServer, type TestServer } from "../../test/support.ts";
import { BATCH_ROWS, FIRST_BATCH_ROWS } from "./signalWriter.ts";

let server: TestServer;
let app: TestApp;

beforeAll(async () => {
  server = await startTestServer();
  app = await createApp(server);
});
afterAll(async () => server.close());

const HEADER = "UPN,PredictionTime,PredictionScore,ModelInfo";
const ROWS = 12_000;

/** Data row i (0-based; on line i + 2): 3,000 users at first, a new user on every row from 9,000 on. */
function row(i: number): string {
  const user = i < 9000 ? `user${i % 3000}@contoso.com` : `late${i}@contoso.com`;
  const time = new Date(Date.UTC(2023, 3, 1) + i * 1000).toISOString();
  return `${user},${time},${i % 100},Model ${i}`;
}

/** The file, and what a correct upload of it stores: the rows in file order and the duplicates. */
function file() {
  const lines = Array.from({ length: ROWS }, (_, i) => row(i));
  // Re-sent rows: in the same batch as the row they repeat, a few batches later, and one with the
  // user in other letter case and the time with an offset (the same event).
  lines[100] = lines[99] as string;
  lines[8000] = lines[10] as string;
  lines[11_999] = row(5).replace("user5@contoso.com", "USER5@Contoso.com").replace("00:00:05.000Z", "02:00:05+02:00");
  // The same user and time as another row but other content: a different event, kept.
  lines[6000] = row(6001).replace(",1,Model 6001", ",2,Model 6001 again");
  // A row that is rejected, in the middle of a batch.
  lines[4500] = "user1@contoso.com,2023-13-01T00:00:00Z,1,Model";
  const stored = lines.filter((_, i) => ![100, 8000, 11_999, 4500].includes(i));
  return { text: `${HEADER}\r\n${lines.join("\r\n")}\r\n`, stored };
}

it(`stores a ${ROWS.toLocaleString("en-US")}-row upload in batches exactly as one batch would`, async () => {
  expect(ROWS).toBeGreaterThan(FIRST_BATCH_ROWS + 2 * BATCH_ROWS);
  const connector = await createConnector(server, {
    ...EXAMPLE1_CONNECTOR,
    appId: app.clientId,
    sample: fixture("indicators-example1-upn.csv").toString(),
  });
  const { text, stored } = file();
  const res = await upload(server, { jobId: connector.jobId, token: app.token, content: text });
  expect(res.json()).toMatchObject({
    status: "completed",
    recordsReceived: ROWS,
    recordsSaved: ROWS - 4,
    recordsDuplicate: 3,
    recordsRejected: 1,
  });
  const run = (await server.request({ method: "GET", url: `/api/runs/${res.json().runId}` })).json();
  expect(run.rejections).toEqual([
    expect.objectContaining({
      line: 4502,
      column: "PredictionTime",
      kind: "rejected",
      reason: expect.stringContaining(
        "'2023-13-01T00:00:00Z' is not an ISO 8601 date and time (month 13 does not exist)",
      ),
    }),
  ]);
  // In file order, each row stored once, with its user.
  const { rows } = await server.services.db.query<{ upn: string; raw: string }>(
    `SELECT u.upn, concat_ws(',', s.attributes->>'UPN', s.attributes->>'PredictionTime',
            s.attributes->>'PredictionScore', s.attributes->>'ModelInfo') AS raw
       FROM signals s JOIN directory_users u ON u.id = s.user_id WHERE s.run_id = $1 ORDER BY s.id`,
    [res.json().runId],
  );
  expect(rows.map((r) => r.raw)).toEqual(stored);
  expect(rows.every((r) => r.raw.startsWith(`${r.upn},`))).toBe(true);

  // The same file again: every row a duplicate (the bad one rejected again), nothing stored.
  const again = await upload(server, { jobId: connector.jobId, token: app.token, content: text });
  expect(again.json()).toMatchObject({
    recordsReceived: ROWS,
    recordsSaved: 0,
    recordsDuplicate: ROWS - 1,
    recordsRejected: 1,
  });
});

it("drops rows sharing user and time in different batches with strict duplicates, naming each other", async () => {
  const connector = await createConnector(server, {
    ...EXAMPLE1_CONNECTOR,
    name: "Strict leaver prediction",
    strictDuplicates: true,
    appId: app.clientId,
    sample: fixture("indicators-example1-upn.csv").toString(),
  });
  const lines = Array.from({ length: 7000 }, (_, i) => row(i));
  lines[6500] = row(20).replace(",20,Model 20", ",7,Model 6500");
  const res = await upload(server, {
    jobId: connector.jobId,
    token: app.token,
    content: `${HEADER}\n${lines.join("\n")}\n`,
  });
  expect(res.json()).toMatchObject({ recordsReceived: 7000, recordsSaved: 6998, recordsDuplicate: 2 });
  const run = (await server.request({ method: "GET", url: `/api/runs/${res.json().runId}` })).json();
  expect(run.rejections.map((r: { line: number; reason: string }) => [r.line, r.reason.slice(0, 48)])).toEqual([
    [22, "Dropped: the same user and time as line 6502 of "],
    [6502, "Dropped: the same user and time as line 22 of th"],
  ]);
});
