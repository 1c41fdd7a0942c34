// Finding JSON record boundaries in a file without loading it: a byte-level scanner that follows
// strings and nesting, so a chunk always holds whole records. A file is one JSON array of records,
// one object, or objects one after another (NDJSON, one per line or spread over lines). Works on
// bytes: JSON's structure is ASCII and no byte of a multi-byte UTF-8 character (nor any Latin-1
// byte over 0x7F) is, so the file's encoding does not matter as long as it is not UTF-16.

import type { FileHandle } from "node:fs/promises";
import { CliError } from "../errors.ts";

const BLOCK = 1 << 20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** "array": the records are the elements of one top-level array; "objects": one or more top-level objects. */
export type JsonShape = "array" | "objects";

export interface JsonLayout {
  shape: JsonShape;
  /** Offset of the first byte that can start a record (after "[" for an array). */
  dataStart: number;
  size: number;
}

/** The file's first non-blank byte (after a UTF-8 byte order mark), and its offset; undefined for a blank file. */
async function firstByte(fh: FileHandle, size: number): Promise<{ byte: number; offset: number } | undefined> {
  const buf = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(size, 4)));
  let pos = 0;
  while (pos < size) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    let i = 0;
    if (pos === 0) {
      if (bytesRead >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
        throw new CliError(
          "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 and upload it again.",
        );
      }
      if (bytesRead >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
    }
    for (; i < bytesRead; i++) {
      const b = buf[i] as number;
      if (!isSpace(b)) return { byte: b, offset: pos + i };
    }
    pos += bytesRead;
  }
  return undefined;
}

/**
 * Whether the file holds JSON records (its first non-blank byte is "[" or "{") and how; undefined
 * when it does not (it is then read as CSV) or is blank.
 */
export async function readJsonLayout(fh: FileHandle, size: number): Promise<JsonLayout | undefined> {
  const first = await firstByte(fh, size);
  if (!first) return undefined;
  if (first.byte === OPEN_BRACKET) return { shape: "array", dataStart: first.offset + 1, size };
  if (first.byte === OPEN_BRACE) return { shape: "objects", dataStart: first.offset, size };
  return undefined;
}

/** Whether the file is blank (nothing but white space and a byte order mark). */
export async function isBlankFile(fh: FileHandle, size: number): Promise<boolean> {
  return (await firstByte(fh, size)) === undefined;
}

/** The file is not JSON records past some point: which record, which byte, what was found. */
export class JsonShapeError extends CliError {
  constructor(
    readonly offset: number,
    readonly afterRecord: number,
    found: string,
    expected: string,
  ) {
    super(
      `${afterRecord === 0 ? "at the start" : `after record ${afterRecord}`} (byte ${offset}), the file has '${found}' where ${expected}. A JSON upload is one array of records, one object, or one object per line.`,
    );
    this.name = "JsonShapeError";
  }
}

enum Mode {
  Between,
  Record,
  Done,
}

/**
 * Finds record boundaries in the bytes of a JSON file fed in pieces, starting between records
 * (at JsonLayout.dataStart, or at the end of an earlier record). Records inside an array may be
 * any JSON value; outside one, only objects.
 */
export class JsonRecordScanner {
  #mode = Mode.Between;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #scalar = false;
  #recordStart = -1;
  #records = 0;

  /** `recordsBefore`: records of the file before the scanned part (for messages). */
  constructor(
    readonly shape: JsonShape,
    recordsBefore = 0,
  ) {
    this.#records = recordsBefore;
  }

