// A streaming CSV tokenizer for uploads: the record rules of csv-parse with the options uploads
// use (comma or tab, quote and escape `"`, record delimiter discovered from the first line break
// outside quotes — CRLF, LF or CR — and used for the rest of the text, relaxed quotes and column
// counts, empty lines skipped, raw text kept), without csv-parse's per-byte buffers and per-record
// stream events. It works on decoded text and hands back every record a chunk completes in one
// array. `csvTokenizer.test.ts` checks it against csv-parse on generated input.

/** Why a record is refused when the text ends inside a quoted value. */
export const UNCLOSED_QUOTE_REASON =
  "a quoted value starts on this line and its closing quote is missing, so the row was rejected. Close the quote or remove it.";

export type CsvItem =
  | { kind: "record"; fields: string[]; line: number; raw: string }
  | { kind: "broken"; line: number; raw: string; reason: string };

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** Record delimiter: not seen yet, CRLF, LF or CR. */
enum Rd {
  Unknown = 0,
  CrLf = 1,
  Lf = 2,
  Cr = 3,
}

/** Thrown when a record grows past the size limit (the caller turns it into an answer). */
export class RecordTooLong extends Error {
  constructor(readonly line: number) {
    super(`record too long at line ${line}`);
  }
}

/** Line breaks in a text (CRLF counts once). */
export function countBreaks(text: string, from = 0, to = text.length): number {
  let n = 0;
  let i = text.indexOf("\n", from);
  while (i >= 0 && i < to) {
    n++;
    i = text.indexOf("\n", i + 1);
  }
  i = text.indexOf("\r", from);
  while (i >= 0 && i < to) {
    // A CR directly before an LF is one break with it (counted with the LF), unless the LF lies past `to`.
    if (text.charCodeAt(i + 1) !== LF || i + 1 >= to) n++;
    i = text.indexOf("\r", i + 1);
  }
  return n;
}

/** Length of the run of line breaks a raw record starts with (the blank lines before it). */
function leadingBreakLength(raw: string): number {
  let i = 0;
  for (;;) {
    const c = raw.charCodeAt(i);
    if (c !== LF && c !== CR) return i;
    i++;
  }
}

function trailingBreakStart(raw: string, from: number): number {
  let end = raw.length;
  while (end > from) {
    const c = raw.charCodeAt(end - 1);
    if (c !== LF && c !== CR) break;
    end--;
  }
  return end;
}

export class CsvTokenizer {
  readonly #delimiter: number;
  readonly #maxRecordChars: number;
  /** Line number the next raw text starts on. */
  #cursor: number;
  #rd: Rd = Rd.Unknown;
  #buf = "";
  #pos = 0;
  // The record being read.
  #rawStart = 0;
  #rawPrefix = "";
  /** Empty CRLF lines skipped before the record. */
  #skippedCrLf = 0;
  #record: string[] = [];
  #recordChars = 0;
  // The field being read: #fieldPrefix + buf[#segStart, pos).
  #segStart = 0;
  #fieldPrefix = "";
  #quoting = false;
  #wasQuoting = false;
  #ended = false;

  constructor(delimiter: string, maxRecordChars: number, firstLine = 1) {
    if (delimiter.length !== 1) throw new Error("the delimiter must be one character");
    this.#delimiter = delimiter.charCodeAt(0);
    this.#maxRecordChars = maxRecordChars;
    this.#cursor = firstLine;
  }

