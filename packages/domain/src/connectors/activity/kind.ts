// The "activity" connector type: activity logs (audit logs, endpoint and security events, identity
// provider logs) in CSV or JSON, mapped onto the built-in activity types by a mapping document —
// a ready-made one named by its ID, or the admin's own.

import { AppError } from "../../errors.ts";
import type { ConnectorConfig, CreateConnectorInput } from "../config.ts";
import type { ConnectorKind } from "../kind.ts";
import type { ConnectorColumn, ParsedSample } from "../schema.ts";
import { closestName, listNames } from "../suggest.ts";
import { compileMapping, type MappingModel, mappingPaths } from "./mapping.ts";
import { READY_MADE_MAPPINGS, readyMadeMapping } from "./mappings/index.ts";
import { type ParsedPath, rootName } from "./paths.ts";
import { bindColumn, planActivityCsv, planActivityJson } from "./plan.ts";

const FIELD = "activityMapping";
/** Records of a JSON sample looked at when checking the mapping's fields. */
const SAMPLE_RECORDS = 200;

const bad = (message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_connector", 400, message, { column: FIELD, ...details });

/** The mapping document an input names: a ready-made one by ID, or the document given. */
export function resolveActivityMapping(input: CreateConnectorInput["activityMapping"]): Record<string, unknown> {
  const ids = READY_MADE_MAPPINGS.map((m) => m.id);
  if (input === undefined) {
    throw bad(
      `${FIELD}: give a ready-made mapping's ID (${ids.join(", ")}) or a mapping document (a JSON object). See GET /api/activity/mappings ('openirm activity mappings').`,
    );
  }
  if (typeof input === "string") {
    const found = readyMadeMapping(input.trim());
    if (!found) {
      const guess = closestName(input.trim(), ids);
      throw bad(
        `${FIELD}: '${input}' is not a ready-made mapping.${guess ? ` Did you mean '${guess}'?` : ""} Use one of: ${ids.join(", ")}, or give a mapping document (a JSON object).`,
      );
    }
    return structuredClone(found.document);
  }
  return input;
}

/** The stored mapping document, compiled; AppError 400 when it no longer validates. */
export function activityMappingOf(config: ConnectorConfig): MappingModel {
  return compileMapping(config.activityMapping);
}

function looksLikeJson(text: string): boolean {
  const first = text.replace(/^\uFEFF/, "").trimStart()[0];
  return first === "{" || first === "[";
}

/** The records of a JSON sample: an array, one object, or one object per line (NDJSON). */
export function jsonSampleRecords(text: string): Record<string, unknown>[] {
  const body = text.replace(/^\uFEFF/, "").trim();
  let values: unknown[];
  try {
    const whole = JSON.parse(body) as unknown;
    values = Array.isArray(whole) ? whole : [whole];
  } catch {
    values = [];
    const lines = body.split(/\r?\n/);
    for (let i = 0; i < lines.length && values.length < SAMPLE_RECORDS; i++) {
      const line = (lines[i] as string).trim();
      if (line === "") continue;
      try {
        values.push(JSON.parse(line));
      } catch (err) {
        throw new AppError(
          "invalid_connector",
          400,
          `sample: line ${i + 1} of the JSON sample is not valid JSON (${err instanceof Error ? err.message : String(err)}). Give a JSON array, one object, or one object per line.`,
          { column: "sample", line: i + 1 },
        );
      }
    }
  }
  const records = values
    .slice(0, SAMPLE_RECORDS)
    .filter((v): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v));
  if (records.length === 0) {
    throw new AppError("invalid_connector", 400, "sample: the JSON sample has no records (JSON objects).", {
      column: "sample",
    });
  }
  return records;
}

function checkCsvSample(model: MappingModel, header: readonly string[]): void {
  for (const { where, alternatives } of mappingPaths(model)) {
    if (alternatives.some((p) => bindColumn(header, p))) continue;
    const name = rootName(alternatives[0] as ParsedPath) ?? (alternatives[0] as ParsedPath).text;
    const guess = closestName(name, header);
    throw bad(
      `${FIELD}.${where}: column '${name}' is not in the sample file.${guess ? ` Did you mean '${guess}'?` : ""} The file has: ${listNames(header)}.`,
      { path: where },
    );
  }
}

function checkJsonSample(model: MappingModel, records: readonly Record<string, unknown>[]): void {
  const keys = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) keys.add(k);
  const lower = new Set([...keys].map((k) => k.toLowerCase()));
  const names = [...keys];
  for (const { where, alternatives } of mappingPaths(model)) {
    if (alternatives.some((p) => lower.has((rootName(p) ?? "").toLowerCase()))) continue;
    const name = rootName(alternatives[0] as ParsedPath) ?? (alternatives[0] as ParsedPath).text;
    const guess = closestName(name, names);
    throw bad(
      `${FIELD}.${where}: no record of the sample has the field '${name}'.${guess ? ` Did you mean '${guess}'?` : ""} The records have: ${listNames(names)}.`,
      { path: where },
    );
  }
}

function buildActivityConfig(input: CreateConnectorInput, sample: ParsedSample | undefined): ConnectorConfig {
  const document = resolveActivityMapping(input.activityMapping);
  const model = compileMapping(document, FIELD);
  if (input.sample !== undefined && input.sample.trim() !== "") {
    if (looksLikeJson(input.sample)) checkJsonSample(model, jsonSampleRecords(input.sample));
    else if (sample && sample.header.length > 0) checkCsvSample(model, sample.header);
  }
  const roots = new Set<string>();
  for (const { alternatives } of mappingPaths(model)) {
    for (const p of alternatives) roots.add(rootName(p) ?? p.text);
  }
  const columns: ConnectorColumn[] = [...roots].map((name) => ({ name, type: "Text" }));
  const delimiter =
    input.delimiter === "\t" || (input.delimiter === undefined && sample?.delimiter === "\t") ? "\t" : ",";
  return {
    columns,
    userColumn: model.user.paths[0]?.text ?? "user",
    timeColumn: model.time.paths[0]?.text ?? "time",
    sourceColumn: null,
    sourceValues: [],
    mapping: {},
    strictDuplicates: input.strictDuplicates ?? false,
    delimiter,
    activityMapping: document,
  };
}

export const activityKind: ConnectorKind = {
  type: "activity",
  formats: ["csv", "json"],
  buildConfig: buildActivityConfig,
  planCsv: (config, header, delimiter) => planActivityCsv(activityMappingOf(config), header, delimiter),
  planJson: (config) => planActivityJson(activityMappingOf(config)),
};
