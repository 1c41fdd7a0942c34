// Mapping activity records (CSV rows or JSON records) to signals with a compiled mapping document:
// the operation picks the cases of the value map, the first case whose conditions hold gives the
// activity type, then the user, the time, the event ID and the type's attributes are read and
// checked. Records of operations the mapping does not import are skipped and counted; a record
// without a valid user or time, or with a bad attribute value, is rejected naming the field.

import {
  type ActivityAttribute,
  activityAttribute,
  activitySignalKind,
  SOURCE_OPERATION_ATTRIBUTE,
} from "../../activity/catalog.ts";
import { AppError } from "../../errors.ts";
import { parseTimestamp } from "../../time/timestamps.ts";
import type { CsvPlan, JsonPlan, JsonRecord } from "../kind.ts";
import type { AttributeValue, MappedSignal, RowOutcome } from "../rows.ts";
import {
  delimiterName,
  detectDelimiter,
  type FieldCountFix,
  fitToHeader,
  isUserPrincipalName,
  MAX_FIELD_LENGTH,
  parseBoolean,
  parseNumber,
} from "../schema.ts";
import { closestName, listNames } from "../suggest.ts";
import { type Condition, type MappingCase, type MappingModel, mappingPaths, type ValueSpec } from "./mapping.ts";
import { JsonTextCache, type ParsedPath, PathJsonError, parsePath, rootName, walk } from "./paths.ts";
import { applyTransforms } from "./transforms.ts";

/** Distinct skipped operations counted by name; more are counted together. */
const MAX_TALLIED_OPERATIONS = 1000;
/** Operations a skip warning names before "and N more". */
const LISTED_OPERATIONS = 10;

/** Reads one path of the current record; undefined when it is not there. */
type Getter = (path: ParsedPath) => unknown;

interface BoundAttribute {
  name: string;
  attribute: ActivityAttribute;
  spec: ValueSpec;
}

interface BoundCase {
  source: MappingCase;
  kind: string | null;
  attributes: BoundAttribute[];
  user: ValueSpec;
}

type Read = { ok: true; value: unknown; path: string | null } | { ok: false; column: string; reason: string };

class RejectRecord extends Error {
  constructor(
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === "string" && value.trim() === "") ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** Reads a value spec: the first path with a value (or the constant), the default, then the transforms. */
function read(spec: ValueSpec, get: Getter): Read {
  let value: unknown;
  let path: string | null = null;
  if (spec.constant !== undefined) value = spec.constant;
  else {
    for (const p of spec.paths) {
      let v: unknown;
      try {
        v = get(p);
      } catch (err) {
        if (err instanceof PathJsonError) return { ok: false, column: rootName(p) ?? p.text, reason: err.reason };
        throw err;
      }
      path ??= p.text;
      if (!isEmpty(v)) {
        value = v;
        path = p.text;
        break;
      }
    }
  }
  if (isEmpty(value) && spec.fallback !== undefined) value = spec.fallback;
  if (spec.transforms.length > 0) {
    const t = applyTransforms(spec.transforms, value);
    if (!t.ok) return { ok: false, column: path ?? "", reason: t.reason };
    value = t.value;
  }
  return { ok: true, value, path };
}

function conditionHolds(condition: Condition, get: Getter): boolean {
  let value: unknown;
  try {
    value = get(condition.path);
  } catch (err) {
    if (err instanceof PathJsonError)
      throw new RejectRecord(rootName(condition.path) ?? condition.path.text, err.reason);
    throw err;
  }
  if (condition.transforms.length > 0) {
    const t = applyTransforms(condition.transforms, value);
    value = t.ok ? t.value : undefined;
  }
  if (condition.op === "exists") return !isEmpty(value) === condition.expected;
  const items = (Array.isArray(value) ? value : [value])
    .map(scalarText)
    .filter((t): t is string => t !== undefined)
    .map((t) => t.trim().toLowerCase());
  const operands = condition.operands;
  switch (condition.op) {
    case "equals":
    case "in":
      return items.some((t) => operands.includes(t));
    case "notEquals":
    case "notIn":
      // Holds when the value is absent, or when some item is none of the values.
      return items.length === 0 || items.some((t) => !operands.includes(t));
    case "contains":
      return items.some((t) => operands.some((o) => t.includes(o)));
    case "startsWith":
      return items.some((t) => operands.some((o) => t.startsWith(o)));
    case "endsWith":
      return items.some((t) => operands.some((o) => t.endsWith(o)));
  }
}

/** An attribute value in its kind (text, number, Boolean, list), or the reason it is bad. */
function convert(
  attribute: ActivityAttribute,
  value: unknown,
): { ok: true; value: AttributeValue | string[] } | { ok: false; reason: string } {
  if (isEmpty(value)) return { ok: true, value: null };
  const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  switch (attribute.kind) {
    case "text": {
      if (Array.isArray(value)) {
        if (value.some((v) => v !== null && typeof v === "object")) {
          return {
            ok: false,
            reason: "the value is a list of objects, not text; point the path at a field inside them.",
          };
        }
        const joined = value
          .map(scalarText)
          .filter((t) => t !== undefined && t.trim() !== "")
          .join("; ");
        return { ok: true, value: joined === "" ? null : joined };
      }
      if (isObject(value))
        return { ok: false, reason: "the value is an object, not text; point the path at a field inside it." };
      return { ok: true, value: (scalarText(value) as string).trim() };
    }
    case "number": {
      if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
      const text = scalarText(Array.isArray(value) && value.length === 1 ? value[0] : value);
      const n = typeof value === "boolean" || text === undefined ? undefined : parseNumber(text);
      return n === undefined ? { ok: false, reason: `'${describe(value)}' is not a number.` } : { ok: true, value: n };
    }
    case "boolean": {
      if (typeof value === "boolean") return { ok: true, value };
      if (value === 0 || value === 1) return { ok: true, value: value === 1 };
      const text = scalarText(value);
      const b = text === undefined ? undefined : parseBoolean(text);
      return b === undefined
        ? { ok: false, reason: `'${describe(value)}' is not true or false.` }
        : { ok: true, value: b };
    }
    case "list": {
      const items = Array.isArray(value) ? value : [value];
      const out: string[] = [];
      for (const item of items) {
        if (item === null || item === undefined) continue;
        if (typeof item === "object") {
          return {
            ok: false,
            reason: "the list holds objects, not texts; point the path at a field inside them (e.g. To[*].Address).",
          };
        }
        const t = (scalarText(item) as string).trim();
        if (t !== "") out.push(t);
      }
      return { ok: true, value: out.length === 0 ? null : out };
    }
  }
}

/** Counts of records skipped, per operation, for the warning finish() gives. */
class SkipTally {
  readonly unmapped = new Map<string, number>();
  readonly unmatched = new Map<string, number>();
  total = 0;

