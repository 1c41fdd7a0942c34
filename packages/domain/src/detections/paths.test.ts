import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_FILE_PATH_EXCLUSIONS, type PathPattern, parsePathPattern, pathMatcher, splitPath } from "./paths.ts";

const pattern = (text: string): PathPattern => {
  const parsed = parsePathPattern(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
};
const matcher = (...texts: string[]) => {
  const m = pathMatcher(texts.map(pattern));
  return (path: string) => m(path) !== null;
};
const reason = (value: unknown) => {
  const parsed = parsePathPattern(value);
  return parsed.ok ? "ok" : parsed.reason;
};

describe("file path exclusions", () => {
  it("treats a drive or server pattern as a prefix: the folder and everything under it, whole folder names only", () => {
    const temp = matcher("C:\\temp");
    expect(temp("C:\\temp\\sub\\f.txt")).toBe(true);
    expect(temp("C:\\temp")).toBe(true);
    expect(temp("c:/TEMP/f.txt")).toBe(true);
    expect(temp("C:\\temporary\\f.txt")).toBe(false);
    expect(temp("D:\\temp\\f.txt")).toBe(false);
    expect(temp("D:\\x\\C:\\temp\\f.txt")).toBe(false);
    const share = matcher("\\\\ms.temp\\LocalFolder\\");
    expect(share("\\\\ms.temp\\LocalFolder\\a\\b.docx")).toBe(true);
    expect(share("//MS.TEMP/localfolder/b.docx")).toBe(true);
    expect(share("\\\\?\\UNC\\ms.temp\\LocalFolder\\b.docx")).toBe(true);
    expect(share("\\\\ms.temp\\Other\\b.docx")).toBe(false);
    expect(share("\\\\other\\LocalFolder\\b.docx")).toBe(false);
  });

  it("treats a pattern starting with a single separator as contains: anywhere in the path", () => {
    const pub = matcher("\\public\\local\\");
    expect(pub("C:\\public\\local\\f.txt")).toBe(true);
    expect(pub("D:\\data\\Public\\Local\\sub\\f.txt")).toBe(true);
    expect(pub("/home/alex/public/local/f.txt")).toBe(true);
    expect(pub("\\\\srv\\share\\public\\local\\f.txt")).toBe(true);
    expect(pub("C:\\public\\localstuff\\f.txt")).toBe(false);
    expect(pub("C:\\public\\x\\local\\f.txt")).toBe(false);
    expect(matcher("public\\local")("E:\\x\\public\\local")).toBe(true);
  });

  it("reads * as exactly one folder level and *(n) as one to n levels", () => {
    const one = matcher("C:\\Users\\*\\Desktop");
    expect(one("C:\\Users\\alex\\Desktop\\a.docx")).toBe(true);
    expect(one("C:\\Users\\alex\\x\\Desktop\\a.docx")).toBe(false);
    expect(one("C:\\Users\\Desktop\\a.docx")).toBe(false);
    const two = matcher("C:\\Users\\*(2)\\Desktop");
    expect(two("C:\\Users\\alex\\Desktop\\a.docx")).toBe(true);
    expect(two("C:\\Users\\alex\\x\\Desktop\\a.docx")).toBe(true);
    expect(two("C:\\Users\\alex\\x\\y\\Desktop\\a.docx")).toBe(false);
  });

  it("excludes AppData by default through patterns that match under any user folder", () => {
    const defaults = matcher(...DEFAULT_FILE_PATH_EXCLUSIONS);
    expect(defaults("C:\\Users\\alex\\AppData\\Roaming\\x.tmp")).toBe(true);
    expect(defaults("D:\\Users\\bo\\AppData\\Local\\Temp\\x.tmp")).toBe(true);
    expect(defaults("C:\\Users\\alex\\Documents\\AppData.txt")).toBe(false);
    expect(defaults("C:\\Users\\AppData\\x")).toBe(false);
    // only the narrower defaults selected: Local stays excluded, Roaming directly under AppData does not
    const narrower = matcher("\\Users\\*\\AppData\\Local");
    expect(narrower("C:\\Users\\alex\\AppData\\Local\\x")).toBe(true);
    expect(narrower("C:\\Users\\alex\\AppData\\Roaming\\x")).toBe(false);
  });

  it("returns the first pattern in list order that matches", () => {
    const m = pathMatcher([pattern("\\b\\"), pattern("C:\\a")]);
    expect(m("C:\\a\\b\\f")?.text).toBe("\\b\\");
    expect(m("C:\\a\\f")?.text).toBe("C:\\a");
    expect(m("C:\\z\\f")).toBeNull();
  });

  it("splits paths on both separators, removes long-path prefixes and resolves ..", () => {
    expect(splitPath("\\\\?\\C:\\Temp\\..\\Users\\.\\Alex")).toEqual({ root: "c:", segments: ["users", "alex"] });
    expect(splitPath("//Server/Share/x")).toEqual({ root: "\\\\server", segments: ["share", "x"] });
    expect(splitPath("/var/log")).toEqual({ root: null, segments: ["var", "log"] });
  });

  it("refuses patterns it cannot read, saying how to write them", () => {
    expect(reason("")).toBe("is empty; write a folder such as C:\\temp or \\public\\local\\.");
    expect(reason(5)).toBe("is not a path; write a folder such as C:\\temp or \\public\\local\\.");
    expect(reason("C:\\Users\\a*\\Desktop")).toBe(
      'has "*" inside the name "a*"; a wildcard stands alone for whole folders: * for one level (C:\\Users\\*\\Desktop) or *(n) for up to n levels.',
    );
    expect(reason("C:\\Users\\*(0)\\Desktop")).toBe("has *(0); n must be from 1 to 20 folder levels.");
    expect(reason("C:\\Users\\*(21)\\x")).toBe("has *(21); n must be from 1 to 20 folder levels.");
    expect(reason("C:\\temp\\..\\x")).toMatch(/^contains "\.\."/);
    expect(reason("\\*\\")).toBe(
      "has no folder name; a pattern without a drive or server needs one, such as \\public\\local\\.",
    );
    expect(reason("C:\\a?b")).toBe('contains "?", which is not a wildcard here; use * for one folder level.');
    expect(reason("C:\\a|b")).toBe('contains a control character or one of < > " |, which paths cannot hold.');
    expect(reason("\\\\?\\C:\\temp")).toBe("ok");
  });

  it("gives equivalent spellings the same key", () => {
    expect(pattern("c:/TEMP/").key).toBe(pattern("C:\\temp").key);
    expect(pattern("public/local").key).toBe(pattern("\\public\\local\\").key);
    expect(pattern("C:\\Users\\*(1)\\x").key).toBe(pattern("C:\\Users\\*\\x").key);
  });

  const name = fc.stringMatching(/^[a-z0-9]{1,8}$/);

  it("property: * matches exactly one level, *(n) one to n levels, never more", () => {
    fc.assert(
      fc.property(
        fc.array(name, { minLength: 0, maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(name, { maxLength: 3 }),
        (middle, n, rest) => {
          const path = ["C:", "root", ...middle, "target", ...rest, "f.txt"].join("\\");
          const levels = middle.length;
          expect(matcher("C:\\root\\*\\target")(path)).toBe(levels === 1);
          expect(matcher(`C:\\root\\*(${n})\\target`)(path)).toBe(levels >= 1 && levels <= n);
        },
      ),
    );
  });

  it("property: a contains pattern matches wherever its folders appear, with either separator and any case", () => {
    fc.assert(
      fc.property(
        fc.array(name, { maxLength: 5 }),
        fc.array(name, { minLength: 1, maxLength: 3 }),
        (before, folders) => {
          const m = matcher(`\\${folders.join("\\")}\\`);
          const path = `D:/${[...before, ...folders.map((f) => f.toUpperCase()), "x.txt"].join("/")}`;
          expect(m(path)).toBe(true);
        },
      ),
    );
  });
});
