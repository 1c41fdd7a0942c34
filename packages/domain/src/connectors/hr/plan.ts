// Reading an HR upload: matching the file's header to the connector's data types (one data type
// for every row, or each row's own through the scenario column), then turning each row into the
// signal of its data type or a rejection naming the line, the column and the reason.
//
// Decisions (docs/connectors/hr.md):
// - A file is refused as a whole when a data type it is read as lacks a mandatory column. A
//   multi-scenario file only needs the columns of the data types it can carry: a data type whose
//   mandatory columns are all absent has its rows rejected one by one (naming the column), while
//   one whose mandatory columns are partly there is a broken header and refuses the file.
// - A multi-type connector given a file without its scenario column reads every row as the one
//   data type whose mandatory columns the file has (the one using most of the file's columns when
//   several have them); when that is still a tie, the file is refused and asks for the column.
// - In a multi-scenario row whose own date is empty, the one other date column holding a valid
//   date is used, with a warning naming the lines and the columns.

import { AppError } from "../../errors.ts";
import { parseTimestamp } from "../../time/timestamps.ts";
import { type ConnectorConfig, HR_DATA_TYPES, type HrDataType } from "../config.ts";
import type { CsvPlan, PlanContext } from "../kind.ts";
import { type AttributeValue, missingColumn, type RowOutcome, tooLongField } from "../rows.ts";
import { type FieldCountFix, fitToHeader, isUserPrincipalName } from "../schema.ts";
import { closestName, listNames } from "../suggest.ts";
import { ColumnMapReader, headerIndex } from "./columns.ts";
import { scenarioValuesOf } from "./config.ts";
import {
  capitalised,
  connectorDataTypes,
  DEFAULT_SCENARIO_COLUMN,
  EMPLOYEE_TYPES,
  folded,
  HR_TYPES,
  type HrField,
  withArticle,
} from "./fields.ts";

/** How many line numbers a warning lists. */
const LISTED_LINES = 5;

interface Slot {
  field: HrField;
  /** Index in the header, or -1 when the file has no such column. */
  index: number;
  /** The column's name in the file, or the name looked for when it is absent. */
  column: string;
  /** The column map key that names it (for messages). */
  key: string;
  /** Named by the admin (not one of the field's own names). */
  explicit: boolean;
}

interface TypePlan {
  type: HrDataType;
  label: string;
  kind: string;
  slots: Slot[];
  email: Slot;
  /** Mandatory fields the file has no column for. */
  missing: Slot[];
  /** Header columns this data type reads. */
  used: Set<number>;
  /** Header columns of its own dates. */
  dates: Set<number>;
}

class LineList {
  count = 0;
  lines: number[] = [];
  add(line: number) {
    this.count++;
    if (this.lines.length < LISTED_LINES) this.lines.push(line);
  }
  /** "Line 3" / "Lines 3, 8, 12, 15, 20, … (42 rows)". */
  get prefix(): string {
    if (this.count === 1) return `Line ${this.lines[0]}`;
    const more = this.count > this.lines.length;
    return `Lines ${this.lines.join(", ")}${more ? `, … (${this.count} rows)` : ""}`;
  }
  get listed(): string {
    return `${this.lines.join(", ")}${this.count > this.lines.length ? ", …" : ""}`;
  }
}

function planType(type: HrDataType, header: readonly string[], reader: ColumnMapReader): TypePlan {
  const spec = HR_TYPES[type];
  const slots: Slot[] = spec.fields.map((field) => {
    const choice = reader.columnsOf(type, field);
    for (const name of choice.names) {
      const index = headerIndex(header, name);
      if (index >= 0)
        return { field, index, column: header[index] as string, key: choice.key, explicit: choice.explicit };
    }
    return { field, index: -1, column: choice.names[0] as string, key: choice.key, explicit: choice.explicit };
  });
  return {
    type,
    label: spec.label,
    kind: spec.signalKind,
    slots,
    email: slots[0] as Slot,
    missing: slots.filter((s) => s.field.mandatory && s.index < 0),
    used: new Set(slots.filter((s) => s.index >= 0).map((s) => s.index)),
    dates: new Set(slots.filter((s) => s.field.date && s.index >= 0).map((s) => s.index)),
  };
}

