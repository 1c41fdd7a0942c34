// PostgreSQL's COPY text format for bulk loads: values escaped, rows collected in a growing byte
// buffer (off the JavaScript heap, so a batch's rows do not pile up as strings until it is sent).

/** A value in COPY text format: backslash, tab, line feed and carriage return escaped. */
export function copyText(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 || c === 9 || c === 10 || c === 13) return value.replace(/[\\\t\n\r]/g, escapeChar);
  }
  return value;
}

function escapeChar(c: string): string {
  return c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r";
}

/** JSON text in COPY text format: JSON.stringify leaves no raw control characters, only backslashes. */
export function copyJson(json: string): string {
  return json.includes("\\") ? json.replaceAll("\\", "\\\\") : json;
}

/**
 * Byte buffers kept for the next batches: batches come one after another, and allocating (and
 * freeing) megabyte buffers for each one makes the C heap grow in steps it does not give back.
 */
const spare: Buffer[] = [];
const EMPTY = Buffer.alloc(0);
const MAX_SPARE = 4;
const MAX_SPARE_BYTES = 8 * 1024 * 1024;

function takeBuffer(minBytes: number): Buffer {
  for (let i = spare.length - 1; i >= 0; i--) {
    const buffer = spare[i] as Buffer;
    if (buffer.length >= minBytes) {
      spare.splice(i, 1);
      return buffer;
    }
  }
  return Buffer.allocUnsafe(minBytes);
}

function giveBack(buffer: Buffer): void {
  if (buffer.length > MAX_SPARE_BYTES) return;
  if (spare.length >= MAX_SPARE) spare.shift();
  spare.push(buffer);
}

/** Rows in COPY text format, as UTF-8 bytes. Call `release` once the bytes have been sent. */
export class CopyTextBuffer {
  #bytes: Buffer = EMPTY;
  #length = 0;
  rows = 0;

  constructor(private readonly initialBytes = 256 * 1024) {}

  /** Appends one row: its fields already in COPY text format, without the line feed. */
  addRow(row: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const need = this.#length + row.length * 3 + 1;
    if (need > this.#bytes.length) {
      const grown = takeBuffer(Math.max(need, this.#bytes.length * 2, this.initialBytes));
      this.#bytes.copy(grown, 0, 0, this.#length);
      if (this.#bytes !== EMPTY) giveBack(this.#bytes);
      this.#bytes = grown;
    }
    this.#length += this.#bytes.write(row, this.#length, "utf8");
    this.#bytes[this.#length++] = 10;
    this.rows++;
  }

  /** The rows so far (a view of the buffer, valid until `release`). */
  get bytes(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Hands the buffer on to later batches. */
  release(): void {
    if (this.#bytes !== EMPTY) giveBack(this.#bytes);
    this.#bytes = EMPTY;
    this.#length = 0;
    this.rows = 0;
  }
}
