// Scheduled imports over HTTP with a pinned clock: configuring a schedule (and the mistakes it
// refuses), folder imports (newest file, every new file once), HTTPS-URL imports against a local
// server, the run log they share with pushed uploads, and firing on the cron schedule.

import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, EXAMPLE1_CONNECTOR, fixture, type TestApp } from "../../test/protocol/setup.ts";
import { signInAdmin, startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { runDueImports } from "./connectorSchedules.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let server: TestServer;
let app: TestApp;
let adminToken: string;
let importsDir: string;
let files: Server;
let filesUrl: string;
const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));

const HR_FILE = fixture("hr-resignation.csv").toString();
const ONE_RESIGNATION =
  "EmailAddress,ResignationDate,LastWorkingDate\r\nbradh@contoso.com,2026-11-02T09:00:00Z,2026-11-30T17:00:00Z\r\n";

beforeAll(async () => {
  server = await startTestServer({ clock });
  app = await createApp(server);
  adminToken = server.adminToken;
  importsDir = join(server.services.config.dataDir, "imports");
  mkdirSync(importsDir, { recursive: true });
  // A file server on the loopback address, as an HR system's export endpoint.
  files = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/exports/hr.csv") {
      if (req.headers.authorization !== "Bearer s3cret") {
        res.writeHead(401, "Unauthorized").end();
        return;
      }
      res.writeHead(200, { "content-type": "text/csv" }).end(HR_FILE);
    } else if (path === "/moved") {
      res.writeHead(302, { location: "/exports/hr.csv" }).end();
    } else if (path === "/elsewhere") {
      res.writeHead(302, { location: "http://example.org/hr.csv" }).end();
    } else {
      res.writeHead(500, "Internal Server Error").end("boom");
    }
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => files.close(resolve));
  await server.close();
});

/** Moves the clock; the admin signs in again so the session has not expired. */
async function setClock(at: string | number) {
  clock.current = typeof at === "number" ? new Date(clock.current.getTime() + at) : new Date(at);
  adminToken = await signInAdmin(server);
}

function api(method: string, url: string, payload?: unknown) {
  return server.request({ method, url, ...(payload !== undefined ? { payload } : {}), token: adminToken });
}

async function newConnector(name: string, type: "hr" | "indicators" = "hr") {
  const body =
    type === "hr"
      ? { type: "hr", name, appId: app.clientId }
      : { ...EXAMPLE1_CONNECTOR, name, appId: app.clientId, sample: fixture("indicators-example1-upn.csv").toString() };
  const res = await api("POST", "/api/connectors", body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; jobId: string };
}

/** Writes a file in the imports folder with a modification time `agoMs` in the past (real time). */
function writeImport(dir: string, name: string, content: string, agoMs: number) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, content);
  const when = new Date(Date.now() - agoMs);
  utimesSync(path, when, when);
  return path;
}

async function runsOf(connectorId: string) {
  const { rows } = await server.services.db.query<{
    id: string;
    status: string;
    origin: string;
    file_name: string | null;
    records_saved: number;
    error: string | null;
  }>(
    "SELECT id, status, origin, file_name, records_saved, error FROM upload_runs WHERE connector_id = $1 ORDER BY received_at, file_name",
    [connectorId],
  );
  return rows;
}

