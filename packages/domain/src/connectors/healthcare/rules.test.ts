// The healthcare rules: what an access did, who its user is, how patients match employees, and when
// a day's volume is unusual.

import { describe, expect, it } from "vitest";
import { actionOfText, classifyAccessAction } from "./actions.ts";
import {
  addressKeys,
  type MatchKeys,
  matchKeys,
  matchKeyText,
  nameKey,
  parseMatchKeyText,
  relatePatient,
  zipKey,
} from "./matching.ts";
import { normaliseUpnDomain, resolveAccessUser } from "./users.ts";
import { dailyBaseline, judgeDailyVolume, UNUSUAL_VOLUME } from "./volume.ts";

describe("what an access did", () => {
  const cases: [string, string][] = [
    ["Chart Review", "view"],
    ["Chart Review Encounter Tab Viewed", "view"],
    ["Open Patient Chart", "view"],
    ["MAR Accessed", "view"],
    ["Patient Lookup", "view"],
    ["Edit", "modify"],
    ["Edit Demographics", "modify"],
    ["Modify Allergies", "modify"],
    ["Demographics Edited", "modify"],
    ["Delete Note", "modify"],
    ["Note Signed", "modify"],
    ["Order Entry", "modify"],
    ["Print", "print"],
    ["Patient Summary Printed", "print"],
    ["Reprint Wristband", "print"],
    ["Export", "export"],
    ["Export to Excel", "export"],
    ["Download Documents", "export"],
    ["Report Run", "export"],
    ["Chart faxed", "export"],
    ["E-mail Results", "export"],
    ["Print Preview of Report", "export"],
    ["User signed in", "other"],
    ["Login", "other"],
    ["Break-the-Glass", "other"],
    ["", "other"],
  ];
  for (const [text, action] of cases) {
    it(`'${text}' → ${action}`, () => expect(actionOfText(text)).toBe(action));
  }

  it("the strongest of the event name and the category wins; the section counts only when both say nothing", () => {
    expect(classifyAccessAction({ eventName: "Chart Review", eventCategory: "Print" })).toBe("print");
    expect(classifyAccessAction({ eventName: "Chart Review", eventCategory: "Modify" })).toBe("modify");
    expect(classifyAccessAction({ eventName: "Encounter Tab", eventCategory: "", eventSection: "Reports" })).toBe(
      "export",
    );
    expect(classifyAccessAction({ eventName: "Chart Review", eventSection: "Reports" })).toBe("view");
    expect(classifyAccessAction({ eventName: "Break-the-Glass", eventCategory: "Run" })).toBe("other");
  });
});

describe("the user of an access", () => {
  it("a UPN is used as it is, lower-cased", () => {
    expect(resolveAccessUser(" Alex.Smith@Contoso.com ", undefined)).toEqual({
      ok: true,
      upn: "alex.smith@contoso.com",
    });
  });

  it("a SamAccountName, with or without its domain prefix, becomes account@upnDomain", () => {
    expect(resolveAccessUser("ASMITH", "contoso.com")).toEqual({ ok: true, upn: "asmith@contoso.com" });
    expect(resolveAccessUser("CONTOSO\\asmith", "contoso.com")).toEqual({ ok: true, upn: "asmith@contoso.com" });
  });

  it("refuses what is neither", () => {
    expect(resolveAccessUser("a smith", "contoso.com")).toEqual({
      ok: false,
      reason: "'a smith' is not a user principal name (name@domain) or a SamAccountName.",
    });
    expect(resolveAccessUser("a@b@c", "contoso.com").ok).toBe(false);
  });

  it("normalises the configured domain", () => {
    expect(normaliseUpnDomain("@Contoso.com")).toBe("contoso.com");
    expect(normaliseUpnDomain("corp")).toBe("corp");
    expect(normaliseUpnDomain("contoso..com")).toBeUndefined();
    expect(normaliseUpnDomain("-contoso.com")).toBeUndefined();
  });
});

