// De-duplication keys for a run's signals: the SHA-256 of signalIdentity's text, built here
// without sorting every row's attribute names again (rows of a file share them).

import * as crypto from "node:crypto";
import { canonicalJson, type MappedSignal } from "@openirm/domain";

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** JSON of a primitive attribute value exactly as canonicalJson writes it. */
function valueJson(value: unknown): string {
  if (value !== null && typeof value === "object") return canonicalJson(value);
  return JSON.stringify(value) ?? "null";
}

/** One-shot SHA-256 (crypto.hash where this Node.js has it). */
const sha256Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === "function"
    ? (text) => crypto.hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

/** A SHA-256 in hex as the uuid of its first 128 bits (what the database's openirm_dedupe_key gives). */
export function dedupeUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The text signalIdentity(signal, userColumn, timeColumn) gives, for the signals of one run. */
export class IdentityText {
  #keys: string[] = [];
  #sorted: string[] = [];

  constructor(
    private readonly userColumn: string,
    private readonly timeColumn: string,
  ) {}

  /** The attribute names in identity order (sorted, without the user and time columns). */
  #order(keys: string[]): string[] {
    const last = this.#keys;
    if (keys.length === last.length) {
      let same = true;
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.#sorted;
    }
    this.#keys = keys;
    // signalIdentity copies the attributes into a plain object, where a "__proto__" name never lands.
    this.#sorted = keys
      .filter((k) => k !== this.userColumn && k !== this.timeColumn && k !== "__proto__")
      .sort(byCodeUnits);
    return this.#sorted;
  }

  of(signal: MappedSignal): string {
    if (signal.dedupeId !== undefined) return `["id",${valueJson(signal.kind)},${valueJson(signal.dedupeId)}]`;
    const attributes = signal.attributes as Record<string, unknown>;
    let text = `[${valueJson(signal.kind)},${valueJson(signal.upn)},${valueJson(signal.occurredAt)},${valueJson(signal.sourceValue)},{`;
    let first = true;
    for (const key of this.#order(Object.keys(attributes))) {
      const value = attributes[key];
      if (value === undefined) continue;
      text += `${first ? "" : ","}${JSON.stringify(key)}:${valueJson(value)}`;
      first = false;
    }
    return `${text}}]`;
  }

  /** The de-duplication key stored with the signal: the first 128 bits of the identity's SHA-256, as a uuid. */
  key(signal: MappedSignal): string {
    return dedupeUuid(sha256Hex(this.of(signal)));
  }
}
