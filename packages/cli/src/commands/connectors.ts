// `openirm connectors`: create connectors from a sample file, list and inspect them, edit their
// name, app and mapping, disable, enable and delete them, show their health, and manage their
// scheduled imports.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { collect, parseList, parsePair, withServer } from "../options.ts";
import { formatTable, indent, printFields, printJson, printTable } from "../output.ts";

const COLUMN_TYPES = ["Text", "Number", "DateTime", "Boolean"] as const;

/** Reads the sample, keeping only its first lines: the server needs the header and a few rows. */
async function readSample(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new CliError(`cannot read the sample file ${path}.`);
  }
  const lines = text.split(/(?<=\n)/);
  return lines.length > 1000 ? lines.slice(0, 1000).join("") : text;
}

interface CreateOptions {
  server?: string;
  json?: boolean;
  type: string;
  name: string;
  appId: string;
  sample?: string;
  userColumn?: string;
  timeColumn?: string;
  sourceColumn?: string;
  sourceValues?: string;
  columnType?: string[];
  map?: string[];
  strictDuplicates?: boolean;
  dataType?: string[];
  delimiter?: string;
  columnMap?: string[];
  scenarioColumn?: string;
  scenarioValue?: string[];
  fieldSet?: string;
  upnDomain?: string;
  activityMapping?: string;
}

export const CONNECTOR_TYPES = ["indicators", "hr", "badging", "healthcare", "activity"] as const;

/**
 * An activity mapping as given: a ready-made mapping's ID, or the path of a mapping document
 * (a .json file) to send as it is.
 */
export async function readActivityMapping(value: string): Promise<string | Record<string, unknown>> {
  if (!/\.json$/i.test(value) && !value.includes("/") && !value.includes("\\")) return value;
  let text: string;
  try {
    text = await readFile(value, "utf8");
  } catch {
    throw new CliError(`cannot read the mapping file ${value}.`);
  }
  try {
    const parsed = JSON.parse(text.replace(/^\uFEFF/, "")) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`the mapping file ${value} is not a JSON object (${(err as Error).message}).`);
  }
}

function scenarioValues(values: string[] | undefined): Record<string, string> {
  return Object.fromEntries((values ?? []).map((v) => parsePair("--scenario-value", v)));
}

function parseDelimiter(value: string): string {
  const named: Record<string, string> = {
    comma: ",",
    ",": ",",
    tab: "\t",
    "\\t": "\t",
    "\t": "\t",
    pipe: "|",
    "|": "|",
  };
  const delimiter = named[value.toLowerCase()];
  if (!delimiter) throw new UsageError(`--delimiter must be 'comma', 'tab' or 'pipe' (got '${value}').`);
  return delimiter;
}