  add(map: Map<string, number>, operation: string): void {
    this.total++;
    const key = map.has(operation) || map.size < MAX_TALLIED_OPERATIONS ? operation : "(other operations)";
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  warning(noun: string): string[] {
    if (this.total === 0) return [];
    const list = (map: Map<string, number>) => {
      const sorted = [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const shown = sorted.slice(0, LISTED_OPERATIONS).map(([op, n]) => `${op} ×${n.toLocaleString("en-US")}`);
      const rest = sorted.length - shown.length;
      return `${shown.join(", ")}${rest > 0 ? `, and ${rest} more` : ""}`;
    };
    const parts: string[] = [];
    if (this.unmapped.size > 0) parts.push(`operations this mapping does not import (${list(this.unmapped)})`);
    if (this.unmatched.size > 0) {
      parts.push(`records of imported operations that matched none of their conditions (${list(this.unmatched)})`);
    }
    const n = this.total.toLocaleString("en-US");
    return [`${n} ${this.total === 1 ? `${noun} was` : `${noun}s were`} skipped: ${parts.join("; ")}.`];
  }
}

/** The mapping with its cases bound to the catalog; shared by the CSV and JSON plans. */
class ActivityMapper {
  readonly skips = new SkipTally();
  #cases = new Map<string, BoundCase[]>();
  #lower: Map<string, string>;

  constructor(private readonly model: MappingModel) {
    this.#lower = model.lowerOperations;
    for (const [operation, list] of model.cases) {
      this.#cases.set(
        operation,
        list.map((c) => {
          const attributes: BoundAttribute[] = [];
          if (c.type) {
            for (const name of c.type.attributes) {
              const spec = c.attributes[name] ?? model.attributes[name];
              if (spec) attributes.push({ name, attribute: activityAttribute(name) as ActivityAttribute, spec });
            }
          }
          return {
            source: c,
            kind: c.type ? activitySignalKind(c.type.id) : null,
            attributes,
            user: c.user ?? model.user,
          };
        }),
      );
    }
  }

  map(get: Getter, fix: FieldCountFix): RowOutcome {
    const reject = (column: string | null, reason: string): RowOutcome => ({ ok: false, column, reason, fix });
    const { model } = this;
    const op = read(model.operation, get);
    if (!op.ok) return reject(op.column, op.reason);
    const operationText = scalarText(op.value)?.trim() ?? "";
    if (operationText === "") {
      const where = model.operation.paths[0]?.text ?? "activity.path";
      return reject(where, "the value is empty; every record needs an operation (the mapping's activity.path).");
    }
    const key = this.#cases.has(operationText) ? operationText : this.#lower.get(operationText.toLowerCase());
    const cases = key === undefined ? undefined : this.#cases.get(key);
    if (!cases) {
      this.skips.add(this.skips.unmapped, operationText);
      return { ok: false, skip: true, column: null, reason: `operation '${operationText}' is not imported`, fix };
    }
    let chosen: BoundCase | undefined;
    try {
      chosen = cases.find((c) => c.source.conditions.every((cond) => conditionHolds(cond, get)));
    } catch (err) {
      if (err instanceof RejectRecord) return reject(err.column, err.reason);
      throw err;
    }
    if (!chosen || chosen.kind === null) {
      this.skips.add(chosen ? this.skips.unmapped : this.skips.unmatched, operationText);
      return { ok: false, skip: true, column: null, reason: `no case of operation '${operationText}' applies`, fix };
    }

    const user = read(chosen.user, get);
    if (!user.ok) return reject(user.column, user.reason);
    const userColumn = user.path ?? "user";
    const userText = scalarText(user.value);
    if (userText === undefined || userText.trim() === "") {
      return reject(userColumn, "the value is empty; every record needs a user (user principal name).");
    }
    const upn = userText.trim().toLowerCase();
    if (!isUserPrincipalName(upn)) {
      return reject(userColumn, `'${userText.trim()}' is not a user principal name (name@domain).`);
    }
    const time = read(model.time, get);
    if (!time.ok) return reject(time.column, time.reason);
    const timeColumn = time.path ?? "time";
    const timeText = scalarText(time.value);
    if (timeText === undefined || timeText.trim() === "") {
      return reject(timeColumn, "the value is empty; every record needs an event time.");
    }
    const when = parseTimestamp(timeText);
    if (!when.ok) return reject(timeColumn, when.reason);

    const attributes: Record<string, AttributeValue> = {};
    for (const bound of chosen.attributes) {
      const r = read(bound.spec, get);
      if (!r.ok) return reject(r.column || bound.name, `${bound.name}: ${r.reason}`);
      const converted = convert(bound.attribute, r.value);
      if (!converted.ok) return reject(r.path ?? bound.name, `${bound.name}: ${converted.reason}`);
      if (converted.value !== null) attributes[bound.name] = converted.value;
    }
    attributes[SOURCE_OPERATION_ATTRIBUTE] = operationText;

    const signal: MappedSignal = {
      kind: chosen.kind,
      upn,
      occurredAt: when.iso,
      sourceValue: null,
      attributes,
    };
    const dedupeId = this.#eventId(get);
    if (dedupeId !== undefined) signal.dedupeId = dedupeId;
    return { ok: true, signal, fix };
  }

  #eventId(get: Getter): string | undefined {
    const { eventId } = this.model;
    if (!eventId) return undefined;
    try {
      if ("combine" in eventId) {
        const parts = eventId.combine.map((p) => scalarText(get(p))?.trim() ?? "");
        return parts.every((p) => p === "") ? undefined : parts.join("|");
      }
      const r = read(eventId.value, get);
      const text = r.ok ? scalarText(r.value)?.trim() : undefined;
      return text ? text : undefined;
    } catch (err) {
      if (err instanceof PathJsonError) return undefined;
      throw err;
    }
  }
}

// ---- JSON -------------------------------------------------------------------------------------

export function planActivityJson(model: MappingModel): JsonPlan {
  const mapper = new ActivityMapper(model);
  const json = new JsonTextCache();
  let record: unknown;
  const get: Getter = (path) => walk(record, path.steps, 0, json);
  return {
    warnings: [],
    map({ value }: JsonRecord): RowOutcome {
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        return {
          ok: false,
          column: null,
          reason: `the record is ${Array.isArray(value) ? "an array" : typeof value === "object" ? "null" : `a ${typeof value}`}, not a JSON object.`,
          fix: "none",
        };
      }
      record = value;
      json.clear();
      return mapper.map(get, "none");
    },
    finish: () => mapper.skips.warning("record"),
  };
}

