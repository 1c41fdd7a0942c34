// Scoring benchmark: how fast the risk engine rescores a whole organisation, and how long an upload
// takes to reach its users' alerts. A server started as a child process (the bundle `npm start`
// runs) on the embedded database and, when DATABASE_URL is set, on PostgreSQL in a database of its
// own. The organisation is the demo generator's (people, HR resignations, Salesforce and Dropbox
// detections) at any size, with a departing-users policy over two custom indicators.
//
//   npm run bench:score -- [--users 10000] [--days 90] [--signals 10000000] [--pglite-signals 1000000]
//                          [--load copy|api] [--engines pglite,postgres] [--uploads 20]
//                          [--upload-rows 5000] [--upload-users 100] [--rescores 2] [--seed 1]
//                          [--cpu-prof DIR] [--keep]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { uploadFile } from "@openirm/cli";
import { DEMO_WORKLOADS, type DemoOrg, type DemoWorkload, demoIndicatorLines, generateDemoOrg } from "@openirm/domain";
import {
  allRuns,
  api,
  apiNoTimeout,
  benchDatabase,
  buildServer,
  cpuSeconds,
  log,
  machine,
  peakRssMiB,
  psql,
  type StartedServer,
  signIn,
  startChildServer,
  table,
  writeStrings,
} from "./lib.ts";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "10000" },
    days: { type: "string", default: "90" },
    signals: { type: "string", default: "10000000" },
    "pglite-signals": { type: "string", default: "1000000" },
    load: { type: "string", default: "copy" },
    engines: { type: "string", default: "pglite,postgres" },
    uploads: { type: "string", default: "20" },
    "upload-rows": { type: "string", default: "5000" },
    "upload-users": { type: "string", default: "100" },
    rescores: { type: "string", default: "2" },
    seed: { type: "string", default: "1" },
    "cpu-prof": { type: "string" },
    keep: { type: "boolean", default: false },
  },
});

const wholeNumber = (name: string, min: number) => {
  const value = Number(args[name as keyof typeof args]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return value;
};
const USERS = wholeNumber("users", 20);
const DAYS = wholeNumber("days", 30);
const SIGNALS = wholeNumber("signals", 1);
const PGLITE_SIGNALS = Math.min(SIGNALS, wholeNumber("pglite-signals", 1));
const UPLOADS = wholeNumber("uploads", 0);
const UPLOAD_ROWS = wholeNumber("upload-rows", 1);
const UPLOAD_USERS = wholeNumber("upload-users", 2);
const RESCORES = wholeNumber("rescores", 1);
const SEED = wholeNumber("seed", 0);
const LOAD = String(args.load);
if (LOAD !== "copy" && LOAD !== "api") throw new Error("--load must be copy or api");
const ENGINES = new Set(
  String(args.engines)
    .split(",")
    .map((e) => e.trim()),
);
/** Rows the upload API takes per request when loading through it on PGlite. */
const API_LOAD_RECORDS_PER_CALL = 1_000_000;
/** Rows loaded through the upload API before the rest is copied: they check the copy's columns. */
const COPY_SEED_ROWS = 5000;
/** A departing user's rows of one incremental upload fall on days from the resignation to yesterday. */
const DAY_MS = 86_400_000;

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const round = (n: number) => Math.round(n).toLocaleString("en-US");

// ---------------------------------------------------------------------------------------------
// Data

/**
 * The detections of the organisation scaled to `target` rows. The demo generator writes at most one
 * row per person, day and workload (about one a person a day); to reach more, each of its rows is
 * repeated a few seconds apart (a source reporting several detections a day), and the policy's
 * thresholds are multiplied by the same factor, so the same people cross them as in the one-row
 * organisation. Below the generator's count, rows are thinned evenly over the days.
 */
interface Scaled {
  org: DemoOrg;
  baseRows: number;
  factor: number;
  lines(opts: { from?: number; to?: number }): Generator<string>;
}

function scaledOrg(target: number): Scaled {
  const org = generateDemoOrg({ seed: SEED, users: USERS, days: DAYS, asOf: new Date() });
  let baseRows = 0;
  for (const _ of demoIndicatorLines(org, { header: false })) baseRows++;
  const factor = target / baseRows;
  if (factor > 600) throw new Error(`${target} signals need more --users or --days (at most 600 rows a detection)`);
  const time = /,(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})Z,/;
  return {
    org,
    baseRows,
    factor,
    /** Data rows number `from` (inclusive) to `to` (exclusive), counted from 0, each with "\n". */
    *lines({ from = 0, to = target }) {
      let n = 0;
      let i = 0;
      for (const line of demoIndicatorLines(org, { header: false })) {
        const repeat = Math.floor(((i + 1) * target) / baseRows) - Math.floor((i * target) / baseRows);
        i++;
        if (n + repeat <= from) {
          n += repeat;
          continue;
        }
        const m = time.exec(line);
        if (!m) throw new Error(`no time in ${line}`);
        const at = Date.parse(`${m[1]}Z`);
        for (let j = 0; j < repeat; j++, n++) {
          if (n < from) continue;
          if (n >= to) return;
          if (j === 0) yield `${line}\n`;
          else {
            const shifted = `,${new Date(at + j * 10_000).toISOString().slice(0, 19)}.${m[2]}Z,`;
            yield `${line.slice(0, m.index)}${shifted}${line.slice(m.index + m[0].length)}\n`;
          }
        }
        if (n >= to) return;
      }
    },
  };
}

