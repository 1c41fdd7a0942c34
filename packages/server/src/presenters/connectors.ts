// Connectors as the API shows them: configuration (column names and types, never sample values),
// the last run's summary, health, and the scheduled import (never its header values or the URL's
// query string, which may hold credentials).

import { toIsoUtc } from "@openirm/domain";
import type { ConnectorHealth } from "../commands/connectorHealth.ts";
import { displayUrl, type ScheduleRow } from "../commands/connectorSchedules.ts";
import type { ConnectorRow, ConnectorWithLastRun } from "../commands/connectors.ts";
import type { RunOutcome } from "../commands/runs.ts";
import { presentRun } from "./runs.ts";

export function presentSchedule(row: ScheduleRow) {
  const { source } = row;
  return {
    cron: row.cron,
    timezone: row.timezone,
    enabled: row.enabled,
    source:
      source.kind === "folder"
        ? { kind: "folder" as const, path: source.path, pattern: source.pattern, mode: source.mode }
        : { kind: "url" as const, url: displayUrl(source.url), headerNames: Object.keys(source.headers ?? {}) },
    nextRunAt: toIsoUtc(row.next_run_at),
    running: row.running_since !== null,
    lastRunAt: toIsoUtc(row.last_run_at),
    lastStatus: row.last_status,
    lastMessage: row.last_message,
    lastRunIds: row.last_run_ids ?? [],
    createdAt: toIsoUtc(row.created_at),
    updatedAt: toIsoUtc(row.updated_at),
  };
}

export function presentConnector(
  row: ConnectorRow | ConnectorWithLastRun,
  extras: { health?: ConnectorHealth | undefined; schedule?: ScheduleRow | null | undefined } = {},
) {
  const { config } = row;
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    appId: row.app_client_id,
    jobId: row.job_id,
    disabled: row.disabled,
    createdAt: toIsoUtc(row.created_at),
    ...(row.updated_at ? { updatedAt: toIsoUtc(row.updated_at) } : {}),
    ...(row.deleted_at ? { deletedAt: toIsoUtc(row.deleted_at) } : {}),
    config: {
      columns: config.columns,
      userColumn: config.userColumn,
      timeColumn: config.timeColumn,
      sourceColumn: config.sourceColumn,
      sourceValues: config.sourceValues,
      mapping: config.mapping,
      strictDuplicates: config.strictDuplicates,
      delimiter: config.delimiter,
      ...(config.dataTypes ? { dataTypes: config.dataTypes } : {}),
      ...(config.columnMap ? { columnMap: config.columnMap } : {}),
      ...(config.scenarioColumn !== undefined ? { scenarioColumn: config.scenarioColumn } : {}),
      ...(config.scenarioValues ? { scenarioValues: config.scenarioValues } : {}),
      ...(config.fieldSet ? { fieldSet: config.fieldSet } : {}),
      ...(config.upnDomain ? { upnDomain: config.upnDomain } : {}),
      ...(config.activityMapping ? { activityMapping: config.activityMapping } : {}),
    },
    ...("lastRun" in row ? { lastRun: row.lastRun ? presentRun(row.lastRun) : null } : {}),
    ...(extras.health ? { health: extras.health } : {}),
    ...(extras.schedule !== undefined ? { schedule: extras.schedule ? presentSchedule(extras.schedule) : null } : {}),
  };
}

/** One run of an import as the "run now" answer shows it: its counts, or "processing". */
export function presentImportedRun(runId: string, fileName: string | null, outcome: RunOutcome | undefined) {
  if (!outcome) return { runId, fileName, status: "processing" as const };
  const { run } = outcome;
  return {
    runId,
    fileName,
    status: run.status,
    recordsReceived: run.records_received,
    recordsSaved: run.records_saved,
    recordsRejected: run.records_rejected,
    recordsDuplicate: run.records_duplicate,
    warnings: run.warnings ?? [],
    error: run.error,
  };
}
