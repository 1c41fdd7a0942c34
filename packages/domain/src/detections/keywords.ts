// Keyword exclusions: a rule excludes an activity when its file name, file path or e-mail subject
// contains one of the rule's keywords, unless the activity (any of those texts) also contains one
// of the rule's "unless" keywords. Example: { contains: ["training"], unless: ["compliance"] }
// excludes "Q3 training.pptx" but not "Compliance training.pptx".
//
// Matching is case-insensitive substring matching after Unicode compatibility normalisation
// (NFKC): "training" is found in "Training", "retraining" and "sales_training_v2.docx". Substrings
// rather than whole words because file names join words with _, - and capitals. All keywords of
// all rules are compiled into one Aho–Corasick automaton, so each text is read once whatever the
// number of rules.

import { CONTROL_CHARACTER, fail, isAscii, ok, type Parsed, shown } from "./parse.ts";

export interface KeywordExclusion {
  /** Keywords that exclude (at least one). */
  contains: string[];
  /** Keywords that keep the activity in scope although a `contains` keyword matched. */
  unless: string[];
}

export const MAX_KEYWORDS_PER_RULE = 50;
export const MAX_KEYWORD_LENGTH = 100;

/** Lower-case, compatibility-normalised form used on both sides of a comparison. */
export function foldKeywordText(text: string): string {
  return isAscii(text) ? text.toLowerCase() : text.normalize("NFKC").toLowerCase();
}

function parseKeywords(value: unknown, field: "contains" | "unless"): Parsed<string[]> {
  const list = typeof value === "string" ? value.split(",") : value;
  if (!Array.isArray(list))
    return fail(`has ${field} ${shown(value)}; it must be a list of keywords such as ["training"].`);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    if (typeof item !== "string") return fail(`has the ${field} keyword ${shown(item)}, which is not text.`);
    const keyword = item.trim().replace(/\s+/g, " ");
    if (keyword === "") {
      if (typeof value === "string") continue;
      return fail(`has an empty ${field} keyword; remove it.`);
    }
    if (CONTROL_CHARACTER.test(keyword))
      return fail(`has the ${field} keyword ${shown(keyword)} with a control character.`);
    if (keyword.length > MAX_KEYWORD_LENGTH) {
      return fail(`has a ${field} keyword longer than ${MAX_KEYWORD_LENGTH} characters: ${shown(keyword)}.`);
    }
    const folded = foldKeywordText(keyword);
    if (seen.has(folded)) continue;
    seen.add(folded);
    out.push(keyword);
  }
  if (out.length > MAX_KEYWORDS_PER_RULE) {
    return fail(
      `has ${out.length} ${field} keywords; a rule takes at most ${MAX_KEYWORDS_PER_RULE}. Split it into several rules.`,
    );
  }
  return ok(out);
}

/**
 * Parses one rule: { contains, unless } (lists, or comma-separated text), or a plain string,
 * which is one rule with one keyword and no exception.
 */
export function parseKeywordExclusion(value: unknown): Parsed<KeywordExclusion> {
  if (typeof value === "string") return parseKeywordExclusion({ contains: [value] });
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail('is not a keyword rule; write { "contains": ["training"], "unless": ["compliance"] }.');
  }
  const record = value as Record<string, unknown>;
  const unknownKey = Object.keys(record).find((k) => k !== "contains" && k !== "unless");
  if (unknownKey !== undefined) {
    return fail(`has an unknown field ${shown(unknownKey)}; a keyword rule has contains and unless.`);
  }
  const contains = parseKeywords(record.contains ?? [], "contains");
  if (!contains.ok) return contains;
  if (contains.value.length === 0) {
    return fail('has no "contains" keyword; give at least one, as in { "contains": ["training"] }.');
  }
  const unless = parseKeywords(record.unless ?? [], "unless");
  if (!unless.ok) return unless;
  return ok({ contains: contains.value, unless: unless.value });
}

/** A text-list line: "training, onboarding | compliance" (keywords, then optional exceptions after |). */
export function parseKeywordLine(line: string): Parsed<KeywordExclusion> {
  const bar = line.indexOf("|");
  const contains = bar < 0 ? line : line.slice(0, bar);
  const unless = bar < 0 ? "" : line.slice(bar + 1);
  if (unless.includes("|"))
    return fail('has more than one "|"; write keywords | exceptions, as in training | compliance.');
  return parseKeywordExclusion({ contains, unless });
}

