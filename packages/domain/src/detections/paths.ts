// File path exclusions. Paths and patterns are compared folder by folder (segment by segment),
// case-insensitively, with "\" and "/" both read as separators.
//
// A pattern is a PREFIX when it starts with a drive letter (C:\temp) or a server (\\ms.temp\share):
// it matches that folder and everything under it, from the start of the path only. Any other
// pattern (\public\local\, or one without a leading separator) is CONTAINS: it matches where its
// folders appear as whole consecutive folders anywhere in the path. So C:\temp matches
// C:\temp\sub\f.txt but not C:\temporary\f.txt, and \public\local\ matches D:\x\public\local\f.txt.
//
// Wildcards stand for whole folders: "*" is exactly one folder level (C:\Users\*\Desktop), "*(n)"
// is one to n levels (C:\Users\*(2)\Desktop matches C:\Users\alex\Desktop and
// C:\Users\alex\x\Desktop). A "*" inside a name is refused.

import { CONTROL_CHARACTER, fail, ok, type Parsed } from "./parse.ts";

/** The exclusions selected by default; each can be deselected. */
export const DEFAULT_FILE_PATH_EXCLUSIONS = [
  "\\Users\\*\\AppData",
  "\\Users\\*\\AppData\\Local",
  "\\Users\\*\\AppData\\Local\\Roaming",
  "\\Users\\*\\AppData\\Local\\Local\\Temp",
] as const;

export const MAX_PATH_PATTERN_LENGTH = 1024;
/** The largest n of a "*(n)" wildcard. */
export const MAX_WILDCARD_LEVELS = 20;

export interface SplitPath {
  /** "c:" for a drive, "\\\\server" for a UNC path, null for a path without either. */
  root: string | null;
  /** Lower-case folder and file names, without empty or "." segments. */
  segments: string[];
}

/**
 * Splits a path into its root and lower-case segments. "/" and "\" are both separators; the
 * long-path prefixes \\?\ and \\?\UNC\ are removed; ".." steps back one folder.
 */
