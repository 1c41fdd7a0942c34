// CSV reading for uploads and samples (csv-parse): comma or tab, CRLF/LF/CR, quoted fields with
// delimiters, quotes and newlines, stray quotes taken literally, blank lines skipped. Every record
// carries the physical line it starts on (1 = the first line of the file) and its raw text.
// A quote that is never closed rejects the row it opens on only: the text after that line is
// parsed again on its own.

import {
  AppError,
  chooseDelimiter,
  delimiterName,
  detectDelimiter,
  type ParsedSample,
  sampleFromRecords,
} from "@openirm/domain";
import { type Options, parse } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";

/** A row longer than this aborts the run: it almost always means a quote left open. */
export const MAX_RECORD_CHARS = 32 * 1024 * 1024;
/** Rows of a sample file read for type inference. */
export const SAMPLE_ROWS = 1000;

export type CsvItem =
  | { kind: "record"; fields: string[]; line: number; raw: string }
  | { kind: "broken"; line: number; raw: string; reason: string };

const baseOptions = (delimiter: string): Options => ({
  delimiter,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  bom: false,
});

/** Line breaks in a text (CRLF counts once). */
function countBreaks(text: string, from = 0, to = text.length): number {
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

/** Length of the run of line breaks a raw record starts with (the blank lines before it). */
function leadingBreakLength(raw: string): number {
  let i = 0;
  while (i < raw.length && (raw.charCodeAt(i) === 10 || raw.charCodeAt(i) === 13)) i++;
  return i;
}

function trimBreaks(raw: string): string {
  return raw.slice(leadingBreakLength(raw)).replace(/[\r\n]+$/, "");
}

/** Records of a text stream parsed with `delimiter`; `firstLine` is the number of its first line. */
export async function* readCsv(text: AsyncIterable<string>, delimiter: string, firstLine = 1): AsyncGenerator<CsvItem> {
  const parser = parse({ ...baseOptions(delimiter), raw: true, max_record_size: MAX_RECORD_CHARS });
  let cursor = firstLine;
  const feeding = (async () => {
    try {
      for await (const chunk of text) {
        if (!parser.write(chunk)) await new Promise((resolve) => parser.once("drain", resolve));
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const lead = leadingBreakLength(item.raw);
      const line = cursor + countBreaks(item.raw, 0, lead);
      cursor += countBreaks(item.raw);
      yield { kind: "record", fields: item.record, line, raw: trimBreaks(item.raw) };
    }
  } catch (err) {
    const e = err as { code?: string; raw?: string };
    if (e.code === "CSV_QUOTE_NOT_CLOSED" && typeof e.raw === "string") {
      const lead = leadingBreakLength(e.raw);
      const line = cursor + countBreaks(e.raw, 0, lead);
      const rest = e.raw.slice(lead);
      const match = /\r\n|\r|\n/.exec(rest);
      const firstRow = match ? rest.slice(0, match.index) : rest;
      yield {
        kind: "broken",
        line,
        raw: firstRow,
        reason:
          "a quoted value starts on this line and its closing quote is missing, so the row was rejected. Close the quote or remove it.",
      };
      if (match) {
        const remainder = rest.slice(match.index + match[0].length);
        yield* readCsv(
          (async function* () {
            yield remainder;
          })(),
          delimiter,
          line + 1,
        );
      }
    } else if (e.code === "CSV_MAX_RECORD_SIZE") {
      throw new AppError(
        "row_too_long",
        400,
        `Line ${cursor}: a row grows past ${MAX_RECORD_CHARS / 1024 / 1024} MiB, so the rest of the file could not be read. A quote opened near this line is probably never closed.`,
        { line: cursor },
      );
    } else {
      throw err;
    }
  } finally {
    await feeding;
  }
}

/**
 * Splits off the first non-blank line of a text stream (to choose the delimiter) and gives back a
 * stream that still starts at the beginning.
 */
export async function peekFirstLine(
  source: AsyncIterable<string>,
): Promise<{ firstLine: string | undefined; text: AsyncIterable<string> }> {
  const iterator = source[Symbol.asyncIterator]();
  let buffered = "";
  let ended = false;
  let firstLine: string | undefined;
  for (;;) {
    const lines = buffered.split(/\r\n|\r|\n/);
    const complete = ended ? lines : lines.slice(0, -1);
    firstLine = complete.find((l) => l.trim() !== "");
    if (firstLine !== undefined || ended || buffered.length > MAX_RECORD_CHARS) break;
    const next = await iterator.next();
    if (next.done) ended = true;
    else buffered += next.value;
  }
  async function* replay(): AsyncGenerator<string> {
    if (buffered) yield buffered;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { firstLine, text: replay() };
}

/** Parses a sample file (the CSV text an admin gives when creating a connector). */
export function parseSampleText(text: string, preferred: string = ","): ParsedSample {
  const body = text.replace(/^\uFEFF/, "");
  const firstLine = body.split(/\r\n|\r|\n/).find((l) => l.trim() !== "");
  if (firstLine === undefined) {
    throw new AppError(
      "invalid_connector",
      400,
      "sample: the sample file is empty; it needs a header line and at least one row.",
      {
        column: "sample",
      },
    );
  }
  const detected = detectDelimiter(firstLine);
  if (detected && detected !== "," && detected !== "\t") {
    throw new AppError(
      "wrong_delimiter",
      400,
      `sample: the header looks separated by ${delimiterName(detected)}, but OpenIRM reads comma- or tab-separated files. Save the sample as CSV with commas.`,
      { column: "sample", line: 1 },
    );
  }
  const delimiter = chooseDelimiter(firstLine, preferred);
  const records = parseSync(body, {
    ...baseOptions(delimiter),
    skip_records_with_error: true,
    to: SAMPLE_ROWS + 1,
  }) as string[][];
  return sampleFromRecords(records, delimiter);
}