export const formatKeywordExclusion = (rule: KeywordExclusion) =>
  rule.unless.length === 0 ? rule.contains.join(", ") : `${rule.contains.join(", ")} | ${rule.unless.join(", ")}`;

/** Identity of a rule in a list: its folded, sorted keywords on both sides. */
export const keywordExclusionKey = (rule: KeywordExclusion) =>
  `${rule.contains.map(foldKeywordText).sort().join("\u0001")}\u0000${rule.unless.map(foldKeywordText).sort().join("\u0001")}`;

/** Aho–Corasick automaton over UTF-16 code units: finds every keyword occurring in a text in one pass. */
class KeywordAutomaton {
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly output: number[][] = [[]];

  constructor(keywords: readonly string[]) {
    keywords.forEach((keyword, id) => {
      let state = 0;
      for (let i = 0; i < keyword.length; i++) {
        const c = keyword.charCodeAt(i);
        let to = this.next[state]!.get(c);
        if (to === undefined) {
          to = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.output.push([]);
          this.next[state]!.set(c, to);
        }
        state = to;
      }
      this.output[state]!.push(id);
    });
    const queue: number[] = [];
    for (const to of this.next[0]!.values()) queue.push(to);
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      for (const [c, to] of this.next[state]!) {
        queue.push(to);
        let f = this.fail[state]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const target = this.next[f]!.get(c);
        this.fail[to] = target !== undefined && target !== to ? target : 0;
        this.output[to]!.push(...this.output[this.fail[to]!]!);
      }
    }
  }

  /** Calls `found` for each keyword id occurring in the (already folded) text. */
  scan(text: string, found: (id: number) => void): void {
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let to = this.next[state]!.get(c);
      while (to === undefined && state !== 0) {
        state = this.fail[state]!;
        to = this.next[state]!.get(c);
      }
      state = to ?? 0;
      for (const id of this.output[state]!) found(id);
    }
  }
}

export interface KeywordMatch {
  /** Position of the rule in the list (0-based). */
  index: number;
  rule: KeywordExclusion;
  /** The `contains` keyword that matched (as written in the rule). */
  keyword: string;
}

/**
 * Compiles rules into a function that takes an activity's texts (file name, path, e-mail subject;
 * missing ones may be null) and returns the first rule, in list order, that excludes it — or null.
 */
export function keywordMatcher(
  rules: readonly KeywordExclusion[],
): (texts: string | readonly (string | null | undefined)[]) => KeywordMatch | null {
  if (rules.length === 0) return () => null;
  const ids = new Map<string, number>();
  const idOf = (keyword: string) => {
    const folded = foldKeywordText(keyword);
    let id = ids.get(folded);
    if (id === undefined) {
      id = ids.size;
      ids.set(folded, id);
    }
    return id;
  };
  const compiled = rules.map((rule) => ({
    contains: rule.contains.map((k) => ({ id: idOf(k), keyword: k })),
    unless: rule.unless.map(idOf),
  }));
  // keyword id → rules (ascending) in which it is a `contains` keyword
  const rulesOf: number[][] = Array.from({ length: ids.size }, () => []);
  compiled.forEach((rule, index) => {
    for (const { id } of rule.contains) if (rulesOf[id]!.at(-1) !== index) rulesOf[id]!.push(index);
  });
  const automaton = new KeywordAutomaton([...ids.keys()]);
  const seenAt = new Int32Array(ids.size);
  let generation = 0;
  return (texts) => {
    generation++;
    if (generation === 0x7fffffff) {
      seenAt.fill(0);
      generation = 1;
    }
    const found: number[] = [];
    const mark = (id: number) => {
      if (seenAt[id] !== generation) {
        seenAt[id] = generation;
        found.push(id);
      }
    };
    for (const text of typeof texts === "string" ? [texts] : texts) {
      if (text) automaton.scan(foldKeywordText(text), mark);
    }
    let best = -1;
    for (const id of found) {
      for (const index of rulesOf[id]!) {
        if (best >= 0 && index >= best) break;
        if (!compiled[index]!.unless.some((u) => seenAt[u] === generation)) best = index;
      }
    }
    if (best < 0) return null;
    const rule = compiled[best]!;
    const hit = rule.contains.find((c) => seenAt[c.id] === generation)!;
    return { index: best, rule: rules[best]!, keyword: hit.keyword };
  };
}
