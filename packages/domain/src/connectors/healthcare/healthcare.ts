// The healthcare (EHR) connector: record access logs exported from an electronic health record
// system as delimited text (.csv, .tsv or .psv), in the generic field set or Epic Clarity's. Each
// row becomes a health.record_access signal with the row's fields under their keys, whether the
// access was restricted (break-the-glass), what it did (view, modify, export, print, other) and the
// patient's normalised name and address for matching against employee profiles.

import { AppError } from "../../errors.ts";
import { parseTimestamp } from "../../time/timestamps.ts";
import {
  type ConnectorConfig,
  type CreateConnectorInput,
  DEFAULT_MAPPING_KEY,
  HEALTHCARE_FIELD_SETS,
  type HealthcareFieldSet,
} from "../config.ts";
import type { ConnectorKind, CsvPlan } from "../kind.ts";
import type { AttributeValue, RowOutcome } from "../rows.ts";
import {
  type ConnectorColumn,
  delimiterName,
  detectDelimiter,
  fitToHeader,
  MAX_FIELD_LENGTH,
  type ParsedSample,
} from "../schema.ts";
import { closestName, columnNotFoundMessage, listNames } from "../suggest.ts";
import { classifyAccessAction } from "./actions.ts";
import { HEALTHCARE_FIELD_KEYS, type HealthcareField, type HealthcareFieldKey, healthcareFields } from "./fields.ts";
import { matchKeys, matchKeyText } from "./matching.ts";
import { normaliseUpnDomain, resolveAccessUser } from "./users.ts";

/** The signal kind of one record access. */
export const HEALTH_RECORD_ACCESS = "health.record_access";
/** Derived after each upload: an access to a family member's, neighbour's or co-worker's record. */
export const HEALTH_RELATED_PATIENT_ACCESS = "health.related_patient_access";
/** Derived after each upload: one per user and day with accesses, their counts (the volume baseline). */
export const HEALTH_DAILY_ACCESS = "health.daily_access";
/** Derived after each upload: one per user and day whose number of records accessed is unusual. */
export const HEALTH_UNUSUAL_VOLUME = "health.unusual_volume";

/** Delimiters healthcare files use: comma (.csv), tab (.tsv) and pipe (.psv). */
export const HEALTHCARE_DELIMITERS = [",", "\t", "|"] as const;

/** The configuration of a healthcare connector: every connector's, plus the domain for account names. */
export interface HealthcareConnectorConfig extends ConnectorConfig {
  fieldSet: HealthcareFieldSet;
  /** Only the fields mapped to another column than the field set's name, by field key. */
  columnMap: Partial<Record<HealthcareFieldKey, string>>;
  /** The domain that turns a SamAccountName into a UPN (jdoe → jdoe@<upnDomain>). */
  upnDomain?: string;
}

/** The attribute keys a healthcare access signal adds to the fields. */
export const HEALTH_DERIVED_ATTRIBUTES = ["restricted", "action", "patientMatch"] as const;

const bad = (column: string, message: string) => new AppError("invalid_connector", 400, message, { column });

const sameName = (a: string, b: string) => a === b || a.toLowerCase() === b.toLowerCase();

/** The index of a column in a header: the exact name, else the same name in another case (spaces count). */
function columnIndex(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === lower);
}

/** The other field set, when a header has most of its mandatory columns (a connector set to the wrong one). */
function otherFieldSetHint(header: readonly string[], fieldSet: HealthcareFieldSet): string {
  const other = HEALTHCARE_FIELD_SETS.find((s) => s !== fieldSet) as HealthcareFieldSet;
  const mandatory = healthcareFields(other).filter((f) => f.mandatory);
  const present = mandatory.filter((f) => columnIndex(header, f.name) >= 0).length;
  return present * 2 > mandatory.length
    ? ` The columns look like the ${other} field set: set the connector's fieldSet to '${other}'.`
    : "";
}

/**
 * A columnMap request resolved to field keys. A key may be the field key ("PatientZipCode") or the
 * field set's name for it ("Patient Zip Code"), in any case; when two entries name one field, the
 * later wins (an edit's entries come after the stored ones). An empty column, or the field set's
 * own name, means the default and is not kept.
 */
