import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  countJsonRecords,
  JsonRecordScanner,
  jsonChunks,
  readJsonLayout,
  recordBytes,
  recordBytesLength,
} from "./jsonScan.ts";

const dir = mkdtempSync(join(tmpdir(), "openirm-jsonscan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withFile<T>(
  content: string | Buffer,
  fn: (fh: Awaited<ReturnType<typeof open>>, size: number) => Promise<T>,
) {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, content);
  const fh = await open(path, "r");
  try {
    return await fn(fh, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

/** The records of each chunk, as text, and the byte offset each chunk ends at. */
async function chunksOf(content: string | Buffer, perChunk: number, from?: number) {
  return withFile(content, async (fh, size) => {
    const layout = await readJsonLayout(fh, size);
    if (!layout) throw new Error("not JSON");
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const out: { records: string[]; end: number }[] = [];
    for await (const c of jsonChunks(fh, {
      from: from ?? layout.dataStart,
      size,
      recordsPerChunk: perChunk,
      shape: layout.shape,
      firstIndex: 1,
    })) {
      const records: string[] = [];
      for (let i = 0; i < c.ranges.length; i += 2) {
        records.push(bytes.subarray(c.ranges[i], c.ranges[i + 1]).toString());
      }
      expect(c.records).toBe(records.length);
      out.push({ records, end: c.end });
    }
    return { layout, chunks: out, total: await countJsonRecords(fh, layout) };
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const pretty = (records: unknown[]) => `\uFEFF${JSON.stringify(records, null, 4).replace(/\n/g, "\r\n")}\r\n`;
const tricky = [
  { UserId: "a@b.c", AssetName: 'Door "7", ]{[' },
  { UserId: "d@e.f", AssetName: "back\\slash\\", Nested: { list: [1, { x: "}" }] } },
  { UserId: "g@h.i", AssetName: "Caf\u00e9" },
];

describe("JSON record boundaries", () => {
  it("splits an array into chunks of whole records, whatever the strings and nesting hold", async () => {
    const { layout, chunks, total } = await chunksOf(pretty(tricky), 2);
    expect(layout.shape).toBe("array");
    expect(total).toBe(3);
    expect(chunks.map((c) => c.records.map((r) => JSON.parse(r)))).toEqual([tricky.slice(0, 2), tricky.slice(2)]);
  });

  it("reads NDJSON and one bare object alike", async () => {
    const ndjson = `${tricky.map((r) => JSON.stringify(r)).join("\n")}\n`;
    const { layout, chunks } = await chunksOf(ndjson, 2);
    expect(layout.shape).toBe("objects");
    expect(chunks.map((c) => c.records.length)).toEqual([2, 1]);
    const single = await chunksOf('{\r\n    "UserId":  "a@b.c"\r\n}', 50_000);
    expect(single.chunks.map((c) => c.records)).toEqual([['{\r\n    "UserId":  "a@b.c"\r\n}']]);
  });

  it("resumes from where a chunk ended", async () => {
    const content = pretty(tricky);
    const first = await chunksOf(content, 1);
    const rest = await chunksOf(content, 5, first.chunks[0]?.end);
    expect(rest.chunks.map((c) => c.records.map((r) => JSON.parse(r)))).toEqual([tricky.slice(1)]);
  });

  it("gives the same boundaries whatever the read block boundaries are", () => {
    const bytes = Buffer.from(pretty(tricky));
    const whole: number[] = [];
    new JsonRecordScanner("array").scan(bytes, 0, 4, bytes.length, Number.MAX_SAFE_INTEGER, (s, e) => whole.push(s, e));
    for (let cut = 4; cut < bytes.length; cut += 7) {
      const pieces: number[] = [];
      const scanner = new JsonRecordScanner("array");
      scanner.scan(bytes.subarray(0, cut), 0, 4, cut, Number.MAX_SAFE_INTEGER, (s, e) => pieces.push(s, e));
      scanner.scan(bytes.subarray(cut), cut, 0, bytes.length - cut, Number.MAX_SAFE_INTEGER, (s, e) =>
        pieces.push(s, e),
      );
      expect(pieces).toEqual(whole);
    }
  });

  it("keeps a record left open at the end (the server says what is wrong) and explains text that is not records", async () => {
    const open = await chunksOf('[{"a":1},{"a":2', 10);
    expect(open.chunks[0]?.records).toEqual(['{"a":1}', '{"a":2']);
    await expect(chunksOf('[{"a":1}] {"a":2}', 10)).rejects.toThrow(
      "after record 1 (byte 10), the file has '{' where the file should end after the closing ']' of its array. A JSON upload is one array of records, one object, or one object per line.",
    );
    await expect(chunksOf('{"a":1}\nUserId,AssetId\n', 10)).rejects.toThrow(
      "after record 1 (byte 8), the file has 'U' where a record ('{') should start.",
    );
  });

  it("is not JSON when the file starts otherwise, and refuses UTF-16", async () => {
    expect(await withFile("UserId,AssetId\n", (fh, size) => readJsonLayout(fh, size))).toBeUndefined();
    await expect(withFile(Buffer.from("\uFEFF[]", "utf16le"), (fh, size) => readJsonLayout(fh, size))).rejects.toThrow(
      "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 and upload it again.",
    );
  });
});

describe("chunk bodies", () => {
  it("frames a chunk's records as a JSON array or NDJSON, bytes kept as they are, with an exact length", async () => {
    const content = Buffer.concat([
      Buffer.from('[\r\n  {"AssetName": "Caf'),
      Buffer.from([0xe9]), // Latin-1 é stays one byte
      Buffer.from('"},\r\n  {"a": 2},  {"a": 3}\r\n]'),
    ]);
    await withFile(content, async (fh, size) => {
      const layout = await readJsonLayout(fh, size);
      if (!layout) throw new Error("not JSON");
      const [chunk] = await collect(
        jsonChunks(fh, { from: layout.dataStart, size, recordsPerChunk: 10, shape: layout.shape, firstIndex: 1 }),
      );
      if (!chunk) throw new Error("no chunk");
      const array = { prefix: Buffer.from("[\n"), separator: Buffer.from(",\n"), suffix: Buffer.from("\n]\n") };
      const body = Buffer.concat(await collect(recordBytes(fh, chunk.ranges, array)));
      expect(body.length).toBe(recordBytesLength(chunk.ranges, array));
      expect(body.toString("latin1")).toBe('[\n{"AssetName": "Caf\u00e9"},\n{"a": 2},\n{"a": 3}\n]\n');
      const ndjson = { prefix: Buffer.alloc(0), separator: Buffer.from("\n"), suffix: Buffer.from("\n") };
      const lines = Buffer.concat(await collect(recordBytes(fh, chunk.ranges, ndjson)));
      expect(lines.length).toBe(recordBytesLength(chunk.ranges, ndjson));
      expect(lines.toString("latin1")).toBe('{"AssetName": "Caf\u00e9"}\n{"a": 2}\n{"a": 3}\n');
    });
  });
});
