import { describe, expect, it } from "vitest";
import {
  applyDetectionsPatch,
  defaultDetectionSettings,
  detectionList,
  listPatch,
  parseListText,
} from "./detections.ts";

const message = (patch: unknown) => {
  try {
    applyDetectionsPatch(defaultDetectionSettings(), patch);
    return "ok";
  } catch (err) {
    return (err as Error).message;
  }
};
const details = (patch: unknown) => {
  try {
    applyDetectionsPatch(defaultDetectionSettings(), patch);
    return undefined;
  } catch (err) {
    return (err as { details?: unknown }).details;
  }
};

describe("intelligent detection settings", () => {
  it("has documented defaults", () => {
    expect(defaultDetectionSettings()).toEqual({
      ignoreEmailSignatureAttachments: false,
      fileTypeExclusions: [],
      unusualActivityMinDailyEvents: 50,
      alertVolume: "default",
      securityAlertStatuses: ["Unknown", "New", "InProgress", "Resolved"],
      domains: { unallowed: [], allowed: [], thirdParty: [] },
      sensitiveInfoTypeExclusions: [],
      trainableClassifierExclusions: [
        "Threat",
        "Profanity",
        "Targeted harassment",
        "Offensive language",
        "Discrimination",
      ],
      filePathExclusions: [],
      defaultFilePathExclusions: [
        "\\Users\\*\\AppData",
        "\\Users\\*\\AppData\\Local",
        "\\Users\\*\\AppData\\Local\\Roaming",
        "\\Users\\*\\AppData\\Local\\Local\\Temp",
      ],
      siteUrlExclusions: [],
      keywordExclusions: [],
    });
  });

  it("refuses every bad scalar naming its field path and the allowed values", () => {
    expect(message({ alertVolume: "less" })).toBe(
      'detections.alertVolume must be one of fewer, default, more (got "less").',
    );
    expect(message({ unusualActivityMinDailyEvents: -1 })).toBe(
      "detections.unusualActivityMinDailyEvents must be a whole number of events from 0 to 1000000 (got -1); 0 lets the booster apply whatever the day's count.",
    );
    expect(message({ unusualActivityMinDailyEvents: 2.5 })).toMatch(
      /^detections\.unusualActivityMinDailyEvents must be/,
    );
    expect(message({ ignoreEmailSignatureAttachments: "on" })).toBe(
      'detections.ignoreEmailSignatureAttachments must be true or false (got "on").',
    );
    expect(message({ securityAlertStatuses: [] })).toBe(
      "detections.securityAlertStatuses is empty; choose one or more of Unknown, New, InProgress, Resolved (alerts with other statuses are not imported).",
    );
    expect(message({ securityAlertStatuses: ["New", "Closed"] })).toBe(
      'detections.securityAlertStatuses[1] "Closed" is not a triage status; choose one or more of Unknown, New, InProgress, Resolved.',
    );
    expect(message({ defaultFilePathExclusions: ["C:\\temp"] })).toBe(
      'detections.defaultFilePathExclusions[0] "C:\\\\temp" is not a default exclusion; the defaults are \\Users\\*\\AppData, \\Users\\*\\AppData\\Local, \\Users\\*\\AppData\\Local\\Roaming, \\Users\\*\\AppData\\Local\\Local\\Temp. Add other paths to detections.filePathExclusions.',
    );
    expect(message({ alertvolume: "fewer" })).toBe(
      "Unknown setting 'detections.alertvolume'. Did you mean 'detections.alertVolume'? detections settings are: ignoreEmailSignatureAttachments, fileTypeExclusions, unusualActivityMinDailyEvents, alertVolume, securityAlertStatuses, domains, sensitiveInfoTypeExclusions, trainableClassifierExclusions, filePathExclusions, defaultFilePathExclusions, siteUrlExclusions, keywordExclusions.",
    );
    expect(message({ domains: { "third-party": [] } })).toBe(
      "Unknown setting 'detections.domains.third-party'. Did you mean 'detections.domains.thirdParty'? detections.domains settings are: unallowed, allowed, thirdParty.",
    );
  });

  it("refuses a bad list entry naming its index, and a list over 500 entries naming the limit", () => {
    expect(message({ domains: { allowed: ["contoso.com", "https://fabrikam.com/x"] } })).toBe(
      'detections.domains.allowed[1] "https://fabrikam.com/x" has a scheme; write the domain alone: fabrikam.com.',
    );
    expect(details({ domains: { allowed: ["contoso.com", "https://fabrikam.com"] } })).toEqual({
      column: "detections.domains.allowed[1]",
      index: 1,
    });
    const many = Array.from({ length: 501 }, (_, i) => `d${i}.contoso.com`);
    expect(message({ domains: { unallowed: many } })).toBe(
      "detections.domains.unallowed would have 501 entries; the limit is 500. Remove at least 1. One wildcard entry such as *.contoso.com covers every domain under it.",
    );
    expect(details({ domains: { unallowed: many } })).toEqual({
      column: "detections.domains.unallowed",
      limit: 500,
      count: 501,
    });
    // duplicates do not count
    expect(message({ domains: { unallowed: [...many.slice(0, 499), "D0.contoso.com", "d1.contoso.com."] } })).toBe(
      "ok",
    );
    expect(message({ filePathExclusions: "C:\\temp" })).toBe(
      'detections.filePathExclusions must be a list (a JSON array) such as ["C:\\\\Users\\\\*\\\\Desktop"] (got "C:\\\\temp").',
    );
    expect(message({ filePathExclusions: ["C:\\Users\\a*"] })).toMatch(
      /^detections\.filePathExclusions\[0\] "C:\\\\Users\\\\a\*" has "\*" inside the name/,
    );
    expect(message({ siteUrlExclusions: ["ftp://x.com"] })).toBe(
      'detections.siteUrlExclusions[0] "ftp://x.com" has the scheme ftp:; site URLs are http or https, such as https://contoso.sharepoint.com/sites/Finance.',
    );
    expect(message({ keywordExclusions: [{ contains: ["ok"] }, { unless: ["x"] }] })).toBe(
      'detections.keywordExclusions[1] {"unless":["x"]} has no "contains" keyword; give at least one, as in { "contains": ["training"] }.',
    );
    expect(message({ sensitiveInfoTypeExclusions: [""] })).toBe(
      'detections.sensitiveInfoTypeExclusions[0] "" is empty; write the sensitive information type\'s name or GUID, such as Credit Card Number.',
    );
    expect(message({ trainableClassifierExclusions: Array.from({ length: 501 }, (_, i) => `c${i}`) })).toBe(
      "detections.trainableClassifierExclusions would have 501 entries; the limit is 500. Remove at least 1.",
    );
    expect(message({ fileTypeExclusions: "mp3, my file" })).toBe(
      'detections.fileTypeExclusions[1] "my file" is not a file extension: use letters, digits, - and _ (a dot only between parts, as in tar.gz), such as "mp3".',
    );
  });

  it("accepts the documented forms and normalises them", () => {
    const next = applyDetectionsPatch(defaultDetectionSettings(), {
      fileTypeExclusions: "aac,mp3,wav,wma",
      securityAlertStatuses: "resolved, new",
      defaultFilePathExclusions: ["\\users\\*\\appdata"],
      domains: { thirdParty: [{ domain: "*.Box.com", includeMultiLevelSubdomains: true }] },
      keywordExclusions: ["draft", { contains: "training, onboarding", unless: ["compliance"] }],
    });
    expect(next.fileTypeExclusions).toEqual(["aac", "mp3", "wav", "wma"]);
    expect(next.securityAlertStatuses).toEqual(["New", "Resolved"]);
    expect(next.defaultFilePathExclusions).toEqual(["\\Users\\*\\AppData"]);
    expect(next.domains.thirdParty).toEqual([{ domain: "*.box.com", includeMultiLevelSubdomains: true }]);
    expect(next.keywordExclusions).toEqual([
      { contains: ["draft"], unless: [] },
      { contains: ["training", "onboarding"], unless: ["compliance"] },
    ]);
  });
});