describe("normalising names and addresses", () => {
  it("names: letters and digits only, without accents, lower case", () => {
    expect(nameKey("O'Brien-Núñez")).toBe("obriennunez");
    expect(nameKey("  SMITH ")).toBe("smith");
    expect(nameKey(null)).toBe("");
  });

  it("zip codes: no spaces or punctuation; ZIP+4 is its first five digits", () => {
    expect(zipKey("02139-4307")).toBe("02139");
    expect(zipKey("021394307")).toBe("02139");
    expect(zipKey("sw1a 1aa")).toBe("SW1A1AA");
  });

  it("address line 1: the house number, and the street with the usual abbreviations, without the unit", () => {
    expect(addressKeys("50 Oakland Avenue #206")).toEqual({ house: "50", street: "oakland ave" });
    expect(addressKeys("50 OAKLAND AVE., Apt 206")).toEqual({ house: "50", street: "oakland ave" });
    expect(addressKeys("12B North Main Street")).toEqual({ house: "12b", street: "n main st" });
    expect(addressKeys("Hauptstraße 5")).toEqual({ house: "5", street: "hauptstrasse" });
    expect(addressKeys("P.O. Box 12")).toEqual({ house: "12", street: "po box" });
    expect(addressKeys("Main Street")).toEqual({ house: "", street: "main st" });
  });

  it("the keys travel as one text and back", () => {
    const keys = matchKeys({
      firstName: "Jordan",
      lastName: "Smith",
      addressLine1: "12 Main Street",
      zipCode: "02139",
    });
    expect(matchKeyText(keys)).toBe("smith|jordan|12|main st|02139");
    expect(parseMatchKeyText("smith|jordan|12|main st|02139")).toEqual(keys);
    expect(matchKeyText(matchKeys({}))).toBeNull();
  });
});

describe("related patients", () => {
  const employee = matchKeys({
    firstName: "Alex",
    lastName: "Smith",
    addressLine1: "12 Main Street",
    zipCode: "02139",
  });
  const patient = (p: Partial<{ first: string; last: string; line1: string; zip: string }>): MatchKeys =>
    matchKeys({
      firstName: p.first ?? "Jordan",
      lastName: p.last ?? "Smith",
      addressLine1: p.line1 ?? "12 Main St",
      zipCode: p.zip ?? "02139-0001",
    });

  it("family: the user's own last name and address (line 1 and zip code), another first name", () => {
    expect(relatePatient(patient({}), employee, true)).toEqual({
      relation: "family",
      matched: "last name, address line 1, zip code",
    });
  });

  it("the user's own record is not a related patient", () => {
    expect(relatePatient(patient({ first: "ALEX" }), employee, true)).toBeUndefined();
  });

  it("neighbour: the same street and zip code, another house number or another last name", () => {
    expect(relatePatient(patient({ line1: "18 Main Street" }), employee, true)).toEqual({
      relation: "neighbour",
      matched: "street, zip code (another house number)",
    });
    expect(relatePatient(patient({ last: "Brown", line1: "18 Main Street" }), employee, true)?.relation).toBe(
      "neighbour",
    );
    expect(relatePatient(patient({ last: "Brown" }), employee, true)).toEqual({
      relation: "neighbour",
      matched: "address line 1, zip code (another last name)",
    });
  });

  it("not related: another street, another zip code, a post office box, or no address", () => {
    expect(relatePatient(patient({ line1: "12 Elm Street" }), employee, true)).toBeUndefined();
    expect(relatePatient(patient({ zip: "02140" }), employee, true)).toBeUndefined();
    const box = matchKeys({ lastName: "Smith", firstName: "Alex", addressLine1: "PO Box 7", zipCode: "02139" });
    expect(relatePatient(patient({ line1: "PO Box 9", last: "Brown" }), box, true)).toBeUndefined();
    expect(
      relatePatient(patient({ line1: "" }), matchKeys({ lastName: "Smith", zipCode: "02139" }), true),
    ).toBeUndefined();
  });

  it("coworker: another employee's first name, last name and zip code", () => {
    const colleague = matchKeys({ firstName: "Pat", lastName: "Lee", addressLine1: "7 Elm Road", zipCode: "02140" });
    expect(
      relatePatient(patient({ first: "pat", last: "LEE", line1: "7 Elm Rd", zip: "02140-1234" }), colleague, false),
    ).toEqual({
      relation: "coworker",
      matched: "first name, last name, address line 1, zip code",
    });
    expect(
      relatePatient(patient({ first: "Pat", last: "Lee", line1: "1 Oak St", zip: "02140" }), colleague, false),
    ).toEqual({
      relation: "coworker",
      matched: "first name, last name, zip code",
    });
    expect(relatePatient(patient({ first: "Pat", last: "Lee", zip: "90210" }), colleague, false)).toBeUndefined();
    expect(relatePatient(patient({ first: "Sam", last: "Lee", zip: "02140" }), colleague, false)).toBeUndefined();
  });

  it("another employee at the same address is not family (family compares with the user's own profile)", () => {
    expect(relatePatient(patient({}), employee, false)).toBeUndefined();
  });
});

