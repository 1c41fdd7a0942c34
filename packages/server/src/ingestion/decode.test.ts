import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { decodeWarnings, decodeWindows1252, UploadDecoder } from "./decode.ts";

async function decode(chunks: Buffer[]): Promise<{ text: string; decoder: UploadDecoder }> {
  const decoder = new UploadDecoder();
  Readable.from(chunks).pipe(decoder);
  let text = "";
  for await (const chunk of decoder) text += chunk;
  return { text, decoder };
}

describe("UploadDecoder", () => {
  it("strips a UTF-8 BOM and keeps multi-byte characters split across chunks", async () => {
    const bytes = Buffer.from("\uFEFFName\nJosé Ñúñez\n", "utf8");
    const chunks = [bytes.subarray(0, 2), bytes.subarray(2, 13), bytes.subarray(13)];
    const { text, decoder } = await decode(chunks);
    expect(text).toBe("Name\nJosé Ñúñez\n");
    expect(decodeWarnings(decoder.report)).toEqual([]);
  });

  it("reads the lines that are not UTF-8 as Windows-1252 and names the first one", async () => {
    const bytes = Buffer.concat([
      Buffer.from("UPN,Note\nok@x.y,caf\u00e9\n", "utf8"),
      Buffer.from([0x62, 0x40, 0x78, 0x2c, 0x80, 0x20, 0x93, 0x71, 0x94, 0x0a]), // b@x,€ “q”
      Buffer.from([0x63, 0x40, 0x78, 0x2c, 0xe9, 0x0a]),
    ]);
    const { text, decoder } = await decode([bytes]);
    expect(text).toBe("UPN,Note\nok@x.y,café\nb@x,€ \u201cq\u201d\nc@x,é\n");
    expect(decodeWarnings(decoder.report)).toEqual([
      "Line 3 and 1 more line(s) are not valid UTF-8 and were read as Windows-1252. Save the file as UTF-8 so that accents and symbols are read as intended.",
    ]);
  });

  it("decodes a long line spread over many chunks as one line, whatever the chunk sizes", async () => {
    // A one-line JSON body from an older script: Latin-1 bytes, no line break, arriving in pieces.
    const record = Buffer.concat([Buffer.from('{"AssetName":"Caf', "latin1"), Buffer.from([0xe9]), Buffer.from('"},')]);
    const line = Buffer.concat([Buffer.from("["), ...Array.from({ length: 2000 }, () => record), Buffer.from("{}]")]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < line.length; at += 7) chunks.push(line.subarray(at, at + 7));
    const { text, decoder } = await decode(chunks);
    expect(text).toBe(`[${'{"AssetName":"Café"},'.repeat(2000)}{}]`);
    expect(decoder.report.windows1252Lines).toBe(1);
  });

  it("decodes UTF-16 with a byte order mark", async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("UPN\nx@y\n", "utf16le")]);
    expect((await decode([le.subarray(0, 5), le.subarray(5)])).text).toBe("UPN\nx@y\n");
  });

  it("flags replacement characters that a client left in the text", async () => {
    const { decoder } = await decode([Buffer.from("UPN\nx@y,caf\uFFFD\n", "utf8")]);
    expect(decodeWarnings(decoder.report)[0]).toMatch(/^Line 2 contains the replacement character/);
  });

  it("maps the Windows-1252 block 0x80–0x9F", () => {
    expect(decodeWindows1252(Buffer.from([0x80, 0x8a, 0x9f, 0xa3]))).toBe("€ŠŸ£");
  });
});
