// What every connector type provides: how it validates its configuration, which file formats it
// reads, and how a file's records become signals. The upload pipeline (server) knows only this
// interface; each type lives in its own module and is listed in kinds.ts.

import type { ConnectorConfig, ConnectorType, CreateConnectorInput } from "./config.ts";
import type { RowOutcome } from "./rows.ts";
import type { ParsedSample } from "./schema.ts";

/** File formats an upload can be in. JSON covers a JSON array, one object, and NDJSON. */
export type UploadFormat = "csv" | "json";

/** What a plan may know about the run it reads. */
export interface PlanContext {
  /** When the run started (ISO 8601 UTC). Used where a record has no time of its own. */
  now: string;
}

/**
 * How one upload's records are read. A plan is made once per file (for CSV, from its header) and
 * then maps every record, in order.
 */
export interface RecordPlan<R> {
  /** Warnings about the file as a whole, known when the plan is made (e.g. columns it ignores). */
  warnings: string[];
  /**
   * One record → a signal, or the reason it is rejected (naming the column or field). `line` is
   * where the record starts in the file (for CSV the physical line; for JSON the record's number),
   * for warnings that name lines.
   */
  map(record: R, line?: number): RowOutcome;
  /** Warnings gathered while mapping (e.g. a fallback taken on some rows), read once at the end. */
  finish?(): string[];
}

/** A delimited file's plan also knows its header (to skip it where an upload script repeats it). */
export interface CsvPlan extends RecordPlan<readonly string[]> {
  header: string[];
  delimiter: string;
}

/** A JSON record: a parsed value (usually an object) and its 1-based number in the file. */
export interface JsonRecord {
  value: unknown;
  number: number;
}

export type JsonPlan = RecordPlan<JsonRecord>;

export interface ConnectorKind {
  type: ConnectorType;
  /** Formats uploads of this type may be in; the first is the one a scheduled import expects. */
  formats: readonly UploadFormat[];
  /** Delimiters a delimited upload may use (detected from its header); comma and tab when not given. */
  delimiters?: readonly string[];
  /**
   * Validates a creation (or an edit merged over the stored configuration) and returns the
   * configuration to store; throws AppError 400 naming the field. The configuration keeps every
   * option under the input's field name, so an edit can rebuild the input from it.
   */
  buildConfig(input: CreateConnectorInput, sample: ParsedSample | undefined): ConnectorConfig;
  /** Matches a delimited file's header to the configuration; throws AppError 400 naming the column. */
  planCsv?(config: ConnectorConfig, header: readonly string[], delimiter: string, context: PlanContext): CsvPlan;
  planJson?(config: ConnectorConfig, context: PlanContext): JsonPlan;
}