describe("unusual volume", () => {
  it("the baseline: days with accesses, their mean, population standard deviation and median", () => {
    expect(dailyBaseline([10, 12, 14, 16])).toEqual({ days: 4, mean: 13, stdDev: Math.sqrt(5), median: 13 });
    expect(dailyBaseline([5, 1, 3])).toMatchObject({ days: 3, median: 3 });
    expect(dailyBaseline([])).toEqual({ days: 0, mean: 0, stdDev: 0, median: 0 });
  });

  it("a short baseline judges nothing", () => {
    const verdict = judgeDailyVolume(500, dailyBaseline([10, 10, 10, 10]));
    expect(verdict).toEqual({
      unusual: false,
      threshold: null,
      reason: "the baseline has 4 day(s) with accesses; at least 5 are needed.",
    });
  });

  it("unusual: at least 20 records, above mean + 3 standard deviations and at least twice the median", () => {
    // mean 10, sd 1.73, median 10: threshold max(20, floor(15.2) + 1, 20) = 20.
    const steady = dailyBaseline([8, 12, 8, 12, 8, 12, 10, 10]);
    expect(steady).toMatchObject({ mean: 10, median: 10 });
    expect(judgeDailyVolume(19, steady).unusual).toBe(false);
    const verdict = judgeDailyVolume(20, steady);
    expect(verdict.unusual).toBe(true);
    expect(verdict.threshold).toBe(20);
    expect(verdict.reason).toBe(
      "20 record(s) in the day reach the threshold of 20 (at least 20, above mean + 3 standard deviations, at least 2× the median; baseline of 8 day(s): mean 10, standard deviation 1.73, median 10).",
    );
  });

  it("a user whose days vary a lot needs more than three deviations above the mean", () => {
    // mean 40, sd 20, median 40 → mean + 3 sd = 100: threshold 101.
    const varied = dailyBaseline([20, 60, 20, 60, 20, 60]);
    expect(judgeDailyVolume(100, varied)).toMatchObject({ unusual: false, threshold: 101 });
    expect(judgeDailyVolume(101, varied).unusual).toBe(true);
  });

  it("a user whose days hardly vary still needs twice the median", () => {
    const flat = dailyBaseline([30, 30, 30, 30, 30, 31]);
    expect(judgeDailyVolume(40, flat)).toMatchObject({ unusual: false, threshold: 60 });
    expect(judgeDailyVolume(60, flat).unusual).toBe(true);
  });

  it("a small day is never unusual", () => {
    const quiet = dailyBaseline([1, 1, 1, 1, 1, 2]);
    expect(judgeDailyVolume(UNUSUAL_VOLUME.minRecords - 1, quiet).unusual).toBe(false);
  });
});
