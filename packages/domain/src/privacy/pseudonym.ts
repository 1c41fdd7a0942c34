// Pseudonyms: the stable alias that stands for a monitored user wherever names are hidden.
// The server derives the digest (HMAC-SHA256 of the user id under the tenant's secret key);
// this module only turns those bytes into the alias people read.

/**
 * 32 symbols without the look-alikes 0/O and 1/I, so an alias can be read aloud or retyped
 * without mistakes. 32 symbols = 5 bits each.
 */
export const ALIAS_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/**
 * "Anon-" plus two groups of four symbols: 8 × 5 = 40 bits of the digest. With 20,000 users (the
 * largest policy scope) the chance that any two share an alias is about 0.02 %.
 */
export const ALIAS_PATTERN = /^Anon-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

const ALIAS_SYMBOLS = 8;

/** Formats the first 40 bits of a digest (at least 5 bytes) as "Anon-XXXX-XXXX". */
export function aliasFromDigest(digest: Uint8Array): string {
  if (digest.length < 5) throw new Error("A pseudonym needs at least 5 bytes of digest.");
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i]!);
  let symbols = "";
  for (let i = ALIAS_SYMBOLS - 1; i >= 0; i--) symbols += ALIAS_ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return `Anon-${symbols.slice(0, 4)}-${symbols.slice(4)}`;
}

export function isAlias(value: string): boolean {
  return ALIAS_PATTERN.test(value);
}