export function buildConnectorBody(
  opts: CreateOptions,
  sample: string | undefined,
  activityMapping?: string | Record<string, unknown>,
): Record<string, unknown> {
  const base = { type: opts.type, name: opts.name, appId: opts.appId };
  const columnMap = Object.fromEntries((opts.columnMap ?? []).map((v) => parsePair("--column-map", v)));
  const common = {
    ...(sample !== undefined ? { sample } : {}),
    ...(Object.keys(columnMap).length > 0 ? { columnMap } : {}),
    ...(opts.delimiter ? { delimiter: parseDelimiter(opts.delimiter) } : {}),
    ...(opts.strictDuplicates ? { strictDuplicates: true } : {}),
  };
  switch (opts.type) {
    case "hr": {
      const values = scenarioValues(opts.scenarioValue);
      return {
        ...base,
        dataTypes: opts.dataType && opts.dataType.length > 0 ? opts.dataType.flatMap(parseList) : ["resignation"],
        ...common,
        ...(opts.scenarioColumn ? { scenarioColumn: opts.scenarioColumn } : {}),
        ...(Object.keys(values).length > 0 ? { scenarioValues: values } : {}),
      };
    }
    case "badging":
      return { ...base, ...(opts.strictDuplicates ? { strictDuplicates: true } : {}) };
    case "healthcare":
      return {
        ...base,
        ...common,
        ...(opts.fieldSet ? { fieldSet: opts.fieldSet } : {}),
        ...(opts.upnDomain ? { upnDomain: opts.upnDomain } : {}),
      };
    case "activity":
      if (activityMapping === undefined) {
        throw new UsageError(
          "--activity-mapping is required for an activity connector: a ready-made mapping's ID (see 'openirm activity mappings') or a mapping .json file.",
        );
      }
      return { ...base, ...common, activityMapping };
    case "indicators":
      break;
    default:
      throw new UsageError(`--type must be one of ${CONNECTOR_TYPES.join(", ")} (got '${opts.type}').`);
  }
  if (sample === undefined) throw new UsageError("--sample FILE is required for an indicators connector.");
  if (!opts.userColumn) throw new UsageError("--user-column is required for an indicators connector.");
  if (!opts.timeColumn) throw new UsageError("--time-column is required for an indicators connector.");
  const columnTypes: Record<string, string> = {};
  for (const value of opts.columnType ?? []) {
    const [column, type] = parsePair("--column-type", value);
    const canonical = COLUMN_TYPES.find((t) => t.toLowerCase() === type.toLowerCase());
    if (!canonical) {
      throw new UsageError(`--column-type ${value}: the type must be one of ${COLUMN_TYPES.join(", ")}.`);
    }
    columnTypes[column] = canonical;
  }
  const mapping: Record<string, string[]> = {};
  for (const value of opts.map ?? []) {
    const [source, columns] = parsePair("--map", value);
    mapping[source] = parseList(columns);
  }
  if (opts.sourceValues && !opts.sourceColumn) throw new UsageError("--source-values needs --source-column.");
  return {
    type: "indicators",
    name: opts.name,
    appId: opts.appId,
    sample,
    userColumn: opts.userColumn,
    timeColumn: opts.timeColumn,
    ...(opts.sourceColumn ? { sourceColumn: opts.sourceColumn } : {}),
    // Sent as written: the server explains a malformed list (spaces, empty values) itself.
    ...(opts.sourceValues ? { sourceValues: opts.sourceValues } : {}),
    ...(opts.delimiter ? { delimiter: parseDelimiter(opts.delimiter) } : {}),
    ...(Object.keys(columnTypes).length > 0 ? { columnTypes } : {}),
    ...(Object.keys(mapping).length > 0 ? { mapping } : {}),
    ...(opts.strictDuplicates ? { strictDuplicates: true } : {}),
  };
}