  /**
   * Scans buf[from, to) — `base` is the file offset of buf[0] — and stops right after the
   * `maxRecords`-th record end. Each record's [start, end) file offsets go to `onRecord`.
   */
  scan(
    buf: Uint8Array,
    base: number,
    from: number,
    to: number,
    maxRecords: number,
    onRecord: (start: number, end: number) => void,
  ): { next: number; records: number } {
    let records = 0;
    let i = from;
    const end = (at: number) => {
      onRecord(this.#recordStart, base + at);
      this.#records++;
      records++;
      this.#mode = Mode.Between;
      this.#scalar = false;
      this.#recordStart = -1;
    };
    while (i < to) {
      const b = buf[i] as number;
      if (this.#mode === Mode.Record) {
        if (this.#inString) {
          if (this.#escaped) this.#escaped = false;
          else if (b === BACKSLASH) this.#escaped = true;
          else if (b === QUOTE) this.#inString = false;
          i++;
          continue;
        }
        if (this.#scalar) {
          if (b === COMMA || b === CLOSE_BRACKET) {
            end(i); // the comma or bracket is read again between records
            if (records === maxRecords) break;
            continue;
          }
          if (b === QUOTE) this.#inString = true;
          i++;
          continue;
        }
        if (b === QUOTE) this.#inString = true;
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.#depth++;
        else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          this.#depth--;
          if (this.#depth === 0) {
            i++;
            end(i);
            if (records === maxRecords) break;
            continue;
          }
        }
        i++;
        continue;
      }
      if (isSpace(b)) {
        i++;
        continue;
      }
      if (this.#mode === Mode.Done) {
        throw new JsonShapeError(
          base + i,
          this.#records,
          String.fromCharCode(b),
          "the file should end after the closing ']' of its array",
        );
      }
      if (this.shape === "array") {
        if (b === COMMA) {
          i++;
          continue;
        }
        if (b === CLOSE_BRACKET) {
          this.#mode = Mode.Done;
          i++;
          continue;
        }
      } else if (b !== OPEN_BRACE) {
        throw new JsonShapeError(base + i, this.#records, String.fromCharCode(b), "a record ('{') should start");
      }
      this.#mode = Mode.Record;
      this.#recordStart = base + i;
      this.#scalar = b !== OPEN_BRACE && b !== OPEN_BRACKET;
      this.#depth = this.#scalar ? 0 : 1;
      if (b === QUOTE) this.#inString = true;
      i++;
    }
    return { next: i, records };
  }

  /**
   * At the end of the file: a record left open (a missing '}' or a scalar at the very end) still
   * counts, from its start to the end, so that the server can say what is wrong with it.
   */
  finish(size: number, onRecord: (start: number, end: number) => void): number {
    if (this.#mode !== Mode.Record) return 0;
    onRecord(this.#recordStart, size);
    this.#records++;
    this.#mode = Mode.Between;
    this.#inString = false;
    this.#escaped = false;
    return 1;
  }
}

export interface JsonChunk {
  /** 1-based chunk number within the file. */
  index: number;
  /** Where scanning for the chunk began (the previous chunk's end). */
  start: number;
  /** Just after the chunk's last record: where the next chunk (and a resumed upload) begins. */
  end: number;
  records: number;
  /** The records' [start, end) file offsets, flat: start0, end0, start1, end1, … */
  ranges: number[];
}

/**
 * Splits the records of file bytes [from, size) into chunks of `recordsPerChunk`, lazily: each
 * chunk is found just before it is needed, so memory stays at one 1 MiB block and the offsets of
 * one chunk's records.
 */
export async function* jsonChunks(
  fh: FileHandle,
  opts: {
    from: number;
    size: number;
    recordsPerChunk: number;
    shape: JsonShape;
    firstIndex: number;
    recordsBefore?: number;
  },
): AsyncGenerator<JsonChunk> {
  const { size, recordsPerChunk } = opts;
  const scanner = new JsonRecordScanner(opts.shape, opts.recordsBefore ?? 0);
  const buf = Buffer.allocUnsafe(BLOCK);
  let index = opts.firstIndex;
  let pos = opts.from;
  let chunkStart = opts.from;
  let ranges: number[] = [];
  const onRecord = (start: number, end: number) => {
    ranges.push(start, end);
  };
  while (pos < size) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    let offset = 0;
    while (offset < bytesRead) {
      const r = scanner.scan(buf, pos, offset, bytesRead, recordsPerChunk - ranges.length / 2, onRecord);
      offset = r.next;
      if (ranges.length / 2 === recordsPerChunk) {
        const end = ranges[ranges.length - 1] as number;
        yield { index: index++, start: chunkStart, end, records: recordsPerChunk, ranges };
        chunkStart = end;
        ranges = [];
      }
    }
    pos += bytesRead;
  }
  scanner.finish(size, onRecord);
  if (ranges.length > 0) {
    yield { index, start: chunkStart, end: ranges[ranges.length - 1] as number, records: ranges.length / 2, ranges };
  }
}

/** Number of records in file bytes [from, size). */
export async function countJsonRecords(fh: FileHandle, layout: JsonLayout): Promise<number> {
  let total = 0;
  for await (const chunk of jsonChunks(fh, {
    from: layout.dataStart,
    size: layout.size,
    recordsPerChunk: 100_000,
    shape: layout.shape,
    firstIndex: 1,
  }))
    total += chunk.records;
  return total;
}

/**
 * The bytes of a chunk's records, each as it is in the file, with `separator` between them and
 * `prefix`/`suffix` around them, in pieces of about 64 KiB. The file is read once, front to back.
 */
export async function* recordBytes(
  fh: FileHandle,
  ranges: readonly number[],
  opts: { prefix: Buffer; separator: Buffer; suffix: Buffer },
): AsyncGenerator<Buffer> {
  const OUT = 64 * 1024;
  let pending: Buffer[] = [opts.prefix];
  let pendingLength = opts.prefix.length;
  const put = (piece: Buffer) => {
    pending.push(piece);
    pendingLength += piece.length;
  };
  let block = Buffer.alloc(0);
  let blockStart = 0;
  const spanEnd = ranges.length > 0 ? (ranges[ranges.length - 1] as number) : 0;
  for (let r = 0; r < ranges.length; r += 2) {
    if (r > 0) put(opts.separator);
    let at = ranges[r] as number;
    const end = ranges[r + 1] as number;
    while (at < end) {
      if (at < blockStart || at >= blockStart + block.length) {
        // A new buffer every time: pieces handed out keep pointing at their own bytes.
        const length = Math.min(BLOCK, spanEnd - at);
        const fresh = Buffer.allocUnsafe(length);
        const { bytesRead } = await fh.read(fresh, 0, length, at);
        if (bytesRead === 0) throw new CliError("the file changed while it was being uploaded; run the upload again.");
        block = fresh.subarray(0, bytesRead);
        blockStart = at;
      }
      const take = Math.min(end, blockStart + block.length) - at;
      put(block.subarray(at - blockStart, at - blockStart + take));
      at += take;
    }
    if (pendingLength >= OUT) {
      yield Buffer.concat(pending, pendingLength);
      pending = [];
      pendingLength = 0;
    }
  }
  put(opts.suffix);
  yield Buffer.concat(pending, pendingLength);
}

/** The length of what recordBytes yields. */
export function recordBytesLength(
  ranges: readonly number[],
  opts: { prefix: Buffer; separator: Buffer; suffix: Buffer },
): number {
  let total = opts.prefix.length + opts.suffix.length;
  for (let r = 0; r < ranges.length; r += 2) total += (ranges[r + 1] as number) - (ranges[r] as number);
  return total + Math.max(0, ranges.length / 2 - 1) * opts.separator.length;
}