const HEADER = `${[...demoIndicatorLines(generateDemoOrg({ seed: 1, users: 2, asOf: new Date() }), { limit: 0 })][0]}\n`;

/**
 * One incremental upload: `UPLOAD_ROWS` rows for `UPLOAD_USERS` people, half of them departing. Each
 * row's Alert_Count is 40 times the scale factor of the policy's thresholds, so that a departing
 * user's day reaches the Medium band (and opens an alert at the default alert volume) however the
 * rows fall over their days.
 */
function incrementalCsv(
  org: DemoOrg,
  round: number,
  factor: number,
): { csv: string; departing: string[]; users: number } {
  const resigned = [...org.resignations].sort((a, b) => a.upn.localeCompare(b.upn));
  const resignedUpns = new Set(resigned.map((r) => r.upn));
  const others = org.users.filter((u) => !resignedUpns.has(u.upn) && u.index > 0);
  const wantDeparting = Math.min(resigned.length, Math.floor(UPLOAD_USERS / 2));
  const departing = Array.from(
    { length: wantDeparting },
    (_, i) => resigned[(round * wantDeparting + i) % resigned.length]!,
  );
  const rest = Array.from(
    { length: UPLOAD_USERS - wantDeparting },
    (_, i) => others[(round * (UPLOAD_USERS - wantDeparting) + i) % others.length]!,
  );
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const people: { upn: string; department: string; days: number[] }[] = [
    ...departing.map((r) => {
      const first = Math.floor(Date.parse(r.resignationDate) / DAY_MS) * DAY_MS;
      const days: number[] = [];
      for (let d = first; d < today; d += DAY_MS) days.push(d);
      return { upn: r.upn, department: "Sales", days };
    }),
    ...rest.map((u) => ({
      upn: u.upn,
      department: u.department,
      days: Array.from({ length: 25 }, (_, d) => today - (d + 1) * DAY_MS),
    })),
  ];
  const count = Math.round(40 * Math.max(1, factor));
  let csv = HEADER;
  for (let row = 0; row < UPLOAD_ROWS; row++) {
    const person = people[row % people.length]!;
    const k = Math.floor(row / people.length); // the person's k-th row of this upload
    const slot = k % (person.days.length * 2);
    const day = person.days[Math.floor(slot / 2)]!;
    const workload = DEMO_WORKLOADS[slot % 2] as DemoWorkload;
    const repeat = Math.floor(k / (person.days.length * 2));
    // 23:00 + a few seconds, the round number in the microseconds: every row is new.
    const at = new Date(day + 23 * 3_600_000 + repeat * 1000).toISOString().slice(0, 19);
    const time = `${at}.${String(round * 1000 + (row % 1000)).padStart(6, "0")}Z`;
    const info = workload === "Salesforce" ? "Report Pipeline (900 rows),," : `,Folder /Shared/${person.department}`;
    csv += `${person.upn},${workload} - Unusual bulk export,High,${count},${time},${workload},${info}\n`;
  }
  return { csv, departing: departing.map((r) => r.upn), users: people.length };
}

// ---------------------------------------------------------------------------------------------
// Server setup and loading

