// Ingest benchmark: end-to-end rows/s of the upload path (token → multipart upload → parse, validate,
// dedupe, store) on a server started as a child process, with its peak memory, on the embedded
// database and, when DATABASE_URL is set, on PostgreSQL next to psql's \copy of the same file.
//
//   npm run bench:ingest -- [--rows 1000000] [--records-per-call 5000] [--variants chunked,whole]
//                           [--engines pglite,postgres] [--cpu-prof DIR] [--skip-baseline] [--keep]

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, freemem, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_RECORDS_PER_CALL, uploadFile } from "@openirm/cli";
import { demoIndicatorLines, demoUsersForRows, generateDemoOrg } from "@openirm/domain";

const ROOT = resolve(import.meta.dirname, "..");
const ADMIN_PASSWORD = "bench-admin-password";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "records-per-call": { type: "string", default: String(DEFAULT_RECORDS_PER_CALL) },
    variants: { type: "string", default: "chunked,whole" },
    seed: { type: "string", default: "1" },
    engines: { type: "string", default: "pglite,postgres" },
    "cpu-prof": { type: "string" },
    "skip-baseline": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const ROWS = Number(args.rows);
const RECORDS_PER_CALL = Number(args["records-per-call"]);
const VARIANTS = String(args.variants)
  .split(",")
  .map((v) => v.trim())
  .filter((v): v is "chunked" | "whole" => v === "chunked" || v === "whole");
const ENGINES = new Set(
  String(args.engines)
    .split(",")
    .map((e) => e.trim()),
);
if (!Number.isInteger(ROWS) || ROWS < 1) throw new Error("--rows must be a whole number ≥ 1");

interface Result {
  engine: string;
  variant: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMiB: number;
  serverCpuSeconds: number;
  saved: number;
  rejected: number;
  duplicates: number;
  requests: number;
}

const log = (text: string) => process.stderr.write(`${text}\n`);

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const address = probe.address();
  await new Promise((r) => probe.close(r));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/** Writes the detections CSV with the demo generator, streaming (never the whole file in memory). */
async function writeDataset(path: string, rows: number): Promise<number> {
  const days = 60;
  const org = generateDemoOrg({ seed: Number(args.seed), users: demoUsersForRows(rows, days), days, asOf: new Date() });
  const out = createWriteStream(path);
  let buffer = "";
  let written = -1; // the header is not a row
  for (const line of demoIndicatorLines(org, { limit: rows })) {
    buffer += `${line}\n`;
    written++;
    if (buffer.length >= 1 << 16) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once("drain", () => r()));
      buffer = "";
    }
  }
  out.end(buffer);
  await new Promise<void>((r, j) => {
    out.once("finish", () => r());
    out.once("error", j);
  });
  if (written !== rows) throw new Error(`generated ${written} rows instead of ${rows}`);
  return written;
}

/** CPU time (user + system) a process has used, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

interface StartedServer {
  url: string;
  child: ChildProcess;
  tenantId: string;
  stop(): Promise<void>;
}

async function startChildServer(databaseUrl: string | undefined): Promise<StartedServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "openirm-bench-data-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    OPENIRM_DEMO: "off",
    OPENIRM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: "warn",
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  const profile = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${resolve(args["cpu-prof"])}`] : [];
  // The server as `npm start` runs it: the bundle scripts/build.mjs makes (built once in main()).
  const child = spawn(process.execPath, [...profile, join(ROOT, "dist/openirm.mjs"), "serve"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not start within 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const tenantId = /tenant ID: ([0-9a-f-]{36})/.exec(output)?.[1];
  if (!tenantId) throw new Error(`no tenant ID in the server's output:\n${output}`);
  return {
    url,
    child,
    tenantId,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function api<T = any>(url: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Every run of a connector (the list is paged). */
async function allRuns(url: string, token: string, connectorId: string) {
  const runs: any[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api<{ items: any[]; total: number }>(
      url,
      token,
      "GET",
      `/api/connectors/${connectorId}/runs?limit=500&offset=${offset}`,
    );
    runs.push(...page.items);
    if (page.items.length < 500 || runs.length >= page.total) return runs;
  }
}

/** Where a chunked upload's time goes: the server's processing of each run, and the time between runs. */
function logRunTimes(engine: string, variant: string, runs: any[]) {
  const at = (t: string | null | undefined) => (t ? Date.parse(t) : Number.NaN);
  const sorted = [...runs].sort((a, b) => at(a.receivedAt) - at(b.receivedAt));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const processing = mean(sorted.map((r) => at(r.finishedAt) - at(r.startedAt)));
  const waiting = mean(sorted.map((r) => at(r.startedAt) - at(r.receivedAt)));
  const between = mean(sorted.slice(1).map((r, i) => at(r.receivedAt) - at(sorted[i].finishedAt)));
  log(
    `${engine}/${variant}: per run ${processing.toFixed(1)} ms processing, ${waiting.toFixed(1)} ms from received to started` +
      (sorted.length > 1 ? `, ${between.toFixed(1)} ms from one run's end to the next one received` : ""),
  );
}

