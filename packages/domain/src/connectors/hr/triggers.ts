// HR events as policy triggers: which family of policy templates an HR signal brings its user
// into, and why. Resignations trigger the departing-user templates; demotions (or job level
// changes whose direction cannot be read), poor performance reviews and performance improvement
// plans trigger the risky-user templates. Pure: the scoring engine asks it for each HR signal.

export type HrTemplateFamily = "departing" | "risky";

/** What an HR signal means for the policies: the family it triggers and a readable reason. */
export type HrTriggerDecision =
  | { triggers: true; family: HrTemplateFamily; reason: string }
  | { triggers: false; family: HrTemplateFamily | null; reason: string };

export interface HrSignalLike {
  kind: string;
  /** ISO 8601 UTC; the date of the reason when the attributes carry none. */
  occurredAt?: string | null;
  attributes: Readonly<Record<string, unknown>>;
}

const text = (value: unknown): string => (typeof value === "string" ? value.trim() : "");

function dateOf(signal: HrSignalLike, attribute: string): string {
  const value = text(signal.attributes[attribute]) || text(signal.occurredAt);
  return value.slice(0, 10);
}

/** The level number a job level reads as ("Level 61 - Sr. Manager" → 61), or undefined. */
export function levelNumber(level: string): number | undefined {
  const match = /(\d+(?:\.\d+)?)/.exec(level);
  return match ? Number(match[1]) : undefined;
}

const POOR_WORDS = [
  /\bbelow\s+(?:the\s+)?expectations?\b/,
  /\bneeds?\s+(?:significant\s+|some\s+)?improvement\b/,
  /\bimprovement\s+(?:required|needed)\b/,
  /\bunsatisfactory\b/,
  /\bpoor(?:ly)?\b/,
  /\b(?:does|did|do)\s*(?:not|n't)\s+meet\b/,
  /\bnot\s+meeting\b/,
  /\bfail(?:s|ed)?\s+to\s+meet\b/,
  /\bunderperform/,
  /\binadequate\b/,
  /\bunacceptable\b/,
  /\blow\s+perform/,
];

/**
 * Whether a performance rating reads as poor. Words decide first ("Below expectations", "Needs
 * improvement", "Unsatisfactory", "Poor", "Does not meet" …); otherwise a leading number: with a
 * scale ("2/5", "4 of 10", "40%") poor is at most 40 % of it, without one it is read on the usual
 * 1–5 scale, where 1 and 2 are poor. Undefined when the rating says neither.
 */
export function isPoorRating(rating: string): boolean | undefined {
  const lower = rating.trim().toLowerCase();
  if (!lower) return undefined;
  if (POOR_WORDS.some((re) => re.test(lower))) return true;
  const scaled = /^(\d+(?:\.\d+)?)\s*(?:\/|of|out\s+of)\s*(\d+(?:\.\d+)?)/.exec(lower);
  if (scaled) {
    const value = Number(scaled[1]);
    const scale = Number(scaled[2]);
    return scale > 0 ? value / scale <= 0.4 : undefined;
  }
  const percent = /^(\d+(?:\.\d+)?)\s*%/.exec(lower);
  if (percent) return Number(percent[1]) <= 40;
  const leading = /^(\d+(?:\.\d+)?)(?![\d.])/.exec(lower);
  if (leading) {
    const value = Number(leading[1]);
    if (value >= 1 && value <= 2) return true;
    if (value > 2 && value <= 5) return false;
    return undefined;
  }
  if (/\b(?:meets?|met|exceeds?|exceeded|outstanding|excellent|exceptional|good|strong|solid)\b/.test(lower)) {
    return false;
  }
  return undefined;
}

const quoted = (value: string) => `'${value}'`;

function jobLevelChange(signal: HrSignalLike): HrTriggerDecision {
  const date = dateOf(signal, "EffectiveDate");
  const from = text(signal.attributes.OldLevel);
  const to = text(signal.attributes.NewLevel);
  const remarks = text(signal.attributes.Remarks).toLowerCase();
  const change = from || to ? ` from ${from ? quoted(from) : "(not given)"} to ${to ? quoted(to) : "(not given)"}` : "";
  const fromNumber = levelNumber(from);
  const toNumber = levelNumber(to);
  if (fromNumber !== undefined && toNumber !== undefined && fromNumber !== toNumber) {
    if (toNumber < fromNumber) {
      return { triggers: true, family: "risky", reason: `HR job level change on ${date}: demotion${change}` };
    }
    return {
      triggers: false,
      family: "risky",
      reason: `HR job level change on ${date}${change} is a promotion (level ${fromNumber} → ${toNumber}); promotions do not trigger`,
    };
  }
  if (/\bdemot/.test(remarks) || /\bdemot/.test(to.toLowerCase())) {
    return { triggers: true, family: "risky", reason: `HR job level change on ${date}: demotion${change}` };
  }
  return {
    triggers: true,
    family: "risky",
    reason: `HR job level change on ${date}${change} (whether it is a demotion cannot be read from the levels)`,
  };
}

function performanceReview(signal: HrSignalLike): HrTriggerDecision {
  const date = dateOf(signal, "EffectiveDate");
  const rating = text(signal.attributes.Rating);
  if (!rating) {
    return { triggers: false, family: "risky", reason: `HR performance review on ${date} has no rating` };
  }
  const poor = isPoorRating(rating);
  if (poor) {
    return {
      triggers: true,
      family: "risky",
      reason: `HR performance review on ${date} rated ${quoted(rating)} (poor)`,
    };
  }
  return {
    triggers: false,
    family: "risky",
    reason:
      poor === false
        ? `HR performance review on ${date} rated ${quoted(rating)}, which is not poor`
        : `HR performance review on ${date} rated ${quoted(rating)}, which does not read as poor`,
  };
}

/**
 * The template family an HR signal triggers and why; null for a signal that is not an HR event.
 * Employee profiles are reference data: they never trigger.
 */
export function hrTriggerFor(signal: HrSignalLike): HrTriggerDecision | null {
  switch (signal.kind) {
    case "hr.resignation":
      return {
        triggers: true,
        family: "departing",
        reason: `HR resignation dated ${dateOf(signal, "ResignationDate")}`,
      };
    case "hr.job_level_change":
      return jobLevelChange(signal);
    case "hr.performance_review":
      return performanceReview(signal);
    case "hr.performance_improvement_plan":
      return {
        triggers: true,
        family: "risky",
        reason: `HR performance improvement plan effective ${dateOf(signal, "EffectiveDate")}`,
      };
    case "hr.employee_profile":
      return { triggers: false, family: null, reason: "An employee profile is reference data, not a trigger" };
    default:
      return null;
  }
}