export function registerConnectors(program: Command, io: CliIo): void {
  const connectors = program.command("connectors").description("connectors: where uploaded files go");

  withServer(
    connectors.command("create").description("create a connector: indicators, hr, badging, healthcare or activity"),
  )
    .requiredOption("--type <type>", CONNECTOR_TYPES.join(" | "))
    .requiredOption("--name <name>", "connector name")
    .requiredOption("--app-id <clientId>", "client ID of the app registration that will upload")
    .option("--sample <file>", "sample file (required for indicators; hr, healthcare and activity check it)")
    .option("--user-column <column>", "column with the user's UPN / email address (indicators)")
    .option("--time-column <column>", "column with the event time (indicators)")
    .option("--source-column <column>", "column whose values split the file into several indicators")
    .option("--source-values <A,B>", "the values of the source column, comma-separated")
    .option(
      "--column-type <Column=Type>",
      "override an inferred type: Text, Number, DateTime, Boolean (repeatable)",
      collect,
    )
    .option("--map <Value=col1,col2>", "columns to keep for a source value, or Default (repeatable)", collect)
    .option("--delimiter <comma|tab|pipe>", "the file's delimiter (default: detected from the sample)")
    .option("--strict-duplicates", "drop every row of a file that shares user and time with another row")
    .option(
      "--data-type <type>",
      "hr: data type(s): resignation, job-level-change, performance-review, performance-improvement-plan, employee-profile (repeatable; default resignation)",
      collect,
    )
    .option(
      "--column-map <Field=Column>",
      "hr, healthcare: the file's column for a field; hr also takes type.Field=Column (repeatable)",
      collect,
    )
    .option("--scenario-column <column>", "hr: the column that names each row's data type (e.g. HRScenario)")
    .option("--scenario-value <type=Value>", "hr: the scenario column's value for a data type (repeatable)", collect)
    .option("--field-set <generic|epic>", "healthcare: the EHR field set of the files (default generic)")
    .option("--upn-domain <domain>", "healthcare: domain that turns a bare account name into a UPN")
    .option("--activity-mapping <id|file.json>", "activity: a ready-made mapping's ID or a mapping document")
    .addHelpText(
      "after",
      `
Examples:
  openirm connectors create --type indicators --name 'SIEM detections' --app-id CLIENT_ID \\
    --sample detections.csv --user-column UPN --time-column Aggregation_Date \\
    --source-column Source_Workload --source-values Salesforce,Dropbox --column-type Alert_Count=Number --json
  openirm connectors create --type hr --name 'HR resignations' --app-id CLIENT_ID --sample resignations.csv
  openirm connectors create --type hr --name 'HR events' --app-id CLIENT_ID --sample hr.csv \
    --data-type resignation,job-level-change,performance-review --scenario-column HRScenario
  openirm connectors create --type badging --name 'Badge readers' --app-id CLIENT_ID
  openirm connectors create --type healthcare --name 'Epic access log' --app-id CLIENT_ID --field-set epic --sample access.csv
  openirm connectors create --type activity --name 'M365 audit' --app-id CLIENT_ID --activity-mapping m365-audit`,
    )
    .action(async (opts: CreateOptions) => {
      const sample = opts.sample !== undefined ? await readSample(opts.sample) : undefined;
      const mapping = opts.activityMapping !== undefined ? await readActivityMapping(opts.activityMapping) : undefined;
      const body = buildConnectorBody(opts, sample, mapping);
      const client = await connectSignedIn(io, opts);
      const created = await client.post("/api/connectors", body);
      if (opts.json) return printJson(io, created);
      io.out(`Created ${created.type} connector '${created.name}'.\n`);
      printFields(io, [
        ["id", created.id],
        ["job ID", created.jobId],
        ["app ID", created.appId],
      ]);
      io.out(
        `Upload files with: openirm upload --tenant-id TENANT --app-id ${created.appId} --app-secret SECRET --job-id ${created.jobId} --file-path FILE\n`,
      );
    });

  registerOperations(connectors, io);

  withServer(connectors.command("infer").description("show the delimiter and column types inferred from a sample"))
    .requiredOption("--sample <file>", "sample CSV file")
    .action(async (opts: { server?: string; json?: boolean; sample: string }) => {
      const client = await connectSignedIn(io, opts);
      const inferred = await client.post<{
        delimiter: string;
        columns: { name: string; type: string; examples?: unknown[] }[];
      }>("/api/connectors/infer", { sample: await readSample(opts.sample) });
      if (opts.json) return printJson(io, inferred);
      io.out(`Delimiter: ${JSON.stringify(inferred.delimiter)}\n`);
      printTable(
        io,
        inferred.columns.map((c) => ({ ...c, examples: (c.examples ?? []).slice(0, 3) })),
        [
          ["name", "COLUMN"],
          ["type", "TYPE"],
          ["examples", "EXAMPLES"],
        ],
        "The sample has no columns.",
      );
    });
}

// ---- Operating connectors ------------------------------------------------------------------------

/** `connectors edit` takes the options of `create`, all optional, except the type (which never changes). */
type EditOptions = Partial<Omit<CreateOptions, "type">>;

/** The PATCH body of `connectors edit`: only what the options name. */
export function buildEditBody(
  opts: EditOptions,
  sample: string | undefined,
  activityMapping?: string | Record<string, unknown>,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.name !== undefined) body.name = opts.name;
  if (opts.appId !== undefined) body.appId = opts.appId;
  if (sample !== undefined) body.sample = sample;
  if (opts.userColumn !== undefined) body.userColumn = opts.userColumn;
  if (opts.timeColumn !== undefined) body.timeColumn = opts.timeColumn;
  if (opts.sourceColumn !== undefined) {
    body.sourceColumn = opts.sourceColumn.toLowerCase() === "none" ? null : opts.sourceColumn;
  }
  if (opts.sourceValues !== undefined) body.sourceValues = opts.sourceValues;
  if (opts.columnType && opts.columnType.length > 0) {
    const columnTypes: Record<string, string> = {};
    for (const value of opts.columnType) {
      const [column, type] = parsePair("--column-type", value);
      const canonical = COLUMN_TYPES.find((t) => t.toLowerCase() === type.toLowerCase());
      if (!canonical) {
        throw new UsageError(`--column-type ${value}: the type must be one of ${COLUMN_TYPES.join(", ")}.`);
      }
      columnTypes[column] = canonical;
    }
    body.columnTypes = columnTypes;
  }
  if (opts.map && opts.map.length > 0) {
    const mapping: Record<string, string[]> = {};
    for (const value of opts.map) {
      const [source, columns] = parsePair("--map", value);
      mapping[source] = parseList(columns);
    }
    body.mapping = mapping;
  }
  if (opts.strictDuplicates !== undefined) body.strictDuplicates = opts.strictDuplicates;
  if (opts.delimiter !== undefined) body.delimiter = parseDelimiter(opts.delimiter);
  if (opts.dataType && opts.dataType.length > 0) body.dataTypes = opts.dataType.flatMap(parseList);
  if (opts.columnMap && opts.columnMap.length > 0) {
    body.columnMap = Object.fromEntries(opts.columnMap.map((v) => parsePair("--column-map", v)));
  }
  if (opts.scenarioColumn !== undefined) {
    body.scenarioColumn = opts.scenarioColumn.toLowerCase() === "none" ? null : opts.scenarioColumn;
  }
  if (opts.scenarioValue && opts.scenarioValue.length > 0) body.scenarioValues = scenarioValues(opts.scenarioValue);
  if (opts.fieldSet !== undefined) body.fieldSet = opts.fieldSet;
  if (opts.upnDomain !== undefined) body.upnDomain = opts.upnDomain;
  if (activityMapping !== undefined) body.activityMapping = activityMapping;
  if (Object.keys(body).length === 0) {
    throw new UsageError("connectors edit: give at least one change (--name, --app-id, --map, --sample …).");
  }
  return body;
}

