import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type KeywordExclusion, keywordMatcher, parseKeywordExclusion, parseKeywordLine } from "./keywords.ts";

const rule = (value: unknown): KeywordExclusion => {
  const parsed = parseKeywordExclusion(value);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
};
const reason = (value: unknown) => {
  const parsed = parseKeywordExclusion(value);
  return parsed.ok ? "ok" : parsed.reason;
};

describe("keyword exclusions", () => {
  it('excludes "training" unless "compliance", in file names, paths and subjects, case-insensitively', () => {
    const match = keywordMatcher([rule({ contains: ["training"], unless: ["compliance"] })]);
    expect(match(["Q3 Training.pptx", "C:\\Docs", null])?.keyword).toBe("training");
    expect(match(["Compliance training.pptx"])).toBeNull();
    expect(match(["training.pptx", "\\\\srv\\COMPLIANCE\\"])).toBeNull();
    expect(match(["budget.xlsx", "C:\\Docs", "Re: budget"])).toBeNull();
    expect(match("Sales_training_v2.docx")?.index).toBe(0);
  });

  it("matches substrings after Unicode normalisation", () => {
    const match = keywordMatcher([rule("ＴＲＡＩＮＩＮＧ"), rule("Straße")]);
    expect(match("retraining.docx")?.keyword).toBe("ＴＲＡＩＮＩＮＧ");
    expect(match("STRASSE")).toBeNull();
    expect(match("Hauptstraße 1.pdf")?.index).toBe(1);
  });

  it("returns the first rule in list order that excludes, skipping rules vetoed by their exception", () => {
    const rules = [
      rule({ contains: ["draft"], unless: ["final"] }),
      rule({ contains: ["draft", "tmp"] }),
      rule({ contains: ["tmp"] }),
    ];
    const match = keywordMatcher(rules);
    expect(match("draft final.docx")).toMatchObject({ index: 1, keyword: "draft" });
    expect(match("draft.docx")).toMatchObject({ index: 0, keyword: "draft" });
    expect(match("x.tmp")).toMatchObject({ index: 1, keyword: "tmp" });
  });

  it("finds overlapping keywords (the automaton follows its failure links)", () => {
    const match = keywordMatcher([
      rule({ contains: ["she"] }),
      rule({ contains: ["he"], unless: ["hers"] }),
      rule("ushe"),
    ]);
    expect(match("ushers")).toMatchObject({ index: 0 });
    const hers = keywordMatcher([rule({ contains: ["he"], unless: ["hers"] })]);
    expect(hers("ushers")).toBeNull();
    expect(hers("usher")).toMatchObject({ keyword: "he" });
  });

  it("reads text lines as keywords | exceptions", () => {
    expect(parseKeywordLine("training, onboarding | compliance")).toEqual({
      ok: true,
      value: { contains: ["training", "onboarding"], unless: ["compliance"] },
    });
    expect(parseKeywordLine("a | b | c")).toEqual({
      ok: false,
      reason: 'has more than one "|"; write keywords | exceptions, as in training | compliance.',
    });
  });

  it("refuses rules without a keyword, empty or over-long keywords and unknown fields", () => {
    expect(reason({ unless: ["x"] })).toBe(
      'has no "contains" keyword; give at least one, as in { "contains": ["training"] }.',
    );
    expect(reason({ contains: ["ok", ""] })).toBe("has an empty contains keyword; remove it.");
    expect(reason({ contains: ["x".repeat(101)] })).toMatch(/^has a contains keyword longer than 100 characters/);
    expect(reason({ contains: ["a"], except: ["b"] })).toBe(
      'has an unknown field "except"; a keyword rule has contains and unless.',
    );
    expect(reason({ contains: Array.from({ length: 51 }, (_, i) => `k${i}`) })).toBe(
      "has 51 contains keywords; a rule takes at most 50. Split it into several rules.",
    );
    expect(reason(7)).toBe('is not a keyword rule; write { "contains": ["training"], "unless": ["compliance"] }.');
  });
});

describe("keyword matching property", () => {
  it("property: answers what a naive scan of every rule would answer", () => {
    const word = fc.stringMatching(/^[ab]{1,4}$/);
    const rules = fc.array(
      fc.record({ contains: fc.array(word, { minLength: 1, maxLength: 3 }), unless: fc.array(word, { maxLength: 2 }) }),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(rules, fc.array(fc.stringMatching(/^[abAB ]{0,12}$/), { maxLength: 3 }), (raw, texts) => {
        const parsed = raw.map(rule);
        const lower = texts.map((t) => t.toLowerCase());
        const has = (k: string) => lower.some((t) => t.includes(k.toLowerCase()));
        const expected = parsed.findIndex((r) => r.contains.some(has) && !r.unless.some(has));
        expect(keywordMatcher(parsed)(texts)?.index ?? -1).toBe(expected);
      }),
    );
  });
});
