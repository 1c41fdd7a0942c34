// Custom indicators: a value of an indicators connector's source column (or its single source),
// optionally with a Number column whose daily total is compared with thresholds.

import { AppError } from "../errors.ts";

export type ConnectorColumnType = "Number" | "Text" | "DateTime" | "Boolean";

/** The part of an indicators connector's configuration that custom indicators depend on. */
export interface IndicatorConnectorConfig {
  columns: readonly { name: string; type: ConnectorColumnType | string }[];
  userColumn?: string | null;
  timeColumn?: string | null;
  sourceColumn?: string | null;
  sourceValues?: readonly string[] | null;
  /** Columns kept per source value ("Default" for a single-source connector, or as a fallback). */
  mapping?: Readonly<Record<string, readonly string[]>> | null;
}

export interface IndicatorConnector {
  id: string;
  name: string;
  type: string;
  config: IndicatorConnectorConfig;
}

export interface CustomIndicatorDraft {
  name: string;
  description: string | null;
  connectorId: string;
  sourceValue: string | null;
  valueColumn: string | null;
}

const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;

const invalid = (column: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_indicator", 400, `${column}: ${message}`, { column, ...details });

const quoteList = (values: readonly string[]) => (values.length ? values.join(", ") : "(none)");

/** Source values of a connector; empty for a single-source connector. */
export function connectorSourceValues(config: IndicatorConnectorConfig): string[] {
  return config.sourceColumn ? [...(config.sourceValues ?? [])] : [];
}

/** Columns kept for one source value (or the single source): the mapping entry, else "Default", else all. */
export function keptColumns(config: IndicatorConnectorConfig, sourceValue: string | null): string[] {
  const mapping = config.mapping;
  const all = config.columns.map((c) => c.name);
  if (!mapping) return all;
  const entry = (sourceValue !== null ? mapping[sourceValue] : undefined) ?? mapping.Default;
  return entry ? [...entry] : [];
}

/** Checks a custom indicator against its connector; returns the draft with trimmed values. */
export function validateCustomIndicator(
  input: {
    name: string;
    description?: string | null | undefined;
    connectorId: string;
    sourceValue?: string | null | undefined;
    valueColumn?: string | null | undefined;
  },
  connector: IndicatorConnector | undefined,
): CustomIndicatorDraft {
  const name = input.name.trim();
  if (!name) throw invalid("name", "a custom indicator needs a name.");
  if (name.length > MAX_NAME) throw invalid("name", `the name is longer than ${MAX_NAME} characters.`);
  const description = input.description?.trim() || null;
  if (description && description.length > MAX_DESCRIPTION) {
    throw invalid("description", `the description is longer than ${MAX_DESCRIPTION} characters.`);
  }
  if (!connector) throw invalid("connectorId", `connector '${input.connectorId}' does not exist.`);
  if (connector.type !== "indicators") {
    throw invalid(
      "connectorId",
      `connector '${connector.name}' is of type ${connector.type}; custom indicators are built on an indicators connector.`,
    );
  }
  const config = connector.config;
  const values = connectorSourceValues(config);
  let sourceValue = input.sourceValue?.trim() || null;
  // A single-source connector keeps its columns under "Default"; naming that key means "no source value".
  if (!config.sourceColumn && sourceValue === "Default") sourceValue = null;
  if (config.sourceColumn) {
    if (sourceValue === null) {
      throw invalid(
        "sourceValue",
        `connector '${connector.name}' splits its rows by column ${config.sourceColumn}; choose one of its values: ${quoteList(values)}.`,
        { validValues: values },
      );
    }
    if (!values.includes(sourceValue)) {
      throw invalid(
        "sourceValue",
        `'${sourceValue}' is not a value of column ${config.sourceColumn} in connector '${connector.name}'; valid values: ${quoteList(values)}.`,
        { validValues: values },
      );
    }
  } else if (sourceValue !== null) {
    throw invalid(
      "sourceValue",
      `connector '${connector.name}' has a single source (no source column); leave sourceValue empty.`,
      { validValues: [] },
    );
  }
  const valueColumn = input.valueColumn?.trim() || null;
  if (valueColumn !== null) {
    const kept = keptColumns(config, sourceValue);
    const keptNumber = config.columns.filter((c) => c.type === "Number" && kept.includes(c.name)).map((c) => c.name);
    const where = sourceValue !== null ? `for source value ${sourceValue}` : "by the mapping";
    const column = config.columns.find((c) => c.name === valueColumn);
    if (!column || !kept.includes(valueColumn)) {
      throw invalid(
        "valueColumn",
        `column '${valueColumn}' is not kept ${where} in connector '${connector.name}'. Number columns available: ${quoteList(keptNumber)}.`,
        { numberColumns: keptNumber },
      );
    }
    if (column.type !== "Number") {
      throw invalid(
        "valueColumn",
        `column '${valueColumn}' is of type ${column.type}; thresholds need a Number column. Number columns available: ${quoteList(keptNumber)}.`,
        { numberColumns: keptNumber },
      );
    }
  }
  return { name, description, connectorId: connector.id, sourceValue, valueColumn };
}