interface WindowCounts {
  runs: number;
  failedRuns: number;
  recordsReceived: number;
  recordsSaved: number;
  recordsRejected: number;
}

interface Health {
  status: string;
  lastUpload: {
    receivedAt: string;
    status: string;
    origin: string;
    recordsReceived: number;
    recordsSaved: number;
    recordsRejected: number;
  } | null;
  last24Hours: WindowCounts;
  last7Days: WindowCounts;
  errorRate: number | null;
  warnings: string[];
}

interface Schedule {
  cron: string;
  timezone: string;
  enabled: boolean;
  source:
    | { kind: "folder"; path: string; pattern: string; mode: string }
    | { kind: "url"; url: string; headerNames: string[] };
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastStatus: string | null;
  lastMessage: string | null;
}

const percent = (rate: number | null) => (rate === null ? "-" : `${Math.round(rate * 1000) / 10}%`);

function describeLastUpload(health: Health): string {
  const last = health.lastUpload;
  if (!last) return "never";
  const via = last.origin === "schedule" ? ", scheduled import" : "";
  return `${last.receivedAt} (${last.status}${via}): ${last.recordsReceived} received, ${last.recordsSaved} saved, ${last.recordsRejected} rejected`;
}

function describeSource(source: Schedule["source"]): string {
  if (source.kind === "folder") {
    const which = source.mode === "each" ? "every new file" : "the newest file";
    return `folder ${source.path}, ${which} matching ${source.pattern}`;
  }
  const headers = source.headerNames.length > 0 ? ` (headers: ${source.headerNames.join(", ")})` : "";
  return `${source.url}${headers}`;
}

function printHealth(io: CliIo, health: Health): void {
  printFields(io, [
    ["status", health.status],
    ["last upload", describeLastUpload(health)],
    [
      "last 24 hours",
      `${health.last24Hours.runs} runs, ${health.last24Hours.recordsReceived} received, ${health.last24Hours.recordsSaved} saved`,
    ],
    [
      "last 7 days",
      `${health.last7Days.runs} runs (${health.last7Days.failedRuns} failed), ${health.last7Days.recordsReceived} received, ${health.last7Days.recordsSaved} saved, ${health.last7Days.recordsRejected} rejected`,
    ],
    ["error rate", percent(health.errorRate)],
  ]);
  for (const warning of health.warnings) io.out(`  warning: ${warning}\n`);
}

function printSchedule(io: CliIo, schedule: Schedule): void {
  printFields(io, [
    ["cron", `${schedule.cron} (${schedule.timezone})${schedule.enabled ? "" : ", disabled"}`],
    ["source", describeSource(schedule.source)],
    ["next run", schedule.nextRunAt],
    ["last run", schedule.lastRunAt ? `${schedule.lastRunAt} (${schedule.lastStatus})` : "never"],
    ["last result", schedule.lastMessage],
  ]);
}

