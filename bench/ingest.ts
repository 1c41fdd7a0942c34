// Ingest benchmark: end-to-end rows/s of the upload path (token → upload → parse, validate, dedupe,
// store) on a server started as a child process, with its peak memory, on the embedded database and,
// when DATABASE_URL is set, on PostgreSQL next to psql's \copy of the same detections file. Three
// datasets: third-party detections (CSV), activity events (NDJSON, the Google Workspace Drive
// mapping) and badge events (JSON arrays to the badging endpoint, 100,000 records per request).
//
//   npm run bench:ingest -- [--rows 1000000] [--records-per-call 50000] [--variants chunked,whole]
//                           [--datasets detections,activity,badging] [--engines pglite,postgres]
//                           [--cpu-prof DIR] [--skip-baseline] [--keep]

import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, freemem, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_RECORDS_PER_CALL, uploadFile } from "@openirm/cli";
import { demoIndicatorLines, demoUsersForRows, generateDemoOrg } from "@openirm/domain";
import {
  allRuns,
  api,
  benchDatabase,
  buildServer,
  cpuSeconds,
  log,
  peakRssMiB,
  psql,
  signIn,
  startChildServer,
  table,
  writeLines,
} from "./lib.ts";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "records-per-call": { type: "string", default: String(DEFAULT_RECORDS_PER_CALL) },
    variants: { type: "string", default: "chunked,whole" },
    datasets: { type: "string", default: "detections,activity,badging" },
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
type Dataset = "detections" | "activity" | "badging";
const DATASETS = String(args.datasets)
  .split(",")
  .map((d) => d.trim())
  .filter((d): d is Dataset => d === "detections" || d === "activity" || d === "badging");
/** The badging endpoint takes up to this many records a request. */
const BADGING_RECORDS_PER_CALL = 100_000;
const ENGINES = new Set(
  String(args.engines)
    .split(",")
    .map((e) => e.trim()),
);
if (!Number.isInteger(ROWS) || ROWS < 1) throw new Error("--rows must be a whole number ≥ 1");

