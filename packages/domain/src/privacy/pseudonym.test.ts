import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ALIAS_PATTERN, aliasFromDigest } from "./pseudonym.ts";

describe("pseudonym aliases", () => {
  it("formats 40 bits as Anon-XXXX-XXXX without look-alike characters", () => {
    expect(aliasFromDigest(new Uint8Array([0, 0, 0, 0, 0]))).toBe("Anon-2222-2222");
    expect(aliasFromDigest(new Uint8Array([255, 255, 255, 255, 255, 1]))).toBe("Anon-ZZZZ-ZZZZ");
    expect(aliasFromDigest(new Uint8Array([0x08, 0x86, 0x40, 0, 0]))).toBe("Anon-3456-2222");
  });

  it("is stable per key and user, and differs across keys and users", () => {
    const alias = (key: string, user: string) => aliasFromDigest(createHmac("sha256", key).update(user).digest());
    const a = alias("k1", "user-1");
    expect(a).toMatch(ALIAS_PATTERN);
    expect(alias("k1", "user-1")).toBe(a);
    expect(alias("k2", "user-1")).not.toBe(a);
    const many = new Set(Array.from({ length: 2000 }, (_, i) => alias("k1", `user-${i}`)));
    expect(many.size).toBe(2000);
    for (const x of many) expect(x).not.toMatch(/[01IO]/);
  });
});