function parseHeader(value: string): [string, string] {
  const colon = value.indexOf(":");
  if (colon <= 0) throw new UsageError(`--header expects 'Name: value' (got '${value}').`);
  return [value.slice(0, colon).trim(), value.slice(colon + 1).trim()];
}

const path = (id: string, rest = "") => `/api/connectors/${encodeURIComponent(id)}${rest}`;

function registerOperations(connectors: Command, io: CliIo): void {
  withServer(connectors.command("list").description("list connectors with their health"))
    .option("--include-deleted", "list deleted connectors too")
    .action(async (opts: { server?: string; json?: boolean; includeDeleted?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const { items } = await client.get<{ items: Array<Record<string, unknown> & { health?: Health }> }>(
        "/api/connectors",
        opts.includeDeleted ? { includeDeleted: true } : undefined,
      );
      if (opts.json) return printJson(io, items);
      const rows = items.map((c) => ({
        ...c,
        status: c.deletedAt ? "deleted" : c.health?.status,
        lastUploadAt: c.health?.lastUpload?.receivedAt,
      }));
      printTable(
        io,
        rows,
        [
          ["id", "ID"],
          ["type", "TYPE"],
          ["name", "NAME"],
          ["jobId", "JOB ID"],
          ["appId", "APP ID"],
          ["status", "STATUS"],
          ["lastUploadAt", "LAST UPLOAD"],
        ],
        "No connectors yet: create one with 'openirm connectors create'.",
      );
    });

  withServer(connectors.command("show").description("show a connector: configuration, health and schedule"))
    .argument("<id>", "connector id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const connector = await client.get(path(id));
      if (opts.json) return printJson(io, connector);
      printFields(io, [
        ["id", connector.id],
        ["type", connector.type],
        ["name", connector.name],
        ["job ID", connector.jobId],
        ["app ID", connector.appId],
        ["disabled", connector.disabled ? "yes" : "no"],
      ]);
      io.out(`  config:\n${JSON.stringify(connector.config ?? {}, null, 2).replace(/^/gm, "    ")}\n`);
      if (connector.health) {
        io.out("Health:\n");
        printHealth(io, connector.health);
      }
      if (connector.schedule) {
        io.out("Scheduled import:\n");
        printSchedule(io, connector.schedule);
      }
    });

  withServer(
    connectors
      .command("edit")
      .description("change a connector's name, app or mapping (validated again against its columns)"),
  )
    .argument("<id>", "connector id")
    .option("--name <name>", "new name")
    .option("--app-id <clientId>", "client ID of the app registration that uploads from now on")
    .option("--sample <file>", "a new sample file (to add columns or source values)")
    .option("--user-column <column>", "column with the user's UPN / email address")
    .option("--time-column <column>", "column with the event time")
    .option("--source-column <column>", "column whose values split the file, or 'none' for a single source")
    .option("--source-values <A,B>", "the values of the source column, comma-separated")
    .option("--column-type <Column=Type>", "set a column's type: Text, Number, DateTime, Boolean (repeatable)", collect)
    .option("--map <Value=col1,col2>", "columns to keep for a source value, or Default (repeatable)", collect)
    .option("--delimiter <comma|tab|pipe>", "the file's delimiter")
    .option("--strict-duplicates", "drop every row of a file that shares user and time with another row")
    .option("--no-strict-duplicates", "keep rows that share user and time unless identical")
    .option("--data-type <type>", "hr: data type(s) (repeatable)", collect)
    .option(
      "--column-map <Field=Column>",
      "hr, healthcare: the file's column for a field; hr also takes type.Field=Column (repeatable)",
      collect,
    )
    .option("--scenario-column <column>", "hr: the column naming each row's data type, or 'none'")
    .option("--scenario-value <type=Value>", "hr: the scenario column's value for a data type (repeatable)", collect)
    .option("--field-set <generic|epic>", "healthcare: the EHR field set of the files")
    .option("--upn-domain <domain>", "healthcare: domain that turns a bare account name into a UPN")
    .option("--activity-mapping <id|file.json>", "activity: a ready-made mapping's ID or a mapping document")
    .addHelpText(
      "after",
      `
Only the options given change; a --map for one source value keeps the others' columns.
Examples:
  openirm connectors edit ID --map Dropbox=Alert_Count,AdditionalInfo_Dropbox
  openirm connectors edit ID --name 'HR (Workday)' --app-id NEW_CLIENT_ID
  openirm connectors edit ID --sample new-export.csv --source-values Salesforce,Dropbox,Box`,
    )
    .action(async (id: string, opts: EditOptions) => {
      const sample = opts.sample !== undefined ? await readSample(opts.sample) : undefined;
      const mapping = opts.activityMapping !== undefined ? await readActivityMapping(opts.activityMapping) : undefined;
      const body = buildEditBody(opts, sample, mapping);
      const client = await connectSignedIn(io, opts);
      const updated = await client.patch<{ name: string; changed: string[] }>(path(id), body);
      if (opts.json) return printJson(io, updated);
      io.out(
        updated.changed.length > 0
          ? `Updated connector '${updated.name}': ${updated.changed.join(", ")} changed.\n`
          : `Connector '${updated.name}' already had this configuration; nothing changed.\n`,
      );
    });

  withServer(connectors.command("disable").description("refuse uploads and scheduled imports until enabled"))
    .argument("<id>", "connector id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const connector = await client.post(path(id, "/disable"));
      if (opts.json) return printJson(io, connector);
      io.out(
        `Connector '${connector.name}' disabled: uploads to job ID ${connector.jobId} are refused until 'openirm connectors enable ${connector.id}'.\n`,
      );
    });

  withServer(connectors.command("enable").description("accept uploads and scheduled imports again"))
    .argument("<id>", "connector id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const connector = await client.post(path(id, "/enable"));
      if (opts.json) return printJson(io, connector);
      io.out(`Connector '${connector.name}' enabled.\n`);
    });

  withServer(connectors.command("delete").description("delete a connector (its signals are kept unless asked)"))
    .argument("<id>", "connector id")
    .option("--delete-signals", "erase the signals it brought too (needs --yes)")
    .option("--yes", "confirm --delete-signals")
    .action(async (id: string, opts: { server?: string; json?: boolean; deleteSignals?: boolean; yes?: boolean }) => {
      if (opts.deleteSignals && !opts.yes) {
        throw new UsageError("--delete-signals erases the connector's signals for good; add --yes to confirm.");
      }
      const client = await connectSignedIn(io, opts);
      const result = await client.json<{ message: string }>("DELETE", path(id), {
        ...(opts.deleteSignals ? { query: { deleteSignals: true } } : {}),
      });
      if (opts.json) return printJson(io, result);
      io.out(`${result.message}\n`);
    });

  withServer(connectors.command("health").description("the health of every connector, or of one"))
    .argument("[id]", "connector id")
    .action(async (id: string | undefined, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      if (id) {
        const health = await client.get<Health & { name: string; type: string }>(path(id, "/health"));
        if (opts.json) return printJson(io, health);
        io.out(`Connector '${health.name}' (${health.type}):\n`);
        printHealth(io, health);
        return;
      }
      const { items } = await client.get<{
        items: Array<{ id: string; name: string; type: string; health: Health }>;
      }>("/api/connectors");
      if (opts.json) {
        return printJson(
          io,
          items.map((c) => ({ id: c.id, name: c.name, type: c.type, ...c.health })),
        );
      }
      printTable(
        io,
        items.map((c) => ({
          id: c.id,
          name: c.name,
          type: c.type,
          status: c.health.status,
          lastUpload: c.health.lastUpload?.receivedAt,
          saved24h: c.health.last24Hours.recordsSaved,
          saved7d: c.health.last7Days.recordsSaved,
          errorRate: percent(c.health.errorRate),
        })),
        [
          ["id", "ID"],
          ["name", "NAME"],
          ["type", "TYPE"],
          ["status", "STATUS"],
          ["lastUpload", "LAST UPLOAD"],
          ["saved24h", "SAVED 24H"],
          ["saved7d", "SAVED 7D"],
          ["errorRate", "ERROR RATE"],
        ],
        "No connectors yet: create one with 'openirm connectors create'.",
      );
      for (const c of items) for (const w of c.health.warnings) io.out(`warning: ${c.name}: ${w}\n`);
    });

  registerSchedule(connectors, io);
}