interface Result {
  dataset: Dataset;
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

const ACTIVITY_EVENTS = ["download", "download", "download", "download", "download", "download", "print", "rename"];

/**
 * Google Workspace Drive audit activities, one JSON object a line (the Reports API's shape): 2,000
 * people over the last 60 days, mostly downloads, some prints and renames (which the ready-made
 * mapping imports) and views of other kinds it skips.
 */
function activityLine(i: number): string {
  const name = i % 10 === 9 ? "view" : (ACTIVITY_EVENTS[i % ACTIVITY_EVENTS.length] as string);
  const user = `user${i % 2000}@contoso.example`;
  const title = `Document ${i % 50_000}.${["xlsx", "docx", "pdf", "csv"][i % 4]}`;
  const parameters: unknown[] = [
    { name: "primary_event", boolValue: true },
    { name: "doc_id", value: `1AbC${i.toString(36).padStart(10, "0")}` },
    { name: "doc_type", value: "msexcel" },
    { name: "doc_title", value: title },
    { name: "owner", value: user },
    { name: "visibility", value: "private" },
  ];
  if (name === "rename") {
    parameters.push({ name: "old_value", multiValue: [`Draft ${i}.xlsx`] }, { name: "new_value", multiValue: [title] });
  }
  const time = new Date(Date.now() - 60 * 86_400_000 + i * 5000).toISOString();
  return `${JSON.stringify({
    kind: "admin#reports#activity",
    id: { time, uniqueQualifier: `1${String(i).padStart(17, "0")}`, applicationName: "drive", customerId: "C03az79cb" },
    actor: { email: user, profileId: `1${String(i % 2000).padStart(20, "0")}` },
    ipAddress: `198.51.100.${i % 250}`,
    events: [{ type: "access", name, parameters }],
  })}\n`;
}

/** Badge reader events as the badging script sends them: a JSON array of flat records. */
function badgingLine(i: number): string {
  const record = {
    UserId: `user${i % 2000}@contoso.example`,
    AssetId: `Door-${i % 400}`,
    AssetName: `Building ${i % 20}, door ${i % 400}`,
    EventTime: new Date(Date.now() - 60 * 86_400_000 + i * 5000).toISOString(),
    AccessStatus: i % 37 === 0 ? "Failed" : "Success",
    SourceSystem: "Lenel",
  };
  return `${i === 0 ? "" : ",\n"}${JSON.stringify(record)}`;
}

async function writeDatasetFile(dataset: Dataset, dir: string): Promise<string> {
  const file = join(
    dir,
    { detections: "detections.csv", activity: "activity.ndjson", badging: "badging.json" }[dataset],
  );
  log(`generating ${ROWS} ${dataset} records into ${file}…`);
  const started = performance.now();
  if (dataset === "detections") await writeDataset(file, ROWS);
  else if (dataset === "activity") await writeLines(file, ROWS, activityLine);
  else await writeLines(file, ROWS, badgingLine, "[\n", "\n]\n");
  log(
    `generated ${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return file;
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

/** The connector a dataset is uploaded to. */
function connectorBody(dataset: Dataset, file: string, appId: string, name: string): Record<string, unknown> {
  if (dataset === "activity") return { type: "activity", name, appId, activityMapping: "google-workspace-drive" };
  if (dataset === "badging") return { type: "badging", name, appId };
  return {
    type: "indicators",
    name,
    appId,
    sample: readFileSync(file, "utf8").split("\n").slice(0, 51).join("\n"),
    userColumn: "UPN",
    timeColumn: "Aggregation_Date",
    sourceColumn: "Source_Workload",
    sourceValues: ["Salesforce", "Dropbox"],
    columnTypes: { Alert_Count: "Number" },
  };
}

async function runVariant(
  dataset: Dataset,
  engine: string,
  databaseUrl: string | undefined,
  variant: string,
  file: string,
) {
  const server = await startChildServer(databaseUrl, { cpuProf: args["cpu-prof"] });
  try {
    const token = await signIn(server.url);
    const app = await api(server.url, token, "POST", "/api/apps", { name: `bench ${variant}` });
    const connector = await api(
      server.url,
      token,
      "POST",
      "/api/connectors",
      connectorBody(dataset, file, app.clientId, `bench ${dataset} ${engine} ${variant}`),
    );
    const recordsPerCall =
      dataset === "badging" ? BADGING_RECORDS_PER_CALL : variant === "whole" ? 0 : RECORDS_PER_CALL;
    log(`${engine}/${dataset}/${variant}: uploading ${ROWS} records…`);
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
        recordsPerCall,
        endpoint: dataset === "badging" ? "physicalbadging" : "signals",
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
        logRunTimes(`${engine}/${dataset}`, variant, mine);
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
      dataset,
      engine,
      variant:
        recordsPerCall === 0 ? "whole file, 1 request" : `${recordsPerCall.toLocaleString("en-US")}-record chunks`,
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
      `${engine}/${dataset}/${variant}: ${Math.round(result.rowsPerSecond)} rows/s, peak RSS ${result.peakRssMiB} MiB, ` +
        `server CPU ${result.serverCpuSeconds.toFixed(1)} s`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

interface Baseline {
  seconds: number;
  rowsPerSecond: number;
}

/** psql's \\copy into a table made by `create` (dropped afterwards), timed. */
function timedCopy(url: string, create: string, copy: string): Baseline {
  psql(url, `DROP TABLE IF EXISTS bench_signals_copy; ${create}`);
  const started = performance.now();
  psql(url, copy);
  const seconds = (performance.now() - started) / 1000;
  const copied = Number(psql(url, "SELECT count(*) FROM bench_signals_copy").trim());
  psql(url, "DROP TABLE bench_signals_copy");
  if (copied !== ROWS) throw new Error(`\\copy loaded ${copied} rows instead of ${ROWS}`);
  return { seconds, rowsPerSecond: ROWS / seconds };
}

const quote = (file: string) => `'${file.replaceAll("'", "''")}'`;

/** How psql's \\copy loads a dataset's records: into a plain table, and into an equivalent one. */
interface BaselineTables {
  /** The records' columns. */
  columns: string;
  /** What the equivalent table adds: a unique key that refuses a re-sent record, and a user+time index. */
  indexes: string[];
  copy(table: string): string;
  /** The file \\copy reads, when it is not the uploaded one. */
  file?: (dir: string) => Promise<string>;
}

const DETECTION_COLUMNS =
  "upn, display_name, alert_severity, alert_count, aggregation_date, source_workload, additional_info_salesforce, additional_info_dropbox";

function baselineTables(dataset: Dataset, uploaded: string): BaselineTables {
  if (dataset === "detections") {
    return {
      columns: `upn text NOT NULL, display_name text, alert_severity text, alert_count integer,
        aggregation_date timestamptz NOT NULL, source_workload text, additional_info_salesforce text,
        additional_info_dropbox text`,
      indexes: [`UNIQUE (${DETECTION_COLUMNS})`, "(upn, aggregation_date)"],
      copy: (t) => `\\copy ${t} (${DETECTION_COLUMNS}) FROM ${quote(uploaded)} WITH (FORMAT csv, HEADER true)`,
    };
  }
  if (dataset === "activity") {
    // Each NDJSON line as one jsonb value (CSV format with a quote and a delimiter no line holds).
    return {
      columns: "doc jsonb NOT NULL",
      indexes: ["UNIQUE ((doc->'id'->>'uniqueQualifier'))", "((doc->'actor'->>'email'), (doc->'id'->>'time'))"],
      copy: (t) => `\\copy ${t} (doc) FROM ${quote(uploaded)} WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`,
    };
  }
  // Badge events: the same records as CSV (\\copy cannot read a JSON array).
  return {
    columns: `user_id text NOT NULL, asset_id text NOT NULL, asset_name text, event_time timestamptz NOT NULL,
      access_status text NOT NULL, source_system text`,
    indexes: ["UNIQUE (user_id, asset_id, event_time, access_status)", "(user_id, event_time)"],
    file: async (dir) => {
      const csv = join(dir, "badging-baseline.csv");
      await writeLines(csv, ROWS, (i) => {
        const r = JSON.parse(badgingLine(i).replace(/^,\n/, "")) as Record<string, string>;
        return `${r.UserId},${r.AssetId},"${r.AssetName}",${r.EventTime},${r.AccessStatus},${r.SourceSystem}\n`;
      });
      return csv;
    },
    copy: (t) =>
      `\\copy ${t} (user_id, asset_id, asset_name, event_time, access_status, source_system) FROM ${quote(join(dirname(uploaded), "badging-baseline.csv"))} WITH (FORMAT csv)`,
  };
}

/**
 * Two baselines for a dataset: psql's \\copy of its records into a plain table, and into an
 * equivalent table — the same records with what OpenIRM's signals table keeps for every one: a
 * generated row ID, a unique key that refuses a re-sent record (de-duplication) and an index by user
 * and time (how scoring reads signals). The second is the one the target compares with.
 */
async function copyBaselines(
  url: string,
  dataset: Dataset,
  file: string,
): Promise<{ plain: Baseline; equivalent: Baseline }> {
  const tables = baselineTables(dataset, file);
  await tables.file?.(dirname(file));
  const t = "bench_signals_copy";
  const plain = timedCopy(url, `CREATE TABLE ${t} (${tables.columns})`, tables.copy(t));
  const equivalent = timedCopy(
    url,
    `CREATE TABLE ${t} (id bigserial PRIMARY KEY, ${tables.columns});
     ${tables.indexes.map((index, i) => `CREATE ${index.startsWith("UNIQUE") ? "UNIQUE " : ""}INDEX ${t}_${i} ON ${t} ${index.replace(/^UNIQUE /, "")}`).join(";\n")}`,
    tables.copy(t),
  );
  return { plain, equivalent };
}

async function main() {
  buildServer();
  const workDir = mkdtempSync(join(tmpdir(), "openirm-bench-"));
  const results: Result[] = [];
  const baselines = new Map<Dataset, { plain: Baseline; equivalent: Baseline }>();
  const sizes = new Map<Dataset, number>();
  try {
    for (const dataset of DATASETS) {
      const file = await writeDatasetFile(dataset, workDir);
      sizes.set(dataset, statSync(file).size);
      // Badge events go 100,000 to a request: there is no whole-file upload to the badging endpoint.
      const variants = dataset === "badging" ? (["chunked"] as const) : VARIANTS;
      if (ENGINES.has("pglite")) {
        for (const variant of variants) {
          results.push(await runVariant(dataset, "PGlite (embedded)", undefined, variant, file));
        }
      }
      if (process.env.DATABASE_URL && ENGINES.has("postgres")) {
        const db = benchDatabase(process.env.DATABASE_URL);
        try {
          for (const variant of variants) results.push(await runVariant(dataset, "PostgreSQL", db.url, variant, file));
          if (!args["skip-baseline"]) baselines.set(dataset, await copyBaselines(db.url, dataset, file));
        } finally {
          db.drop();
        }
      }
    }
  } finally {
    if (!args.keep) rmSync(workDir, { recursive: true, force: true });
    else log(`kept ${workDir}`);
  }

  const header = [
    "dataset",
    "engine",
    "upload",
    "records",
    "seconds",
    "records/s",
    "peak RSS MiB",
    "server CPU s",
    "saved",
    "rejected",
    "dup",
    "requests",
    "× \\copy",
  ];
  const lines = [header];
  for (const r of results) {
    const copy = baselines.get(r.dataset)?.equivalent;
    lines.push([
      r.dataset,
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
      copy && r.engine === "PostgreSQL" ? (copy.rowsPerSecond / r.rowsPerSecond).toFixed(1) : "-",
    ]);
  }
  for (const [dataset, b] of baselines) {
    for (const [label, baseline] of [
      ["psql \\copy, plain table", b.plain],
      ["psql \\copy, equivalent table", b.equivalent],
    ] as const) {
      lines.push([
        dataset,
        "PostgreSQL",
        label,
        String(ROWS),
        baseline.seconds.toFixed(1),
        String(Math.round(baseline.rowsPerSecond)),
        "-",
        "-",
        String(ROWS),
        "0",
        "0",
        "1",
        (b.equivalent.rowsPerSecond / baseline.rowsPerSecond).toFixed(1),
      ]);
    }
  }
  const sizeText = [...sizes].map(([d, bytes]) => `${d} ${(bytes / 1024 / 1024).toFixed(1)} MiB`).join(", ");
  process.stdout.write(
    `\nIngest benchmark: ${ROWS} records per dataset (${sizeText}), node ${process.version}, ` +
      `${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free)\n\n` +
      `${table(lines)}\n` +
      (baselines.size > 0
        ? "\n× \\copy: how many times faster psql's \\copy loads the same records into the equivalent table (target: at most 2).\n"
        : ""),
  );
}

await main();
