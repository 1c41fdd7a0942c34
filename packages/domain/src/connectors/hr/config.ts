// An HR connector's configuration: the data types it imports, which column holds each field
// (from a sample file or typed by the admin), and for multi-scenario files the column and values
// that say each row's data type. Validated here; what is stored keeps every option under the
// request's field name, so an edit can rebuild the request from it.

import { AppError } from "../../errors.ts";
import {
  type ConnectorConfig,
  type CreateConnectorInput,
  checkHeader,
  DEFAULT_MAPPING_KEY,
  HR_DATA_TYPES,
  type HrDataType,
} from "../config.ts";
import type { ConnectorColumn, ParsedSample } from "../schema.ts";
import { closestName, columnNotFoundMessage, listNames } from "../suggest.ts";
import { ColumnMapReader, columnMapKey, findColumn, normalizeColumnMap } from "./columns.ts";
import { capitalised, DEFAULT_SCENARIO_COLUMN, folded, HR_TYPES, type HrField } from "./fields.ts";

/** The resignation columns under the names the reference format gives them. */
export const HR_RESIGNATION_COLUMNS = ["EmailAddress", "ResignationDate", "LastWorkingDate"] as const;
export type HrColumn = (typeof HR_RESIGNATION_COLUMNS)[number];

const bad = (column: string, message: string) => new AppError("invalid_connector", 400, message, { column });

/** The data types a request names, each once, in its order (resignation when it names none). */
function requestedTypes(input: CreateConnectorInput): HrDataType[] {
  const types = [...new Set(input.dataTypes ?? [])];
  return types.length > 0 ? types : ["resignation"];
}

/** The scenario value of every data type the connector imports (given, else the default). */
export function scenarioValuesOf(
  given: Record<string, string> | undefined,
  types: readonly HrDataType[],
): Record<HrDataType, string> {
  const out = {} as Record<HrDataType, string>;
  const byType = new Map<string, string>();
  for (const [rawKey, rawValue] of Object.entries(given ?? {})) {
    const type = HR_DATA_TYPES.find((t) => t === rawKey.trim().toLowerCase());
    if (!type) {
      const guess = closestName(rawKey, HR_DATA_TYPES);
      throw bad(
        "scenarioValues",
        `scenarioValues: '${rawKey}' is not an HR data type.${guess ? ` Did you mean '${guess}'?` : ""} Use one of: ${HR_DATA_TYPES.join(", ")}.`,
      );
    }
    const value = typeof rawValue === "string" ? rawValue.trim() : "";
    if (!value)
      throw bad("scenarioValues", `scenarioValues.${type}: give the scenario column's value for this data type.`);
    byType.set(type, value);
  }
  for (const type of types) out[type] = byType.get(type) ?? HR_TYPES[type].scenarioValue;
  // Values for data types the connector does not import are left out (an edit may drop a data type).
  for (const [i, a] of types.entries()) {
    for (const b of types.slice(i + 1)) {
      if (folded(out[a]) === folded(out[b])) {
        throw bad(
          "scenarioValues",
          `scenarioValues: '${out[a]}' is the value of both ${a} and ${b}; each data type needs its own value of the scenario column.`,
        );
      }
    }
  }
  return out;
}

function requireSampleColumn(sample: ParsedSample, field: string, name: string): string {
  const found = findColumn(sample.header, [name]);
  if (!found) throw bad(field, `${field}: ${columnNotFoundMessage(name, sample.header)}`);
  return found.name;
}

/** Values of the sample's scenario column that no data type stands for: a mistake to show now. */
function checkSampleScenarios(sample: ParsedSample, scenarioColumn: string, values: Record<HrDataType, string>): void {
  const index = sample.header.indexOf(scenarioColumn);
  const known = new Map<string, string>();
  for (const type of HR_DATA_TYPES) known.set(folded(HR_TYPES[type].scenarioValue), HR_TYPES[type].scenarioValue);
  for (const value of Object.values(values)) known.set(folded(value), value);
  const mapped = Object.values(values);
  for (const row of sample.rows) {
    const value = (row[index] ?? "").trim();
    if (!value || known.has(folded(value))) continue;
    const guess = closestName(value, mapped);
    throw bad(
      "scenarioValues",
      `scenarioValues: the sample's column '${scenarioColumn}' holds '${value}', which is not the value of any data type.${guess ? ` Did you mean '${guess}'?` : ""} The connector's values are: ${mapped.map((v) => `'${v}'`).join(", ")}. Map it, e.g. "scenarioValues": {"job-level-change": "${value}"}.`,
    );
  }
}

function scenarioColumnHint(sample: ParsedSample | undefined): string {
  const found = sample?.header.find((h) => /scenario/i.test(h));
  return found ?? DEFAULT_SCENARIO_COLUMN;
}

/**
 * Validates an HR connector request (against its sample file, when it has one) and returns the
 * configuration to store; AppError 400 names the field.
 */
