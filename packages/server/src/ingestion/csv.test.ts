import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { type CsvItem, parseSampleText, peekFirstLine, readCsv } from "./csv.ts";

async function read(text: string | string[], delimiter = ","): Promise<CsvItem[]> {
  const chunks = Array.isArray(text) ? text : [text];
  const out: CsvItem[] = [];
  for await (const item of readCsv(Readable.from(chunks), delimiter)) out.push(item);
  return out;
}

const lines = (items: CsvItem[]) => items.map((i) => [i.line, i.kind === "record" ? i.fields : i.reason]);

describe("readCsv", () => {
  it("numbers records by the physical line they start on, across blank lines and quoted newlines", async () => {
    const items = await read('A,B,C\r\n1,2,3\r\n\r\n4,"x\r\ny",5\r\n6,"say ""hi""",7\r\n\r\n\r\n8,9,10\r\n');
    expect(lines(items)).toEqual([
      [1, ["A", "B", "C"]],
      [2, ["1", "2", "3"]],
      [4, ["4", "x\r\ny", "5"]],
      [6, ["6", 'say "hi"', "7"]],
      [9, ["8", "9", "10"]],
    ]);
    expect(items[2]?.raw).toBe('4,"x\r\ny",5');
  });

  it("counts LF and CR-only files the same way, split at any chunk boundary", async () => {
    const text = 'A,B\n1,"a\nb"\n\n2,3\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(lines(await read([text.slice(0, cut), text.slice(cut)])), `cut ${cut}`).toEqual([
        [1, ["A", "B"]],
        [2, ["1", "a\nb"]],
        [5, ["2", "3"]],
      ]);
    }
    expect(lines(await read("A,B\r1,2\r3,4"))).toEqual([
      [1, ["A", "B"]],
      [2, ["1", "2"]],
      [3, ["3", "4"]],
    ]);
  });

  it("reads tab-separated files and takes stray quotes literally", async () => {
    expect(lines(await read('A\tB\n5" display\tx"y\n', "\t"))).toEqual([
      [1, ["A", "B"]],
      [2, ['5" display', 'x"y']],
    ]);
  });

  it("rejects only the row whose quote is never closed and reads the lines after it", async () => {
    const items = await read('A,B\n1,2\n3,"open\n4,5\n6,7');
    expect(lines(items)).toEqual([
      [1, ["A", "B"]],
      [2, ["1", "2"]],
      [3, expect.stringContaining("closing quote is missing")],
      [4, ["4", "5"]],
      [5, ["6", "7"]],
    ]);
    expect(items[2]?.raw).toBe('3,"open');
  });

  it("rejects a chunk's last row when the chunk ends inside a quoted value", async () => {
    expect(lines(await read('A,B\r\n1,2\r\n3,"first half\r\n'))).toEqual([
      [1, ["A", "B"]],
      [2, ["1", "2"]],
      [3, expect.stringContaining("closing quote is missing")],
    ]);
  });
});

describe("peekFirstLine", () => {
  it("finds the first non-blank line and replays the whole text", async () => {
    const { firstLine, text } = await peekFirstLine(Readable.from(["\r\n", "UP", "N,Time\r\nx,y"]));
    expect(firstLine).toBe("UPN,Time");
    let all = "";
    for await (const chunk of text) all += chunk;
    expect(all).toBe("\r\nUPN,Time\r\nx,y");
  });

  it("says when there is no line at all", async () => {
    expect((await peekFirstLine(Readable.from([" \r\n", "\n"]))).firstLine).toBeUndefined();
  });
});

describe("parseSampleText", () => {
  it("strips the BOM, detects tabs and fits rows to the header", () => {
    expect(parseSampleText("\uFEFFUPN\tTime\r\na@b.c\t2023-04-24T05:52:56Z\textra\r\n")).toEqual({
      delimiter: "\t",
      header: ["UPN", "Time"],
      rows: [["a@b.c", "2023-04-24T05:52:56Z\textra"]],
    });
  });

  it("refuses an empty sample and explains a semicolon sample", () => {
    expect(() => parseSampleText(" \r\n")).toThrow("sample: the sample file is empty");
    expect(() => parseSampleText("UPN;Time\r\na;b")).toThrow("sample: the header looks separated by ';'");
  });
});