// ---- CSV --------------------------------------------------------------------------------------

interface ColumnBinding {
  index: number;
  /** Steps after the column (into the JSON it holds); empty for the column's own text. */
  rest: ParsedPath["steps"];
}

function headerIndex(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === lower);
}

/**
 * The column a path starts with: the longest header name that is the path, or that the path
 * continues with '.' or '[' (column names may hold dots); undefined when none.
 */
export function bindColumn(header: readonly string[], path: ParsedPath): ColumnBinding | undefined {
  const text = path.text;
  const lowerText = text.toLowerCase();
  let best = -1;
  let bestLength = -1;
  header.forEach((name, index) => {
    if (name === "") return;
    const lower = name.toLowerCase();
    const matches =
      lowerText === lower || (lowerText.startsWith(lower) && (text[name.length] === "." || text[name.length] === "["));
    // Prefer the exact-case name when two differ only in case.
    if (matches && (name.length > bestLength || (name.length === bestLength && text.startsWith(name)))) {
      best = index;
      bestLength = name.length;
    }
  });
  if (best >= 0) {
    let restText = text.slice(bestLength);
    if (restText.startsWith(".")) restText = restText.slice(1);
    if (restText === "") return { index: best, rest: [] };
    const parsed = parsePath(restText);
    return parsed.ok ? { index: best, rest: parsed.path.steps } : undefined;
  }
  // A quoted first step: ["Column.Name"].rest
  const first = path.steps[0];
  if (first?.kind === "name" && text.startsWith("[")) {
    const index = headerIndex(header, first.name);
    if (index >= 0) return { index, rest: path.steps.slice(1) };
  }
  return undefined;
}