export function buildHrConnectorConfig(input: CreateConnectorInput, sample: ParsedSample | undefined): ConnectorConfig {
  if (sample) checkHeader(sample.header);
  const types = requestedTypes(input);
  if (input.delimiter === "|") {
    throw bad("delimiter", "delimiter: an HR connector reads comma- or tab-separated files; use ',' or '\\t'.");
  }
  const given = normalizeColumnMap(input.columnMap);

  let scenarioColumn = input.scenarioColumn?.trim() || null;
  if (scenarioColumn && sample) scenarioColumn = requireSampleColumn(sample, "scenarioColumn", scenarioColumn);
  if (!scenarioColumn && types.length > 1) {
    throw bad(
      "scenarioColumn",
      `scenarioColumn: a connector with several data types (${types.join(", ")}) needs the column that says which data type each row is, e.g. "scenarioColumn": "${scenarioColumnHint(sample)}". Or create one connector per data type.`,
    );
  }
  const keepValues = scenarioColumn !== null || input.scenarioValues !== undefined;
  const scenarioValues = scenarioValuesOf(input.scenarioValues, types);
  if (sample && scenarioColumn) checkSampleScenarios(sample, scenarioColumn, scenarioValues);

  // The column of every field of every data type: checked against the sample when there is one.
  const reader = new ColumnMapReader(given);
  // What is stored: the request's entries (spelled as in the sample) and, for every other field,
  // the column it resolved to, so that the stored map shows where each field is read from.
  const stored: Record<string, string> = { ...given };
  const written = new Set<string>();
  const resolved = new Map<HrDataType, Map<string, string>>();
  for (const type of types) {
    const columns = new Map<string, string>();
    for (const field of HR_TYPES[type].fields) {
      const choice = reader.columnsOf(type, field);
      let column = choice.names[0] as string;
      if (sample) {
        const found = findColumn(sample.header, choice.names);
        if (found) column = found.name;
        else if (field.mandatory || choice.explicit) throw missingInSample(type, field, choice.key, column, sample);
      }
      columns.set(field.name, column);
      if (choice.key !== field.name) {
        stored[choice.key] = column;
      } else if (!written.has(field.name)) {
        stored[field.name] = column;
        written.add(field.name);
      } else if (folded(stored[field.name] as string) !== folded(column)) {
        stored[columnMapKey(type, field.name)] = column;
      }
    }
    checkDistinctColumns(type, columns, scenarioColumn);
    resolved.set(type, columns);
  }

  const columns: ConnectorColumn[] = [];
  const seen = new Set<string>();
  const addColumn = (name: string, date: boolean) => {
    if (seen.has(folded(name))) return;
    seen.add(folded(name));
    columns.push({ name, type: date ? "DateTime" : "Text" });
  };
  if (scenarioColumn) addColumn(scenarioColumn, false);
  for (const type of types) {
    for (const field of HR_TYPES[type].fields) addColumn(resolved.get(type)?.get(field.name) as string, field.date);
  }
  const mappingOf = (type: HrDataType) =>
    HR_TYPES[type].fields
      .filter((f) => f.name !== "EmailAddress")
      .map((f) => resolved.get(type)?.get(f.name) as string);
  const mapping =
    types.length === 1
      ? { [DEFAULT_MAPPING_KEY]: mappingOf(types[0] as HrDataType) }
      : Object.fromEntries(types.map((t) => [t, mappingOf(t)]));

  return {
    columns,
    userColumn: stored.EmailAddress ?? "EmailAddress",
    // Left out of the de-duplication identity with the user column; the resignation date's column
    // whatever the data types, so that adding a data type never changes stored identities.
    timeColumn: stored.ResignationDate ?? "ResignationDate",
    sourceColumn: null,
    sourceValues: [],
    mapping,
    strictDuplicates: input.strictDuplicates ?? false,
    delimiter: input.delimiter ?? (sample?.delimiter === "\t" ? "\t" : ","),
    dataTypes: types,
    columnMap: stored,
    ...(scenarioColumn ? { scenarioColumn } : {}),
    ...(keepValues ? { scenarioValues } : {}),
  };
}

function missingInSample(
  type: HrDataType,
  field: HrField,
  key: string,
  column: string,
  sample: ParsedSample,
): AppError {
  const need = field.mandatory
    ? `${capitalised(HR_TYPES[type].label)} rows need ${field.role}`
    : `It was named for ${field.role} of ${HR_TYPES[type].label} rows`;
  return bad(
    `columnMap.${key}`,
    `columnMap.${key}: ${columnNotFoundMessage(column, sample.header)} ${need}; name its column with "columnMap": {"${key}": "<column>"}.`,
  );
}

function checkDistinctColumns(type: HrDataType, columns: Map<string, string>, scenarioColumn: string | null): void {
  const byColumn = new Map<string, string>();
  for (const [field, column] of columns) {
    const other = byColumn.get(folded(column));
    if (other) {
      throw bad(
        `columnMap.${field}`,
        `columnMap: ${other} and ${field} of ${HR_TYPES[type].label} rows would both read column '${column}'; give each field its own column.`,
      );
    }
    if (scenarioColumn && folded(column) === folded(scenarioColumn)) {
      throw bad(
        `columnMap.${field}`,
        `columnMap: ${field} of ${HR_TYPES[type].label} rows would read '${column}', the scenario column; give it another column.`,
      );
    }
    byColumn.set(folded(column), field);
  }
}

/** For messages: the fields of a data type, mandatory ones marked with *. */
export function describeFields(type: HrDataType): string {
  return listNames(HR_TYPES[type].fields.map((f) => `${f.name}${f.mandatory ? "*" : ""}`));
}
