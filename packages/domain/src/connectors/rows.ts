// Upload rows: matching an uploaded file's header to the connector, then turning each row into a
// signal or a rejection that names the line, the column and the reason.

import { AppError } from "../errors.ts";
import { parseTimestamp } from "../time/timestamps.ts";
import { type ConnectorConfig, type ConnectorType, DEFAULT_MAPPING_KEY } from "./config.ts";
import {
  type ColumnType,
  delimiterName,
  detectDelimiter,
  type FieldCountFix,
  fitToHeader,
  isUserPrincipalName,
  MAX_FIELD_LENGTH,
  parseBoolean,
  parseNumber,
  SUPPORTED_DELIMITERS,
} from "./schema.ts";
import { closestName } from "./suggest.ts";

/** A stored attribute: a scalar, or a list of texts (recipients, sensitive information types…). */
export type AttributeValue = string | number | boolean | null | readonly string[];

/** A row that became a signal. */
export interface MappedSignal {
  kind: string;
  /** Lower-case, trimmed user principal name. */
  upn: string;
  /** ISO 8601 UTC with microseconds (trailing zeros trimmed). */
  occurredAt: string;
  sourceValue: string | null;
  attributes: Record<string, AttributeValue>;
  /**
   * The source's own ID of the event, when it has one: the signal's identity is then this ID (per
   * kind), so a re-sent event is a duplicate even if other values changed.
   */
  dedupeId?: string;
}

export type RowOutcome =
  | { ok: true; signal: MappedSignal; fix: FieldCountFix }
  | { ok: false; column: string | null; reason: string; fix: FieldCountFix; skip?: undefined }
  /**
   * A well-formed record the connector does not import (e.g. an audit log event of a type its
   * mapping leaves out): counted as received, neither stored nor rejected. The plan's finish()
   * says how many were skipped and why.
   */
  | { ok: false; skip: true; column: null; reason: string; fix: FieldCountFix };

interface KeptColumn {
  name: string;
  index: number;
  type: ColumnType;
}

/** How an uploaded file's columns line up with the connector. */
export interface UploadPlan {
  connectorType: ConnectorType;
  delimiter: string;
  header: string[];
  userIndex: number;
  timeIndex: number;
  userColumn: string;
  timeColumn: string;
  sourceIndex: number | null;
  sourceColumn: string | null;
  sourceValues: string[];
  /** Columns kept per mapping key. */
  kept: Record<string, KeptColumn[]>;
  /** Warnings about the header (mapped columns the file lacks, columns the connector ignores). */
  warnings: string[];
}

function indexOf(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === lower);
}

/**
 * The delimiter to parse an upload with, from its first line: comma or tab as detected, else the
 * connector's. (A semicolon or pipe file is parsed with the connector's delimiter, and planUpload
 * then explains the missing columns.)
 */
export function chooseDelimiter(
  firstLine: string,
  configured: string,
  allowed: readonly string[] = SUPPORTED_DELIMITERS,
): string {
  const detected = detectDelimiter(firstLine);
  return detected !== undefined && allowed.includes(detected) ? detected : configured;
}

/**
 * The error for a file without a column the connector needs (the whole file is refused): names
 * the column and its role (and, with `need`, what needs it), or the delimiter the file seems to use.
 */
export function missingColumn(
  config: Pick<ConnectorConfig, "delimiter">,
  header: readonly string[],
  column: string,
  role: string,
  delimiter: string,
  need?: string,
): AppError {
  const line = header.join(delimiter);
  const detected = detectDelimiter(line);
  if (detected && detected !== delimiter && detected !== "," && detected !== "\t") {
    return new AppError(
      "wrong_delimiter",
      400,
      `Line 1: the header has no column '${column}' (${role})${need ? `, ${need}` : ""}. The file looks separated by ${delimiterName(detected)}, but OpenIRM reads comma- or tab-separated files (this connector: ${delimiterName(config.delimiter)}). Save the file as CSV with commas and upload it again.`,
      { line: 1, column },
    );
  }
  const guess = closestName(column, header);
  return new AppError(
    "missing_column",
    400,
    `Line 1: the file has no column '${column}' (${role})${need ? `, ${need}` : ""}; the whole file was refused.${guess ? ` Did you mean '${guess}'?` : ""} The header has: ${header.join(", ")}.`,
    { line: 1, column },
  );
}

/**
 * Matches an indicators upload's header (names matched exactly, then case-insensitively) to the
 * connector. (HR uploads: hr/plan.ts.)
 */