interface Setup {
  token: string;
  app: { clientId: string; clientSecret: string };
  indicatorsConnector: { id: string; jobId: string };
  hrConnector: { id: string; jobId: string };
  indicators: Record<DemoWorkload, string>;
}

async function setUp(server: StartedServer, scaled: Scaled): Promise<Setup> {
  const token = await signIn(server.url);
  const app = await api(server.url, token, "POST", "/api/apps", { name: "bench scoring" });
  const sample = HEADER + [...scaled.lines({ from: 0, to: 60 })].join("");
  const indicatorsConnector = await api(server.url, token, "POST", "/api/connectors", {
    type: "indicators",
    name: "bench: SaaS detections (Salesforce, Dropbox)",
    appId: app.clientId,
    sample,
    userColumn: "UPN",
    timeColumn: "Aggregation_Date",
    sourceColumn: "Source_Workload",
    sourceValues: [...DEMO_WORKLOADS],
    columnTypes: { Alert_Count: "Number" },
    mapping: Object.fromEntries(
      DEMO_WORKLOADS.map((w) => [w, ["Display_Name", "Alert_Severity", "Alert_Count", `AdditionalInfo_${w}`]]),
    ),
  });
  const hrConnector = await api(server.url, token, "POST", "/api/connectors", {
    type: "hr",
    name: "bench: HR resignations",
    appId: app.clientId,
    dataTypes: ["resignation"],
    sample: scaled.org.hrCsv,
  });
  const indicators = {} as Record<DemoWorkload, string>;
  for (const workload of DEMO_WORKLOADS) {
    const created = await api(server.url, token, "POST", "/api/indicators", {
      name: `${workload} activity`,
      description: `Daily ${workload} detections; the value is Alert_Count.`,
      connectorId: indicatorsConnector.id,
      sourceValue: workload,
      valueColumn: "Alert_Count",
    });
    indicators[workload] = created.id;
  }
  return { token, app, indicatorsConnector, hrConnector, indicators };
}

/** The departing-users policy; created after loading, so that uploads during the load score nothing. */
async function createPolicy(server: StartedServer, setup: Setup, scaled: Scaled): Promise<string> {
  const factor = Math.max(1, scaled.factor);
  const policy = await api(server.url, setup.token, "POST", "/api/policies", {
    name: "Departing users data theft",
    template: "departing-users-data-theft",
    description: "People who resigned and moved unusual amounts of data through Salesforce or Dropbox.",
    scope: { allUsers: true },
    triggers: { hrResignation: true },
    indicators: DEMO_WORKLOADS.map((w) => {
      const t = scaled.org.thresholds[w];
      return {
        indicatorId: setup.indicators[w],
        thresholds: {
          low: Math.round(t.low * factor),
          medium: Math.round(t.medium * factor),
          high: Math.round(t.high * factor),
        },
      };
    }),
  });
  return policy.id;
}