describe("PUT /api/connectors/:id/schedule", () => {
  it("refuses what cannot work, naming the field and the reason", async () => {
    await setClock("2026-11-21T12:00:00Z");
    const c = await newConnector("Schedule checks");
    const folder = (path: string, extra: Record<string, unknown> = {}) => ({
      cron: "0 2 * * *",
      source: { kind: "folder", path, pattern: "*.csv", ...extra },
    });
    const put = async (body: unknown) => {
      const res = await api("PUT", `/api/connectors/${c.id}/schedule`, body);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().detail as string;
    };
    const allowed = `Allowed folders: ${importsDir} (set OPENIRM_IMPORT_DIRS to change them).`;
    expect(await put({ ...folder(importsDir), cron: "61 * * * *" })).toBe(
      "cron: '61 * * * *' is not a valid cron expression (Invalid value for minute: 61). Use five fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *' for 02:00 every day.",
    );
    expect(await put({ ...folder(importsDir), cron: "*/10 * * * * *" })).toBe(
      "cron: '*/10 * * * * *' fires more than once a minute; scheduled imports run at most once a minute.",
    );
    expect(await put({ ...folder(importsDir), timezone: "Mars/Base" })).toBe(
      "timezone: 'Mars/Base' is not a time zone name (IANA names such as UTC or Europe/Paris).",
    );
    expect(await put(folder("/etc"))).toBe(
      `source.path: '/etc' is outside the folders scheduled imports may read. ${allowed}`,
    );
    expect(await put(folder(join(importsDir, "missing")))).toBe(
      `source.path: the folder '${join(importsDir, "missing")}' does not exist on the server. ${allowed}`,
    );
    expect(await put(folder("imports/hr"))).toBe(`source.path: 'imports/hr' is not an absolute path. ${allowed}`);
    expect(await put(folder(importsDir, { pattern: "../*.csv" }))).toBe(
      "source.pattern: '../*.csv' must match file names in the folder, not paths (no '/').",
    );
    const url = (u: string) => ({ cron: "0 2 * * *", source: { kind: "url", url: u } });
    expect(await put(url("http://example.org/hr.csv"))).toBe(
      "source.url: 'http://example.org/hr.csv' uses plain http; scheduled imports download over https only (plain http is accepted for loopback addresses such as 127.0.0.1).",
    );
    expect(await put(url("ftp://example.org/hr.csv"))).toBe(
      "source.url: 'ftp://example.org/hr.csv' is not an https:// URL.",
    );
    expect(await put(url("https://user:pw@example.org/hr.csv"))).toBe(
      "source.url: the URL holds a user name or password; send credentials in a header (headers.Authorization).",
    );
    expect(await put({ cron: "0 2 * * *", source: { kind: "sftp", url: "x" } })).toMatch(/^source\.kind: /);
    expect((await api("GET", `/api/connectors/${c.id}/schedule`)).json().detail).toBe(
      `Connector 'Schedule checks' has no scheduled import; set one with PUT /api/connectors/${c.id}/schedule ('openirm connectors schedule set').`,
    );
  });
});

