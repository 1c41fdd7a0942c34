// Matching a patient against employee profiles: names and addresses normalised into keys, and the
// rules that make an access one to a family member's, a neighbour's or a co-worker's record.
// Documented in docs/connectors/healthcare.md#related-patients.

/** A person's name and address as matching compares them (every part normalised, "" when unknown). */
export interface MatchKeys {
  lastName: string;
  firstName: string;
  /** The house number of address line 1 ("50", "12b"), "" when the line has none. */
  house: string;
  /** Address line 1 without the house number and the unit ("oakland ave"). */
  street: string;
  zip: string;
}

export interface PersonAddress {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  addressLine1?: string | null | undefined;
  zipCode?: string | null | undefined;
}

/**
 * Letters without accents ("ß" is "ss"), lower case; every other character dropped
 * ("O'Brien-Núñez" → "obriennunez").
 */
export function nameKey(value: string | null | undefined): string {
  if (!value) return "";
  return foldAccents(value)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}

/** Text without accents ("ß" is "ss"); plain ASCII text (the usual case) is returned as it is. */
function foldAccents(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range.
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  return value.replace(/ß/g, "ss").normalize("NFD").replace(/\p{M}/gu, "");
}

/** Upper case without spaces and punctuation; a US ZIP+4 ("02139-4307") is its first five digits. */
export function zipKey(value: string | null | undefined): string {
  if (!value) return "";
  const z = value.toUpperCase().replace(/[^A-Z0-9]/g, "");
  return /^\d{9}$/.test(z) ? z.slice(0, 5) : z;
}

/** Street words written one way: the usual suffixes and directions by their postal abbreviations. */
const STREET_WORDS: Record<string, string> = {
  street: "st",
  str: "st",
  avenue: "ave",
  av: "ave",
  road: "rd",
  drive: "dr",
  lane: "ln",
  boulevard: "blvd",
  court: "ct",
  place: "pl",
  terrace: "ter",
  circle: "cir",
  highway: "hwy",
  parkway: "pkwy",
  square: "sq",
  trail: "trl",
  crescent: "cres",
  close: "cl",
  mount: "mt",
  saint: "st",
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  northeast: "ne",
  northwest: "nw",
  southeast: "se",
  southwest: "sw",
};

/** Words that start a unit ("Apt 206", "Suite 4"): the word and the one after it are dropped. */
const UNIT_WORDS = new Set(["apt", "apartment", "unit", "suite", "ste", "flat", "room", "rm", "floor", "fl", "bldg"]);

const HOUSE = /^\d+[a-z]?$/;

/** The house number and the street of an address line ("50 Oakland Avenue #206" → 50, "oakland ave"). */
export function addressKeys(value: string | null | undefined): { house: string; street: string } {
  if (!value) return { house: "", street: "" };
  const text = foldAccents(value)
    .toLowerCase()
    // "#206", "# 206": a unit number.
    .replace(/#\s*[a-z0-9-]*/g, " ");
  const tokens = text.split(/[^a-z0-9]+/).filter((t) => t.length > 0);
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (UNIT_WORDS.has(t)) {
      i++;
      continue;
    }
    kept.push(STREET_WORDS[t] ?? t);
  }
  let house = "";
  if (kept.length > 1 && HOUSE.test(kept[0] as string)) house = kept.shift() as string;
  else if (kept.length > 1 && HOUSE.test(kept[kept.length - 1] as string)) house = kept.pop() as string;
  return { house, street: kept.join(" ").replace(/^p o box\b/, "po box") };
}

/** A post office box is no place anyone lives next to. */
const isPostBox = (street: string) => /^(?:po box|pobox|box)\b/.test(street);

/** A person's match keys. */
export function matchKeys(person: PersonAddress): MatchKeys {
  const { house, street } = addressKeys(person.addressLine1);
  return {
    lastName: nameKey(person.lastName),
    firstName: nameKey(person.firstName),
    house,
    street,
    zip: zipKey(person.zipCode),
  };
}

/**
 * The keys as one text, "last|first|house|street|zip" (stored on each access signal, so that the
 * server joins accesses and profiles on equal keys); null when the person has no name and address.
 */
export function matchKeyText(keys: MatchKeys): string | null {
  const parts = [keys.lastName, keys.firstName, keys.house, keys.street, keys.zip];
  return parts.every((p) => p === "") ? null : parts.join("|");
}

/** The keys back from matchKeyText. */
export function parseMatchKeyText(text: string): MatchKeys {
  const [lastName = "", firstName = "", house = "", street = "", zip = ""] = text.split("|");
  return { lastName, firstName, house, street, zip };
}

export const RELATIONS = ["family", "neighbour", "coworker"] as const;
export type Relation = (typeof RELATIONS)[number];

export interface RelatedPatient {
  relation: Relation;
  /** What was equal, in words: "last name, address line 1, zip code". */
  matched: string;
}

/**
 * How the patient of an access relates to an employee profile, or undefined when not at all.
 *
 * Against the profile of the user who accessed the record (`ownProfile` true):
 * - the same zip code and street, the same house number and last name, another first name:
 *   **family** (a relative living at the user's address);
 * - the same zip code and street otherwise (another house on the street, or the same house with
 *   another last name): **neighbour**;
 * - the same first and last name at the same address: the user's own record, not reported here;
 * - a post office box ("PO Box 12") is nobody's neighbour.
 *
 * Against any other employee's profile: the same first name, last name and zip code: **coworker**
 * (the patient is that employee). A zip code is required because names alone are too common.
 *
 * A key that is empty on either side never matches.
 */
export function relatePatient(patient: MatchKeys, profile: MatchKeys, ownProfile: boolean): RelatedPatient | undefined {
  const same = (a: string, b: string) => a !== "" && a === b;
  if (ownProfile) {
    if (!same(patient.zip, profile.zip) || !same(patient.street, profile.street)) return undefined;
    const sameHouse = patient.house === profile.house;
    if (sameHouse && same(patient.lastName, profile.lastName)) {
      if (patient.firstName === profile.firstName) return undefined;
      return { relation: "family", matched: "last name, address line 1, zip code" };
    }
    if (isPostBox(patient.street)) return undefined;
    return {
      relation: "neighbour",
      matched: sameHouse ? "address line 1, zip code (another last name)" : "street, zip code (another house number)",
    };
  }
  if (same(patient.firstName, profile.firstName) && same(patient.lastName, profile.lastName)) {
    if (!same(patient.zip, profile.zip)) return undefined;
    const sameAddress = same(patient.street, profile.street) && patient.house === profile.house;
    return {
      relation: "coworker",
      matched: sameAddress ? "first name, last name, address line 1, zip code" : "first name, last name, zip code",
    };
  }
  return undefined;
}
