// Indicators as the API shows them.

import { toIsoUtc } from "@openirm/domain";
import type { IndicatorRow } from "../commands/indicators.ts";

export function presentIndicator(row: IndicatorRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    connectorId: row.connector_id,
    connector: row.connector_id ? { id: row.connector_id, name: row.connector_name } : null,
    sourceValue: row.source_value,
    valueColumn: row.value_column,
    /** No value column: the indicator can only bring users into a policy, not score them. */
    triggerOnly: row.value_column === null,
    enabled: row.enabled,
    createdAt: toIsoUtc(row.created_at),
  };
}