  /** Reads `text`, adding the records it completes to `out`. */
  push(text: string, out: CsvItem[]): void {
    if (this.#ended) throw new Error("push after end");
    if (text.length === 0) return;
    this.#append(text);
    this.#scan(false, out);
    this.#carry();
  }

  /** Ends the text: the last record, or a rejected row when a quote is never closed. */
  end(out: CsvItem[]): void {
    // Iterative: each row with a quote that is never closed starts a new reading of the lines after it.
    let tokenizer: CsvTokenizer | undefined = this;
    while (tokenizer) tokenizer = tokenizer.#finish(out);
  }

  #finish(out: CsvItem[]): CsvTokenizer | undefined {
    if (this.#ended) return undefined;
    this.#ended = true;
    this.#scan(true, out);
    if (this.#quoting) {
      if (this.#recordChars + this.#fieldLength() - 1 > this.#maxRecordChars) throw new RecordTooLong(this.#cursor);
      return this.#unclosed(out);
    }
    if (this.#wasQuoting || this.#record.length > 0 || this.#fieldLength() > 0) {
      this.#endField();
      this.#emit(this.#buf.length, 0, out);
    }
    return undefined;
  }

  #append(text: string): void {
    this.#buf = this.#pos < this.#buf.length ? this.#buf.slice(this.#pos) + text : text;
    this.#pos = 0;
    this.#rawStart = 0;
    this.#segStart = 0;
  }

  /** Keeps what was read of an unfinished record as strings, so the next chunk starts afresh. */
  #carry(): void {
    const pos = this.#pos;
    this.#rawPrefix += this.#buf.slice(this.#rawStart, pos);
    this.#fieldPrefix += this.#buf.slice(this.#segStart, pos);
    this.#rawStart = pos;
    this.#segStart = pos;
    const total = this.#recordChars + this.#fieldPrefix.length;
    if (total - 1 > this.#maxRecordChars) throw new RecordTooLong(this.#cursor);
  }

  #fieldLength(): number {
    return this.#fieldPrefix.length + (this.#pos - this.#segStart);
  }

  #endField(): void {
    const field = this.#fieldPrefix + this.#buf.slice(this.#segStart, this.#pos);
    this.#record.push(field);
    this.#recordChars += field.length;
    if (this.#recordChars - 1 > this.#maxRecordChars) throw new RecordTooLong(this.#cursor);
    this.#fieldPrefix = "";
    this.#wasQuoting = false;
  }

  /**
   * The record's raw text as csv-parse gives it, which line numbers are counted on: the blank lines
   * before the record, the record, and its delimiter, where a CRLF delimiter counts as its CR only.
   */
  #rawText(rawEnd: number, delimiterLength: number): string {
    let raw = this.#buf.slice(this.#rawStart, rawEnd - (delimiterLength === 2 ? 1 : 0));
    if (this.#rawPrefix.length > 0) raw = this.#rawPrefix + raw;
    if (this.#skippedCrLf > 0) raw = "\r".repeat(this.#skippedCrLf) + raw.slice(2 * this.#skippedCrLf);
    return raw;
  }

  /** Emits the record whose raw text ends at `rawEnd`, after its delimiter of `delimiterLength`. */
  #emit(rawEnd: number, delimiterLength: number, out: CsvItem[]): void {
    const raw = this.#rawText(rawEnd, delimiterLength);
    const lead = leadingBreakLength(raw);
    const line = lead === 0 ? this.#cursor : this.#cursor + countBreaks(raw, 0, lead);
    this.#cursor += countBreaks(raw);
    const end = trailingBreakStart(raw, lead);
    out.push({
      kind: "record",
      fields: this.#record,
      line,
      raw: lead === 0 && end === raw.length ? raw : raw.slice(lead, end),
    });
    this.#record = [];
    this.#recordChars = 0;
    this.#rawPrefix = "";
    this.#skippedCrLf = 0;
    this.#rawStart = rawEnd;
  }

