// `openirm connectors`: create connectors from a sample file, list and inspect them.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { collect, parseList, parsePair, withServer } from "../options.ts";
import { addListCommand, printFields, printJson, printTable } from "../output.ts";

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
}

function parseDelimiter(value: string): string {
  const named: Record<string, string> = { comma: ",", ",": ",", tab: "\t", "\\t": "\t", "\t": "\t" };
  const delimiter = named[value.toLowerCase()];
  if (!delimiter) throw new UsageError(`--delimiter must be 'comma' or 'tab' (got '${value}').`);
  return delimiter;
}

export function buildConnectorBody(opts: CreateOptions, sample: string | undefined): Record<string, unknown> {
  if (opts.type === "hr") {
    const columnMap = Object.fromEntries((opts.columnMap ?? []).map((v) => parsePair("--column-map", v)));
    return {
      type: "hr",
      name: opts.name,
      appId: opts.appId,
      dataTypes: opts.dataType && opts.dataType.length > 0 ? opts.dataType.flatMap(parseList) : ["resignation"],
      ...(sample !== undefined ? { sample } : {}),
      ...(Object.keys(columnMap).length > 0 ? { columnMap } : {}),
    };
  }
  if (opts.type !== "indicators") throw new UsageError(`--type must be 'indicators' or 'hr' (got '${opts.type}').`);
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

  withServer(connectors.command("create").description("create a connector (indicators or hr) from a sample file"))
    .requiredOption("--type <type>", "indicators | hr")
    .requiredOption("--name <name>", "connector name")
    .requiredOption("--app-id <clientId>", "client ID of the app registration that will upload")
    .option("--sample <file>", "sample CSV file (required for indicators)")
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
    .option("--delimiter <comma|tab>", "the file's delimiter (default: detected from the sample)")
    .option("--strict-duplicates", "drop every row of a file that shares user and time with another row")
    .option("--data-type <type>", "hr: data type(s), e.g. resignation (repeatable; default resignation)", collect)
    .option("--column-map <Field=Column>", "hr: the file's column for a field (repeatable)", collect)
    .addHelpText(
      "after",
      `
Examples:
  openirm connectors create --type indicators --name 'SIEM detections' --app-id CLIENT_ID \\
    --sample detections.csv --user-column UPN --time-column Aggregation_Date \\
    --source-column Source_Workload --source-values Salesforce,Dropbox --column-type Alert_Count=Number --json
  openirm connectors create --type hr --name 'HR resignations' --app-id CLIENT_ID --sample resignations.csv`,
    )
    .action(async (opts: CreateOptions) => {
      const sample = opts.sample !== undefined ? await readSample(opts.sample) : undefined;
      const body = buildConnectorBody(opts, sample);
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

  addListCommand(connectors, io, {
    description: "list connectors",
    path: "/api/connectors",
    columns: [
      ["id", "ID"],
      ["type", "TYPE"],
      ["name", "NAME"],
      ["jobId", "JOB ID"],
      ["appId", "APP ID"],
    ],
    empty: "No connectors yet: create one with 'openirm connectors create'.",
  });

  withServer(connectors.command("show").description("show a connector and its configuration"))
    .argument("<id>", "connector id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const connector = await client.get(`/api/connectors/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(io, connector);
      printFields(io, [
        ["id", connector.id],
        ["type", connector.type],
        ["name", connector.name],
        ["job ID", connector.jobId],
        ["app ID", connector.appId],
      ]);
      io.out(`  config:\n${JSON.stringify(connector.config ?? {}, null, 2).replace(/^/gm, "    ")}\n`);
    });

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