describe("text lists (import)", () => {
  it("reads one entry per line, skipping blanks, comments and a header; a bad line is rejected alone", () => {
    const list = detectionList("domains/allowed");
    const text =
      "\uFEFFdomain,includeMultiLevelSubdomains\r\n# partners\r\ncontoso.com\r\n\r\n*.fabrikam.com,true\r\nhttps://bad.com\r\nCONTOSO.com\r\nx.com,maybe\r\n";
    expect(parseListText(list, text)).toEqual({
      entries: [
        { domain: "contoso.com", includeMultiLevelSubdomains: false },
        { domain: "*.fabrikam.com", includeMultiLevelSubdomains: true },
      ],
      rejected: [
        {
          line: 6,
          value: "https://bad.com",
          reason: "has a scheme; write the domain alone: bad.com.",
          message: 'Line 6: "https://bad.com" has a scheme; write the domain alone: bad.com.',
        },
        {
          line: 8,
          value: "x.com,maybe",
          reason: 'has "maybe" as the multi-level flag; write true or false (or leave it out).',
          message: 'Line 8: "x.com,maybe" has "maybe" as the multi-level flag; write true or false (or leave it out).',
        },
      ],
      duplicates: 1,
    });
  });

  it("counts entries already in the list as duplicates when appending", () => {
    const list = detectionList("file-types");
    expect(parseListText(list, "mp3, wav\naac\n.MP3", ["aac"])).toEqual({
      entries: ["mp3", "wav"],
      rejected: [],
      duplicates: 2,
    });
    expect(parseListText(list, "mp3, bad ext").rejected[0]!.message).toBe(
      'Line 1: "bad ext" is not a file extension: use letters, digits, - and _ (a dot only between parts, as in tar.gz), such as "mp3".',
    );
  });

  it("reads paths, sites, names and keyword rules", () => {
    expect(parseListText(detectionList("file-paths"), '"C:\\temp"\n\\public\\local\\\nc:/TEMP/').entries).toEqual([
      "C:\\temp",
      "\\public\\local\\",
    ]);
    expect(parseListText(detectionList("site-urls"), "contoso.sharepoint.com/sites/HR").entries).toEqual([
      "https://contoso.sharepoint.com/sites/hr",
    ]);
    expect(parseListText(detectionList("keywords"), "keyword\ntraining | compliance").entries).toEqual([
      { contains: ["training"], unless: ["compliance"] },
    ]);
    expect(
      parseListText(detectionList("sensitive-info-types"), "Credit Card Number\ncredit card  number").duplicates,
    ).toBe(1);
  });

  it("names the lists when one is unknown, and builds the patch of a list", () => {
    expect(() => detectionList("domains/blocked")).toThrow(
      "There is no detection list 'domains/blocked'. Did you mean 'domains/allowed'? Lists are: file-types, domains/unallowed, domains/allowed, domains/third-party, sensitive-info-types, trainable-classifiers, file-paths, site-urls, keywords.",
    );
    expect(listPatch(detectionList("domains/third-party"), ["box.com"])).toEqual({
      detections: { domains: { thirdParty: ["box.com"] } },
    });
  });
});