const need = (plan: TypePlan) => `which ${plan.label} rows need`;

function refuseMissing(config: ConnectorConfig, header: readonly string[], delimiter: string, plan: TypePlan) {
  const slot = plan.missing[0] as Slot;
  return missingColumn(config, header, slot.column, slot.field.role, delimiter, need(plan));
}

/** The start of the UTC day of an ISO 8601 UTC time, as signals store times. */
export function utcDayStart(isoUtc: string): string {
  return `${isoUtc.slice(0, 10)}T00:00:00Z`;
}

type Mode = { kind: "single"; type: HrDataType } | { kind: "scenario"; index: number };

/**
 * An HR file's plan. `map` takes the row's line number when the caller knows it (for the
 * warnings that name lines); without it, lines are counted from a header on line 1.
 */
export interface HrCsvPlan extends CsvPlan {
  map(fields: readonly string[], line?: number): RowOutcome;
}

/** Matches an HR upload's header to the connector; throws AppError 400 when the file cannot be read. */
export function planHrCsv(
  config: ConnectorConfig,
  rawHeader: readonly string[],
  delimiter: string,
  context: PlanContext,
): HrCsvPlan {
  const header = rawHeader.map((h) => h.trim());
  const types = connectorDataTypes(config);
  const reader = new ColumnMapReader(config.columnMap);
  const plans = new Map(types.map((t) => [t, planType(t, header, reader)]));
  const warnings: string[] = [];

  const configured = config.scenarioColumn?.trim() || null;
  const scenarioName = configured ?? DEFAULT_SCENARIO_COLUMN;
  let scenarioIndex = configured ? headerIndex(header, configured) : -1;
  // A one-type connector reads the documented scenario column when the file has one (and it is
  // not one of its fields), to reject the rows of other data types rather than misread them.
  if (!configured && types.length === 1) {
    const index = headerIndex(header, DEFAULT_SCENARIO_COLUMN);
    if (index >= 0 && !(plans.get(types[0] as HrDataType) as TypePlan).used.has(index)) scenarioIndex = index;
  }

  let mode: Mode;
  if (scenarioIndex >= 0) {
    mode = { kind: "scenario", index: scenarioIndex };
  } else if (types.length === 1) {
    mode = { kind: "single", type: types[0] as HrDataType };
  } else {
    const type = typeFromHeader(header, [...plans.values()], scenarioName);
    mode = { kind: "single", type };
    warnings.push(
      `The file has no column '${scenarioName}', and its columns are those of ${withArticle(HR_TYPES[type].label)}: every row was read as ${withArticle(HR_TYPES[type].label)}.`,
    );
  }

  if (mode.kind === "single") {
    const plan = plans.get(mode.type) as TypePlan;
    if (plan.missing.length > 0) throw refuseMissing(config, header, delimiter, plan);
  } else {
    for (const plan of plans.values()) {
      const specific = plan.slots.filter((s) => s.field.mandatory && s.field.name !== "EmailAddress");
      const present = specific.filter((s) => s.index >= 0);
      if (present.length > 0 && plan.missing.length > 0) throw refuseMissing(config, header, delimiter, plan);
    }
    if (![...plans.values()].some((p) => p.missing.length === 0)) {
      const closest = [...plans.values()].sort((a, b) => a.missing.length - b.missing.length)[0] as TypePlan;
      throw refuseMissing(config, header, delimiter, closest);
    }
  }

  const used = new Set<number>();
  if (mode.kind === "scenario") used.add(mode.index);
  for (const plan of plans.values()) {
    if (mode.kind === "single" && plan.type !== mode.type) continue;
    for (const index of plan.used) used.add(index);
    // An optional column the admin named but the file lacks: said once, the rows are kept without it.
    for (const slot of plan.slots) {
      if (slot.index >= 0 || slot.field.mandatory || !slot.explicit) continue;
      warnings.push(
        `The file has no column '${slot.column}' (${slot.field.role} of ${plan.label} rows, columnMap '${slot.key}'); ${plan.label} rows were stored without it.`,
      );
    }
  }
  const ignored = header.filter((h, i) => h && !used.has(i));
  if (ignored.length > 0) {
    const who =
      mode.kind === "single" ? `${HR_TYPES[mode.type].label} rows do not use` : "no data type of this connector reads";
    warnings.push(`The file has column(s) that ${who} (${listNames(ignored)}); they were ignored.`);
  }

  return new HrRowReader(config, header, delimiter, context, plans, mode, warnings).plan();
}