function resolveColumnMap(
  fieldSet: HealthcareFieldSet,
  columnMap: Record<string, string> | undefined,
): Partial<Record<HealthcareFieldKey, string>> {
  const fields = healthcareFields(fieldSet);
  const out: Partial<Record<HealthcareFieldKey, string>> = {};
  for (const [given, rawColumn] of Object.entries(columnMap ?? {})) {
    const f = fields.find((x) => sameName(x.key, given) || sameName(x.name, given));
    if (!f) {
      const otherSet = HEALTHCARE_FIELD_KEYS.includes(given as HealthcareFieldKey)
        ? ` The ${fieldSet} field set has no ${given} field.`
        : "";
      const loose = given.toLowerCase().replace(/[^a-z0-9]/g, "");
      // "PatientZip" means PatientZipCode: a field the name starts with comes before the closest spelling.
      const prefixed = fields.find((x) => loose.length >= 4 && x.key.toLowerCase().startsWith(loose));
      const guess =
        prefixed?.key ??
        closestName(
          given,
          fields.flatMap((x) => [x.key, x.name]),
        );
      throw bad(
        `columnMap.${given}`,
        `columnMap: '${given}' is not a field of the ${fieldSet} field set.${otherSet}${guess ? ` Did you mean '${guess}'?` : ""} Use a field key (${fields.map((x) => x.key).join(", ")}) or the field's name.`,
      );
    }
    const column = rawColumn.trim();
    if (column === "" || column === f.name) delete out[f.key];
    else out[f.key] = column;
  }
  return out;
}

function checkSampleHeader(header: readonly string[]): void {
  if (header.length === 0 || header.every((h) => h === "")) {
    throw bad("sample", "sample: the sample file is empty; it needs a header line and at least one row.");
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name === "") throw bad("sample", "sample: the header line has an empty column name.");
    const key = name.toLowerCase();
    if (seen.has(key)) {
      throw bad("sample", `sample: the header names column '${name}' twice; column names must differ.`);
    }
    seen.add(key);
  }
}

const columnTypeOf = (key: HealthcareFieldKey): ConnectorColumn["type"] =>
  key === "CreationTime" ? "DateTime" : "Text";

/** Validates a healthcare connector request (against its sample file when one is given). */
export function buildHealthcareConfig(
  input: CreateConnectorInput,
  sample: ParsedSample | undefined,
): HealthcareConnectorConfig {
  const fieldSet: HealthcareFieldSet = input.fieldSet ?? "generic";
  const fields = healthcareFields(fieldSet);
  if (input.sourceColumn) {
    throw bad("sourceColumn", "sourceColumn: a healthcare connector has a single source; leave sourceColumn out.");
  }
  for (const [option, key] of [
    ["userColumn", "EmailAddress"],
    ["timeColumn", "CreationTime"],
  ] as const) {
    const given = input[option];
    if (given !== undefined && given !== key) {
      throw bad(
        option,
        `${option}: a healthcare connector reads its columns through the field set; map the column with columnMap instead, e.g. {"${key}": "${given}"}.`,
      );
    }
  }
  const columnMap = resolveColumnMap(fieldSet, input.columnMap);
  const rawDomain = (input as { upnDomain?: string | null }).upnDomain;
  let upnDomain: string | undefined;
  if (rawDomain !== undefined && rawDomain !== null && rawDomain.trim() !== "") {
    upnDomain = normaliseUpnDomain(rawDomain);
    if (!upnDomain) {
      throw bad(
        "upnDomain",
        `upnDomain: '${rawDomain}' is not a domain name; give the domain of the users' UPNs, e.g. contoso.com.`,
      );
    }
  }

  let columns: ConnectorColumn[];
  if (sample) {
    checkSampleHeader(sample.header);
    const header = sample.header;
    columns = [];
    const missing: HealthcareField[] = [];
    for (const f of fields) {
      const wanted = columnMap[f.key] ?? f.name;
      const index = columnIndex(header, wanted);
      if (index < 0) {
        if (columnMap[f.key] !== undefined) {
          throw bad(`columnMap.${f.key}`, `columnMap.${f.key}: ${columnNotFoundMessage(wanted, header)}`);
        }
        if (f.mandatory) missing.push(f);
        continue;
      }
      // Stored under the sample's spelling; uploads match it in any case.
      columns.push({ name: header[index] as string, type: columnTypeOf(f.key) });
    }
    if (missing.length > 0) {
      const first = missing[0] as HealthcareField;
      // Did-you-mean among the columns no other field took.
      const taken = new Set(columns.map((c) => c.name));
      const free = header.filter((h) => !taken.has(h));
      const listed = missing.map((f) => {
        const guess = closestName(f.name, free);
        return `'${f.name}' (${f.key}${guess ? `; did you mean '${guess}'?` : ""})`;
      });
      const example = closestName(first.name, free) ?? "<the file's column>";
      throw bad(
        `columnMap.${first.key}`,
        `sample: the sample file has no column for ${missing.length === 1 ? "the mandatory field" : "the mandatory fields"} ${listed.join(", ")} of the ${fieldSet} field set.${otherFieldSetHint(header, fieldSet)} Name the file's column with columnMap, e.g. {"${first.key}": "${example}"}. The file has: ${listNames(header)}.`,
      );
    }
  } else {
    columns = fields.map((f) => ({ name: columnMap[f.key] ?? f.name, type: columnTypeOf(f.key) }));
  }
  const sampleDelimiter = HEALTHCARE_DELIMITERS.find((d) => d === sample?.delimiter);
  const config: HealthcareConnectorConfig = {
    columns,
    userColumn: "EmailAddress",
    timeColumn: "CreationTime",
    sourceColumn: null,
    sourceValues: [],
    mapping: { [DEFAULT_MAPPING_KEY]: columns.map((c) => c.name) },
    strictDuplicates: input.strictDuplicates ?? false,
    delimiter: input.delimiter ?? sampleDelimiter ?? ",",
    fieldSet,
    columnMap,
  };
  if (upnDomain) config.upnDomain = upnDomain;
  return config;
}

