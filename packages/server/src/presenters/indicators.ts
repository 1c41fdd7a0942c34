// Indicators as the API shows them: built-in ones by their stable id with their catalog facts
// (category, what they count, default thresholds), custom ones with their connector.

import { findBuiltinIndicator, INDICATOR_CATEGORY_NAMES, toIsoUtc } from "@openirm/domain";
import type { IndicatorRow } from "../commands/indicators.ts";

export function presentIndicator(row: IndicatorRow) {
  const builtin = row.builtin_id ? findBuiltinIndicator(row.builtin_id) : undefined;
  if (builtin) {
    return {
      id: builtin.id,
      rowId: row.id,
      name: builtin.name,
      description: builtin.description,
      kind: "builtin",
      category: builtin.category,
      categoryName: INDICATOR_CATEGORY_NAMES[builtin.category],
      signalKind: builtin.signalKind,
      filter: builtin.filter ?? null,
      measure: builtin.measure,
      defaultThresholds: builtin.defaultThresholds,
      thresholdBasis: builtin.thresholdBasis,
      sequenceStage: builtin.stage,
      canTrigger: builtin.canTrigger,
      defaultTriggerThreshold: builtin.defaultTriggerThreshold,
      triggerOnly: false,
      enabled: row.enabled,
      updatedAt: row.updated_at ? toIsoUtc(row.updated_at) : null,
    };
  }
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    category: "custom",
    categoryName: "Custom",
    connectorId: row.connector_id,
    connector: row.connector_id ? { id: row.connector_id, name: row.connector_name } : null,
    sourceValue: row.source_value,
    valueColumn: row.value_column,
    /** No value column: the indicator can only bring users into a policy, not score them. */
    triggerOnly: row.value_column === null,
    /** Custom indicators have no default thresholds: policies set them. */
    defaultThresholds: null,
    canTrigger: true,
    enabled: row.enabled,
    createdAt: toIsoUtc(row.created_at),
    updatedAt: row.updated_at ? toIsoUtc(row.updated_at) : null,
  };
}
