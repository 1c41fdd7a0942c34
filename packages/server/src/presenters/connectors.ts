// Connectors as the API shows them: configuration (column names and types, never sample values)
// and the last run's summary.

import { toIsoUtc } from "@openirm/domain";
import type { ConnectorRow, ConnectorWithLastRun } from "../commands/connectors.ts";
import { presentRun } from "./runs.ts";

export function presentConnector(row: ConnectorRow | ConnectorWithLastRun) {
  const { config } = row;
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    appId: row.app_client_id,
    jobId: row.job_id,
    disabled: row.disabled,
    createdAt: toIsoUtc(row.created_at),
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
    },
    ...("lastRun" in row ? { lastRun: row.lastRun ? presentRun(row.lastRun) : null } : {}),
  };
}
