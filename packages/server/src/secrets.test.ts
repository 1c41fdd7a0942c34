import { describe, expect, it } from "vitest";
import { generateSecret, hashSecret, verifySecret, verifySecretCached } from "./secrets.ts";

describe("secrets", () => {
  it("verifies the right secret and refuses a wrong one", async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifySecret(secret, stored)).toBe(true);
    expect(await verifySecret(`${secret}x`, stored)).toBe(false);
  });

  it("keeps refusing wrong secrets after a right one was remembered, and forgets after ten minutes", async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);
    expect(await verifySecretCached(secret, stored, 0)).toBe(true);
    expect(await verifySecretCached("not-the-secret", stored, 1000)).toBe(false);
    expect(await verifySecretCached(secret, stored, 2000)).toBe(true);
    // A remembered secret is re-checked with scrypt after the TTL; still right, so still true.
    expect(await verifySecretCached(secret, stored, 11 * 60_000)).toBe(true);
    // Another stored hash (a rotated secret) does not match the remembered digest.
    const rotated = await hashSecret(generateSecret());
    expect(await verifySecretCached(secret, rotated, 12 * 60_000)).toBe(false);
  });
});