/** A mapped field of an upload: where its column is in the header. */
interface PlannedField {
  field: HealthcareField;
  index: number;
}

/** Matches an upload's header to the connector's field set; throws AppError 400 naming the missing columns. */
export function planHealthcareCsv(config: ConnectorConfig, rawHeader: readonly string[], delimiter: string): CsvPlan {
  const hc = config as Partial<HealthcareConnectorConfig>;
  const fieldSet: HealthcareFieldSet = hc.fieldSet ?? "generic";
  const columnMap = hc.columnMap ?? {};
  const upnDomain = hc.upnDomain;
  const header = rawHeader.map((h) => h.trim());
  const planned: PlannedField[] = [];
  const missing: { field: HealthcareField; column: string }[] = [];
  const warnings: string[] = [];
  const absentMapped: string[] = [];
  for (const f of healthcareFields(fieldSet)) {
    const column = columnMap[f.key] ?? f.name;
    const index = columnIndex(header, column);
    if (index >= 0) planned.push({ field: f, index });
    else if (f.mandatory) missing.push({ field: f, column });
    else if (columnMap[f.key] !== undefined) absentMapped.push(`'${column}' (${f.key})`);
  }
  if (missing.length > 0) {
    const line = header.join(delimiter);
    const detected = detectDelimiter(line);
    if (detected && detected !== delimiter && !(HEALTHCARE_DELIMITERS as readonly string[]).includes(detected)) {
      throw new AppError(
        "wrong_delimiter",
        400,
        `Line 1: the header has no column '${(missing[0] as { column: string }).column}'. The file looks separated by ${delimiterName(detected)}, but a healthcare connector reads comma-, tab- or pipe-separated files (.csv, .tsv, .psv); the whole file was refused. Save the file with one of those delimiters and upload it again.`,
        { line: 1, column: (missing[0] as { column: string }).column },
      );
    }
    // Did-you-mean among the columns no other field took.
    const taken = new Set(planned.map((p) => p.index));
    const free = header.filter((_, i) => !taken.has(i));
    const listed = missing.map(({ field: f, column }) => {
      const guess = closestName(column, free);
      return `'${column}' (${f.key}${guess ? `; did you mean '${guess}'?` : ""})`;
    });
    throw new AppError(
      "missing_column",
      400,
      `Line 1: the file has no column ${listed.join(", ")}, mandatory in the ${fieldSet} field set; the whole file was refused.${otherFieldSetHint(header, fieldSet)} Add the column, or map the file's column to the field with the connector's columnMap. The header has: ${listNames(header)}.`,
      { line: 1, column: (missing[0] as { column: string }).column },
    );
  }
  if (absentMapped.length > 0) {
    warnings.push(
      `The file has no column ${absentMapped.join(", ")} that the connector's columnMap names; ${absentMapped.length === 1 ? "that field was" : "those fields were"} left out of the stored signals.`,
    );
  }
  const used = new Set(planned.map((p) => p.index));
  const ignored = header.filter((h, i) => h !== "" && !used.has(i));
  if (ignored.length > 0) {
    warnings.push(
      `The file's column${ignored.length === 1 ? "" : "s"} ${listNames(
        ignored.map((h) => `'${h}'`),
        10,
      )} ${ignored.length === 1 ? "is not a field" : "are not fields"} of the ${fieldSet} field set and ${ignored.length === 1 ? "was" : "were"} ignored. Map a column to a field with the connector's columnMap.`,
    );
  }

  const at = (key: HealthcareFieldKey) => planned.find((p) => p.field.key === key);
  const time = at("CreationTime") as PlannedField;
  const event = at("EventName") as PlannedField;
  const user = at("EmailAddress") as PlannedField;
  const indexOf = (key: HealthcareFieldKey) => at(key)?.index ?? -1;
  const idx = {
    category: indexOf("EventCategory"),
    section: indexOf("EventSection"),
    reason: indexOf("RestrictedAccessReason"),
    first: indexOf("PatientFirstName"),
    last: indexOf("PatientLastName"),
    line1: indexOf("PatientAddressLine1"),
    zip: indexOf("PatientZipCode"),
  };
  let unmatchable = 0;

  const map = (rawFields: readonly string[]): RowOutcome => {
    const { fields, fix } = fitToHeader(rawFields, header.length, delimiter);
    const reject = (column: string, reason: string): RowOutcome => ({ ok: false, column, reason, fix });
    for (let i = 0; i < fields.length; i++) {
      const length = (fields[i] as string).length;
      if (length > MAX_FIELD_LENGTH) {
        return reject(
          header[i] as string,
          `the value is ${length.toLocaleString("en-US")} characters long; the limit is ${MAX_FIELD_LENGTH.toLocaleString("en-US")} (1 MiB).`,
        );
      }
    }
    const value = (i: number) => (i < 0 ? "" : (fields[i] as string).trim());
    const timeText = value(time.index);
    if (!timeText) return reject(header[time.index] as string, "the value is empty; every access needs its time.");
    const occurred = parseTimestamp(timeText);
    if (!occurred.ok) return reject(header[time.index] as string, occurred.reason);
    const eventName = value(event.index);
    if (!eventName) {
      return reject(
        header[event.index] as string,
        "the value is empty; every access needs an event name (what the user did).",
      );
    }
    const resolved = resolveAccessUser(fields[user.index] as string, upnDomain);
    if (!resolved.ok) return reject(header[user.index] as string, resolved.reason);

    const attributes: Record<string, AttributeValue> = {};
    for (const p of planned) {
      // An empty value is left out: the signal holds what the row says.
      const v = value(p.index);
      if (v !== "") attributes[p.field.key] = v;
    }
    attributes.CreationTime = occurred.iso;
    const reason = value(idx.reason);
    attributes.restricted = reason !== "";
    attributes.action = classifyAccessAction({
      eventName,
      eventCategory: value(idx.category),
      eventSection: value(idx.section),
    });
    const keys = matchKeys({
      firstName: value(idx.first),
      lastName: value(idx.last),
      addressLine1: value(idx.line1),
      zipCode: value(idx.zip),
    });
    const match = matchKeyText(keys);
    if (match !== null) attributes.patientMatch = match;
    if (keys.lastName === "" || keys.street === "" || keys.zip === "") unmatchable++;
    return {
      ok: true,
      fix,
      signal: {
        kind: HEALTH_RECORD_ACCESS,
        upn: resolved.upn,
        occurredAt: occurred.iso,
        sourceValue: null,
        attributes,
      },
    };
  };

  const finish = (): string[] =>
    unmatchable === 0
      ? []
      : [
          `${unmatchable.toLocaleString("en-US")} access(es) have no patient last name, address line 1 or zip code; they were stored, but cannot be matched against employee profiles (family, neighbour and co-worker records).`,
        ];

  return { header, delimiter, warnings, map, finish };
}

export const healthcareKind: ConnectorKind = {
  type: "healthcare",
  formats: ["csv"],
  delimiters: HEALTHCARE_DELIMITERS,
  buildConfig: buildHealthcareConfig,
  planCsv: (config, header, delimiter) => planHealthcareCsv(config, header, delimiter),
};
