// The duplicate rules. Default: a signal's identity is its kind, user, time, source value and
// attribute values, so a re-sent row is stored once while different rows at the same time are all
// kept. Strict (per connector): every row sharing user and time with another row of the same file
// is dropped, all of them, because the file cannot say which one is right.

import type { AttributeValue, MappedSignal } from "./rows.ts";

/** JSON with object keys sorted, so equal values always give the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/**
 * The text a signal's dedupe key is hashed from. The user and time columns' original text is left
 * out of the attributes here: the normalised user and time already stand for them, so
 * "SaraD@contoso.com" and "sarad@contoso.com" at the same instant are the same event.
 */
export function signalIdentity(signal: MappedSignal, userColumn: string, timeColumn: string): string {
  if (signal.dedupeId !== undefined) return canonicalJson(["id", signal.kind, signal.dedupeId]);
  const attributes: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(signal.attributes)) {
    if (k !== userColumn && k !== timeColumn) attributes[k] = v;
  }
  return canonicalJson([signal.kind, signal.upn, signal.occurredAt, signal.sourceValue, attributes]);
}

/** How many other line numbers a strict-duplicate reason lists before "and N more". */
const LISTED_LINES = 10;

/** The reason stored for a row that strict duplicate handling dropped. */
export function strictDuplicateReason(line: number, groupLines: readonly number[]): string {
  const others = groupLines.filter((l) => l !== line);
  const listed = others.slice(0, LISTED_LINES).join(", ");
  const more = others.length > LISTED_LINES ? ` and ${others.length - LISTED_LINES} more` : "";
  return `Dropped: the same user and time as line${others.length === 1 ? "" : "s"} ${listed}${more} of this file. The connector drops every row that shares user and time with another (strict duplicates).`;
}
