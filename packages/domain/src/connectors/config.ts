// Connector configuration: the request to create one (zod schema shared by API, CLI and console),
// its validation against the sample file, and the check custom indicators use for their value column.

import { z } from "zod";
import { AppError } from "../errors.ts";
import {
  COLUMN_TYPES,
  type ColumnType,
  type ConnectorColumn,
  inferColumns,
  type ParsedSample,
  SUPPORTED_DELIMITERS,
} from "./schema.ts";
import { closestName, columnNotFoundMessage, listNames } from "./suggest.ts";

export const CONNECTOR_TYPES = ["indicators", "hr", "badging", "healthcare", "activity"] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

/** HR data types, as the API and CLI name them. */
export const HR_DATA_TYPES = [
  "resignation",
  "job-level-change",
  "performance-review",
  "performance-improvement-plan",
  "employee-profile",
] as const;
export type HrDataType = (typeof HR_DATA_TYPES)[number];

/** Field sets a healthcare connector reads: the generic EHR set or Epic Clarity's. */
export const HEALTHCARE_FIELD_SETS = ["generic", "epic"] as const;
export type HealthcareFieldSet = (typeof HEALTHCARE_FIELD_SETS)[number];

/** The mapping key for a connector without a source column ("None (single source)"). */
export const DEFAULT_MAPPING_KEY = "Default";

export const CreateConnectorInput = z.object({
  type: z.enum(CONNECTOR_TYPES),
  name: z.string().trim().min(1).max(200),
  appId: z.string().trim().min(1),
  sample: z.string().optional(),
  columnTypes: z.record(z.string(), z.enum(COLUMN_TYPES)).optional(),
  userColumn: z.string().optional(),
  timeColumn: z.string().optional(),
  sourceColumn: z.string().nullable().optional(),
  sourceValues: z.union([z.array(z.string()), z.string()]).optional(),
  mapping: z.record(z.string(), z.array(z.string())).optional(),
  strictDuplicates: z.boolean().optional(),
  delimiter: z.enum([...SUPPORTED_DELIMITERS, "|"]).optional(),
  /** hr: the data types the connector imports. */
  dataTypes: z.array(z.enum(HR_DATA_TYPES)).min(1).optional(),
  /**
   * hr and healthcare: the file's column for a field, e.g. {"EmailAddress": "Mail"}; hr also takes
   * "<data type>.<Field>" for one data type only, e.g. {"performance-improvement-plan.Remarks": "ImprovementRemarks"}.
   */
  columnMap: z.record(z.string(), z.string()).optional(),
  /** hr: the column that says which data type a row is (multi-scenario files), or null for none. */
  scenarioColumn: z.string().nullable().optional(),
  /** hr: the value of the scenario column for each data type, e.g. {"job-level-change": "Job level change"}. */
  scenarioValues: z.record(z.string(), z.string()).optional(),
  /** healthcare: which field set the file uses. */
  fieldSet: z.enum(HEALTHCARE_FIELD_SETS).optional(),
  /** healthcare: the domain that turns a bare account name (SamAccountName) into a UPN. */
  upnDomain: z.string().trim().min(1).max(253).optional(),
  /** activity: a ready-made mapping's ID, or a mapping document. */
  activityMapping: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});
export type CreateConnectorInput = z.infer<typeof CreateConnectorInput>;

export interface ConnectorConfig {
  columns: ConnectorColumn[];
  userColumn: string;
  timeColumn: string;
  /** null = "None (single source)". */
  sourceColumn: string | null;
  sourceValues: string[];
  /** Columns kept per source value (or per "Default" for a single source). */
  mapping: Record<string, string[]>;
  /** Drop every row that shares user and time with another row of the same file. */
  strictDuplicates: boolean;
  /** The file's delimiter when its header does not show one: comma or tab (healthcare also pipe). */
  delimiter: "," | "\t" | "|";
  /** hr only. */
  dataTypes?: HrDataType[];
  /** hr and healthcare: the file's column per field (see CreateConnectorInput.columnMap). */
  columnMap?: Record<string, string>;
  /** hr only. */
  scenarioColumn?: string | null;
  scenarioValues?: Record<string, string>;
  /** healthcare only. */
  fieldSet?: HealthcareFieldSet;
  upnDomain?: string;
  /** activity only: the mapping document (a ready-made one is stored as its document). */
  activityMapping?: Record<string, unknown>;
}