async function runVariant(engine: string, databaseUrl: string | undefined, variant: string, file: string) {
  const server = await startChildServer(databaseUrl);
  try {
    const login = await api<{ token: string }>(server.url, undefined, "POST", "/api/auth/login", {
      username: "admin",
      password: ADMIN_PASSWORD,
    });
    const token = login.token;
    const app = await api(server.url, token, "POST", "/api/apps", { name: `bench ${variant}` });
    const sample = readFileSync(file, "utf8").split("\n").slice(0, 51).join("\n");
    const connector = await api(server.url, token, "POST", "/api/connectors", {
      type: "indicators",
      name: `bench ${engine} ${variant}`,
      appId: app.clientId,
      sample,
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: "Source_Workload",
      sourceValues: ["Salesforce", "Dropbox"],
      columnTypes: { Alert_Count: "Number" },
    });
    log(`${engine}/${variant}: uploading ${ROWS} rows…`);
    const cpuBefore = cpuSeconds(server.child.pid as number);
    const started = performance.now();
    const summary = await uploadFile(
      {
        server: server.url,
        tenantId: server.tenantId,
        appId: app.clientId,
        appSecret: app.clientSecret,
        jobId: connector.jobId,
        filePath: file,
        recordsPerCall: variant === "whole" ? 0 : RECORDS_PER_CALL,
        checkpoint: false,
        timeoutMs: 3_600_000,
      },
      {},
    );
    // Until every run has finished on the server (a large upload may answer "processing").
    let saved = 0;
    let rejected = 0;
    let duplicates = 0;
    const deadline = Date.now() + 3_600_000;
    for (;;) {
      const runs = await allRuns(server.url, token, connector.id);
      const mine = runs.filter((r) => summary.runIds.includes(r.id));
      if (
        mine.length === summary.runIds.length &&
        mine.every((r) => r.status === "completed" || r.status === "failed")
      ) {
        logRunTimes(engine, variant, mine);
        saved = mine.reduce((n, r) => n + Number(r.recordsSaved ?? 0), 0);
        rejected = mine.reduce((n, r) => n + Number(r.recordsRejected ?? 0), 0);
        duplicates = mine.reduce((n, r) => n + Number(r.recordsDuplicate ?? 0), 0);
        break;
      }
      if (Date.now() > deadline) throw new Error(`runs still unfinished after an hour: ${JSON.stringify(mine)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (performance.now() - started) / 1000;
    const result: Result = {
      engine,
      variant: variant === "whole" ? "whole file, 1 request" : `${RECORDS_PER_CALL}-record chunks`,
      rows: ROWS,
      seconds,
      rowsPerSecond: ROWS / seconds,
      peakRssMiB: peakRssMiB(server.child.pid as number),
      serverCpuSeconds: cpuSeconds(server.child.pid as number) - cpuBefore,
      saved,
      rejected,
      duplicates,
      requests: summary.chunksSent,
    };
    log(
      `${engine}/${variant}: ${Math.round(result.rowsPerSecond)} rows/s, peak RSS ${result.peakRssMiB} MiB, ` +
        `server CPU ${result.serverCpuSeconds.toFixed(1)} s`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

function psql(url: string, command: string): string {
  return execFileSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", command], {
    encoding: "utf8",
    env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" },
  });
}

/** A database of its own for the run, so the benchmark never touches the data behind DATABASE_URL. */
function benchDatabase(url: string): { url: string; drop(): void } {
  const name = `openirm_bench_${process.pid}`;
  try {
    psql(url, `CREATE DATABASE ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    return {
      url: u.toString(),
      drop: () => {
        psql(url, `DROP DATABASE IF EXISTS ${name}`);
      },
    };
  } catch (err) {
    log(`cannot create a database for the benchmark (${(err as Error).message.trim()}); using DATABASE_URL itself`);
    return { url, drop: () => undefined };
  }
}

const FILE_COLUMNS = `upn text NOT NULL, display_name text, alert_severity text, alert_count integer,
       aggregation_date timestamptz NOT NULL, source_workload text,
       additional_info_salesforce text, additional_info_dropbox text`;
const FILE_COLUMN_NAMES =
  "upn, display_name, alert_severity, alert_count, aggregation_date, source_workload, additional_info_salesforce, additional_info_dropbox";

interface Baseline {
  seconds: number;
  rowsPerSecond: number;
}

/**
 * psql's \copy of the file into a table made by `create`, timed; the table is dropped afterwards.
 */
function timedCopy(url: string, file: string, create: string): Baseline {
  psql(url, `DROP TABLE IF EXISTS bench_signals_copy; ${create}`);
  const started = performance.now();
  psql(
    url,
    `\\copy bench_signals_copy (${FILE_COLUMN_NAMES}) FROM '${file.replaceAll("'", "''")}' WITH (FORMAT csv, HEADER true)`,
  );
  const seconds = (performance.now() - started) / 1000;
  const copied = Number(psql(url, "SELECT count(*) FROM bench_signals_copy").trim());
  psql(url, "DROP TABLE bench_signals_copy");
  if (copied !== ROWS) throw new Error(`\\copy loaded ${copied} rows instead of ${ROWS}`);
  return { seconds, rowsPerSecond: ROWS / seconds };
}

/**
 * Two baselines: the file into a plain table with its columns, and into an equivalent table — the
 * same columns with what OpenIRM's signals table keeps for every row: a generated row ID, a unique
 * index that refuses a re-sent row (de-duplication) and an index by user and time (how scoring reads
 * signals). The second is the one the target compares with.
 */
function copyBaselines(url: string, file: string): { plain: Baseline; equivalent: Baseline } {
  const plain = timedCopy(url, file, `CREATE TABLE bench_signals_copy (${FILE_COLUMNS})`);
  const equivalent = timedCopy(
    url,
    file,
    `CREATE TABLE bench_signals_copy (id bigserial PRIMARY KEY, ${FILE_COLUMNS});
     CREATE UNIQUE INDEX bench_signals_copy_dedupe ON bench_signals_copy (${FILE_COLUMN_NAMES});
     CREATE INDEX bench_signals_copy_user_time ON bench_signals_copy (upn, aggregation_date)`,
  );
  return { plain, equivalent };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
    .join("\n");
}

async function main() {
  execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
  const workDir = mkdtempSync(join(tmpdir(), "openirm-bench-"));
  const file = join(workDir, "detections.csv");
  log(`generating ${ROWS} rows into ${file}…`);
  const genStart = performance.now();
  await writeDataset(file, ROWS);
  const bytes = statSync(file).size;
  log(`generated ${(bytes / 1024 / 1024).toFixed(1)} MiB in ${((performance.now() - genStart) / 1000).toFixed(1)} s`);

  const results: Result[] = [];
  let baselines: { plain: Baseline; equivalent: Baseline } | undefined;
  try {
    if (ENGINES.has("pglite")) {
      for (const variant of VARIANTS) results.push(await runVariant("PGlite (embedded)", undefined, variant, file));
    }
    if (process.env.DATABASE_URL && ENGINES.has("postgres")) {
      const db = benchDatabase(process.env.DATABASE_URL);
      try {
        for (const variant of VARIANTS) results.push(await runVariant("PostgreSQL", db.url, variant, file));
        if (!args["skip-baseline"]) baselines = copyBaselines(db.url, file);
      } finally {
        db.drop();
      }
    }
  } finally {
    if (!args.keep) rmSync(workDir, { recursive: true, force: true });
    else log(`kept ${file}`);
  }

  const header = [
    "engine",
    "upload",
    "rows",
    "seconds",
    "rows/s",
    "peak RSS MiB",
    "server CPU s",
    "saved",
    "rejected",
    "dup",
    "requests",
  ];
  const copy = baselines?.equivalent;
  if (copy) header.push("× \\copy");
  const lines = [header];
  for (const r of results) {
    const line = [
      r.engine,
      r.variant,
      String(r.rows),
      r.seconds.toFixed(1),
      String(Math.round(r.rowsPerSecond)),
      String(r.peakRssMiB),
      r.serverCpuSeconds.toFixed(1),
      String(r.saved),
      String(r.rejected),
      String(r.duplicates),
      String(r.requests),
    ];
    if (copy) line.push(r.engine === "PostgreSQL" ? (copy.rowsPerSecond / r.rowsPerSecond).toFixed(1) : "-");
    lines.push(line);
  }
  if (baselines) {
    for (const [label, b] of [
      ["psql \\copy, plain table", baselines.plain],
      ["psql \\copy, equivalent table", baselines.equivalent],
    ] as const) {
      lines.push([
        "PostgreSQL",
        label,
        String(ROWS),
        b.seconds.toFixed(1),
        String(Math.round(b.rowsPerSecond)),
        "-",
        "-",
        String(ROWS),
        "0",
        "0",
        "1",
        (baselines.equivalent.rowsPerSecond / b.rowsPerSecond).toFixed(1),
      ]);
    }
  }
  process.stdout.write(
    `\nIngest benchmark: ${ROWS} rows (${(bytes / 1024 / 1024).toFixed(1)} MiB), node ${process.version}, ` +
      `${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free)\n\n` +
      `${table(lines)}\n` +
      (copy
        ? "\n× \\copy: how many times faster psql's \\copy loads the same file into the equivalent table (target: at most 2).\n"
        : ""),
  );
}

await main();
