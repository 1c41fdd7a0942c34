import { describe, expect, it } from "vitest";
import { parseTimestamp } from "./timestamps.ts";

const iso = (text: string) => {
  const r = parseTimestamp(text);
  if (!r.ok) throw new Error(r.reason);
  return r.iso;
};

describe("parseTimestamp", () => {
  it("normalises offsets to UTC and keeps microseconds, truncating the 7th digit", () => {
    expect(iso("2019-04-23T15:18:02.4675041+05:30")).toBe("2019-04-23T09:48:02.467504Z");
    expect(iso("2019-04-29T15:18:02.7117540")).toBe("2019-04-29T15:18:02.711754Z");
    expect(iso("2023-04-20T05:52:56.962686Z")).toBe("2023-04-20T05:52:56.962686Z");
    expect(iso("2023-04-20T05:52:56.9999999Z")).toBe("2023-04-20T05:52:56.999999Z");
    expect(iso("2019-04-24T09:15:49Z")).toBe("2019-04-24T09:15:49Z");
    expect(iso("2019-04-24T01:15:49-0800")).toBe("2019-04-24T09:15:49Z");
    expect(iso("2019-04-24T10:15:49+01")).toBe("2019-04-24T09:15:49Z");
  });

  it("crosses day and year boundaries through the offset", () => {
    expect(iso("2024-01-01T02:00:00+05:30")).toBe("2023-12-31T20:30:00Z");
    expect(iso("2023-12-31T23:30:00.5-01:00")).toBe("2024-01-01T00:30:00.5Z");
  });

  it("reads a date alone as midnight UTC and accepts a space separator and a comma fraction", () => {
    expect(iso("2023-04-24")).toBe("2023-04-24T00:00:00Z");
    expect(iso("2023-04-24 05:52:56,25")).toBe("2023-04-24T05:52:56.25Z");
    expect(iso("2023-04-24T05:52Z")).toBe("2023-04-24T05:52:00Z");
  });

  it("handles leap days and early years", () => {
    expect(iso("2024-02-29T12:00:00Z")).toBe("2024-02-29T12:00:00Z");
    expect(iso("0099-01-01T00:00:00Z")).toBe("0099-01-01T00:00:00Z");
  });

  it("explains what is wrong with an impossible or malformed value", () => {
    expect(parseTimestamp("2023-13-01")).toEqual({
      ok: false,
      reason: expect.stringMatching(/^'2023-13-01' is not an ISO 8601 date and time \(month 13 does not exist\)\./),
    });
    expect(parseTimestamp("2023-02-29T00:00:00Z")).toMatchObject({
      reason: expect.stringContaining("day 29 does not exist"),
    });
    expect(parseTimestamp("2023-04-24T24:00:00Z")).toMatchObject({ reason: expect.stringContaining("time of day") });
    expect(parseTimestamp("2023-04-24T10:00:00+19:00")).toMatchObject({ reason: expect.stringContaining("offset") });
    for (const text of ["24/04/2023", "yesterday", "", "2023-04-24T05:52:56.1234567890Z", "1682315576"]) {
      expect(parseTimestamp(text).ok, text).toBe(false);
    }
  });
});
