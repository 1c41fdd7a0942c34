// Field paths of activity mappings: where in a record a value is. A path is names separated by dots
// (`AuditData.SourceFileName`), with bracket steps for arrays: `[0]` (an item by position, `[-1]`
// the last), `[*]` (every item), `[name=doc_title]` (the first item whose `name` field equals
// `doc_title`) and `["a.b"]` (a name holding a dot). A text value holding JSON (a CSV column such as
// the Microsoft 365 audit log's AuditData) is parsed when a path goes into it; a text that starts
// with '{' or '[' but is not valid JSON stops the record, plain text has no fields. Data only: no
// expressions are evaluated.

export type PathStep =
  | { kind: "name"; name: string }
  | { kind: "index"; index: number }
  | { kind: "all" }
  | { kind: "find"; field: string; value: string };

export interface ParsedPath {
  /** The path as written. */
  text: string;
  steps: PathStep[];
}

export type PathParse = { ok: true; path: ParsedPath } | { ok: false; reason: string };

const EXAMPLE =
  "Write names separated by dots, e.g. AuditData.SourceFileName, events[0].name or parameters[name=doc_title].value.";

function unquote(text: string): string | undefined {
  const t = text.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) {
    return t.slice(1, -1);
  }
  return undefined;
}

/** Parses a path; the reason names the character where it goes wrong. */
export function parsePath(text: string): PathParse {
  const steps: PathStep[] = [];
  const bad = (at: number, what: string): PathParse => ({
    ok: false,
    reason: `'${text}' is not a valid path: ${what} at character ${at + 1}. ${EXAMPLE}`,
  });
  if (text.trim() === "") return { ok: false, reason: `the path is empty. ${EXAMPLE}` };
  let i = 0;
  let expectName = true;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "[") {
      const close = findClose(text, i);
      if (close < 0) return bad(i, "a '[' without its ']'");
      const inner = text.slice(i + 1, close).trim();
      const quoted = unquote(inner);
      if (quoted !== undefined) {
        if (quoted === "") return bad(i, "an empty quoted name");
        steps.push({ kind: "name", name: quoted });
      } else if (inner === "*") {
        steps.push({ kind: "all" });
      } else if (/^-?\d+$/.test(inner)) {
        steps.push({ kind: "index", index: Number(inner) });
      } else if (inner.includes("=")) {
        const eq = inner.indexOf("=");
        const field = inner.slice(0, eq).trim();
        const raw = inner.slice(eq + 1).trim();
        const value = unquote(raw) ?? raw;
        if (!field || !/^[^.[\]"']+$/.test(field)) return bad(i, `'[${inner}]' needs a field name before '='`);
        if (value === "") return bad(i, `'[${inner}]' needs a value after '='`);
        steps.push({ kind: "find", field, value });
      } else {
        return bad(i, `'[${inner}]' is not an index ([0]), [*], a search ([name=value]) or a quoted name (["a.b"])`);
      }
      i = close + 1;
      expectName = false;
      continue;
    }
    if (c === ".") {
      if (expectName) return bad(i, "an empty name");
      i++;
      expectName = true;
      if (i >= text.length) return bad(i - 1, "a path ending in '.'");
      if (text[i] === "[" && unquote(text.slice(i + 1, findClose(text, i)).trim()) === undefined) {
        return bad(i, "a '.' before '['");
      }
      continue;
    }
    if (c === "]") return bad(i, "a ']' without its '['");
    let end = i;
    while (end < text.length && text[end] !== "." && text[end] !== "[" && text[end] !== "]") end++;
    if (!expectName) return bad(i, "a name right after ']' (write '.' between them)");
    const name = text.slice(i, end);
    if (name.trim() === "") return bad(i, "an empty name");
    steps.push({ kind: "name", name });
    i = end;
    expectName = false;
  }
  if (steps.length === 0) return { ok: false, reason: `the path is empty. ${EXAMPLE}` };
  return { ok: true, path: { text, steps } };
}

function findClose(text: string, open: number): number {
  let quote: string | null = null;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "]") return i;
  }
  return -1;
}

/** A value could not be read because a text on the way is not the JSON the path expects. */
export class PathJsonError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Parses texts that hold JSON once per record (a path going into them may be resolved many times). */
export class JsonTextCache {
  #cache = new Map<string, unknown>();
  parse(text: string): unknown {
    const hit = this.#cache.get(text);
    if (hit !== undefined) return hit;
    const trimmed = text.trim();
    if (trimmed === "") return undefined;
    const first = trimmed[0];
    // Plain text has no fields: the path finds nothing there.
    if (first !== "{" && first !== "[") return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new PathJsonError(`the value is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
    }
    this.#cache.set(text, parsed);
    return parsed;
  }
  clear(): void {
    if (this.#cache.size > 0) this.#cache.clear();
  }
}

function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function sameText(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/** A field of an object: the exact name, else the same name in another case. */
function field(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) return object[key];
  return undefined;
}

/**
 * The value at `steps` (from `start`) inside `value`. Undefined when any step finds nothing; an
 * array when a `[*]` step fans out. Throws PathJsonError when a text on the way is not JSON.
 */
export function walk(value: unknown, steps: readonly PathStep[], start: number, json: JsonTextCache): unknown {
  let current = value;
  for (let s = start; s < steps.length; s++) {
    if (current === undefined || current === null) return undefined;
    if (typeof current === "string") current = json.parse(current);
    if (current === undefined || current === null) return undefined;
    const step = steps[s] as PathStep;
    switch (step.kind) {
      case "name":
        if (typeof current !== "object" || Array.isArray(current)) return undefined;
        current = field(current as Record<string, unknown>, step.name);
        break;
      case "index": {
        if (!Array.isArray(current)) return undefined;
        current = current[step.index < 0 ? current.length + step.index : step.index];
        break;
      }
      case "all": {
        if (!Array.isArray(current)) return undefined;
        const out: unknown[] = [];
        for (const item of current) {
          const v = walk(item, steps, s + 1, json);
          if (Array.isArray(v)) out.push(...v);
          else if (v !== undefined && v !== null) out.push(v);
        }
        return out;
      }
      case "find": {
        if (!Array.isArray(current)) return undefined;
        current = current.find((item) => {
          if (!item || typeof item !== "object" || Array.isArray(item)) return false;
          const t = textOf(field(item as Record<string, unknown>, step.field));
          return t !== undefined && sameText(t, step.value);
        });
        break;
      }
    }
  }
  return current;
}

/** The first step's name (a CSV column or a record's top-level field); undefined for [..] starts. */
export function rootName(path: ParsedPath): string | undefined {
  const first = path.steps[0];
  return first?.kind === "name" ? first.name : undefined;
}