export function planUpload(
  type: ConnectorType,
  config: ConnectorConfig,
  rawHeader: readonly string[],
  delimiter: string,
): UploadPlan {
  const header = rawHeader.map((h) => h.trim());
  const find = (name: string, role: string) => {
    const index = indexOf(header, name);
    if (index < 0) throw missingColumn(config, header, name, role, delimiter);
    return index;
  };
  const userIndex = find(config.userColumn, "the user column");
  const timeIndex = find(config.timeColumn, "the event time column");
  const sourceIndex = config.sourceColumn ? find(config.sourceColumn, "the source column") : null;
  const warnings: string[] = [];
  const types = new Map(config.columns.map((c) => [c.name, c.type]));
  const kept: Record<string, KeptColumn[]> = {};
  const missing = new Set<string>();
  for (const [key, columns] of Object.entries(config.mapping)) {
    kept[key] = [];
    for (const name of columns) {
      const index = indexOf(header, name);
      if (index < 0) {
        missing.add(name);
        continue;
      }
      (kept[key] as KeptColumn[]).push({ name, index, type: types.get(name) ?? "Text" });
    }
  }
  if (missing.size > 0) {
    warnings.push(
      `The file has no column ${[...missing].map((m) => `'${m}'`).join(", ")} of the connector's mapping; ${missing.size === 1 ? "it was" : "they were"} left out of the stored signals.`,
    );
  }
  const known = new Set(config.columns.map((c) => c.name.toLowerCase()));
  const unknown = header.filter((h) => h && !known.has(h.toLowerCase()));
  if (unknown.length > 0) {
    warnings.push(
      `The file has column(s) the connector does not know (${unknown.join(", ")}); they were not stored. Create a connector from a sample with these columns to keep them.`,
    );
  }
  return {
    connectorType: type,
    delimiter,
    header,
    userIndex,
    timeIndex,
    userColumn: config.userColumn,
    timeColumn: config.timeColumn,
    sourceIndex,
    sourceColumn: config.sourceColumn,
    sourceValues: config.sourceValues,
    kept,
    warnings,
  };
}

/** Whether a record repeats the header line (upload scripts repeat it in every chunk). */
export function isHeaderRow(plan: { header: readonly string[] }, fields: readonly string[]): boolean {
  return fields.length === plan.header.length && fields.every((f, i) => f.trim() === plan.header[i]);
}

type Converted = { ok: true; value: AttributeValue } | { ok: false; reason: string };

function convert(value: string, type: ColumnType): Converted {
  if (value.trim() === "") return { ok: true, value: null };
  switch (type) {
    case "Number": {
      const n = parseNumber(value);
      return n === undefined ? { ok: false, reason: `'${value}' is not a number.` } : { ok: true, value: n };
    }
    case "Boolean": {
      const b = parseBoolean(value);
      return b === undefined
        ? { ok: false, reason: `'${value}' is not a Boolean (use true/false, yes/no or 1/0).` }
        : { ok: true, value: b };
    }
    case "DateTime": {
      const t = parseTimestamp(value);
      return t.ok ? { ok: true, value: t.iso } : { ok: false, reason: t.reason };
    }
    default:
      return { ok: true, value };
  }
}

function reject(column: string | null, reason: string, fix: FieldCountFix): RowOutcome {
  return { ok: false, column, reason, fix };
}

/** The rejection of a row with a field longer than MAX_FIELD_LENGTH, or undefined. */
export function tooLongField(
  header: readonly string[],
  fields: readonly string[],
  fix: FieldCountFix,
): RowOutcome | undefined {
  for (let i = 0; i < fields.length; i++) {
    const length = (fields[i] as string).length;
    if (length > MAX_FIELD_LENGTH) {
      return reject(
        header[i] ?? null,
        `the value is ${length.toLocaleString("en-US")} characters long; the limit is ${MAX_FIELD_LENGTH.toLocaleString("en-US")} (1 MiB).`,
        fix,
      );
    }
  }
  return undefined;
}

/** Maps one data row (the fields as parsed) to a signal, or says why it is rejected. */
export function mapRow(plan: UploadPlan, rawFields: readonly string[]): RowOutcome {
  const { fields, fix } = fitToHeader(rawFields, plan.header.length, plan.delimiter);
  const tooLong = tooLongField(plan.header, fields, fix);
  if (tooLong) return tooLong;
  const userText = fields[plan.userIndex] as string;
  const upn = userText.trim().toLowerCase();
  if (!upn) return reject(plan.userColumn, "the value is empty; every row needs a user.", fix);
  if (!isUserPrincipalName(upn)) {
    return reject(plan.userColumn, `'${userText.trim()}' is not a user principal name (name@domain).`, fix);
  }
  const timeText = fields[plan.timeIndex] as string;
  if (!timeText.trim()) return reject(plan.timeColumn, "the value is empty; every row needs an event time.", fix);
  const time = parseTimestamp(timeText);
  if (!time.ok) return reject(plan.timeColumn, time.reason, fix);

  let key = DEFAULT_MAPPING_KEY;
  let sourceValue: string | null = null;
  if (plan.sourceIndex !== null) {
    const value = (fields[plan.sourceIndex] as string).trim();
    const column = plan.sourceColumn as string;
    if (!value) return reject(column, `the value is empty; expected one of: ${plan.sourceValues.join(", ")}.`, fix);
    if (!plan.sourceValues.includes(value)) {
      const guess = closestName(value, plan.sourceValues);
      return reject(
        column,
        `'${value}' is not one of the connector's source values (${plan.sourceValues.join(", ")}).${guess ? ` Did you mean '${guess}'?` : ""}`,
        fix,
      );
    }
    key = value;
    sourceValue = value;
  }
  const attributes: Record<string, AttributeValue> = {};
  for (const column of plan.kept[key] ?? []) {
    const converted = convert(fields[column.index] as string, column.type);
    if (!converted.ok) return reject(column.name, converted.reason, fix);
    attributes[column.name] = converted.value;
  }
  attributes[plan.userColumn] = userText;
  attributes[plan.timeColumn] = timeText;
  return { ok: true, fix, signal: { kind: "indicator", upn, occurredAt: time.iso, sourceValue, attributes } };
}

/** "Line 7, column PredictionTime: <reason>" — how a rejection reads in messages and logs. */
export function rejectionMessage(line: number, column: string | null, reason: string): string {
  return `Line ${line}${column ? `, column ${column}` : ""}: ${reason}`;
}
