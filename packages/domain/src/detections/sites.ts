// Site URL exclusions: a site URL excludes itself and everything under it. URLs are compared
// without scheme, query or fragment, host lower-case (punycode), path folder by folder,
// percent-decoded and case-insensitive: https://contoso.sharepoint.com/sites/HR excludes
// https://contoso.sharepoint.com/sites/hr/Shared%20Documents/a.docx but not …/sites/hrteam.

import { CONTROL_CHARACTER, fail, isAscii, ok, type Parsed } from "./parse.ts";

export const MAX_SITE_URL_LENGTH = 2048;

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

interface SiteKey {
  protocol: string;
  host: string;
  segments: string[];
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// Plain ASCII http(s) URLs without user info, dot segments or backslashes are read without the
// URL parser (several times faster); everything else goes through it.
const SIMPLE_URL = /^(?:(https?):\/\/)?([a-z0-9.-]+)(?::(\d{1,5}))?(\/[^?#\\]*)?(?:[?#].*)?$/i;
const DEFAULT_PORT: Record<string, string> = { "https:": "443", "http:": "80" };

function simpleSiteKey(text: string): SiteKey | null {
  const m = SIMPLE_URL.exec(text);
  if (!m || (m[2] as string) === "" || !isAscii(text)) return null;
  const protocol = `${(m[1] ?? "https").toLowerCase()}:`;
  const port = m[3] !== undefined && String(Number(m[3])) !== DEFAULT_PORT[protocol] ? `:${Number(m[3])}` : "";
  const segments: string[] = [];
  for (const part of (m[4] ?? "").split("/")) {
    if (part === "") continue;
    if (part === "." || part === ".." || /%2e/i.test(part)) return null;
    segments.push((part.includes("%") ? decode(part) : part).toLowerCase());
  }
  return { protocol, host: `${(m[2] as string).toLowerCase()}${port}`, segments };
}

/** Reads a URL (a missing scheme means https); null when it is not an http(s) URL. */
function siteKey(text: string): SiteKey | null {
  const trimmed = text.trim();
  const simple = simpleSiteKey(trimmed);
  if (simple !== null) return simple;
  const withScheme = SCHEME.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.host === "") return null;
  const segments = url.pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decode(s).toLowerCase());
  return { protocol: url.protocol, host: url.host, segments };
}

/**
 * Checks one site URL and returns its stored form: scheme (https when none is given), host,
 * lower-case decoded path, no trailing slash, no query or fragment.
 */
export function parseSiteUrl(value: unknown): Parsed<string> {
  const example = "https://contoso.sharepoint.com/sites/Finance";
  if (typeof value !== "string") return fail(`is not a URL; write a site such as ${example}.`);
  const text = value.trim();
  if (text === "") return fail(`is empty; write a site such as ${example}.`);
  if (text.length > MAX_SITE_URL_LENGTH) return fail(`is longer than ${MAX_SITE_URL_LENGTH} characters.`);
  if (CONTROL_CHARACTER.test(text)) return fail("contains a control character; write one URL per entry.");
  const scheme = SCHEME.exec(text);
  if (scheme && !/^https?$/i.test(scheme[1] as string)) {
    return fail(`has the scheme ${scheme[1]}:; site URLs are http or https, such as ${example}.`);
  }
  let url: URL;
  try {
    url = new URL(scheme ? text : `https://${text}`);
  } catch {
    return fail(`is not a URL; write a site such as ${example}.`);
  }
  if (url.username !== "" || url.password !== "") return fail("contains a user name or password; leave them out.");
  const key = siteKey(url.href);
  if (key === null || !/^[a-z0-9.-]+(:\d+)?$/.test(key.host)) {
    return fail(`is not a URL; write a site such as ${example}.`);
  }
  return ok(`${key.protocol}//${key.host}${key.segments.map((s) => `/${s}`).join("")}`);
}

interface SiteNode {
  end: boolean;
  children: Map<string, SiteNode>;
}

/** Compiles site URLs into a tree (host, then folders) walked once per URL. */
export function siteMatcher(urls: readonly string[]): (url: string) => string | null {
  if (urls.length === 0) return () => null;
  const hosts = new Map<string, { node: SiteNode; url: string | null }>();
  const owners = new Map<SiteNode, string>();
  for (const url of urls) {
    const key = siteKey(url);
    if (key === null) continue;
    let entry = hosts.get(key.host);
    if (!entry) {
      entry = { node: { end: false, children: new Map() }, url: null };
      hosts.set(key.host, entry);
    }
    let node = entry.node;
    for (const segment of key.segments) {
      let child = node.children.get(segment);
      if (!child) {
        child = { end: false, children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    if (!node.end) {
      node.end = true;
      owners.set(node, url);
    }
  }
  return (url) => {
    const key = siteKey(url);
    if (key === null) return null;
    let node = hosts.get(key.host)?.node;
    if (!node) return null;
    if (node.end) return owners.get(node) ?? null;
    for (const segment of key.segments) {
      node = node.children.get(segment);
      if (!node) return null;
      if (node.end) return owners.get(node) ?? null;
    }
    return null;
  };
}