  /** The text ended inside quotes: rejects the record's first line; the lines after it are read again. */
  #unclosed(out: CsvItem[]): CsvTokenizer | undefined {
    const raw = this.#rawText(this.#buf.length, 0);
    const lead = leadingBreakLength(raw);
    const line = this.#cursor + countBreaks(raw, 0, lead);
    const rest = raw.slice(lead);
    const match = /\r\n|\r|\n/.exec(rest);
    out.push({ kind: "broken", line, raw: match ? rest.slice(0, match.index) : rest, reason: UNCLOSED_QUOTE_REASON });
    if (!match) return undefined;
    const again = new CsvTokenizer(String.fromCharCode(this.#delimiter), this.#maxRecordChars, line + 1);
    again.#buf = rest.slice(match.index + match[0].length);
    return again;
  }

  /**
   * Reads records from #pos on. Unless `final`, it stops where a decision would need characters
   * not received yet (a CR that may start a CRLF, a quote that may be an escaped quote).
   */
  #scan(final: boolean, out: CsvItem[]): void {
    const buf = this.#buf;
    const len = buf.length;
    const delimiter = this.#delimiter;
    let pos = this.#pos;
    try {
      while (pos < len) {
        if (this.#quoting) {
          const q = buf.indexOf('"', pos);
          if (q < 0) {
            pos = len;
            break;
          }
          if (!final && q + 2 >= len) {
            pos = q;
            break;
          }
          const next = q + 1 < len ? buf.charCodeAt(q + 1) : -1;
          if (next === QUOTE) {
            // An escaped quote: the second one is part of the value.
            this.#fieldPrefix += buf.slice(this.#segStart, q);
            this.#segStart = q + 1;
            pos = q + 2;
            continue;
          }
          const closes =
            next <= 0 || // end of the text (or a NUL, which csv-parse takes for the end)
            next === delimiter ||
            this.#isRecordDelimiterAfterQuote(buf, q + 1, next);
          if (closes) {
            this.#fieldPrefix += buf.slice(this.#segStart, q);
            this.#segStart = q + 1;
            this.#quoting = false;
            this.#wasQuoting = true;
            pos = q + 1;
            continue;
          }
          // A quote inside a quoted value, not before a delimiter: taken literally, and the value
          // becomes the opening quote, the text read so far, and this quote onwards.
          this.#fieldPrefix = `"${this.#fieldPrefix}${buf.slice(this.#segStart, q)}`;
          this.#segStart = q;
          this.#quoting = false;
          this.#wasQuoting = true;
          pos = q + 1;
          continue;
        }
        // Outside quotes: a quote opens a quoted value only as a field's first character.
        if (buf.charCodeAt(pos) === QUOTE && this.#fieldPrefix.length === 0 && pos === this.#segStart) {
          this.#quoting = true;
          pos++;
          this.#segStart = pos;
          continue;
        }
        // Up to the next delimiter or line break.
        let c = 0;
        while (pos < len) {
          c = buf.charCodeAt(pos);
          if (c === delimiter || c === LF || c === CR) break;
          pos++;
        }
        if (pos >= len) break;
        if (c === delimiter) {
          this.#pos = pos;
          this.#endField();
          pos++;
          this.#segStart = pos;
          continue;
        }
        // A line break: a record delimiter, or an ordinary character when the file's delimiter is another.
        let rdLength = 0;
        if (this.#rd === Rd.Unknown) {
          if (c === CR && !final && pos + 1 >= len) break;
          if (c === CR && buf.charCodeAt(pos + 1) === LF) this.#rd = Rd.CrLf;
          else this.#rd = c === LF ? Rd.Lf : Rd.Cr;
        }
        if (this.#rd === Rd.CrLf) {
          if (c === CR) {
            if (!final && pos + 1 >= len) break;
            if (buf.charCodeAt(pos + 1) === LF) rdLength = 2;
          }
        } else if ((this.#rd === Rd.Lf && c === LF) || (this.#rd === Rd.Cr && c === CR)) {
          rdLength = 1;
        }
        if (rdLength === 0) {
          pos++;
          continue;
        }
        this.#pos = pos;
        if (!this.#wasQuoting && this.#record.length === 0 && this.#fieldLength() === 0) {
          // An empty line: skipped (its text stays with the next record's raw text).
          if (rdLength === 2) this.#skippedCrLf++;
          pos += rdLength;
          this.#segStart = pos;
          continue;
        }
        this.#endField();
        pos += rdLength;
        this.#emit(pos, rdLength, out);
        this.#segStart = pos;
      }
    } finally {
      this.#pos = pos;
    }
  }

  /** Whether a line break follows a closing quote (the record delimiter is discovered here too). */
  #isRecordDelimiterAfterQuote(buf: string, at: number, c: number): boolean {
    if (c !== CR && c !== LF) return false;
    if (this.#rd === Rd.Unknown) {
      if (c === CR && buf.charCodeAt(at + 1) === LF) this.#rd = Rd.CrLf;
      else this.#rd = c === LF ? Rd.Lf : Rd.Cr;
      return true;
    }
    if (this.#rd === Rd.CrLf) return c === CR && buf.charCodeAt(at + 1) === LF;
    return this.#rd === Rd.Lf ? c === LF : c === CR;
  }
}
