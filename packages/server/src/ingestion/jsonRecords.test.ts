import { describe, expect, it } from "vitest";
import { type JsonItem, JsonRecordScanner, looksLikeJson } from "./jsonRecords.ts";

function scan(chunks: string[]): JsonItem[] {
  const scanner = new JsonRecordScanner();
  const out: JsonItem[] = [];
  for (const chunk of chunks) scanner.push(chunk, out);
  scanner.end(out);
  return out;
}

const values = (items: JsonItem[]) => items.map((i) => (i.kind === "record" ? i.value : `broken: ${i.reason}`));

describe("JSON record scanner", () => {
  it("reads an array, a bare object and NDJSON alike, whatever the chunking", () => {
    const array = '\uFEFF[\r\n  {"a": "x,]}", "n": [1, {"b": 2}]},\n  {"a": "q\\"}"}\n]\n';
    for (let cut = 0; cut <= array.length; cut++) {
      expect(values(scan([array.slice(0, cut), array.slice(cut)]))).toEqual([
        { a: "x,]}", n: [1, { b: 2 }] },
        { a: 'q"}' },
      ]);
    }
    expect(values(scan(['{\n    "UserId":  "a@b.c"\n}']))).toEqual([{ UserId: "a@b.c" }]);
    expect(values(scan(['{"a":1}\n{"a":2}\r\n\n{"a":3}']))).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it("numbers records and rejects a broken one alone", () => {
    const items = scan(['[{"a":1},{"a":2,,},{"a":3}, 7, "s"]']);
    expect(items.map((i) => i.number)).toEqual([1, 2, 3, 4, 5]);
    expect(items[1]).toMatchObject({ kind: "broken", raw: '{"a":2,,}' });
    expect(values(items).slice(2)).toEqual([{ a: 3 }, 7, "s"]);
  });

  it("keeps the records before a missing ']' and reports a record cut off at the end", () => {
    expect(values(scan(['[{"a":1},{"a":2}']))).toEqual([{ a: 1 }, { a: 2 }]);
    const cut = scan(['[{"a":1},{"a":']);
    expect(cut[1]).toMatchObject({ kind: "broken", number: 2, raw: '{"a":' });
    expect((cut[1] as { reason: string }).reason).toMatch(/ends inside this record/);
  });

  it("refuses text that is not a JSON upload, naming where", () => {
    expect(() => scan(["hello"])).toThrow(/The file has 'h' where a JSON object/);
    expect(() => scan(['{"a":1}\nx'])).toThrow(/After record 1, the file has 'x'/);
    expect(() => scan(['[{"a":1}] ['])).toThrow(/goes on after the closing/);
  });

  it("counts records without parsing them when asked", () => {
    const scanner = new JsonRecordScanner({ parse: false });
    const out: JsonItem[] = [];
    scanner.push('[{"a":1},{"a":"x,}', out);
    scanner.push('"},{"b":', out);
    scanner.push("2}]", out);
    scanner.end(out);
    expect(out.map((i) => [i.kind, i.number])).toEqual([
      ["record", 1],
      ["record", 2],
      ["record", 3],
    ]);
  });

  it("tells JSON from delimited text by its first line", () => {
    expect(looksLikeJson("  [")).toBe(true);
    expect(looksLikeJson('{"UserId":1}')).toBe(true);
    expect(looksLikeJson("EmailAddress,EffectiveDate")).toBe(false);
  });
});
