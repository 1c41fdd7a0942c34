// CSV reading for uploads (csvTokenizer.ts) and samples (csv-parse), with the same rules: comma or
// tab, CRLF/LF/CR, quoted fields with delimiters, quotes and newlines, stray quotes taken literally,
// blank lines skipped. Every record carries the physical line it starts on (1 = the first line of
// the file) and its raw text. A quote that is never closed rejects the row it opens on only: the
// text after that line is parsed again on its own.

import {
  AppError,
  chooseDelimiter,
  delimiterName,
  detectDelimiter,
  type ParsedSample,
  SUPPORTED_DELIMITERS,
  sampleFromRecords,
} from "@openirm/domain";
import type { Options } from "csv-parse";
import { parse as parseSync } from "csv-parse/sync";
import { type CsvItem, CsvTokenizer, RecordTooLong } from "./csvTokenizer.ts";

/** A row longer than this aborts the run: it almost always means a quote left open. */
export const MAX_RECORD_CHARS = 32 * 1024 * 1024;
/** Rows of a sample file read for type inference. */
export const SAMPLE_ROWS = 1000;

export type { CsvItem } from "./csvTokenizer.ts";

const baseOptions = (delimiter: string): Options => ({
  delimiter,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  bom: false,
});

function tooLong(line: number): AppError {
  return new AppError(
    "row_too_long",
    400,
    `Line ${line}: a row grows past ${MAX_RECORD_CHARS / 1024 / 1024} MiB, so the rest of the file could not be read. A quote opened near this line is probably never closed.`,
    { line },
  );
}

/**
 * Records of a text stream parsed with `delimiter`, as many at a time as each chunk of text
 * completes; `firstLine` is the number of its first line.
 */
export async function* readCsvBatches(
  text: AsyncIterable<string>,
  delimiter: string,
  firstLine = 1,
): AsyncGenerator<CsvItem[]> {
  const tokenizer = new CsvTokenizer(delimiter, MAX_RECORD_CHARS, firstLine);
  let out: CsvItem[] = [];
  try {
    for await (const chunk of text) {
      tokenizer.push(chunk, out);
      if (out.length > 0) {
        yield out;
        out = [];
      }
    }
    tokenizer.end(out);
  } catch (err) {
    if (!(err instanceof RecordTooLong)) throw err;
    if (out.length > 0) yield out;
    throw tooLong(err.line);
  }
  if (out.length > 0) yield out;
}

/** Records of a text stream parsed with `delimiter`, one by one; `firstLine` is the number of its first line. */
export async function* readCsv(text: AsyncIterable<string>, delimiter: string, firstLine = 1): AsyncGenerator<CsvItem> {
  for await (const items of readCsvBatches(text, delimiter, firstLine)) yield* items;
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

const DELIMITER_WORDS: Record<string, string> = { ",": "comma", "\t": "tab", "|": "pipe" };

/**
 * Parses a sample file (the CSV text an admin gives when creating a connector). `allowed` are the
 * delimiters the connector's type reads (comma and tab unless it says otherwise, e.g. healthcare
 * also reads pipe-separated files).
 */
export function parseSampleText(
  text: string,
  preferred: string = ",",
  allowed: readonly string[] = SUPPORTED_DELIMITERS,
): ParsedSample {
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
  if (detected && !allowed.includes(detected)) {
    const names = allowed.map((d) => `${DELIMITER_WORDS[d] ?? delimiterName(d)}-`);
    throw new AppError(
      "wrong_delimiter",
      400,
      `sample: the header looks separated by ${delimiterName(detected)}, but OpenIRM reads ${names.length > 1 ? `${names.slice(0, -1).join(", ")} or ` : ""}${names[names.length - 1]}separated files. Save the sample as CSV with commas.`,
      { column: "sample", line: 1 },
    );
  }
  const delimiter = chooseDelimiter(firstLine, preferred, allowed);
  const records = parseSync(body, {
    ...baseOptions(delimiter),
    skip_records_with_error: true,
    to: SAMPLE_ROWS + 1,
  }) as string[][];
  return sampleFromRecords(records, delimiter);
}
