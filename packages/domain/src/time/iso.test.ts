import { describe, expect, it } from "vitest";
import { toIsoUtc } from "./iso.ts";

describe("toIsoUtc", () => {
  it("keeps microseconds from PostgreSQL text", () => {
    expect(toIsoUtc("2019-04-23 09:48:02.467504+00")).toBe("2019-04-23T09:48:02.467504Z");
    expect(toIsoUtc("2019-04-23 09:48:02+00")).toBe("2019-04-23T09:48:02Z");
  });
  it("normalises other offsets to UTC", () => {
    expect(toIsoUtc("2019-04-23 15:18:02.467504+05:30")).toBe("2019-04-23T09:48:02.467504Z");
  });
  it("passes null through", () => {
    expect(toIsoUtc(null)).toBeNull();
  });
});
