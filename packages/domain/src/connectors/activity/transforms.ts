// The small value transforms a mapping may apply to a field before it becomes an attribute (or is
// compared in a condition): case, e-mail or URL → domain, path → file name or extension, splitting
// a list, number, Boolean, first item, count, and a value map. Each is a pure function of one value;
// a list value is transformed item by item (except first, last, count).

import { parseBoolean, parseNumber } from "../schema.ts";

export const TRANSFORM_NAMES = [
  "lower",
  "upper",
  "trim",
  "domain",
  "fileName",
  "extension",
  "split",
  "number",
  "boolean",
  "first",
  "last",
  "count",
  "map",
] as const;
export type TransformName = (typeof TRANSFORM_NAMES)[number];

export type Transform =
  | { name: Exclude<TransformName, "split" | "map"> }
  | { name: "split"; separator: string | null }
  | { name: "map"; values: Record<string, string | number | boolean | null>; lowerKeys: Map<string, unknown> };

export type TransformResult = { ok: true; value: unknown } | { ok: false; reason: string };

const SPLIT_DEFAULT = /[,;]/;

function eachItem(value: unknown, fn: (item: unknown) => TransformResult): TransformResult {
  if (!Array.isArray(value)) return fn(value);
  const out: unknown[] = [];
  for (const item of value) {
    const r = fn(item);
    if (!r.ok) return r;
    if (r.value !== undefined && r.value !== null) out.push(r.value);
  }
  return { ok: true, value: out };
}

const ok = (value: unknown): TransformResult => ({ ok: true, value });

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** The domain of an e-mail address or URL, lower case; a bare domain is returned lower case. */
export function domainOf(text: string): string | null {
  let t = text.trim();
  if (t === "") return null;
  // "Name <user@example.com>"
  const angle = /<([^>]+)>/.exec(t);
  if (angle) t = (angle[1] as string).trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    t = t.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
    t = t.split(/[/?#]/, 1)[0] as string;
    t = t.slice(t.lastIndexOf("@") + 1);
  } else if (t.includes("@")) {
    t = t.slice(t.lastIndexOf("@") + 1);
  } else {
    t = t.split(/[/?#]/, 1)[0] as string;
  }
  t = t.replace(/:\d+$/, "").replace(/\.$/, "").toLowerCase();
  return t === "" ? null : t;
}

/** The last segment of a path or URL (either slash). */
export function fileNameOf(text: string): string | null {
  const t = text.trim().replace(/[?#].*$/, "");
  const parts = t.split(/[\\/]/);
  const name = (parts[parts.length - 1] as string).trim();
  return name === "" ? null : name;
}

/**
 * The extension of a file name or path: the text after the name's last dot, lower case; null when
 * the name has no dot (or only a leading one, as in ".profile").
 */
export function extensionOf(text: string): string | null {
  const name = fileNameOf(text);
  if (!name) return null;
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return null;
  return name.slice(dot + 1).toLowerCase();
}

/** Applies one transform. */
export function applyTransform(transform: Transform, value: unknown): TransformResult {
  if (value === undefined || value === null) {
    return transform.name === "count" ? ok(0) : ok(value);
  }
  switch (transform.name) {
    case "first":
      return ok(Array.isArray(value) ? value[0] : value);
    case "last":
      return ok(Array.isArray(value) ? value[value.length - 1] : value);
    case "count":
      if (Array.isArray(value)) return ok(value.length);
      return ok(scalarText(value)?.trim() ? 1 : 0);
    case "split":
      return flatten(eachItem(value, (item) => splitOne(item, transform.separator)));
    default:
      return eachItem(value, (item) => applyToItem(transform, item));
  }
}

function splitOne(item: unknown, separator: string | null): TransformResult {
  const text = scalarText(item);
  if (text === undefined) return ok(item);
  return ok(
    text
      .split(separator ?? SPLIT_DEFAULT)
      .map((p) => p.trim())
      .filter((p) => p !== ""),
  );
}

function flatten(result: TransformResult): TransformResult {
  if (!result.ok) return result;
  const value = result.value;
  if (!Array.isArray(value)) return result;
  return ok(value.flatMap((v) => (Array.isArray(v) ? v : [v])));
}

function applyToItem(transform: Transform, item: unknown): TransformResult {
  if (item === undefined || item === null) return ok(item);
  switch (transform.name) {
    case "lower":
    case "upper":
    case "trim": {
      const text = scalarText(item);
      if (text === undefined) return ok(item);
      const t = text.trim();
      return ok(transform.name === "lower" ? t.toLowerCase() : transform.name === "upper" ? t.toUpperCase() : t);
    }
    case "domain": {
      const text = scalarText(item);
      return text === undefined ? ok(item) : ok(domainOf(text));
    }
    case "fileName": {
      const text = scalarText(item);
      return text === undefined ? ok(item) : ok(fileNameOf(text));
    }
    case "extension": {
      const text = scalarText(item);
      return text === undefined ? ok(item) : ok(extensionOf(text));
    }
    case "number": {
      if (typeof item === "number") return ok(item);
      const text = scalarText(item);
      if (text === undefined || text.trim() === "") return ok(text === undefined ? item : null);
      const n = parseNumber(text);
      return n === undefined ? { ok: false, reason: `'${text}' is not a number.` } : ok(n);
    }
    case "boolean": {
      if (typeof item === "boolean") return ok(item);
      const text = scalarText(item);
      if (text === undefined || text.trim() === "") return ok(text === undefined ? item : null);
      const b = parseBoolean(text);
      return b === undefined ? { ok: false, reason: `'${text}' is not true or false.` } : ok(b);
    }
    case "map": {
      const text = scalarText(item);
      if (text === undefined) return ok(item);
      if (Object.hasOwn(transform.values, text)) return ok(transform.values[text]);
      const lower = transform.lowerKeys.get(text.trim().toLowerCase());
      return lower !== undefined ? ok(lower) : ok(item);
    }
    default:
      return ok(item);
  }
}

/** Applies transforms in order; stops at the first that fails. */
export function applyTransforms(transforms: readonly Transform[], value: unknown): TransformResult {
  let current: unknown = value;
  for (const t of transforms) {
    const result = applyTransform(t, current);
    if (!result.ok) return result;
    current = result.value;
  }
  return ok(current);
}