const bad = (column: string, message: string) => new AppError("invalid_connector", 400, message, { column });

function requireColumn(field: string, column: string | undefined, header: readonly string[]): string {
  if (column === undefined || column.trim() === "") throw bad(field, `${field}: name the column of the sample file.`);
  if (!header.includes(column)) throw bad(field, columnNotFoundMessage(column, header));
  return column;
}

/**
 * Source values as given: an array, or one string "Salesforce,Dropbox" (comma-separated, no spaces,
 * as the reference product asks).
 */
export function parseSourceValues(input: string[] | string | undefined): string[] | undefined {
  if (input === undefined) return undefined;
  const values = typeof input === "string" ? input.split(",") : input;
  const text = typeof input === "string" ? input : input.join(",");
  if (values.some((v) => v !== v.trim())) {
    throw bad(
      "sourceValues",
      `sourceValues '${text}' must be comma-separated with no spaces, e.g. '${values.map((v) => v.trim()).join(",")}'.`,
    );
  }
  if (values.some((v) => v === "")) {
    throw bad(
      "sourceValues",
      `sourceValues '${text}' has an empty value; write them comma-separated, e.g. 'Salesforce,Dropbox'.`,
    );
  }
  return [...new Set(values)];
}

function distinctValues(sample: ParsedSample, column: string): string[] {
  const index = sample.header.indexOf(column);
  const out: string[] = [];
  for (const row of sample.rows) {
    const v = (row[index] ?? "").trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

/** Refuses an empty sample header and a header that names a column twice (in any case). */
export function checkHeader(header: readonly string[]): void {
  if (header.length === 0 || header.every((h) => h === "")) {
    throw bad("sample", "sample: the sample file is empty; it needs a header line and at least one row.");
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name === "") throw bad("sample", "sample: the header line has an empty column name.");
    const key = name.toLowerCase();
    if (seen.has(key))
      throw bad("sample", `sample: the header names column '${name}' twice; column names must differ.`);
    seen.add(key);
  }
}

function columnsWithTypes(sample: ParsedSample, overrides: Record<string, ColumnType> | undefined): ConnectorColumn[] {
  for (const name of Object.keys(overrides ?? {})) {
    if (!sample.header.includes(name))
      throw bad("columnTypes", `columnTypes: ${columnNotFoundMessage(name, sample.header)}`);
  }
  return inferColumns(sample).map((c) => ({ name: c.name, type: overrides?.[c.name] ?? c.type }));
}

function buildMapping(
  input: Record<string, string[]> | undefined,
  keys: readonly string[],
  header: readonly string[],
): Record<string, string[]> {
  const allowed = [...keys, DEFAULT_MAPPING_KEY];
  for (const [key, columns] of Object.entries(input ?? {})) {
    if (!allowed.includes(key)) {
      const guess = closestName(key, allowed);
      throw bad(
        "mapping",
        `mapping: '${key}' is not a source value of this connector.${guess ? ` Did you mean '${guess}'?` : ""} Use one of: ${allowed.join(", ")}.`,
      );
    }
    for (const column of columns) {
      if (!header.includes(column)) throw bad("mapping", `mapping '${key}': ${columnNotFoundMessage(column, header)}`);
    }
  }
  const mapping: Record<string, string[]> = {};
  for (const key of keys) mapping[key] = [...(input?.[key] ?? input?.[DEFAULT_MAPPING_KEY] ?? header)];
  return mapping;
}

function buildIndicatorsConfig(input: CreateConnectorInput, sample: ParsedSample | undefined): ConnectorConfig {
  if (!sample) throw bad("sample", "sample: an indicators connector needs a sample file (its CSV text).");
  checkHeader(sample.header);
  const header = sample.header;
  const columns = columnsWithTypes(sample, input.columnTypes);
  const userColumn = requireColumn("userColumn", input.userColumn, header);
  const timeColumn = requireColumn("timeColumn", input.timeColumn, header);
  const timeType = columns.find((c) => c.name === timeColumn)?.type;
  if (timeType !== "DateTime") {
    throw bad(
      "timeColumn",
      `timeColumn: column '${timeColumn}' is ${timeType}, but the event time column must be DateTime. Its sample values must be ISO 8601 dates and times (e.g. 2023-04-24T05:52:56.962686Z), or set columnTypes.${timeColumn} to DateTime.`,
    );
  }
  const sourceColumn = input.sourceColumn ? requireColumn("sourceColumn", input.sourceColumn, header) : null;
  let sourceValues = parseSourceValues(input.sourceValues) ?? [];
  if (!sourceColumn && sourceValues.length > 0) {
    throw bad("sourceValues", "sourceValues: values need a sourceColumn; without one the connector is single source.");
  }
  if (sourceColumn) {
    const present = distinctValues(sample, sourceColumn);
    if (sourceValues.length === 0) sourceValues = present;
    for (const value of sourceValues) {
      if (!present.includes(value)) {
        const guess = closestName(value, present);
        throw bad(
          "sourceValues",
          `Source value '${value}' does not occur in column '${sourceColumn}' of the sample file.${guess ? ` Did you mean '${guess}'?` : ""} The column holds: ${listNames(present) || "no values"}.`,
        );
      }
    }
    if (sourceValues.length === 0) {
      throw bad("sourceValues", `sourceValues: column '${sourceColumn}' of the sample file has no values.`);
    }
  }
  const keys = sourceColumn ? sourceValues : [DEFAULT_MAPPING_KEY];
  return {
    columns,
    userColumn,
    timeColumn,
    sourceColumn,
    sourceValues,
    mapping: buildMapping(input.mapping, keys, header),
    strictDuplicates: input.strictDuplicates ?? false,
    delimiter: input.delimiter ?? (sample.delimiter === "\t" ? "\t" : ","),
  };
}

/** Validates an indicators connector request against its sample file; throws AppError 400 naming the field. */
export function buildIndicatorsConnectorConfig(
  input: CreateConnectorInput,
  sample: ParsedSample | undefined,
): ConnectorConfig {
  return buildIndicatorsConfig(input, sample);
}

export interface ConnectorLike {
  name?: string;
  type: ConnectorType | string;
  config: ConnectorConfig;
}

/**
 * Whether `column` can carry a custom indicator's thresholds for `sourceValue` of connector C: it
 * must be a Number column kept in the mapping for that source value. `sourceValue` is null (or
 * "Default") for a single-source connector, and one of the source values otherwise.
 */
export function checkIndicatorValueColumn(
  connector: ConnectorLike,
  column: string,
  sourceValue: string | null,
): { ok: true } | { ok: false; message: string } {
  const { config } = connector;
  const label = connector.name ? `connector '${connector.name}'` : "the connector";
  if (connector.type !== "indicators") {
    return { ok: false, message: `Custom indicators need an indicators connector; ${label} is '${connector.type}'.` };
  }
  let key: string;
  if (config.sourceColumn) {
    if (!sourceValue || !config.sourceValues.includes(sourceValue)) {
      return {
        ok: false,
        message: `Source value '${sourceValue ?? ""}' is not one of ${label}'s source values: ${config.sourceValues.join(", ")}.`,
      };
    }
    key = sourceValue;
  } else {
    if (sourceValue && sourceValue !== DEFAULT_MAPPING_KEY) {
      return { ok: false, message: `${label} has a single source; it has no source value '${sourceValue}'.` };
    }
    key = DEFAULT_MAPPING_KEY;
  }
  const names = config.columns.map((c) => c.name);
  const found = config.columns.find((c) => c.name === column);
  if (!found) return { ok: false, message: columnNotFoundMessage(column, names, `the file of ${label}`) };
  if (found.type !== "Number") {
    return {
      ok: false,
      message: `Column '${column}' of ${label} is ${found.type}; an indicator value must be a Number column.`,
    };
  }
  if (!(config.mapping[key] ?? []).includes(column)) {
    return { ok: false, message: `Column '${column}' is not kept for '${key}' in the mapping of ${label}.` };
  }
  return { ok: true };
}

/** As checkIndicatorValueColumn, throwing AppError 400 (column "valueColumn") when it does not hold. */
export function assertIndicatorValueColumn(connector: ConnectorLike, column: string, sourceValue: string | null): void {
  const result = checkIndicatorValueColumn(connector, column, sourceValue);
  if (!result.ok) throw bad("valueColumn", result.message);
}