describe("folder imports", () => {
  it("imports the newest matching file when the schedule fires, once, and again when it changes", async () => {
    await setClock("2026-11-21T12:00:00Z");
    const c = await newConnector("HR from a folder");
    const dir = join(importsDir, "hr-newest");
    writeImport(dir, "hr-2026-11-19.csv", ONE_RESIGNATION, 2 * DAY);
    const newest = writeImport(dir, "hr-2026-11-20.csv", HR_FILE, DAY);
    writeImport(dir, "notes.txt", "not a match", HOUR);
    const set = await api("PUT", `/api/connectors/${c.id}/schedule`, {
      cron: "0 2 * * *",
      source: { kind: "folder", path: dir, pattern: "hr-*.csv" },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({
      cron: "0 2 * * *",
      timezone: "UTC",
      enabled: true,
      source: { kind: "folder", path: dir, pattern: "hr-*.csv", mode: "newest" },
      nextRunAt: "2026-11-22T02:00:00Z",
      lastStatus: null,
    });

    expect(await runDueImports(server.services)).toEqual([]);
    await setClock("2026-11-22T02:00:30Z");
    const [fired] = await runDueImports(server.services);
    const runs = await runsOf(c.id);
    expect(runs).toEqual([
      expect.objectContaining({
        status: "completed",
        origin: "schedule",
        file_name: "hr-2026-11-20.csv",
        records_saved: 2,
      }),
    ]);
    expect(fired).toEqual({
      connectorId: c.id,
      status: "imported",
      message: `Imported 1 file: 'hr-2026-11-20.csv' (run ${runs[0]?.id}): 2 records received, 2 saved, 0 rejected, 0 duplicates.`,
      runIds: [runs[0]?.id],
    });
    const schedule = (await api("GET", `/api/connectors/${c.id}/schedule`)).json();
    expect(schedule).toMatchObject({
      nextRunAt: "2026-11-23T02:00:00Z",
      running: false,
      lastRunAt: "2026-11-22T02:00:30Z",
      lastStatus: "imported",
      lastRunIds: [runs[0]?.id],
    });
    // The same run log as pushed uploads, and the health shows where the last upload came from.
    const log = (await api("GET", `/api/connectors/${c.id}/runs`)).json();
    expect(log.items.map((r: { id: string; fileName: string }) => [r.id, r.fileName])).toEqual([
      [runs[0]?.id, "hr-2026-11-20.csv"],
    ]);
    expect((await api("GET", `/api/connectors/${c.id}/health`)).json().lastUpload).toMatchObject({
      origin: "schedule",
      recordsSaved: 2,
    });

    // Not due again before tomorrow 02:00; then nothing new.
    expect(await runDueImports(server.services)).toEqual([]);
    await setClock("2026-11-23T02:00:10Z");
    const [again] = await runDueImports(server.services);
    expect(again).toMatchObject({
      status: "no_new_file",
      message: `No new file: the newest file matching 'hr-*.csv' in ${dir}, hr-2026-11-20.csv, was imported on 2026-11-22T02:00:30Z.`,
      runIds: [],
    });
    expect(await runsOf(c.id)).toHaveLength(1);

    // The file is rewritten: it is a new file.
    writeFileSync(newest, `${HR_FILE.trimEnd()}\r\nbradh@contoso.com,2026-11-02T09:00:00Z,2026-11-30T17:00:00Z\r\n`);
    const later = new Date(Date.now() - HOUR);
    utimesSync(newest, later, later);
    const now = await api("POST", `/api/connectors/${c.id}/schedule/run`);
    expect(now.statusCode, now.body).toBe(200);
    expect(now.json()).toMatchObject({
      status: "imported",
      runs: [
        {
          fileName: "hr-2026-11-20.csv",
          status: "completed",
          recordsReceived: 3,
          recordsSaved: 1,
          recordsDuplicate: 2,
        },
      ],
    });
    expect(await runsOf(c.id)).toHaveLength(2);
  });

  it("imports every new file once, oldest first, and leaves files still being written for the next run", async () => {
    await setClock("2026-11-21T12:00:00Z");
    const c = await newConnector("Every file");
    const dir = join(importsDir, "hr-each");
    writeImport(dir, "c.csv", ONE_RESIGNATION, HOUR);
    writeImport(dir, "a.csv", HR_FILE, 3 * HOUR);
    writeImport(
      dir,
      "b.csv",
      "EmailAddress,ResignationDate,LastWorkingDate\r\nnot-an-email,2026-11-02T09:00:00Z,\r\n",
      2 * HOUR,
    );
    const set = await api("PUT", `/api/connectors/${c.id}/schedule`, {
      cron: "*/5 * * * *",
      enabled: false,
      source: { kind: "folder", path: dir, pattern: "*.csv", mode: "each" },
    });
    expect(set.json()).toMatchObject({ enabled: false, nextRunAt: null });
    // A disabled schedule never fires, but can be run by hand.
    await setClock(DAY);
    expect(await runDueImports(server.services)).toEqual([]);
    const first = await api("POST", `/api/connectors/${c.id}/schedule/run`);
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json();
    expect(
      body.runs.map((r: { fileName: string; recordsSaved: number; recordsRejected: number }) => [
        r.fileName,
        r.recordsSaved,
        r.recordsRejected,
      ]),
    ).toEqual([
      ["a.csv", 2, 0],
      ["b.csv", 0, 1],
      ["c.csv", 1, 0],
    ]);
    expect(body.status).toBe("imported");
    expect(body.message).toMatch(/^Imported 3 files: 'a\.csv' \(run [0-9a-f-]+\): 2 records received, 2 saved/);

    writeImport(dir, "d.csv", ONE_RESIGNATION.replace("bradh", "pilarp"), 30 * 60_000);
    writeImport(dir, "e.csv", ONE_RESIGNATION, 0);
    const second = (await api("POST", `/api/connectors/${c.id}/schedule/run`)).json();
    expect(second.runs.map((r: { fileName: string }) => r.fileName)).toEqual(["d.csv"]);
    const third = (await api("POST", `/api/connectors/${c.id}/schedule/run`)).json();
    expect(third).toEqual({
      connectorId: c.id,
      status: "no_new_file",
      message: `No new file matching '*.csv' in ${dir} (4 already imported). 1 file(s) changed in the last 10 seconds wait for the next run.`,
      runs: [],
    });
    const entries = await server.services.db.query<{ action: string }>(
      "SELECT action FROM audit_entries WHERE target_id = $1 ORDER BY id",
      [c.id],
    );
    expect(entries.rows.map((r) => r.action)).toEqual([
      "connector.create",
      "connector.schedule.create",
      "connector.schedule.run",
      "connector.schedule.run",
      "connector.schedule.run",
    ]);
  });
});

describe("URL imports", () => {
  it("downloads with the configured header, never shows the header value or the query string back", async () => {
    await setClock("2026-11-21T12:00:00Z");
    const c = await newConnector("HR from a URL");
    const set = await api("PUT", `/api/connectors/${c.id}/schedule`, {
      cron: "30 6 * * 1-5",
      timezone: "Europe/Paris",
      source: {
        kind: "url",
        url: `${filesUrl}/exports/hr.csv?sig=abc123`,
        headers: { Authorization: "Bearer s3cret" },
      },
    });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({
      timezone: "Europe/Paris",
      // Monday 23 November, 06:30 in Paris.
      nextRunAt: "2026-11-23T05:30:00Z",
      source: { kind: "url", url: `${filesUrl}/exports/hr.csv?…`, headerNames: ["Authorization"] },
    });
    expect(set.body).not.toContain("s3cret");
    expect(set.body).not.toContain("abc123");
    const audited = await server.services.db.query<{ details: unknown }>(
      "SELECT details FROM audit_entries WHERE target_id = $1 AND action = 'connector.schedule.create'",
      [c.id],
    );
    expect(JSON.stringify(audited.rows)).not.toMatch(/s3cret|abc123/);

    const res = await api("POST", `/api/connectors/${c.id}/schedule/run`);
    expect(res.json()).toMatchObject({
      status: "imported",
      runs: [{ fileName: "hr.csv", status: "completed", recordsReceived: 2, recordsSaved: 2 }],
    });
    // Through a same-origin redirect the header still goes along.
    await api("PUT", `/api/connectors/${c.id}/schedule`, {
      cron: "30 6 * * 1-5",
      source: { kind: "url", url: `${filesUrl}/moved`, headers: { Authorization: "Bearer s3cret" } },
    });
    expect((await api("POST", `/api/connectors/${c.id}/schedule/run`)).json()).toMatchObject({
      status: "imported",
      runs: [{ fileName: "hr.csv", recordsReceived: 2, recordsDuplicate: 2 }],
    });
  });

  it("records a download that fails as a failed run with the reason, in the run log and the health", async () => {
    await setClock("2026-11-21T12:00:00Z");
    const c = await newConnector("Flaky URL");
    const attempt = async (url: string) => {
      await setClock(60_000);
      const set = await api("PUT", `/api/connectors/${c.id}/schedule`, {
        cron: "0 * * * *",
        source: { kind: "url", url },
      });
      expect(set.statusCode, set.body).toBe(200);
      const res = await api("POST", `/api/connectors/${c.id}/schedule/run`);
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe("failed");
      expect(res.json().runs).toEqual([expect.objectContaining({ status: "failed", error: res.json().message })]);
      return res.json().message as string;
    };
    expect(await attempt(`${filesUrl}/exports/hr.csv`)).toBe(
      `Scheduled import: ${filesUrl}/exports/hr.csv answered 401 Unauthorized.`,
    );
    expect(await attempt(`${filesUrl}/broken`)).toBe(
      `Scheduled import: ${filesUrl}/broken answered 500 Internal Server Error.`,
    );
    expect(await attempt(`${filesUrl}/elsewhere`)).toBe(
      `Scheduled import: ${filesUrl}/elsewhere redirected to an address that is refused: redirect: 'http://example.org/hr.csv' uses plain http; scheduled imports download over https only (plain http is accepted for loopback addresses such as 127.0.0.1).`,
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await attempt(`http://127.0.0.1:${port}/hr.csv`)).toBe(
      `Scheduled import: could not download http://127.0.0.1:${port}/hr.csv (ECONNREFUSED).`,
    );
    const runs = await runsOf(c.id);
    expect(runs.map((r) => [r.status, r.origin])).toEqual([
      ["failed", "schedule"],
      ["failed", "schedule"],
      ["failed", "schedule"],
      ["failed", "schedule"],
    ]);
    const health = (await api("GET", `/api/connectors/${c.id}/health`)).json();
    expect(health.last24Hours).toMatchObject({ runs: 4, failedRuns: 4 });
    expect(health.warnings[0]).toBe(
      `The last upload (2026-11-21T12:04:00Z) failed: Scheduled import: could not download http://127.0.0.1:${port}/hr.csv (ECONNREFUSED).`,
    );
  });
});

describe("schedules of disabled and deleted connectors", () => {
  it("skips a disabled connector, refuses to run it by hand, and removes the schedule with the connector", async () => {
    await setClock("2026-11-21T12:00:00Z");
    const c = await newConnector("Paused schedule", "indicators");
    const dir = join(importsDir, "paused");
    writeImport(dir, "scores.csv", fixture("indicators-example1-upn.csv").toString(), HOUR);
    await api("PUT", `/api/connectors/${c.id}/schedule`, {
      cron: "0 * * * *",
      source: { kind: "folder", path: dir },
    });
    await api("POST", `/api/connectors/${c.id}/disable`);
    const refused = await api("POST", `/api/connectors/${c.id}/schedule/run`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toBe(
      `Connector 'Paused schedule' is disabled; enable it ('openirm connectors enable ${c.id}') before importing.`,
    );
    await setClock(HOUR);
    const results = await runDueImports(server.services);
    expect(results.filter((r) => r.connectorId === c.id)).toEqual([
      {
        connectorId: c.id,
        status: "skipped",
        message: "Connector 'Paused schedule' is disabled; the scheduled import was skipped.",
        runIds: [],
      },
    ]);
    expect(await runsOf(c.id)).toEqual([]);
    await api("POST", `/api/connectors/${c.id}/enable`);
    await setClock(HOUR);
    const [done] = (await runDueImports(server.services)).filter((r) => r.connectorId === c.id);
    expect(done?.status).toBe("imported");
    expect(await runsOf(c.id)).toEqual([expect.objectContaining({ status: "completed", records_saved: 3 })]);

    const deleted = await api("DELETE", `/api/connectors/${c.id}`);
    expect(deleted.json()).toMatchObject({
      scheduleRemoved: true,
      signals: { kept: 3, deleted: 0 },
      message:
        "Connector 'Paused schedule' deleted; its job ID no longer accepts uploads. The 3 signals it brought are kept and still count in scoring (delete with ?deleteSignals=true to erase them). Its scheduled import was removed.",
    });
    expect((await api("GET", `/api/connectors/${c.id}/schedule`)).statusCode).toBe(410);
  });

  it("deletes a schedule (audited) and answers 404 for a connector without one", async () => {
    await setClock("2026-11-21T12:00:00Z");
    const c = await newConnector("Unscheduled");
    await api("PUT", `/api/connectors/${c.id}/schedule`, {
      cron: "0 * * * *",
      source: { kind: "folder", path: importsDir },
    });
    expect((await api("DELETE", `/api/connectors/${c.id}/schedule`)).statusCode).toBe(204);
    const again = await api("DELETE", `/api/connectors/${c.id}/schedule`);
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe("no_schedule");
    expect((await api("POST", `/api/connectors/${c.id}/schedule/run`)).statusCode).toBe(404);
    const entries = await server.services.db.query<{ action: string }>(
      "SELECT action FROM audit_entries WHERE target_id = $1 ORDER BY id",
      [c.id],
    );
    expect(entries.rows.map((r) => r.action)).toEqual([
      "connector.create",
      "connector.schedule.create",
      "connector.schedule.delete",
    ]);
  });
});
