// Short-lived HS256 JWTs for console sessions and app (client-credentials) tokens, and the
// long-lived opaque provisioning tokens an identity provider keeps for SCIM.

import { createHash, randomBytes } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

export interface TokenClaims {
  /** Account id or app registration client id. */
  sub: string;
  kind: "account" | "app";
  /** Session id for account tokens (revocable). */
  sid?: string;
  tid: string;
}

export interface IssuedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function issueToken(
  claims: TokenClaims,
  secret: string,
  nowMs: number,
  lifetimeSeconds: number,
): Promise<IssuedToken> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + lifetimeSeconds;
  const token = await new SignJWT({ kind: claims.kind, tid: claims.tid, ...(claims.sid ? { sid: claims.sid } : {}) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setNotBefore(iat - 300)
    .setExpirationTime(exp)
    .setIssuer("openirm")
    .sign(key(secret));
  return { token, issuedAt: iat, expiresAt: exp };
}

/** Returns the claims, or a reason the token is not acceptable. */
export async function verifyToken(
  token: string,
  secret: string,
  nowMs: number,
): Promise<{ ok: true; claims: TokenClaims } | { ok: false; reason: string }> {
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: "openirm",
      algorithms: ["HS256"],
      currentDate: new Date(nowMs),
    });
    if (typeof payload.sub !== "string" || (payload.kind !== "account" && payload.kind !== "app")) {
      return { ok: false, reason: "The token is malformed." };
    }
    return {
      ok: true,
      claims: {
        sub: payload.sub,
        kind: payload.kind,
        tid: String(payload.tid),
        ...(typeof payload.sid === "string" ? { sid: payload.sid } : {}),
      },
    };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_JWT_EXPIRED") return { ok: false, reason: "The token has expired." };
    if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED")
      return { ok: false, reason: "The token signature is invalid." };
    return { ok: false, reason: "The token is invalid." };
  }
}

/**
 * Provisioning tokens: what an identity provider that keeps one fixed bearer token (Okta, Entra ID's
 * "Secret Token") sends to /scim/v2. The prefix lets people, logs and secret scanners recognise one;
 * the rest is 32 random bytes (256 bits) in base64url, 43 characters.
 */
export const PROVISIONING_TOKEN_PREFIX = "oirm_scim_";
const PROVISIONING_TOKEN_PATTERN = /^oirm_scim_[A-Za-z0-9_-]{43}$/;

export function generateProvisioningToken(): string {
  return `${PROVISIONING_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Whether a bearer token claims to be a provisioning token (by its prefix; it may still be malformed). */
export function isProvisioningToken(token: string): boolean {
  return token.startsWith(PROVISIONING_TOKEN_PREFIX);
}

export function isWellFormedProvisioningToken(token: string): boolean {
  return PROVISIONING_TOKEN_PATTERN.test(token);
}

/**
 * The stored form of a provisioning token: SHA-256, hex. Passwords and client secrets get scrypt
 * (secrets.ts) because people choose them, so a stolen hash could be attacked with guesses and a slow,
 * salted hash makes each guess expensive. A provisioning token is 256 random bits: no list of likely
 * values exists and 2^256 guesses are out of reach at any hash speed, so a slow hash would add nothing
 * but ~30 ms of CPU to every SCIM request. A fast, unsalted, deterministic hash also lets the lookup be
 * one equality on a unique index (O(1)) instead of trying every stored hash. Comparing in the index is
 * not a timing risk either: learning that a guess's hash shares a prefix with a stored hash does not
 * help to find a token with that hash.
 */
export function hashProvisioningToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