function missingColumn(header: readonly string[], path: ParsedPath, where: string, delimiter: string): AppError {
  const name = rootName(path) ?? path.text;
  const line = header.join(delimiter);
  const detected = detectDelimiter(line);
  if (detected && detected !== delimiter && detected !== "," && detected !== "\t") {
    return new AppError(
      "wrong_delimiter",
      400,
      `Line 1: the header has no column '${name}' (${where} of the mapping). The file looks separated by ${delimiterName(detected)}, but OpenIRM reads comma- or tab-separated files. Save the file as CSV with commas and upload it again.`,
      { line: 1, column: name },
    );
  }
  const guess = closestName(name, header);
  return new AppError(
    "missing_column",
    400,
    `Line 1: the file has no column '${name}' (${where} of the mapping); the whole file was refused.${guess ? ` Did you mean '${guess}'?` : ""} The header has: ${listNames(header)}.`,
    { line: 1, column: name },
  );
}

export function planActivityCsv(model: MappingModel, rawHeader: readonly string[], delimiter: string): CsvPlan {
  const header = rawHeader.map((h) => h.trim());
  const bindings = new Map<ParsedPath, ColumnBinding | null>();
  const missing = new Set<string>();
  for (const { where, alternatives, required } of mappingPaths(model)) {
    let any = false;
    for (const path of alternatives) {
      const binding = bindColumn(header, path) ?? null;
      bindings.set(path, binding);
      if (binding) any = true;
    }
    if (!any) {
      if (required) throw missingColumn(header, alternatives[0] as ParsedPath, where, delimiter);
      missing.add(rootName(alternatives[0] as ParsedPath) ?? (alternatives[0] as ParsedPath).text);
    }
  }
  const warnings: string[] = [];
  if (missing.size > 0) {
    warnings.push(
      `The file has no column ${[...missing].map((m) => `'${m}'`).join(", ")} that the mapping reads; ${missing.size === 1 ? "its values were" : "their values were"} left empty.`,
    );
  }
  const mapper = new ActivityMapper(model);
  const json = new JsonTextCache();
  let fields: string[] = [];
  const get: Getter = (path) => {
    let binding = bindings.get(path);
    if (binding === undefined) {
      binding = bindColumn(header, path) ?? null;
      bindings.set(path, binding);
    }
    if (!binding) return undefined;
    const text = fields[binding.index];
    if (binding.rest.length === 0) return text;
    return walk(text, binding.rest, 0, json);
  };
  return {
    header,
    delimiter,
    warnings,
    map(raw: readonly string[]): RowOutcome {
      const fitted = fitToHeader(raw, header.length, delimiter);
      for (let i = 0; i < fitted.fields.length; i++) {
        const length = (fitted.fields[i] as string).length;
        if (length > MAX_FIELD_LENGTH) {
          return {
            ok: false,
            column: header[i] ?? null,
            reason: `the value is ${length.toLocaleString("en-US")} characters long; the limit is ${MAX_FIELD_LENGTH.toLocaleString("en-US")} (1 MiB).`,
            fix: fitted.fix,
          };
        }
      }
      fields = fitted.fields;
      json.clear();
      return mapper.map(get, fitted.fix);
    },
    finish: () => mapper.skips.warning("row"),
  };
}
