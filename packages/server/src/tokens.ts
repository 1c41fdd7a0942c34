// Short-lived HS256 JWTs for console sessions and app (client-credentials) tokens.

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
