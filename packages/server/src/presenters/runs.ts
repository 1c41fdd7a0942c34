// Upload runs and their rejected rows as the API shows them, and the two downloadable CSV logs.
// The raw text of a rejected row can hold identities: it is shown only to callers who may see them.

import { toIsoUtc } from "@openirm/domain";
import type { RejectionRow, RunRow } from "../commands/runs.ts";

export function presentRun(row: RunRow) {
  return {
    id: row.id,
    connectorId: row.connector_id,
    appId: row.app_client_id,
    status: row.status,
    fileName: row.file_name,
    /** 'csv' or 'json'; in a JSON run a rejection's `line` is the record's number in the file. */
    format: row.format ?? "csv",
    bytes: Number(row.bytes),
    checksum: row.checksum,
    recordsReceived: row.records_received,
    recordsSaved: row.records_saved,
    recordsRejected: row.records_rejected,
    recordsDuplicate: row.records_duplicate,
    warnings: row.warnings ?? [],
    error: row.error,
    receivedAt: toIsoUtc(row.received_at),
    startedAt: toIsoUtc(row.started_at),
    finishedAt: toIsoUtc(row.finished_at),
  };
}

export function presentRejection(row: RejectionRow, showRaw: boolean) {
  return {
    line: row.line,
    column: row.column_name,
    reason: row.reason,
    kind: row.kind,
    raw: showRaw ? row.raw : null,
  };
}

/** One CSV field: quoted when needed; a leading = + - @ is defused so spreadsheets do not run it. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(",")}\r\n`;

export const RUNS_CSV_HEADER = csvLine([
  "Time",
  "App",
  "RecordsReceived",
  "RecordsSaved",
  "RecordsRejected",
  "RecordsDuplicate",
  "Status",
  "Warnings",
]);

export function runCsvLine(row: RunRow): string {
  return csvLine([
    toIsoUtc(row.received_at),
    row.app_client_id,
    row.records_received,
    row.records_saved,
    row.records_rejected,
    row.records_duplicate,
    row.status,
    [...(row.warnings ?? []), ...(row.error ? [row.error] : [])].join(" | "),
  ]);
}

export const REJECTIONS_CSV_HEADER = csvLine(["Line", "Column", "Reason", "Kind", "Raw"]);

export function rejectionCsvLine(row: RejectionRow, showRaw: boolean): string {
  return csvLine([row.line, row.column_name, row.reason, row.kind, showRaw ? row.raw : ""]);
}
