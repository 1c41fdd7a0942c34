// The physical badging connector: badge reader events (who presented a badge at which door, when,
// and whether it opened) sent as JSON records by the badging upload script. The format is fixed:
// UserId, AssetId, AssetName, EventTime, AccessStatus, SourceSystem. Each record becomes a
// physical.access signal; a re-sent event (same user, asset, time and status) is a duplicate.

import { AppError } from "../../errors.ts";
import { assetIdProblem, assetKey } from "../../physical/assets.ts";
import { ACCESS_STATUSES, type AccessStatus, PHYSICAL_ACCESS_SIGNAL } from "../../physical/findings.ts";
import { parseTimestamp, type TimestampResult } from "../../time/timestamps.ts";
import { type ConnectorConfig, type CreateConnectorInput, DEFAULT_MAPPING_KEY } from "../config.ts";
import { canonicalJson } from "../duplicates.ts";
import type { ConnectorKind, JsonPlan, JsonRecord } from "../kind.ts";
import type { AttributeValue, RowOutcome } from "../rows.ts";
import { type ConnectorColumn, isUserPrincipalName, MAX_FIELD_LENGTH, type ParsedSample } from "../schema.ts";
import { closestName, listNames } from "../suggest.ts";

/** The fields of a badging record, as the format names them. */
export const BADGING_FIELDS = ["UserId", "AssetId", "AssetName", "EventTime", "AccessStatus", "SourceSystem"] as const;
export type BadgingField = (typeof BADGING_FIELDS)[number];

export const BADGING_REQUIRED_FIELDS: readonly BadgingField[] = ["UserId", "AssetId", "EventTime", "AccessStatus"];

/** Records one request to the badging endpoint may carry (the reference service's documented limit). */
export const MAX_BADGING_RECORDS_PER_REQUEST = 100_000;

const BADGING_COLUMNS: ConnectorColumn[] = [
  { name: "UserId", type: "Text" },
  { name: "AssetId", type: "Text" },
  { name: "AssetName", type: "Text" },
  { name: "EventTime", type: "DateTime" },
  { name: "AccessStatus", type: "Text" },
  { name: "SourceSystem", type: "Text" },
];

/** Field names as records may spell them (any case) → the format's name. */
const FIELD_BY_KEY = new Map<string, BadgingField>(BADGING_FIELDS.map((f) => [f.toLowerCase(), f]));

/** How many unknown property names a warning lists. */
const LISTED_UNKNOWN = 10;

const bad = (column: string, message: string) => new AppError("invalid_connector", 400, message, { column });

function buildBadgingConfig(input: CreateConnectorInput, sample: ParsedSample | undefined): ConnectorConfig {
  const fixed = BADGING_FIELDS.join(", ");
  if (sample !== undefined || input.sample !== undefined) {
    throw bad(
      "sample",
      `sample: a badging connector takes no sample file; its JSON format is fixed (${fixed}). Leave 'sample' out.`,
    );
  }
  for (const [field, expected] of [
    ["userColumn", "UserId"],
    ["timeColumn", "EventTime"],
  ] as const) {
    const given = input[field];
    if (given !== undefined && given.trim().toLowerCase() !== expected.toLowerCase()) {
      throw bad(
        field,
        `${field}: a badging connector always reads the field '${expected}' (its format is fixed: ${fixed}); leave ${field} out.`,
      );
    }
  }
  if (input.sourceColumn) {
    throw bad("sourceColumn", "sourceColumn: a badging connector has a single source; leave sourceColumn out.");
  }
  return {
    columns: BADGING_COLUMNS.map((c) => ({ ...c })),
    userColumn: "UserId",
    timeColumn: "EventTime",
    sourceColumn: null,
    sourceValues: [],
    mapping: { [DEFAULT_MAPPING_KEY]: ["AssetId", "AssetName", "AccessStatus", "SourceSystem"] },
    strictDuplicates: input.strictDuplicates ?? false,
    delimiter: ",",
  };
}

/** "Success" or "Failed" from a record's AccessStatus (any case; "Failure" is Failed), else undefined. */
export function parseAccessStatus(value: string): AccessStatus | undefined {
  switch (value.trim().toLowerCase()) {
    case "success":
      return "Success";
    case "failed":
    case "failure":
      return "Failed";
    default:
      return undefined;
  }
}

/** Windows PowerShell 5.1 writes a DateTime as "\/Date(1562205469000)\/" (milliseconds since 1970, UTC). */
const DOTNET_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** An EventTime: ISO 8601 (no offset = UTC, up to 7 fractional digits), or .NET's /Date(ms)/. */
export function parseEventTime(text: string): TimestampResult {
  const dotnet = DOTNET_DATE.exec(text.trim());
  if (dotnet) {
    const date = new Date(Number(dotnet[1]));
    if (!Number.isNaN(date.getTime())) return parseTimestamp(date.toISOString());
  }
  return parseTimestamp(text);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `the ${typeof value} ${String(value)}`;
}

type TextValue = { ok: true; text: string | undefined } | { ok: false; reason: string };

