// Finding CSV record boundaries in a file without loading it: a byte-level RFC 4180 scanner that
// knows quoted fields may contain line breaks, so a chunk never ends inside a record.

import type { FileHandle } from "node:fs/promises";

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BLOCK = 1 << 20;

/**
 * Counts records in a byte stream fed in pieces. A record ends at a line feed outside quotes;
 * blank lines are not records. A quote opens a quoted field only at the start of a field; inside
 * one, a doubled quote is a literal quote.
 */
export class RecordScanner {
  #inQuotes = false;
  #pendingQuote = false;
  #atFieldStart = true;
  #hasContent = false;

  constructor(readonly delimiter: number = 0x2c) {}

  /**
   * Scans buf[from, to) and stops right after the `maxRecords`-th record end. Returns where it
   * stopped and how many records ended.
   */
  scan(buf: Uint8Array, from: number, to: number, maxRecords: number): { next: number; records: number } {
    let records = 0;
    let inQuotes = this.#inQuotes;
    let pendingQuote = this.#pendingQuote;
    let atFieldStart = this.#atFieldStart;
    let hasContent = this.#hasContent;
    const delimiter = this.delimiter;
    let i = from;
    for (; i < to; i++) {
      const b = buf[i] as number;
      if (inQuotes) {
        if (pendingQuote) {
          pendingQuote = false;
          if (b === QUOTE) continue; // "" inside quotes
          inQuotes = false; // the quote closed the field; handle b below
        } else {
          if (b === QUOTE) pendingQuote = true;
          continue;
        }
      }
      if (b === LF) {
        atFieldStart = true;
        if (hasContent) {
          hasContent = false;
          records++;
          if (records === maxRecords) {
            i++;
            break;
          }
        }
        continue;
      }
      if (b === CR) continue;
      hasContent = true;
      if (b === delimiter) atFieldStart = true;
      else if (b === QUOTE && atFieldStart) {
        inQuotes = true;
        atFieldStart = false;
      } else atFieldStart = false;
    }
    this.#inQuotes = inQuotes;
    this.#pendingQuote = pendingQuote;
    this.#atFieldStart = atFieldStart;
    this.#hasContent = hasContent;
    return { next: i, records };
  }

  /** At the end of the input: 1 if a last record has no line feed after it (or an unclosed quote), else 0. */
  finish(): number {
    const last = this.#hasContent ? 1 : 0;
    this.#hasContent = false;
    this.#inQuotes = false;
    this.#pendingQuote = false;
    this.#atFieldStart = true;
    return last;
  }
}

export interface CsvLayout {
  /** The header record's bytes, with its line ending, without a byte order mark. */
  header: Buffer;
  /** Offset of the first byte after the header record. */
  dataStart: number;
  delimiter: number;
  size: number;
}

/** The most frequent of comma, tab and semicolon outside quotes in the header (comma when none). */
function detectDelimiter(header: Buffer): number {
  const counts = new Map<number, number>([
    [0x2c, 0],
    [0x09, 0],
    [0x3b, 0],
    [0x7c, 0], // pipe: healthcare .psv exports
  ]);
  let inQuotes = false;
  for (const b of header) {
    if (b === QUOTE) inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(b)) counts.set(b, (counts.get(b) as number) + 1);
  }
  let best = 0x2c;
  for (const [d, n] of counts) if (n > (counts.get(best) as number)) best = d;
  return best;
}

/** Reads the header record (the first non-blank record). Undefined when the file has no records at all. */
export async function readLayout(fh: FileHandle, size: number): Promise<CsvLayout | undefined> {
  const scanner = new RecordScanner();
  const buf = Buffer.allocUnsafe(Math.min(BLOCK, Math.max(size, 1)));
  let pos = 0;
  let start = -1;
  while (pos < size) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    let from = 0;
    if (start < 0) {
      // Skip a byte order mark and leading blank lines.
      if (pos === 0 && bytesRead >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) from = 3;
      while (from < bytesRead && (buf[from] === LF || buf[from] === CR)) from++;
      if (from < bytesRead) start = pos + from;
    }
    const r = scanner.scan(buf, from, bytesRead, 1);
    if (r.records === 1) return layoutOf(fh, start, pos + r.next, size);
    pos += bytesRead;
  }
  return start >= 0 && scanner.finish() === 1 ? layoutOf(fh, start, size, size) : undefined;
}

async function layoutOf(fh: FileHandle, start: number, end: number, size: number): Promise<CsvLayout> {
  const header = Buffer.alloc(end - start);
  await fh.read(header, 0, header.length, start);
  return { header, dataStart: end, delimiter: detectDelimiter(header), size };
}

export interface ChunkBoundary {
  /** 1-based chunk number within the file. */
  index: number;
  start: number;
  end: number;
  records: number;
}

/**
 * Splits file bytes [from, size) into chunks of `recordsPerChunk` records, lazily: each boundary
 * is found just before it is needed, so memory stays at one 1 MiB block whatever the file size.
 */
export async function* chunkBoundaries(
  fh: FileHandle,
  opts: { from: number; size: number; recordsPerChunk: number; delimiter: number; firstIndex: number },
): AsyncGenerator<ChunkBoundary> {
  const { size, recordsPerChunk } = opts;
  const scanner = new RecordScanner(opts.delimiter);
  const buf = Buffer.allocUnsafe(BLOCK);
  let index = opts.firstIndex;
  let pos = opts.from;
  let chunkStart = opts.from;
  let records = 0;
  while (pos < size) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    let offset = 0;
    while (offset < bytesRead) {
      const r = scanner.scan(buf, offset, bytesRead, recordsPerChunk - records);
      records += r.records;
      offset = r.next;
      if (records === recordsPerChunk) {
        const end = pos + offset;
        yield { index: index++, start: chunkStart, end, records };
        chunkStart = end;
        records = 0;
      }
    }
    pos += bytesRead;
  }
  records += scanner.finish();
  if (records > 0) yield { index, start: chunkStart, end: size, records };
}

/** Number of records in file bytes [from, size). */
export async function countRecords(fh: FileHandle, from: number, size: number, delimiter: number): Promise<number> {
  let total = 0;
  for await (const chunk of chunkBoundaries(fh, {
    from,
    size,
    recordsPerChunk: Number.MAX_SAFE_INTEGER,
    delimiter,
    firstIndex: 1,
  }))
    total += chunk.records;
  return total;
}
