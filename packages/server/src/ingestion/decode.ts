// Turns an uploaded file's bytes into text, line by line as needed: UTF-8 (BOM stripped) where the
// bytes are valid UTF-8, Windows-1252 for the lines that are not (legacy "ANSI" exports), and
// UTF-16 when the file starts with a UTF-16 byte order mark. Nothing is rejected for its encoding:
// a line that is not UTF-8 is read as Windows-1252 and the run gets a warning naming it.

import { isUtf8 } from "node:buffer";
import { Transform, type TransformCallback } from "node:stream";
import { TextDecoder } from "node:util";

/** Windows-1252 characters for bytes 0x80–0x9F (the rest of the code page is Latin-1). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d,
  0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d,
  0x017e, 0x0178,
];

export function decodeWindows1252(bytes: Buffer): string {
  const latin1 = bytes.toString("latin1");
  return latin1.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80] as number));
}

export interface DecodeReport {
  /** Lines (1-based) that were not valid UTF-8 and were read as Windows-1252. */
  windows1252Lines: number;
  firstWindows1252Line: number | undefined;
  /** First line holding U+FFFD: text damaged before it reached us (read as UTF-8 while it was not). */
  firstReplacementCharLine: number | undefined;
  encoding: "utf-8" | "utf-16le" | "utf-16be";
}

/** A byte → text transform that fills a DecodeReport as it goes. */
export class UploadDecoder extends Transform {
  readonly report: DecodeReport = {
    windows1252Lines: 0,
    firstWindows1252Line: undefined,
    firstReplacementCharLine: undefined,
    encoding: "utf-8",
  };
  #started = false;
  /**
   * Bytes of the line not finished yet, chunk by chunk: joined once when the line ends, so a very
   * long line (a one-line JSON body) costs no more than a short one per byte.
   */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** 1-based number of the line the next byte belongs to. */
  #line = 1;
  #utf16: TextDecoder | undefined;

  constructor() {
    super({ readableObjectMode: false, decodeStrings: true, encoding: "utf8" });
  }

  #takePending(tail?: Buffer): Buffer {
    const parts = tail ? [...this.#pending, tail] : this.#pending;
    const joined = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    this.#pending = [];
    this.#pendingBytes = 0;
    return joined;
  }

  #keep(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let data = chunk;
    if (!this.#started) {
      this.#keep(chunk);
      if (this.#pendingBytes < 3) {
        done();
        return;
      }
      data = this.#takePending();
      this.#started = true;
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3);
      else if (data[0] === 0xff && data[1] === 0xfe) {
        this.report.encoding = "utf-16le";
        this.#utf16 = new TextDecoder("utf-16le");
        data = data.subarray(2);
      } else if (data[0] === 0xfe && data[1] === 0xff) {
        this.report.encoding = "utf-16be";
        this.#utf16 = new TextDecoder("utf-16be");
        data = data.subarray(2);
      }
    }
    if (this.#utf16) {
      this.#emit(this.#utf16.decode(data, { stream: true }));
      done();
      return;
    }
    // Keep the last, unfinished line for the next chunk: a line is the unit of the encoding decision.
    const lastNewline = data.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      this.#keep(data);
      done();
      return;
    }
    const lines = this.#takePending(data.subarray(0, lastNewline + 1));
    this.#keep(data.subarray(lastNewline + 1));
    this.#decodeLines(lines);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.#utf16) this.#emit(this.#utf16.decode(this.#pendingBytes ? this.#takePending() : undefined));
    else if (this.#pendingBytes) this.#decodeLines(this.#takePending());
    done();
  }

  #decodeLines(bytes: Buffer): void {
    if (isUtf8(bytes)) {
      this.#emit(bytes.toString("utf8"));
      return;
    }
    let start = 0;
    let text = "";
    let lineNumber = this.#line;
    while (start < bytes.length) {
      let end = bytes.indexOf(0x0a, start);
      end = end < 0 ? bytes.length : end + 1;
      const line = bytes.subarray(start, end);
      if (isUtf8(line)) text += line.toString("utf8");
      else {
        this.report.windows1252Lines++;
        this.report.firstWindows1252Line ??= lineNumber;
        text += decodeWindows1252(line);
      }
      start = end;
      lineNumber++;
    }
    this.#emit(text);
  }

  #emit(text: string): void {
    if (this.report.firstReplacementCharLine === undefined) {
      const at = text.indexOf("\uFFFD");
      if (at >= 0) this.report.firstReplacementCharLine = this.#line + countNewlinesIn(text, at);
    }
    this.#line += countNewlinesIn(text, text.length);
    if (text.length) this.push(text);
  }
}

function countNewlinesIn(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** The warnings a run reports for its decoding. */
export function decodeWarnings(report: DecodeReport): string[] {
  const warnings: string[] = [];
  if (report.firstWindows1252Line !== undefined) {
    warnings.push(
      `Line ${report.firstWindows1252Line}${report.windows1252Lines > 1 ? ` and ${report.windows1252Lines - 1} more line(s)` : ""} ${report.windows1252Lines > 1 ? "are" : "is"} not valid UTF-8 and ${report.windows1252Lines > 1 ? "were" : "was"} read as Windows-1252. Save the file as UTF-8 so that accents and symbols are read as intended.`,
    );
  }
  if (report.firstReplacementCharLine !== undefined) {
    warnings.push(
      `Line ${report.firstReplacementCharLine} contains the replacement character '\uFFFD': characters were lost before the upload (usually a Windows-1252 file read as UTF-8 by the upload script). Save the source file as UTF-8 and upload it again.`,
    );
  }
  return warnings;
}