/** A field's value as text: strings as they are, numbers and Booleans written out; missing/null → undefined. */
function textOf(value: unknown): TextValue {
  if (value === undefined || value === null) return { ok: true, text: undefined };
  if (typeof value === "string") return { ok: true, text: value };
  if (typeof value === "number" || typeof value === "boolean") return { ok: true, text: String(value) };
  return { ok: false, reason: `the value is ${typeName(value)}; it must be text.` };
}

class BadgingPlan implements JsonPlan {
  readonly warnings: string[] = [];
  #unknown = new Set<string>();
  #unknownRecords = 0;

  map(record: JsonRecord): RowOutcome {
    const { value, number } = record;
    const reject = (column: string | null, reason: string): RowOutcome => ({
      ok: false,
      column,
      reason: `Record ${number}${column ? `, field ${column}` : ""}: ${reason}`,
      fix: "none",
    });
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return reject(
        null,
        `the record is ${typeName(value)}, not a JSON object; every record is an object with ${BADGING_REQUIRED_FIELDS.join(", ")}.`,
      );
    }
    const fields: Partial<Record<BadgingField, unknown>> = {};
    let unknownHere = false;
    for (const [key, fieldValue] of Object.entries(value as Record<string, unknown>)) {
      const field = FIELD_BY_KEY.get(key.trim().toLowerCase());
      if (field === undefined) {
        unknownHere = true;
        if (this.#unknown.size < LISTED_UNKNOWN + 1) this.#unknown.add(key);
      } else if (!(field in fields) || key === field) {
        fields[field] = fieldValue;
      }
    }
    if (unknownHere) this.#unknownRecords++;

    const texts = {} as Record<BadgingField, string | undefined>;
    for (const field of BADGING_FIELDS) {
      const t = textOf(fields[field]);
      if (!t.ok) return reject(field, t.reason);
      if (t.text !== undefined && t.text.length > MAX_FIELD_LENGTH) {
        return reject(
          field,
          `the value is ${t.text.length.toLocaleString("en-US")} characters long; the limit is ${MAX_FIELD_LENGTH.toLocaleString("en-US")} (1 MiB).`,
        );
      }
      const trimmed = t.text?.trim();
      texts[field] = trimmed === "" ? undefined : trimmed;
    }
    const missing = (field: BadgingField, what: string) =>
      reject(field, `the value is ${field in fields ? "empty" : "missing"}; every record needs ${what}.`);

    const userText = texts.UserId;
    if (userText === undefined) return missing("UserId", "the user's UPN or e-mail address");
    const upn = userText.toLowerCase();
    if (!isUserPrincipalName(upn)) {
      return reject("UserId", `'${userText}' is not a user principal name or e-mail address (name@domain).`);
    }
    const assetId = texts.AssetId;
    if (assetId === undefined) return missing("AssetId", "the ID of the door or reader (the asset)");
    const assetProblem = assetIdProblem(assetId);
    if (assetProblem) return reject("AssetId", assetProblem);
    const timeText = texts.EventTime;
    if (timeText === undefined) return missing("EventTime", "the time of the badge event");
    const time = parseEventTime(timeText);
    if (!time.ok) return reject("EventTime", time.reason);
    const statusText = texts.AccessStatus;
    if (statusText === undefined) return missing("AccessStatus", "Success or Failed");
    const status = parseAccessStatus(statusText);
    if (!status) {
      const guess = closestName(statusText, [...ACCESS_STATUSES, "Failure"]);
      return reject(
        "AccessStatus",
        `'${statusText}' is not an access status; use Success or Failed.${guess ? ` Did you mean '${guess === "Failure" ? "Failed" : guess}'?` : ""}`,
      );
    }
    const attributes: Record<string, AttributeValue> = {
      AssetId: assetId,
      AssetName: texts.AssetName ?? null,
      AccessStatus: status,
      SourceSystem: texts.SourceSystem ?? null,
    };
    return {
      ok: true,
      fix: "none",
      signal: {
        kind: PHYSICAL_ACCESS_SIGNAL,
        upn,
        occurredAt: time.iso,
        sourceValue: null,
        attributes,
        // The event is the user, the asset, the time and the outcome: a re-sent record is a
        // duplicate even when its AssetName or SourceSystem changed.
        dedupeId: canonicalJson([upn, assetKey(assetId), time.iso, status]),
      },
    };
  }

  finish(): string[] {
    if (this.#unknownRecords === 0) return [];
    const names = [...this.#unknown];
    const listed = listNames(names.slice(0, LISTED_UNKNOWN), LISTED_UNKNOWN);
    const more = names.length > LISTED_UNKNOWN ? " and others" : "";
    return [
      `${this.#unknownRecords.toLocaleString("en-US")} record(s) have properties the badging format does not define (${listed}${more}); they were ignored. The fields read are: ${BADGING_FIELDS.join(", ")}.`,
    ];
  }
}

export const badgingKind: ConnectorKind = {
  type: "badging",
  formats: ["json"],
  buildConfig: buildBadgingConfig,
  planJson: () => new BadgingPlan(),
};
