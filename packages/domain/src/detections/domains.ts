// Domain lists (unallowed, allowed, third-party): entries such as contoso.com or *.contoso.com,
// stored lower-case and in their ASCII (punycode) form, each with an "include multi-level
// subdomains" flag. Matching:
//
//   contoso.com                 contoso.com only
//   contoso.com   + multi-level contoso.com and every subdomain (a.contoso.com, a.b.contoso.com)
//   *.contoso.com               one level below only (sales.contoso.com; not contoso.com, not a.b.contoso.com)
//   *.contoso.com + multi-level every subdomain at any depth (not contoso.com itself)

import { CONTROL_CHARACTER, fail, isAscii, ok, type Parsed, shown } from "./parse.ts";

export interface DomainEntry {
  /** Lower-case ASCII domain, optionally starting with "*." */
  domain: string;
  includeMultiLevelSubdomains: boolean;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Converts an internationalised host to its ASCII (punycode) form; null when it is not a host. */
export function toAsciiHost(host: string): string | null {
  if (isAscii(host)) return host.toLowerCase();
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

/** The domain a suggestion should show for a mistyped entry (scheme, path, port, e-mail stripped). */
function bareDomain(text: string): string {
  let s = text.replace(SCHEME, "");
  s = s.slice(s.lastIndexOf("@") + 1);
  s = s.split(/[/?#]/)[0] ?? s;
  return s.replace(/:\d*$/, "").toLowerCase();
}

/**
 * Checks and normalises one domain name (without the wildcard): lower-case, punycode, no trailing
 * dot, labels of letters, digits and hyphens (1–63 characters, no hyphen at either end), 253
 * characters at most. `minLabels` is 2 for a plain entry (a top-level domain alone is refused)
 * and 1 after "*." (so *.ru covers a whole top-level domain).
 */
function normaliseDomainName(text: string, minLabels: number): Parsed<string> {
  let name = text.endsWith(".") ? text.slice(0, -1) : text;
  const ascii = toAsciiHost(name);
  if (ascii === null) return fail("is not a valid domain name; write it as contoso.com.");
  name = ascii;
  if (name.length > 253) return fail("is longer than 253 characters, the longest a domain name can be.");
  const labels = name.split(".");
  for (const label of labels) {
    if (!LABEL.test(label)) {
      return fail(
        label === ""
          ? "has an empty label (two dots in a row, or a dot at the start); write it as contoso.com."
          : `has an invalid label ${shown(label)}: labels are 1–63 letters, digits or hyphens, not starting or ending with a hyphen.`,
      );
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1] as string)) {
    return fail("is an IP address; the lists hold domain names such as contoso.com.");
  }
  if (labels.length < minLabels) {
    return fail(
      `is a top-level domain alone; write a domain such as contoso.${name}, or *.${name} for every domain under it.`,
    );
  }
  return ok(name);
}

/**
 * Parses one entry: a string ("contoso.com", "*.contoso.com") or an object
 * { domain, includeMultiLevelSubdomains }. Refuses schemes, paths, ports, e-mail addresses,
 * misplaced wildcards and invalid labels, each with the fix.
 */
export function parseDomainEntry(value: unknown): Parsed<DomainEntry> {
  let text: unknown = value;
  let multi: unknown = false;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const unknownKey = Object.keys(record).find((k) => k !== "domain" && k !== "includeMultiLevelSubdomains");
    if (unknownKey !== undefined) {
      return fail(`has an unknown field ${shown(unknownKey)}; an entry has domain and includeMultiLevelSubdomains.`);
    }
    text = record.domain;
    multi = record.includeMultiLevelSubdomains ?? false;
  }
  if (typeof text !== "string") {
    return fail(
      `is not a domain; write "contoso.com" or { "domain": "*.contoso.com", "includeMultiLevelSubdomains": true }.`,
    );
  }
  if (typeof multi !== "boolean")
    return fail(`has includeMultiLevelSubdomains ${shown(multi)}; it must be true or false.`);
  const trimmed = text.trim();
  if (trimmed === "") return fail("is empty; write a domain such as contoso.com.");
  if (CONTROL_CHARACTER.test(trimmed) || /\s/.test(trimmed)) {
    return fail("contains a space or control character; write one domain per entry, such as contoso.com.");
  }
  if (SCHEME.test(trimmed)) return fail(`has a scheme; write the domain alone: ${bareDomain(trimmed)}.`);
  if (trimmed.includes("@")) return fail(`is an e-mail address; write its domain: ${bareDomain(trimmed)}.`);
  if (/[/?#\\]/.test(trimmed)) return fail(`has a path; write the domain alone: ${bareDomain(trimmed)}.`);
  if (trimmed.includes(":")) return fail(`has a port; write the domain alone: ${bareDomain(trimmed)}.`);
  const wildcard = trimmed.startsWith("*.");
  const rest = wildcard ? trimmed.slice(2) : trimmed;
  if (rest.includes("*")) {
    return fail("has a wildcard that is not at the start; write *.contoso.com to match the domains under contoso.com.");
  }
  const name = normaliseDomainName(rest, wildcard ? 1 : 2);
  if (!name.ok) return name;
  return ok({ domain: wildcard ? `*.${name.value}` : name.value, includeMultiLevelSubdomains: multi });
}

/** The identity of an entry in a list (the same domain twice is a duplicate, whatever the flag). */
export const domainEntryKey = (entry: DomainEntry) => entry.domain;

/** How an entry is written in a text list: the domain, then ",true" when multi-level is on. */
export const formatDomainEntry = (entry: DomainEntry) =>
  entry.includeMultiLevelSubdomains ? `${entry.domain},true` : entry.domain;

/**
 * The host of a domain, e-mail address or URL, lower-case ASCII without port or trailing dot:
 * "https://Sales.Contoso.com:8443/x" → sales.contoso.com, "Alex <alex@Contoso.com>" →
 * contoso.com. Null when there is no host (empty text, an IPv6 literal).
 */
export function hostOf(input: string): string | null {
  let s = input.trim();
  if (s === "") return null;
  const scheme = s.indexOf("://");
  if (scheme >= 0) {
    s = s.slice(scheme + 3);
    const end = s.search(/[/?#\\]/);
    if (end >= 0) s = s.slice(0, end);
    s = s.slice(s.lastIndexOf("@") + 1);
  } else if (s.includes("@")) {
    const lt = s.lastIndexOf("<");
    if (lt >= 0) s = s.slice(lt + 1).replace(/>.*$/, "");
    s = s.slice(s.lastIndexOf("@") + 1);
  }
  const end = s.search(/[/?#\\\s>]/);
  if (end >= 0) s = s.slice(0, end);
  if (s.startsWith("[")) return null;
  const colon = s.indexOf(":");
  if (colon >= 0) s = s.slice(0, colon);
  if (s.endsWith(".")) s = s.slice(0, -1);
  if (s === "") return null;
  return toAsciiHost(s);
}

/** One compiled list: set look-ups on the host and on each of its parent domains. */
export class DomainSet {
  private readonly exact = new Set<string>();
  private readonly exactAndBelow = new Set<string>();
  private readonly oneLevelBelow = new Set<string>();
  private readonly anyLevelBelow = new Set<string>();
  readonly size: number;

  constructor(entries: readonly DomainEntry[]) {
    for (const { domain, includeMultiLevelSubdomains: multi } of entries) {
      if (domain.startsWith("*.")) (multi ? this.anyLevelBelow : this.oneLevelBelow).add(domain.slice(2));
      else (multi ? this.exactAndBelow : this.exact).add(domain);
    }
    this.size = entries.length;
  }

  /** Whether a host (already lower-case ASCII, see hostOf) is on the list. */
  hasHost(host: string): boolean {
    if (this.size === 0) return false;
    if (this.exact.has(host) || this.exactAndBelow.has(host)) return true;
    let dot = host.indexOf(".");
    let depth = 1;
    while (dot >= 0) {
      const parent = host.slice(dot + 1);
      if (this.exactAndBelow.has(parent) || this.anyLevelBelow.has(parent)) return true;
      if (depth === 1 && this.oneLevelBelow.has(parent)) return true;
      dot = host.indexOf(".", dot + 1);
      depth++;
    }
    return false;
  }

  /** Whether a domain, e-mail address or URL is on the list. */
  has(domainOrEmailOrUrl: string): boolean {
    const host = hostOf(domainOrEmailOrUrl);
    return host !== null && this.hasHost(host);
  }
}
