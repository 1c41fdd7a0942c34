import { Readable } from "node:stream";
import { parse as parseSync } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readCsv } from "./csv.ts";
import { type CsvItem, CsvTokenizer, countBreaks, RecordTooLong, UNCLOSED_QUOTE_REASON } from "./csvTokenizer.ts";

// The reference: csv-parse with the options uploads use, numbering lines and rejecting a row whose
// quote is never closed the way uploads have always done.
function referenceBreaks(text: string, from = 0, to = text.length): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

function leadingBreakLength(raw: string): number {
  let i = 0;
  while (i < raw.length && (raw.charCodeAt(i) === 10 || raw.charCodeAt(i) === 13)) i++;
  return i;
}

function reference(text: string, delimiter: string, firstLine = 1): CsvItem[] {
  const out: CsvItem[] = [];
  let cursor = firstLine;
  try {
    // on_record sees every record as it is read, also those read just before an error.
    parseSync(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      bom: false,
      raw: true,
      // With raw: true each record comes with its raw text (csv-parse's types do not say so).
      on_record: ((item: { record: string[]; raw: string }) => {
        const lead = leadingBreakLength(item.raw);
        const line = cursor + referenceBreaks(item.raw, 0, lead);
        cursor += referenceBreaks(item.raw);
        out.push({
          kind: "record",
          fields: item.record,
          line,
          raw: item.raw.slice(lead).replace(/[\r\n]+$/, ""),
        });
        return null;
      }) as unknown as (record: string[]) => null,
    });
  } catch (err) {
    const e = err as { code?: string; raw?: string };
    if (e.code !== "CSV_QUOTE_NOT_CLOSED" || typeof e.raw !== "string") throw err;
    const lead = leadingBreakLength(e.raw);
    const line = cursor + referenceBreaks(e.raw, 0, lead);
    const rest = e.raw.slice(lead);
    const match = /\r\n|\r|\n/.exec(rest);
    out.push({ kind: "broken", line, raw: match ? rest.slice(0, match.index) : rest, reason: UNCLOSED_QUOTE_REASON });
    if (match) out.push(...reference(rest.slice(match.index + match[0].length), delimiter, line + 1));
  }
  return out;
}

function tokenize(chunks: string[], delimiter: string, max = 1 << 20): CsvItem[] {
  const tokenizer = new CsvTokenizer(delimiter, max);
  const out: CsvItem[] = [];
  for (const chunk of chunks) tokenizer.push(chunk, out);
  tokenizer.end(out);
  return out;
}

/** Splits a text at the given fractions. */
function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * (text.length + 1))))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(text.slice(from, p));
    from = p;
  }
  chunks.push(text.slice(from));
  return chunks;
}

const csvChar = fc.constantFrom("a", "b", " ", ",", "\t", '"', '"', "\r", "\n", "\r\n", "é", "\u0000", ";");

describe("CsvTokenizer", () => {
  it("reads exactly what csv-parse reads, however the text is split into chunks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(csvChar, { maxLength: 60 }).map((a) => a.join("")),
        fc.constantFrom(",", "\t"),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        async (text, delimiter, cuts) => {
          expect(tokenize(split(text, cuts), delimiter)).toEqual(reference(text, delimiter));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("reads realistic rows the same way, quoted or not, with CRLF, LF or CR line ends", async () => {
    const field = fc.oneof(
      fc.stringMatching(/^[a-zA-Z0-9 .@:-]{0,12}$/),
      fc.stringMatching(/^[a-z ,"\r\n]{0,8}$/).map((s) => `"${s.replaceAll('"', '""')}"`),
    );
    const row = fc.array(field, { minLength: 1, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 12 }),
        fc.constantFrom("\r\n", "\n", "\r"),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        async (rows, eol, cuts) => {
          const text = rows.map((r) => r.join(",")).join(eol);
          expect(tokenize(split(text, cuts), ",")).toEqual(reference(text, ","));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("counts line breaks in a range as the line numbers always have (CRLF once)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("a", "\r", "\n"), { maxLength: 30 }).map((a) => a.join("")),
        fc.nat(31),
        fc.nat(31),
        (text, a, b) => {
          const [from, to] = [Math.min(a, b, text.length), Math.min(Math.max(a, b), text.length)];
          expect(countBreaks(text, from, to)).toBe(referenceBreaks(text, from, to));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("keeps the record delimiter found first: a lone LF in a CRLF file is part of the value", () => {
    expect(tokenize(["a,b\r\nc\nd,e\r\n"], ",")).toEqual([
      { kind: "record", fields: ["a", "b"], line: 1, raw: "a,b" },
      { kind: "record", fields: ["c\nd", "e"], line: 2, raw: "c\nd,e" },
    ]);
  });

  it("stops at a row longer than the limit, after the rows before it", () => {
    const tokenizer = new CsvTokenizer(",", 100);
    const out: CsvItem[] = [];
    tokenizer.push("A,B\n1,2\n\n3,", out);
    expect(() => tokenizer.push(`"${"x".repeat(200)}`, out)).toThrow(RecordTooLong);
    expect(out.map((i) => i.line)).toEqual([1, 2]);
  });

  it("gives readCsv's answer for a long quoted value split over many chunks", async () => {
    const value = "x".repeat(300_000);
    const chunks = [`A,B\n1,"`, ...value.match(/.{1,1000}/g)!, `"\n2,3\n`];
    const items: CsvItem[] = [];
    for await (const item of readCsv(Readable.from(chunks), ",")) items.push(item);
    expect(items.map((i) => (i.kind === "record" ? i.fields : i.reason))).toEqual([
      ["A", "B"],
      ["1", value],
      ["2", "3"],
    ]);
  });
});