/** Uploads a file as `openirm upload` does and waits until every run it made has finished. */
async function upload(
  server: StartedServer,
  setup: Setup,
  connector: { id: string; jobId: string },
  file: string,
  recordsPerCall: number,
): Promise<{ saved: number; rejected: number; runIds: string[] }> {
  const summary = await uploadFile(
    {
      server: server.url,
      tenantId: server.tenantId,
      appId: setup.app.clientId,
      appSecret: setup.app.clientSecret,
      jobId: connector.jobId,
      filePath: file,
      recordsPerCall,
      checkpoint: false,
      timeoutMs: 3_600_000,
    },
    {},
  );
  const deadline = Date.now() + 4 * 3_600_000;
  for (;;) {
    const mine = (await allRuns(server.url, setup.token, connector.id)).filter((r) => summary.runIds.includes(r.id));
    if (mine.length === summary.runIds.length && mine.every((r) => r.status === "completed" || r.status === "failed")) {
      return {
        saved: mine.reduce((n, r) => n + Number(r.recordsSaved ?? 0), 0),
        rejected: mine.reduce((n, r) => n + Number(r.recordsRejected ?? 0), 0),
        runIds: summary.runIds,
      };
    }
    if (Date.now() > deadline) throw new Error(`runs still unfinished after four hours: ${JSON.stringify(mine)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Loaded {
  signals: number;
  method: string;
  phases: string[];
}

/** Loads the detections through the upload API (whole file, or 1,000,000-row requests on PGlite). */
async function loadThroughApi(
  server: StartedServer,
  setup: Setup,
  scaled: Scaled,
  target: number,
  dir: string,
  recordsPerCall: number,
): Promise<Loaded> {
  const file = join(dir, `detections-${target}.csv`);
  let started = performance.now();
  await writeStrings(file, scaled.lines({}), HEADER);
  const generated = performance.now() - started;
  started = performance.now();
  const result = await upload(server, setup, setup.indicatorsConnector, file, recordsPerCall);
  const uploaded = performance.now() - started;
  if (!args.keep) rmSync(file, { force: true });
  return {
    signals: result.saved,
    method: recordsPerCall === 0 ? "upload API, whole file" : `upload API, ${round(recordsPerCall)}-row requests`,
    phases: [
      `generate ${seconds(generated)} s (${(target / 1e6).toFixed(1)}M rows)`,
      `upload ${seconds(uploaded)} s (${round(result.saved / (uploaded / 1000))} rows/s, ${result.rejected} rejected)`,
    ],
  };
}

/**
 * Loads the detections straight into PostgreSQL: the first rows through the upload API (which also
 * checks the mapping), the rest with psql's \copy into a staging table, then one INSERT … SELECT into
 * signals with the attributes the upload path stores (compared with an uploaded row afterwards).
 * De-duplication keys of copied rows are an MD5 of the row, not the upload path's hash.
 */
async function loadWithCopy(
  server: StartedServer,
  setup: Setup,
  scaled: Scaled,
  target: number,
  dir: string,
  databaseUrl: string,
): Promise<Loaded> {
  const seedRows = Math.min(COPY_SEED_ROWS, target);
  const seedFile = join(dir, "detections-seed.csv");
  const restFile = join(dir, `detections-rest-${target}.csv`);
  let started = performance.now();
  await writeStrings(seedFile, scaled.lines({ to: seedRows }), HEADER);
  await writeStrings(restFile, scaled.lines({ from: seedRows }));
  const generated = performance.now() - started;
  const seed = await upload(server, setup, setup.indicatorsConnector, seedFile, 0);
  if (seed.saved !== seedRows) throw new Error(`the first ${seedRows} rows saved ${seed.saved}`);
  const runId = seed.runIds[0]!;
  started = performance.now();
  psql(
    databaseUrl,
    `DROP TABLE IF EXISTS bench_stage; CREATE UNLOGGED TABLE bench_stage (upn text, display_name text,
       alert_severity text, alert_count text, aggregation_date text, source_workload text, info_salesforce text,
       info_dropbox text)`,
  );
  psql(databaseUrl, `\\copy bench_stage FROM '${restFile.replaceAll("'", "''")}' WITH (FORMAT csv)`);
  const copied = performance.now() - started;
  started = performance.now();
  const seedMaxId = Number(psql(databaseUrl, "SELECT max(id) FROM signals").trim());
  const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
  psql(
    databaseUrl,
    `INSERT INTO directory_users (id, upn, created_at)
       SELECT gen_random_uuid(), u, now() FROM (SELECT DISTINCT lower(upn) AS u FROM bench_stage) s
       ON CONFLICT (upn) DO NOTHING`,
  );
  psql(
    databaseUrl,
    `INSERT INTO signals (connector_id, run_id, user_id, occurred_at, kind, source_value, attributes, dedupe_key, received_at)
     SELECT ${q(setup.indicatorsConnector.id)}, ${q(runId)}, d.id, s.aggregation_date::timestamptz, 'indicator',
            s.source_workload,
            jsonb_strip_nulls(jsonb_build_object('UPN', s.upn, 'Aggregation_Date', s.aggregation_date,
              'Display_Name', s.display_name, 'Alert_Severity', s.alert_severity,
              'Alert_Count', s.alert_count::double precision,
              'AdditionalInfo_' || s.source_workload,
              CASE WHEN s.source_workload = 'Salesforce' THEN s.info_salesforce ELSE s.info_dropbox END)),
            md5(concat_ws('|', s.upn, s.aggregation_date, s.source_workload, s.display_name, s.alert_count))::uuid, now()
       FROM bench_stage s JOIN directory_users d ON d.upn = lower(s.upn)
     ON CONFLICT (connector_id, dedupe_key) DO NOTHING`,
  );
  psql(databaseUrl, "DROP TABLE bench_stage; ANALYZE");
  const inserted = performance.now() - started;
  if (!args.keep) rmSync(restFile, { force: true });
  // The copied rows must look like uploaded ones to the scorer: the same attributes and types.
  const shape = (where: string) =>
    psql(
      databaseUrl,
      `SELECT string_agg(k || ':' || jsonb_typeof(attributes -> k), ',' ORDER BY k) FROM
         (SELECT attributes FROM signals WHERE kind = 'indicator' AND source_value = 'Salesforce' AND ${where} LIMIT 1) s,
         jsonb_object_keys(s.attributes) k`,
    ).trim();
  const uploadedShape = shape(`id <= ${seedMaxId}`);
  const copiedShape = shape(`id > ${seedMaxId}`);
  if (uploadedShape !== copiedShape) {
    throw new Error(`copied rows differ from uploaded ones: uploaded {${uploadedShape}}, copied {${copiedShape}}`);
  }
  const signals = Number(
    psql(databaseUrl, `SELECT count(*) FROM signals WHERE connector_id = ${q(setup.indicatorsConnector.id)}`).trim(),
  );
  return {
    signals,
    method: `${round(seedRows)} rows through the upload API, the rest with psql \\copy + INSERT … SELECT`,
    phases: [
      `generate ${seconds(generated)} s (${(target / 1e6).toFixed(1)}M rows)`,
      `\\copy into a staging table ${seconds(copied)} s`,
      `INSERT into signals + ANALYZE ${seconds(inserted)} s`,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Rescore {
  label: string;
  seconds: number;
  usersScored: number;
  alertsCreated: number;
  alertsUpdated: number;
  peakRssMiB: number;
  serverCpuSeconds: number;
}

async function rescore(server: StartedServer, token: string, label: string): Promise<Rescore> {
  const pid = server.child.pid as number;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5"); // resets the peak RSS (VmHWM) to the current RSS
  } catch {
    // not permitted: the peak then counts from the server's start
  }
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const answer = await apiNoTimeout<{ usersScored: number; alertsCreated: number; alertsUpdated: number }>(
    server.url,
    token,
    "POST",
    "/api/scoring/run",
    {},
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    label,
    seconds: elapsed,
    usersScored: answer.usersScored,
    alertsCreated: answer.alertsCreated,
    alertsUpdated: answer.alertsUpdated,
    peakRssMiB: peakRssMiB(pid),
    serverCpuSeconds: cpuSeconds(pid) - cpuBefore,
  };
}

interface Incremental {
  answerMs: number[];
  scoringMs: number[];
  afterAnswerMs: number[];
  alertsExpected: number;
  alertsSeen: number;
  timedOut: number;
  users: number;
}

/** Open alerts by UPN (or by user ID when names are hidden): updatedAt in ms. */
async function openAlerts(server: StartedServer, token: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let page = 1; ; page++) {
    const res = await api<{ items: any[]; total: number }>(
      server.url,
      token,
      "GET",
      `/api/alerts?status=NeedsReview,Confirmed&pageSize=500&page=${page}`,
    );
    for (const a of res.items) out.set(a.user.upn ?? a.user.id, Date.parse(a.updatedAt));
    if (res.items.length < 500) return out;
  }
}

/**
 * Uploads `UPLOADS` chunks for departing and other people and times each: from the request until
 * the answer (which waits for the scoring of the upload's users when that ends within the server's
 * answer time), the scoring's share (the answer's arrival minus the run's finishedAt, which is set
 * before the scoring hooks run), and from the answer until every departing user of the chunk has an
 * open alert updated since the request.
 */
async function incremental(
  server: StartedServer,
  setup: Setup,
  org: DemoOrg,
  factor: number,
  dir: string,
): Promise<Incremental> {
  const out: Incremental = {
    answerMs: [],
    scoringMs: [],
    afterAnswerMs: [],
    alertsExpected: 0,
    alertsSeen: 0,
    timedOut: 0,
    users: 0,
  };
  for (let round = 0; round < UPLOADS; round++) {
    const chunk = incrementalCsv(org, round + 1, factor);
    out.users = chunk.users;
    const file = join(dir, `incremental-${round}.csv`);
    writeFileSync(file, chunk.csv);
    const requestedAt = Date.now();
    const started = performance.now();
    const result = await uploadFile(
      {
        server: server.url,
        tenantId: server.tenantId,
        appId: setup.app.clientId,
        appSecret: setup.app.clientSecret,
        jobId: setup.indicatorsConnector.jobId,
        filePath: file,
        recordsPerCall: 0,
        checkpoint: false,
      },
      {},
    );
    const answeredAt = Date.now();
    out.answerMs.push(performance.now() - started);
    rmSync(file, { force: true });
    const run = await api(server.url, setup.token, "GET", `/api/runs/${result.runIds[0]}`);
    const finishedAt = Date.parse(run.run?.finishedAt ?? run.finishedAt);
    if (!Number.isNaN(finishedAt)) out.scoringMs.push(Math.max(0, answeredAt - finishedAt));
    // Alerts up to date: every departing user of the chunk has an open alert updated since the request.
    const afterStarted = performance.now();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const alerts = await openAlerts(server, setup.token);
      const byUpn = [...alerts.keys()].some((k) => k.includes("@"));
      const fresh = byUpn
        ? chunk.departing.filter((upn) => (alerts.get(upn) ?? 0) >= requestedAt - 1000).length
        : [...alerts.values()].filter((t) => t >= requestedAt - 1000).length;
      if (fresh >= chunk.departing.length || Date.now() > deadline) {
        if (fresh < chunk.departing.length) out.timedOut++;
        out.alertsExpected += chunk.departing.length;
        out.alertsSeen += Math.min(fresh, chunk.departing.length);
        out.afterAnswerMs.push(performance.now() - afterStarted);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    log(
      `  upload ${round + 1}/${UPLOADS}: answer ${Math.round(out.answerMs.at(-1)!)} ms, alerts up to date ` +
        `${Math.round(out.afterAnswerMs.at(-1)!)} ms after it`,
    );
  }
  return out;
}

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

// ---------------------------------------------------------------------------------------------

interface EngineResult {
  engine: string;
  target: number;
  loaded: Loaded;
  people: number;
  resignations: number;
  factor: number;
  rescores: Rescore[];
  incremental: Incremental;
  loadSeconds: number;
}

async function runEngine(engine: string, databaseUrl: string | undefined, dir: string): Promise<EngineResult> {
  const target = databaseUrl ? SIGNALS : PGLITE_SIGNALS;
  log(`${engine}: generating the organisation (${USERS} people, ${DAYS} days)…`);
  const scaled = scaledOrg(target);
  log(`${engine}: ${scaled.baseRows} detections from the generator, ×${scaled.factor.toFixed(2)} → ${target} signals`);
  const server = await startChildServer(databaseUrl, {
    cpuProf: args["cpu-prof"],
    // No scheduled full run in the middle of the measurements.
    env: { OPENIRM_SCORING_SCHEDULE: "0 0 1 1 *" },
  });
  try {
    const setup = await setUp(server, scaled);
    const loadStarted = performance.now();
    const hrFile = join(dir, "hr.csv");
    writeFileSync(hrFile, scaled.org.hrCsv);
    const hr = await upload(server, setup, setup.hrConnector, hrFile, 0);
    log(`${engine}: ${hr.saved} resignations uploaded; loading ${target} detections (${LOAD})…`);
    const loaded =
      databaseUrl && LOAD === "copy"
        ? await loadWithCopy(server, setup, scaled, target, dir, databaseUrl)
        : await loadThroughApi(server, setup, scaled, target, dir, databaseUrl ? 0 : API_LOAD_RECORDS_PER_CALL);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    log(
      `${engine}: loaded ${loaded.signals} signals in ${seconds(loadSeconds * 1000)} s (${loaded.phases.join(", ")})`,
    );
    await createPolicy(server, setup, scaled);
    const rescores: Rescore[] = [];
    for (let i = 0; i < RESCORES; i++) {
      const label = i === 0 ? "first (creates everything)" : "again (nothing changed)";
      log(`${engine}: full rescore ${i + 1}/${RESCORES}…`);
      const r = await rescore(server, setup.token, label);
      log(
        `${engine}: ${r.usersScored} users in ${r.seconds.toFixed(1)} s (${round(r.usersScored / r.seconds)} users/s), ` +
          `${r.alertsCreated} alerts created, ${r.alertsUpdated} updated`,
      );
      rescores.push(r);
    }
    log(`${engine}: ${UPLOADS} incremental uploads of ${UPLOAD_ROWS} rows…`);
    const inc = await incremental(server, setup, scaled.org, scaled.factor, dir);
    return {
      engine,
      target,
      loaded,
      people: scaled.org.users.length,
      resignations: scaled.org.resignations.length,
      factor: scaled.factor,
      rescores,
      incremental: inc,
      loadSeconds,
    };
  } finally {
    await server.stop();
  }
}

async function main() {
  buildServer();
  const dir = mkdtempSync(join(tmpdir(), "openirm-bench-score-"));
  const results: EngineResult[] = [];
  try {
    if (ENGINES.has("pglite")) results.push(await runEngine("PGlite (embedded)", undefined, dir));
    if (process.env.DATABASE_URL && ENGINES.has("postgres")) {
      const db = benchDatabase(process.env.DATABASE_URL);
      try {
        results.push(await runEngine("PostgreSQL", db.url, dir));
      } finally {
        db.drop();
      }
    } else if (ENGINES.has("postgres")) {
      log("DATABASE_URL is not set: PostgreSQL skipped");
    }
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }

  const lines = [
    [
      "engine",
      "full rescore",
      "signals",
      "users scored",
      "seconds",
      "users/s",
      "signals/s",
      "alerts created",
      "updated",
      "peak RSS MiB",
      "server CPU s",
    ],
  ];
  for (const r of results) {
    for (const s of r.rescores) {
      lines.push([
        r.engine,
        s.label,
        String(r.loaded.signals),
        String(s.usersScored),
        s.seconds.toFixed(1),
        round(s.usersScored / s.seconds),
        round(r.loaded.signals / s.seconds),
        String(s.alertsCreated),
        String(s.alertsUpdated),
        String(s.peakRssMiB),
        s.serverCpuSeconds.toFixed(1),
      ]);
    }
  }
  const inc = [
    [
      "engine",
      "uploads",
      "rows",
      "users",
      "answer p50 ms",
      "p95",
      "of which scoring p50",
      "p95",
      "after answer p50 ms",
      "p95",
      "alerts up to date",
    ],
  ];
  for (const r of results) {
    const i = r.incremental;
    if (i.answerMs.length === 0) continue;
    inc.push([
      r.engine,
      String(i.answerMs.length),
      String(UPLOAD_ROWS),
      String(i.users),
      round(percentile(i.answerMs, 50)),
      round(percentile(i.answerMs, 95)),
      round(percentile(i.scoringMs, 50)),
      round(percentile(i.scoringMs, 95)),
      round(percentile(i.afterAnswerMs, 50)),
      round(percentile(i.afterAnswerMs, 95)),
      `${i.alertsSeen}/${i.alertsExpected}${i.timedOut ? ` (${i.timedOut} timed out)` : ""}`,
    ]);
  }
  const loads = results
    .map(
      (r) =>
        `- ${r.engine}: ${round(r.people)} people (${r.resignations} resignations), ${DAYS} days, ${round(r.loaded.signals)} detection signals ` +
        `(each generated detection ×${r.factor.toFixed(2)}, thresholds scaled alike), loaded in ${seconds(r.loadSeconds * 1000)} s — ` +
        `${r.loaded.method}: ${r.loaded.phases.join(", ")}`,
    )
    .join("\n");
  process.stdout.write(
    `\nScoring benchmark: npm run bench:score${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\n` +
      `${machine()}\n` +
      (PGLITE_SIGNALS < SIGNALS && ENGINES.has("pglite")
        ? `PGlite loads ${round(PGLITE_SIGNALS)} signals (--pglite-signals; the upload API is its only way in), PostgreSQL ${round(SIGNALS)}.\n`
        : "") +
      `${loads}\n\n${table(lines, 2)}\n\n` +
      "signals/s: every stored detection signal ÷ the rescore's seconds (the size of what was rescored; a run reads the signals of the users a trigger brings into a policy).\n" +
      "Peak RSS and CPU: the server process during the rescore (PostgreSQL's own processes not included).\n" +
      (inc.length > 1
        ? `\nIncremental: ${UPLOAD_ROWS}-row uploads through the upload API (as \`openirm upload\`), half the people departing\n\n` +
          `${table(inc, 1)}\n\n` +
          "answer: request until the upload's answer, which waits for the scoring of the upload's users (afterSignalsStored).\n" +
          "of which scoring: the answer's arrival minus the run's finishedAt (set before the scoring hooks run).\n" +
          "after answer: from the answer until every departing user of the upload has an open alert updated since the request.\n"
        : ""),
  );
}

await main();