interface ScheduleOptions {
  server?: string;
  json?: boolean;
  cron: string;
  timezone?: string;
  folder?: string;
  pattern?: string;
  eachFile?: boolean;
  url?: string;
  header?: string[];
  disabled?: boolean;
}

/** The PUT body of `connectors schedule set`. */
export function buildScheduleBody(opts: ScheduleOptions): Record<string, unknown> {
  if (Boolean(opts.folder) === Boolean(opts.url)) {
    throw new UsageError("connectors schedule set: give either --folder DIR or --url URL.");
  }
  if (opts.url && (opts.pattern || opts.eachFile)) {
    throw new UsageError("--pattern and --each-file go with --folder, not --url.");
  }
  if (opts.folder && opts.header && opts.header.length > 0)
    throw new UsageError("--header goes with --url, not --folder.");
  const source = opts.folder
    ? {
        kind: "folder",
        path: opts.folder,
        ...(opts.pattern ? { pattern: opts.pattern } : {}),
        mode: opts.eachFile ? "each" : "newest",
      }
    : {
        kind: "url",
        url: opts.url,
        ...(opts.header && opts.header.length > 0 ? { headers: Object.fromEntries(opts.header.map(parseHeader)) } : {}),
      };
  return {
    cron: opts.cron,
    ...(opts.timezone ? { timezone: opts.timezone } : {}),
    source,
    enabled: !opts.disabled,
  };
}

