import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chunkBoundaries, countRecords, RecordScanner, readLayout } from "./csvScan.ts";

const dir = mkdtempSync(join(tmpdir(), "openirm-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function chunksOf(content: string | Buffer, perChunk: number) {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(path, content);
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    const layout = await readLayout(fh, size);
    if (!layout) return { layout, chunks: [] as string[], records: [] as number[] };
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const chunks: string[] = [];
    const records: number[] = [];
    for await (const c of chunkBoundaries(fh, {
      from: layout.dataStart,
      size,
      recordsPerChunk: perChunk,
      delimiter: layout.delimiter,
      firstIndex: 1,
    })) {
      chunks.push(bytes.subarray(c.start, c.end).toString());
      records.push(c.records);
    }
    const total = await countRecords(fh, layout.dataStart, size, layout.delimiter);
    return { layout, chunks, records, total };
  } finally {
    await fh.close();
  }
}

describe("CSV record boundaries", () => {
  it("counts records, not lines: a quoted line break stays inside its record and its chunk", async () => {
    const csv =
      'UPN,Note,Count\na@x,"line one\nline two",1\nb@x,plain,2\nc@x,"say ""hi""\r\nbye",3\nd@x,"x,y",4\ne@x,last,5\n';
    const { layout, chunks, records, total } = await chunksOf(csv, 2);
    expect(layout!.header.toString()).toBe("UPN,Note,Count\n");
    expect(records).toEqual([2, 2, 1]);
    expect(total).toBe(5);
    expect(chunks).toEqual([
      'a@x,"line one\nline two",1\nb@x,plain,2\n',
      'c@x,"say ""hi""\r\nbye",3\nd@x,"x,y",4\n',
      "e@x,last,5\n",
    ]);
  });

  it("drops a byte order mark from the header, skips blank lines and keeps a last record without a line break", async () => {
    const csv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("A,B\r\n\r\n1,2\r\n\r\n3,4")]);
    const { layout, chunks, records } = await chunksOf(csv, 1);
    expect(layout!.header.toString()).toBe("A,B\r\n");
    expect(records).toEqual([1, 1]);
    expect(chunks).toEqual(["\r\n1,2\r\n", "\r\n3,4"]);
  });

  it("counts an unterminated quote at the end as one (bad) record rather than losing it", async () => {
    const { records } = await chunksOf('A,B\n1,2\n3,"open\nstill open\n', 10);
    expect(records).toEqual([2]);
  });

  it("treats a quote inside an unquoted field as data (the example file's quirks)", async () => {
    const { records } = await chunksOf('A,B\n5" disk,2\nx,y\n', 10);
    expect(records).toEqual([2]);
  });

  it("detects a tab-separated file and has no data chunk for a header-only file", async () => {
    const tsv = await chunksOf('A\tB\n"1\t2"\t3\n', 5);
    expect(tsv.layout!.delimiter).toBe(0x09);
    expect(tsv.records).toEqual([1]);
    const headerOnly = await chunksOf("A,B\n", 5);
    expect(headerOnly.records).toEqual([]);
    const empty = await chunksOf("\n\n", 5);
    expect(empty.layout).toBeUndefined();
  });

  it("gives the same count whatever the read block boundaries are", () => {
    const data = Buffer.from('a,"b\n""c""\nd",e\r\nf,g\n\n"h",i\nj,"k\r\nl"\n');
    const whole = new RecordScanner();
    const expected = whole.scan(data, 0, data.length, Number.MAX_SAFE_INTEGER).records + whole.finish();
    expect(expected).toBe(4);
    for (let split = 0; split <= data.length; split++) {
      const s = new RecordScanner();
      const a = s.scan(data.subarray(0, split), 0, split, Number.MAX_SAFE_INTEGER).records;
      const b = s.scan(data.subarray(split), 0, data.length - split, Number.MAX_SAFE_INTEGER).records;
      expect(a + b + s.finish(), `split at ${split}`).toBe(expected);
    }
  });
});