/** The one data type a file without a scenario column can be read as; AppError 400 otherwise. */
function typeFromHeader(header: readonly string[], plans: TypePlan[], scenarioName: string): HrDataType {
  const complete = plans.filter((p) => p.missing.length === 0);
  if (complete.length === 0) {
    const guess = closestName(scenarioName, header);
    throw new AppError(
      "missing_column",
      400,
      `Line 1: the file has no column '${scenarioName}' (the data type of each row), and its columns are not those of any one data type of this connector either; the whole file was refused.${guess ? ` Did you mean '${guess}'?` : ""} Add the column '${scenarioName}' with each row's data type. The header has: ${header.join(", ")}.`,
      { line: 1, column: scenarioName },
    );
  }
  const most = Math.max(...complete.map((p) => p.used.size));
  const best = complete.filter((p) => p.used.size === most);
  if (best.length === 1) return (best[0] as TypePlan).type;
  throw new AppError(
    "missing_column",
    400,
    `Line 1: the file has no column '${scenarioName}' (the data type of each row), and its columns fit several data types of this connector (${best.map((p) => p.label).join(", ")}); the whole file was refused. Add the column '${scenarioName}' with each row's data type.`,
    { line: 1, column: scenarioName },
  );
}

/** Maps the rows of one file, gathering what its warnings need. */
class HrRowReader {
  /** Data rows seen: stands for the line number when the caller does not give it. */
  #row = 0;
  readonly #values = new Map<string, HrDataType>();
  readonly #foreign = new Map<string, HrDataType>();
  readonly #mapped: string[];
  /** Every date column the file has (of any HR data type): where a misplaced date may be. */
  readonly #dateColumns: number[];
  readonly #fallbacks = new Map<string, LineList>();
  readonly #unknownValueNames = new Set<string>();
  readonly #incomplete = new Map<HrDataType, LineList>();
  readonly #notImported = new Map<string, LineList>();
  readonly #unknownValues = new LineList();
  readonly #profileDay: string;

  constructor(
    config: ConnectorConfig,
    private readonly header: string[],
    private readonly delimiter: string,
    context: PlanContext,
    private readonly plans: Map<HrDataType, TypePlan>,
    private readonly mode: Mode,
    private readonly warnings: string[],
  ) {
    this.#profileDay = utcDayStart(context.now);
    const types = [...plans.keys()];
    const values = scenarioValuesOf(config.scenarioValues, types);
    for (const type of types) this.#values.set(folded(values[type]), type);
    for (const type of HR_DATA_TYPES) {
      const value = folded(HR_TYPES[type].scenarioValue);
      if (!plans.has(type) && !this.#values.has(value)) this.#foreign.set(value, type);
    }
    this.#mapped = types.map((t) => values[t]);
    const reader = new ColumnMapReader(config.columnMap);
    const dates = new Set<number>();
    for (const type of HR_DATA_TYPES) {
      const plan = plans.get(type) ?? planType(type, header, reader);
      for (const slot of plan.slots) if (slot.field.date && slot.index >= 0) dates.add(slot.index);
    }
    this.#dateColumns = [...dates].sort((a, b) => a - b);
  }

  plan(): HrCsvPlan {
    return {
      header: this.header,
      delimiter: this.delimiter,
      warnings: this.warnings,
      // The line number is the caller's when it gives one; otherwise counted from the header.
      map: (fields: readonly string[], line?: number) => this.#map(fields, line ?? ++this.#row + 1),
      finish: () => this.#finish(),
    };
  }

  #reject(column: string | null, reason: string, fix: FieldCountFix): RowOutcome {
    return { ok: false, column, reason, fix };
  }