function registerSchedule(connectors: Command, io: CliIo): void {
  const schedule = connectors
    .command("schedule")
    .description("scheduled imports: pull a file from a server folder or an HTTPS URL on a cron schedule");

  withServer(schedule.command("set").description("create or replace a connector's scheduled import"))
    .argument("<id>", "connector id")
    .requiredOption("--cron <expression>", "when to import, e.g. '0 2 * * *' (02:00 every day)")
    .option("--timezone <zone>", "time zone of the cron expression (default UTC), e.g. Europe/Paris")
    .option("--folder <dir>", "import from this folder on the server")
    .option("--pattern <glob>", "with --folder: file names to take, e.g. 'hr-*.csv' (default *)")
    .option("--each-file", "with --folder: import every new file once, oldest first (default: the newest file)")
    .option("--url <url>", "import from this https:// URL")
    .option(
      "--header <'Name: value'>",
      "with --url: a request header, e.g. 'Authorization: Bearer …' (repeatable)",
      collect,
    )
    .option("--disabled", "save the schedule without running it (run it by hand with 'schedule run')")
    .addHelpText(
      "after",
      `
Examples:
  openirm connectors schedule set ID --cron '0 2 * * *' --folder /srv/openirm/imports/hr --pattern 'hr-*.csv'
  openirm connectors schedule set ID --cron '30 6 * * 1-5' --timezone Europe/Paris \\
    --url https://hr.example.org/exports/leavers.csv --header "Authorization: Bearer $HR_TOKEN"`,
    )
    .action(async (id: string, opts: ScheduleOptions) => {
      const body = buildScheduleBody(opts);
      const client = await connectSignedIn(io, opts);
      const saved = await client.json<Schedule>("PUT", path(id, "/schedule"), { body });
      if (opts.json) return printJson(io, saved);
      io.out("Scheduled import saved.\n");
      printSchedule(io, saved);
    });

  withServer(schedule.command("show").description("show a connector's scheduled import"))
    .argument("<id>", "connector id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const saved = await client.get<Schedule>(path(id, "/schedule"));
      if (opts.json) return printJson(io, saved);
      printSchedule(io, saved);
    });

  withServer(schedule.command("delete").description("remove a connector's scheduled import"))
    .argument("<id>", "connector id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      await client.send("DELETE", path(id, "/schedule"));
      if (opts.json) return printJson(io, { deleted: true });
      io.out("Scheduled import removed.\n");
    });

  withServer(schedule.command("run").description("import now, as the schedule would (exit 1 if it failed)"))
    .argument("<id>", "connector id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const answer = await client.post<{
        status: string;
        message: string;
        runs: Array<Record<string, unknown>>;
      }>(path(id, "/schedule/run"));
      if (opts.json) printJson(io, answer);
      else {
        io.out(`${answer.message}\n`);
        if (answer.runs.length > 0) {
          io.out(
            indent(
              formatTable(answer.runs, [
                ["runId", "RUN ID"],
                ["fileName", "FILE"],
                ["status", "STATUS"],
                ["recordsReceived", "RECORDS"],
                ["recordsSaved", "SAVED"],
                ["recordsRejected", "REJECTED"],
                ["recordsDuplicate", "DUPLICATES"],
              ]),
            ),
          );
        }
      }
      if (answer.status === "failed") throw new CliError("the import failed; see the message above.");
    });
}
