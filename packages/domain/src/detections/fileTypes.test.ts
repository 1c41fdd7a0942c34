import { describe, expect, it } from "vitest";
import { fileTypeMatcher, parseFileType } from "./fileTypes.ts";

describe("file type exclusions", () => {
  it("accepts extensions with or without a leading dot, any case, and stores them lower-case without the dot", () => {
    expect(["mp3", ".MP3", "*.Mp3", " wav "].map(parseFileType)).toEqual([
      { ok: true, value: "mp3" },
      { ok: true, value: "mp3" },
      { ok: true, value: "mp3" },
      { ok: true, value: "wav" },
    ]);
    expect(parseFileType("tar.gz")).toEqual({ ok: true, value: "tar.gz" });
  });

  it("refuses what is not an extension", () => {
    expect(parseFileType("").ok).toBe(false);
    expect(parseFileType("my file")).toEqual({
      ok: false,
      reason:
        'is not a file extension: use letters, digits, - and _ (a dot only between parts, as in tar.gz), such as "mp3".',
    });
    expect(parseFileType("a..b").ok).toBe(false);
    expect(parseFileType("x".repeat(33)).ok).toBe(false);
  });

  it("matches file names, paths and bare extensions, case-insensitively, multi-part types too", () => {
    const excluded = fileTypeMatcher(["mp3", "tar.gz"]);
    expect(excluded("Song.MP3")).toBe(true);
    expect(excluded(".mp3")).toBe(true);
    expect(excluded("MP3")).toBe(true);
    expect(excluded("C:\\Music\\a.b\\song.mp3")).toBe(true);
    expect(excluded("backup.tar.gz")).toBe(true);
    expect(excluded("backup.gz")).toBe(false);
    expect(excluded("mp3.docx")).toBe(false);
    expect(excluded("C:\\a.mp3\\notes")).toBe(false);
  });
});
