// Reads JSON uploads record by record without holding the file: a JSON array of records (what the
// badging scripts send), one bare object (PowerShell's ConvertTo-Json of a one-record chunk), or
// newline-delimited JSON (one object per line, as log exports write it). The text is split into
// records by a small scanner that follows strings and nesting; each record is then parsed on its
// own, so one broken record is rejected alone and the others are kept.

import { AppError } from "@openirm/domain";

/** A record's text larger than this stops the run: it almost always means a bracket left open. */
export const MAX_JSON_RECORD_CHARS = 32 * 1024 * 1024;

export type JsonItem =
  | { kind: "record"; number: number; value: unknown; raw: string }
  | { kind: "broken"; number: number; reason: string; raw: string };

enum Mode {
  /** Before the first value of the file. */
  Start,
  /** Between records of a top-level array (commas and white space). */
  InArray,
  /** Between top-level records (NDJSON, concatenated objects) or after the array. */
  TopLevel,
  /** Inside a record. */
  Record,
  /** After the closing bracket of the top-level array. */
  Done,
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function parseRecord(number: number, raw: string): JsonItem {
  try {
    return { kind: "record", number, value: JSON.parse(raw), raw };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { kind: "broken", number, reason: `the record is not valid JSON (${detail}).`, raw };
  }
}

/**
 * Splits JSON text into records. `push` takes the text chunk by chunk and appends the records it
 * completes to `out`; `end` finishes the last one.
 */
export class JsonRecordScanner {
  #mode = Mode.Start;
  /** Whether the records are the elements of a top-level array. */
  #array = false;
  #number = 0;
  /** Text of the record being read, when it spans chunks. */
  #parts: string[] = [];
  #partsLength = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** A record that is a bare scalar (inside an array): ends at a comma or the closing bracket. */
  #scalar = false;
  /** Whether records are parsed; when not, each one is only counted (its item carries no value). */
  readonly #parse: boolean;

  constructor(opts: { parse?: boolean } = {}) {
    this.#parse = opts.parse ?? true;
  }

  get isArray(): boolean {
    return this.#array;
  }

  push(chunk: string, out: JsonItem[]): void {
    let i = 0;
    const n = chunk.length;
    let recordStart = this.#mode === Mode.Record ? 0 : -1;
    while (i < n) {
      if (this.#mode === Mode.Record) {
        if (this.#inString) {
          // Jump to the next quote or backslash.
          for (; i < n; i++) {
            const c = chunk.charCodeAt(i);
            if (this.#escaped) {
              this.#escaped = false;
            } else if (c === 0x5c) {
              this.#escaped = true;
            } else if (c === 0x22) {
              this.#inString = false;
              i++;
              break;
            }
          }
          continue;
        }
        const c = chunk.charCodeAt(i);
        if (this.#scalar) {
          if (c === 0x2c || c === 0x5d || (isSpace(c) && !this.#array)) {
            this.#complete(chunk.slice(recordStart, i), out);
            recordStart = -1;
            continue; // the comma or bracket is read again between records
          }
          if (c === 0x22) this.#inString = true;
          i++;
          continue;
        }
        if (c === 0x22) this.#inString = true;
        else if (c === 0x7b || c === 0x5b) this.#depth++;
        else if (c === 0x7d || c === 0x5d) {
          this.#depth--;
          if (this.#depth === 0) {
            this.#complete(chunk.slice(recordStart, i + 1), out);
            recordStart = -1;
          }
        }
        i++;
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (isSpace(c) || c === 0xfeff) {
        i++;
        continue;
      }
      if (this.#mode === Mode.Done) {
        throw new AppError(
          "invalid_json",
          400,
          `After record ${this.#number}: the file goes on after the closing ']' of its array; a JSON upload is one array, one object, or one object per line.`,
          { line: this.#number },
        );
      }
      if (this.#mode === Mode.Start && c === 0x5b) {
        this.#array = true;
        this.#mode = Mode.InArray;
        i++;
        continue;
      }
      if (this.#mode === Mode.InArray && c === 0x2c) {
        i++;
        continue;
      }
      if (this.#mode === Mode.InArray && c === 0x5d) {
        this.#mode = Mode.Done;
        i++;
        continue;
      }
      if (!this.#array && c !== 0x7b) {
        throw new AppError(
          "invalid_json",
          400,
          `${this.#number === 0 ? "The file" : `After record ${this.#number}, the file`} has '${chunk[i]}' where a JSON object ('{') or an array ('[') must start; a JSON upload is one array, one object, or one object per line.`,
          { line: this.#number + 1 },
        );
      }
      // A record starts.
      this.#mode = Mode.Record;
      this.#scalar = c !== 0x7b && c !== 0x5b;
      this.#depth = 0;
      recordStart = i;
      if (!this.#scalar) {
        this.#depth = 1;
        i++;
      }
    }
    if (this.#mode === Mode.Record && recordStart >= 0) {
      const rest = chunk.slice(recordStart);
      this.#parts.push(rest);
      this.#partsLength += rest.length;
      if (this.#partsLength > MAX_JSON_RECORD_CHARS) {
        throw new AppError(
          "record_too_long",
          400,
          `Record ${this.#number + 1}: it grows past ${MAX_JSON_RECORD_CHARS / 1024 / 1024} MiB, so the rest of the file could not be read. A bracket or quote opened in this record is probably never closed.`,
          { line: this.#number + 1 },
        );
      }
    }
  }

  #complete(tail: string, out: JsonItem[]): void {
    this.#scalar = false;
    this.#number++;
    this.#mode = this.#array ? Mode.InArray : Mode.TopLevel;
    if (!this.#parse) {
      this.#parts = [];
      this.#partsLength = 0;
      out.push({ kind: "record", number: this.#number, value: undefined, raw: "" });
      return;
    }
    const raw = this.#parts.length > 0 ? this.#parts.join("") + tail : tail;
    this.#parts = [];
    this.#partsLength = 0;
    out.push(parseRecord(this.#number, raw));
  }

  end(out: JsonItem[]): void {
    if (this.#mode === Mode.Record) {
      const raw = this.#parts.join("");
      if (this.#scalar && !this.#inString) {
        this.#complete("", out);
      } else {
        this.#parts = [];
        this.#number++;
        out.push({
          kind: "broken",
          number: this.#number,
          reason: "the file ends inside this record (a closing '}' or ']' is missing).",
          raw,
        });
      }
    }
    if (this.#array && this.#mode !== Mode.Done && this.#mode !== Mode.Record) {
      // A missing final ']' loses nothing; the records read are kept.
      this.#mode = Mode.Done;
    }
  }
}

/** Records of a JSON text stream, as many at a time as each chunk completes. */
export async function* readJsonBatches(text: AsyncIterable<string>): AsyncGenerator<JsonItem[]> {
  const scanner = new JsonRecordScanner();
  let out: JsonItem[] = [];
  for await (const chunk of text) {
    scanner.push(chunk, out);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  scanner.end(out);
  if (out.length > 0) yield out;
}

/** Whether a file whose first non-blank line is `firstLine` is JSON (else it is read as delimited text). */
export function looksLikeJson(firstLine: string): boolean {
  const start = firstLine.replace(/^[\s\uFEFF]+/, "")[0];
  return start === "[" || start === "{";
}
