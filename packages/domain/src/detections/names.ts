// Sensitive information type and trainable classifier exclusions: names ("U.S. Social Security
// Number (SSN)") or GUIDs, compared case-insensitively; a GUID may be written with or without braces.

import { CONTROL_CHARACTER, fail, ok, type Parsed } from "./parse.ts";

export const MAX_NAME_LENGTH = 256;

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

/** The comparison key of a name or GUID: GUIDs lower-case without braces, names lower-case with single spaces. */
export function typeNameKey(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, " ");
  const guid = GUID.exec(trimmed);
  return guid ? (guid[1] as string).toLowerCase() : trimmed.normalize("NFKC").toLowerCase();
}

/** Parses a name or GUID: names keep their spelling (single spaces), GUIDs become lower-case without braces. */
export function parseTypeName(
  value: unknown,
  what: "sensitive information type" | "trainable classifier",
): Parsed<string> {
  const example = what === "trainable classifier" ? "Profanity" : "Credit Card Number";
  if (typeof value !== "string") return fail(`is not text; write the ${what}'s name or GUID, such as ${example}.`);
  const text = value.trim().replace(/\s+/g, " ");
  if (text === "") return fail(`is empty; write the ${what}'s name or GUID, such as ${example}.`);
  if (text.length > MAX_NAME_LENGTH) return fail(`is longer than ${MAX_NAME_LENGTH} characters.`);
  if (CONTROL_CHARACTER.test(text)) return fail("contains a control character; write one name per entry.");
  const guid = GUID.exec(text);
  return ok(guid ? (guid[1] as string).toLowerCase() : text);
}

/** Compiles names and GUIDs into a case-insensitive membership test. */
export function nameMatcher(names: readonly string[]): (nameOrGuid: string) => boolean {
  const set = new Set(names.map(typeNameKey));
  if (set.size === 0) return () => false;
  return (nameOrGuid) => set.has(typeNameKey(nameOrGuid));
}