export function splitPath(path: string): SplitPath {
  let s = path.trim();
  if (s.includes("/")) s = s.replace(/\//g, "\\");
  if (s.startsWith("\\\\?\\") || s.startsWith("\\\\.\\")) {
    s = s.slice(4);
    if (/^unc\\/i.test(s)) s = `\\\\${s.slice(4)}`;
  }
  s = s.toLowerCase();
  let root: string | null = null;
  if (s.startsWith("\\\\")) {
    let from = 2;
    while (s[from] === "\\") from++;
    const cut = s.indexOf("\\", from);
    const server = cut < 0 ? s.slice(from) : s.slice(from, cut);
    if (server !== "") {
      root = `\\\\${server}`;
      s = cut < 0 ? "" : s.slice(cut + 1);
    }
  } else if (s.length >= 2 && s[1] === ":" && /^[a-z]$/.test(s[0] as string)) {
    root = s.slice(0, 2);
    s = s.slice(2);
  }
  const segments: string[] = [];
  for (const part of s.split("\\")) {
    if (part === "" || part === ".") continue;
    if (part === "..") segments.pop();
    else segments.push(part);
  }
  return { root, segments };
}

/** A folder-level wildcard: "*" = {1, 1}, "*(n)" = {1, n}. */
export interface Wildcard {
  min: number;
  max: number;
}
export type PathToken = string | Wildcard;

export interface PathPattern {
  text: string;
  kind: "prefix" | "contains";
  root: string | null;
  tokens: PathToken[];
  /** Canonical form: two patterns with the same key match the same paths. */
  key: string;
}

const STAR_N = /^\*\((\d+)\)$/;

/** Checks one pattern and compiles it; the reason names the fix when it is refused. */
export function parsePathPattern(value: unknown): Parsed<PathPattern> {
  if (typeof value !== "string") return fail("is not a path; write a folder such as C:\\temp or \\public\\local\\.");
  const text = value.trim();
  if (text === "") return fail("is empty; write a folder such as C:\\temp or \\public\\local\\.");
  if (text.length > MAX_PATH_PATTERN_LENGTH) {
    return fail(`is longer than ${MAX_PATH_PATTERN_LENGTH} characters; shorten it to the folder to exclude.`);
  }
  if (CONTROL_CHARACTER.test(text) || /[<>"|]/.test(text)) {
    return fail('contains a control character or one of < > " |, which paths cannot hold.');
  }
  const body = text.replace(/^[\\/]{2}[?.][\\/]/, "");
  if (body.includes("?")) return fail('contains "?", which is not a wildcard here; use * for one folder level.');
  const split = splitPath(text);
  if (text.split(/[\\/]/).includes("..")) {
    return fail(
      'contains "..", write the folder\'s full path instead (C:\\Users\\alex rather than C:\\temp\\..\\Users\\alex).',
    );
  }
  if (split.root?.includes("*"))
    return fail("has a wildcard in the drive or server name; wildcards stand for folders only.");
  const tokens: PathToken[] = [];
  for (const segment of split.segments) {
    if (segment === "*") {
      tokens.push({ min: 1, max: 1 });
      continue;
    }
    const starN = STAR_N.exec(segment);
    if (starN) {
      const n = Number(starN[1]);
      if (n < 1 || n > MAX_WILDCARD_LEVELS) {
        return fail(`has *(${starN[1]}); n must be from 1 to ${MAX_WILDCARD_LEVELS} folder levels.`);
      }
      tokens.push({ min: 1, max: n });
      continue;
    }
    if (segment.includes("*")) {
      return fail(
        `has "*" inside the name ${JSON.stringify(segment)}; a wildcard stands alone for whole folders: * for one level (C:\\Users\\*\\Desktop) or *(n) for up to n levels.`,
      );
    }
    tokens.push(segment);
  }
  if (split.root === null && !tokens.some((t) => typeof t === "string")) {
    return fail("has no folder name; a pattern without a drive or server needs one, such as \\public\\local\\.");
  }
  const tokenText = tokens.map((t) => (typeof t === "string" ? t : t.max === 1 ? "*" : `*(${t.max})`)).join("\\");
  const key = split.root === null ? `\\${tokenText}` : tokenText === "" ? split.root : `${split.root}\\${tokenText}`;
  return ok({ text, kind: split.root === null ? "contains" : "prefix", root: split.root, tokens, key });
}

/**
 * Whether the tokens match the segments from `start` on, leaving any rest (the folders and files
 * below the matched folder). The set of reachable positions is advanced token by token, so a
 * pattern with several *(n) costs tokens × path depth × n at most, never more.
 */
export function matchesFrom(tokens: readonly PathToken[], segments: readonly string[], start: number): boolean {
  let literal = 0;
  while (literal < tokens.length && typeof tokens[literal] === "string") {
    if (segments[start + literal] !== tokens[literal]) return false;
    literal++;
  }
  if (literal === tokens.length) return true;
  let positions = [start + literal];
  for (let t = literal; t < tokens.length; t++) {
    const token = tokens[t] as PathToken;
    const next: number[] = [];
    for (const p of positions) {
      if (typeof token === "string") {
        if (p < segments.length && segments[p] === token && !next.includes(p + 1)) next.push(p + 1);
      } else {
        for (let k = token.min; k <= token.max && p + k <= segments.length; k++) {
          if (!next.includes(p + k)) next.push(p + k);
        }
      }
    }
    if (next.length === 0) return false;
    positions = next;
  }
  return true;
}

/** Whether one pattern matches a path (for explanations and tests; use pathMatcher for many). */
export function patternMatchesPath(pattern: PathPattern, path: string): boolean {
  return pathMatcher([pattern])(path) !== null;
}

/**
 * Compiles patterns into one matcher that returns the first matching pattern in list order (or
 * null). Prefix patterns are indexed by drive or server and first folder name, contains patterns
 * by their first folder name, so a path is compared only with the patterns that can match it.
 */
export function pathMatcher(patterns: readonly PathPattern[]): (path: string) => PathPattern | null {
  if (patterns.length === 0) return () => null;
  type Entry = { p: PathPattern; order: number };
  const byRootAndName = new Map<string, Entry[]>();
  const byRoot = new Map<string, Entry[]>();
  const byFirstName = new Map<string, Entry[]>();
  const wildFirst: Entry[] = [];
  const push = (map: Map<string, Entry[]>, key: string, p: PathPattern) => {
    const entry = { p, order: entries++ };
    const list = map.get(key);
    if (list) list.push(entry);
    else map.set(key, [entry]);
  };
  let entries = 0;
  for (const p of patterns) {
    const first = p.tokens[0];
    if (p.kind === "prefix") {
      if (typeof first === "string") push(byRootAndName, `${p.root}\\${first}`, p);
      else push(byRoot, p.root as string, p);
    } else if (typeof first === "string") push(byFirstName, first, p);
    else wildFirst.push({ p, order: entries++ });
  }
  const none: Entry[] = [];
  const best = (candidates: readonly Entry[], segments: readonly string[], start: number, bestOrder: number) => {
    let found = -1;
    for (const entry of candidates) {
      if (
        entry.order < bestOrder &&
        (found < 0 || entry.order < found) &&
        matchesFrom(entry.p.tokens, segments, start)
      ) {
        found = entry.order;
      }
    }
    return found;
  };
  const byOrder: PathPattern[] = [];
  for (const map of [byRootAndName, byRoot, byFirstName])
    for (const list of map.values()) for (const e of list) byOrder[e.order] = e.p;
  for (const e of wildFirst) byOrder[e.order] = e.p;
  return (path) => {
    const { root, segments } = splitPath(path);
    let bestOrder = Number.POSITIVE_INFINITY;
    const consider = (found: number) => {
      if (found >= 0 && found < bestOrder) bestOrder = found;
    };
    if (root !== null) {
      consider(best(byRoot.get(root) ?? none, segments, 0, bestOrder));
      if (segments.length > 0)
        consider(best(byRootAndName.get(`${root}\\${segments[0]}`) ?? none, segments, 0, bestOrder));
    }
    for (let i = 0; i < segments.length; i++) {
      const named = byFirstName.get(segments[i] as string);
      if (named !== undefined) consider(best(named, segments, i, bestOrder));
      if (wildFirst.length > 0) consider(best(wildFirst, segments, i, bestOrder));
    }
    return bestOrder === Number.POSITIVE_INFINITY ? null : (byOrder[bestOrder] as PathPattern);
  };
}
