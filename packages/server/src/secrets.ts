// Passwords and client secrets: scrypt hashes with a per-secret salt. Tokens: HS256 JWTs.

import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, keylen: number, opts: object) => Promise<Buffer>;
// N=2^14, r=8, p=1: the interactive-login parameters recommended for scrypt; ~30 ms per hash here.
const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEYLEN = 32;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(secret, salt, KEYLEN, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyB64, "base64");
  const key = await scrypt(secret, Buffer.from(saltB64, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * Client secrets and generated passwords: URL- and form-safe characters only (no + & = % or space),
 * because some upload clients send the token request body without URL-encoding it.
 */
export function generateSecret(length = 40): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.~";
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] as number) % alphabet.length];
  return out;
}

/**
 * Client secrets are checked on every token request, and upload scripts ask for a token before every
 * chunk: a scrypt check each time costs ~30 ms of CPU and 16 MiB of memory. After one successful scrypt
 * check, the SHA-256 of the secret is remembered in memory (keyed by the stored hash, so a rotated
 * secret starts over) for a few minutes and matched in constant time instead.
 */
const VERIFIED_TTL_MS = 10 * 60_000;
const VERIFIED_MAX = 1000;
const verified = new Map<string, { digest: Buffer; until: number }>();

export async function verifySecretCached(secret: string, stored: string, nowMs: number = Date.now()): Promise<boolean> {
  const digest = createHash("sha256").update(secret).digest();
  const hit = verified.get(stored);
  if (hit && hit.until > nowMs && timingSafeEqual(hit.digest, digest)) return true;
  if (!(await verifySecret(secret, stored))) return false;
  if (verified.size >= VERIFIED_MAX) verified.clear();
  verified.set(stored, { digest, until: nowMs + VERIFIED_TTL_MS });
  return true;
}
