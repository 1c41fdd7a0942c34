// Connector file schemas: column types, type inference from a sample file, the value parsers that
// upload rows go through, delimiter detection and the "more fields than the header" repair.

import { parseTimestamp } from "../time/timestamps.ts";

export const COLUMN_TYPES = ["Text", "Number", "DateTime", "Boolean"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ConnectorColumn {
  name: string;
  type: ColumnType;
}

export interface InferredColumn extends ConnectorColumn {
  /** Up to three distinct non-empty values from the sample, for the admin to check the type. */
  examples: string[];
}

/** A sample (or upload) file once split into fields: the header and the data rows. */
export interface ParsedSample {
  delimiter: string;
  header: string[];
  rows: string[][];
}

/** Delimiters OpenIRM reads. Other ones are only detected, to explain a wrong-delimiter file. */
export const SUPPORTED_DELIMITERS = [",", "\t"] as const;
const CANDIDATE_DELIMITERS = [",", "\t", ";", "|"];

/** Largest accepted field, in characters (1 MiB). A longer value rejects its row. */
export const MAX_FIELD_LENGTH = 1024 * 1024;

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite decimal number (no thousands separators, no hex); undefined when the text is not one. */
export function parseNumber(value: string): number | undefined {
  const text = value.trim();
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const TRUE_WORDS = new Set(["true", "yes", "y", "1"]);
const FALSE_WORDS = new Set(["false", "no", "n", "0"]);

/**
 * Boolean values of a Boolean-typed column: true/false, yes/no, y/n and 1/0, any case.
 * Inference is stricter (see inferColumnType): only true/false/yes/no make a column Boolean, because
 * a column of 0 and 1 is more useful as a Number (it can carry a threshold).
 */
export function parseBoolean(value: string): boolean | undefined {
  const text = value.trim().toLowerCase();
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  return undefined;
}

const INFERRED_BOOLEAN_WORDS = new Set(["true", "false", "yes", "no"]);

/**
 * The type of a column from its sample values (empty values are ignored):
 * Number when every value is a decimal number; DateTime when every value is an ISO 8601 date
 * (and time); Boolean when every value is true/false/yes/no; otherwise Text. A column without any
 * value is Text.
 */
export function inferColumnType(values: readonly string[]): ColumnType {
  const present = values.map((v) => v.trim()).filter((v) => v.length > 0);
  if (present.length === 0) return "Text";
  if (present.every((v) => parseNumber(v) !== undefined)) return "Number";
  if (present.every((v) => parseTimestamp(v).ok)) return "DateTime";
  if (present.every((v) => INFERRED_BOOLEAN_WORDS.has(v.toLowerCase()))) return "Boolean";
  return "Text";
}

/** Column types and examples for every header column of a sample. */
export function inferColumns(sample: ParsedSample): InferredColumn[] {
  return sample.header.map((name, index) => {
    const values = sample.rows.map((row) => row[index] ?? "");
    const examples: string[] = [];
    for (const v of values) {
      if (v.trim() && !examples.includes(v) && examples.length < 3) examples.push(v);
    }
    return { name, type: inferColumnType(values), examples };
  });
}

/**
 * The delimiter a header line uses: the candidate (comma, tab, semicolon, pipe) that occurs most
 * often outside quotes; undefined when the line has none of them (a one-column file).
 */
export function detectDelimiter(headerLine: string): string | undefined {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && CANDIDATE_DELIMITERS.includes(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const d of CANDIDATE_DELIMITERS) {
    const c = counts.get(d) ?? 0;
    if (c > bestCount) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

export function delimiterName(delimiter: string): string {
  if (delimiter === "\t") return "tab";
  return `'${delimiter}'`;
}

export type FieldCountFix = "none" | "joined" | "padded";

/**
 * Fits a row to the header. Extra fields (a value with an unquoted delimiter, as in the reference
 * product's own example files) are joined back into the last column with the delimiter; missing
 * trailing fields are empty.
 */
export function fitToHeader(
  fields: readonly string[],
  headerLength: number,
  delimiter: string,
): { fields: string[]; fix: FieldCountFix } {
  if (fields.length === headerLength) return { fields: fields as string[], fix: "none" };
  if (fields.length > headerLength) {
    const kept = fields.slice(0, headerLength - 1);
    kept.push(fields.slice(headerLength - 1).join(delimiter));
    return { fields: kept, fix: "joined" };
  }
  const padded = fields.slice();
  while (padded.length < headerLength) padded.push("");
  return { fields: padded, fix: "padded" };
}

/** A user principal name: something@something, no spaces. Callers lower-case and trim first. */
export function isUserPrincipalName(value: string): boolean {
  return /^[^@\s]+@[^@\s]+$/.test(value);
}

function isBlankRow(fields: readonly string[]): boolean {
  return fields.every((f) => f.trim() === "");
}

function sameAsHeader(fields: readonly string[], header: readonly string[]): boolean {
  return fields.length === header.length && fields.every((f, i) => f.trim() === header[i]);
}

/**
 * Builds a sample from parsed records: the first non-blank record is the header (names trimmed);
 * blank rows and repeats of the header are skipped; the other rows are fitted to the header.
 */
export function sampleFromRecords(records: readonly (readonly string[])[], delimiter: string): ParsedSample {
  let header: string[] | undefined;
  const rows: string[][] = [];
  for (const record of records) {
    if (isBlankRow(record)) continue;
    if (!header) {
      header = record.map((f) => f.trim());
      continue;
    }
    if (sameAsHeader(record, header)) continue;
    rows.push(fitToHeader(record, header.length, delimiter).fields);
  }
  return { delimiter, header: header ?? [], rows };
}

export { isBlankRow, sameAsHeader };
