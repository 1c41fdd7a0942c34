// What a record access did, from the words of its event name, category (Epic: the access action)
// and section (Epic: the metric group): view, modify, export, print or other. Keyword rules,
// documented in docs/connectors/healthcare.md#what-an-access-did.

export const HEALTH_ACCESS_ACTIONS = ["export", "print", "modify", "view", "other"] as const;
export type HealthAccessAction = (typeof HEALTH_ACCESS_ACTIONS)[number];

/**
 * The rules, strongest first: when an event's words match several, the first wins, because the
 * action that moves data furthest (out of the system, onto paper, into the record) is the one an
 * investigator needs to see. Each pattern matches whole words of the lower-cased text, in which
 * every run of other characters than letters and digits is one space ("E-mail" is "email").
 */
const RULES: readonly { action: Exclude<HealthAccessAction, "other">; pattern: RegExp }[] = [
  {
    // Data leaving the EHR: exports, downloads, extracts, reports (a report run pulls many
    // records into one document), faxing, e-mailing, sending and transmitting.
    action: "export",
    pattern:
      /\b(?:export(?:s|ed|ing)?|download(?:s|ed|ing)?|extract(?:s|ed|ing|ion)?|reports?|reporting|fax(?:es|ed|ing)?|email(?:s|ed|ing)?|send(?:s|ing)?|sent|transmit(?:s|ted|ting)?|transmission|save as)\b/,
  },
  { action: "print", pattern: /\b(?:(?:re)?print(?:s|ed|ing)?|printout)\b/ },
  {
    // Changes to the record: editing, creating, deleting, signing, ordering data into it.
    action: "modify",
    pattern:
      /\b(?:edit(?:s|ed|ing)?|modif(?:y|ies|ied|ying|ication|ications)|updat(?:e|es|ed|ing)|chang(?:e|es|ed|ing)|delet(?:e|es|ed|ing|ion)|remov(?:e|es|ed|ing|al)|amend(?:s|ed|ing|ment)?|correct(?:s|ed|ing|ion)?|creat(?:e|es|ed|ing|ion)|add(?:s|ed|ing)?|insert(?:s|ed|ing)?|writ(?:e|es|ing|ten)|wrote|revis(?:e|es|ed|ing|ion)|void(?:s|ed|ing)?|merg(?:e|es|ed|ing)|sign(?:s|ed|ing)?(?! (?:in|on|out|off)\b)|enter(?:s|ed|ing)?|entry)\b/,
  },
  {
    action: "view",
    pattern:
      /\b(?:view(?:s|ed|ing)?|review(?:s|ed|ing)?|preview(?:s|ed)?|read(?:s|ing)?|open(?:s|ed|ing)?|access(?:es|ed|ing)?|display(?:s|ed|ing)?|look(?:s|ed|ing)? ?up|lookup|search(?:es|ed|ing)?|brows(?:e|es|ed|ing)|inquiry|query|queried)\b/,
  },
];

const RANK = new Map<HealthAccessAction, number>(HEALTH_ACCESS_ACTIONS.map((a, i) => [a, i]));

function words(text: string): string {
  return text
    .toLowerCase()
    .replace(/e-mail/g, "email")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

function actionOfWords(text: string): HealthAccessAction {
  const w = words(text);
  if (!w) return "other";
  for (const rule of RULES) if (rule.pattern.test(w)) return rule.action;
  return "other";
}

/**
 * Texts already classified. An access log repeats a few hundred event names millions of times; the
 * cache is emptied when it reaches its size, so it never grows with the file.
 */
const seen = new Map<string, HealthAccessAction>();
const SEEN_LIMIT = 10_000;

/** The action one text names, or "other" when none of the rules matches. */
export function actionOfText(text: string | null | undefined): HealthAccessAction {
  if (!text) return "other";
  let action = seen.get(text);
  if (action === undefined) {
    if (seen.size >= SEEN_LIMIT) seen.clear();
    action = actionOfWords(text);
    seen.set(text, action);
  }
  return action;
}

const stronger = (a: HealthAccessAction, b: HealthAccessAction) =>
  (RANK.get(a) as number) <= (RANK.get(b) as number) ? a : b;

/**
 * The action of an access: the strongest of what its event name and its category (Epic: the access
 * action) say; the section (Epic: the metric group) only when neither says anything, because a
 * section groups events of every kind ("Reports" holds report views as well as runs).
 */
export function classifyAccessAction(event: {
  eventName?: string | null | undefined;
  eventCategory?: string | null | undefined;
  eventSection?: string | null | undefined;
}): HealthAccessAction {
  const direct = stronger(actionOfText(event.eventName), actionOfText(event.eventCategory));
  if (direct !== "other") return direct;
  return actionOfText(event.eventSection);
}