  #map(raw: readonly string[], line: number): RowOutcome {
    const { fields, fix } = fitToHeader(raw, this.header.length, this.delimiter);
    const tooLong = tooLongField(this.header, fields, fix);
    if (tooLong) return tooLong;
    let type: HrDataType;
    if (this.mode.kind === "single") {
      type = this.mode.type;
    } else {
      const found = this.#typeOf(fields, line, fix);
      if (typeof found !== "string") return found;
      type = found;
    }
    const plan = this.plans.get(type) as TypePlan;
    if (plan.missing.length > 0) {
      const slot = plan.missing[0] as Slot;
      this.#tally(this.#incomplete, type, line);
      return this.#reject(
        slot.column,
        `the file has no column '${slot.column}' (${slot.field.role}), ${need(plan)}; add the column to the file, or name it with the connector's columnMap ("${slot.key}": "<column>").`,
        fix,
      );
    }
    const emailText = (fields[plan.email.index] as string).trim();
    const upn = emailText.toLowerCase();
    if (!upn)
      return this.#reject(plan.email.column, "the value is empty; every row needs the employee's e-mail address.", fix);
    if (!isUserPrincipalName(upn)) {
      return this.#reject(plan.email.column, `'${emailText}' is not a user principal name (name@domain).`, fix);
    }
    const attributes: Record<string, AttributeValue> = {};
    let borrowed: Set<number> | undefined;
    for (const slot of plan.slots) {
      if (slot === plan.email) continue;
      const value = slot.index >= 0 ? (fields[slot.index] as string).trim() : "";
      const { field } = slot;
      if (field.date) {
        let text = value;
        if (!text && this.mode.kind === "scenario" && field.mandatory && slot.index >= 0) {
          borrowed ??= new Set<number>();
          const other = this.#borrowDate(fields, plan.dates, borrowed);
          if (other !== undefined) {
            borrowed.add(other);
            text = (fields[other] as string).trim();
            this.#tally(this.#fallbacks, `${type}\u0000${slot.column}\u0000${this.header[other]}`, line);
          }
        }
        if (!text) {
          if (!field.mandatory) {
            attributes[field.name] = null;
            continue;
          }
          return this.#reject(slot.column, `the value is empty; ${withArticle(plan.label)} needs ${field.role}.`, fix);
        }
        const time = parseTimestamp(text);
        if (!time.ok) return this.#reject(slot.column, time.reason, fix);
        attributes[field.name] = time.iso;
        continue;
      }
      if (!value) {
        if (field.mandatory) {
          return this.#reject(slot.column, `the value is empty; ${withArticle(plan.label)} needs ${field.role}.`, fix);
        }
        attributes[field.name] = null;
        continue;
      }
      if (field.maxLength !== undefined && value.length > field.maxLength) {
        return this.#reject(
          slot.column,
          `the value is ${value.length} characters long; ${field.name} holds at most ${field.maxLength} characters. Shorten it in the HR system's export.`,
          fix,
        );
      }
      attributes[field.name] = value;
    }
    let occurredAt: string;
    if (type === "resignation") occurredAt = attributes.ResignationDate as string;
    else if (type === "employee-profile") {
      occurredAt = this.#profileDay;
      attributes.EmployeeType = this.#employeeType(attributes.EmployeeType as string | null, line);
    } else occurredAt = attributes.EffectiveDate as string;
    return { ok: true, fix, signal: { kind: plan.kind, upn, occurredAt, sourceValue: null, attributes } };
  }

  /** The data type a multi-scenario row names, or its rejection. */
  #typeOf(fields: readonly string[], line: number, fix: FieldCountFix): HrDataType | RowOutcome {
    const index = (this.mode as { index: number }).index;
    const column = this.header[index] as string;
    const value = (fields[index] as string).trim();
    const types = [...this.plans.keys()];
    if (!value) {
      if (types.length === 1) return types[0] as HrDataType;
      return this.#reject(
        column,
        `the value is empty; every row needs its data type, one of: ${this.#mapped.map((v) => `'${v}'`).join(", ")}.`,
        fix,
      );
    }
    const type = this.#values.get(folded(value));
    if (type) return type;
    const foreign = this.#foreign.get(folded(value));
    if (foreign) {
      this.#tally(this.#notImported, HR_TYPES[foreign].scenarioValue, line);
      return this.#reject(
        column,
        `HR scenario '${value}' is not imported by this connector (it imports: ${this.#mapped.join(", ")}). Add the data type ${foreign} to the connector to import these rows.`,
        fix,
      );
    }
    this.#unknownValues.add(line);
    if (this.#unknownValueNames.size < LISTED_LINES) this.#unknownValueNames.add(value);
    const guess = closestName(value, this.#mapped);
    return this.#reject(
      column,
      `'${value}' is not a scenario value of this connector.${guess ? ` Did you mean '${guess}'?` : ""} The values it maps are: ${this.#mapped.map((v) => `'${v}'`).join(", ")} (set others with scenarioValues).`,
      fix,
    );
  }

  /** The one date column, other than the row's own, that holds a valid date; undefined otherwise. */
  #borrowDate(fields: readonly string[], own: Set<number>, borrowed: Set<number>): number | undefined {
    let found: number | undefined;
    for (const index of this.#dateColumns) {
      if (own.has(index) || borrowed.has(index)) continue;
      const text = (fields[index] as string).trim();
      if (!text || !parseTimestamp(text).ok) continue;
      if (found !== undefined) return undefined;
      found = index;
    }
    return found;
  }

  #employeeTypes = new LineList();
  #employeeTypeValues = new Set<string>();

  #employeeType(value: string | null, line: number): string | null {
    if (value === null) return null;
    const known = EMPLOYEE_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
    if (known) return known;
    this.#employeeTypes.add(line);
    if (this.#employeeTypeValues.size < LISTED_LINES) this.#employeeTypeValues.add(value);
    return value;
  }

  #tally<K>(map: Map<K, LineList>, key: K, line: number) {
    let list = map.get(key);
    if (!list) {
      list = new LineList();
      map.set(key, list);
    }
    list.add(line);
  }

  #finish(): string[] {
    const out: string[] = [];
    for (const [key, list] of this.#fallbacks) {
      const [type, column, from] = key.split("\u0000") as [HrDataType, string, string];
      const label = capitalised(HR_TYPES[type].label);
      const subject = list.count === 1 ? `${label} has` : `${label} rows have`;
      out.push(
        `${list.prefix}: ${subject} no ${column}; the date in column ${from} was used — check that the file's columns line up.`,
      );
    }
    for (const [type, list] of this.#incomplete) {
      const plan = this.plans.get(type) as TypePlan;
      out.push(
        `${list.count} ${plan.label} row(s) were rejected (lines ${list.listed}): the file has no column '${(plan.missing[0] as Slot).column}', ${need(plan)}.`,
      );
    }
    for (const [value, list] of this.#notImported) {
      out.push(
        `${list.count} row(s) were '${value}' rows, a data type this connector does not import (lines ${list.listed}); they were rejected.`,
      );
    }
    if (this.#unknownValues.count > 0) {
      out.push(
        `${this.#unknownValues.count} row(s) had a scenario value the connector does not map (lines ${this.#unknownValues.listed}: ${[...this.#unknownValueNames].map((v) => `'${v}'`).join(", ")}); they were rejected.`,
      );
    }
    if (this.#employeeTypes.count > 0) {
      out.push(
        `${this.#employeeTypes.count} employee profile(s) have an EmployeeType other than ${EMPLOYEE_TYPES.join(", ")} (lines ${this.#employeeTypes.listed}: ${[...this.#employeeTypeValues].map((v) => `'${v}'`).join(", ")}); the value was kept as given.`,
      );
    }
    return out;
  }
}
