import { describe, expect, it } from "vitest";
import type { PriorityContent } from "../policies/policyConfig.ts";
import { hasPriorityContent, priorityContentMatcher } from "./priorityContent.ts";

const none: PriorityContent = {
  sites: [],
  sensitivityLabels: [],
  sensitiveInfoTypes: [],
  fileExtensions: [],
  classifiers: [],
};

describe("priority content", () => {
  const match = priorityContentMatcher({
    sites: ["https://contoso.sharepoint.com/sites/Finance"],
    sensitivityLabels: ["Highly Confidential"],
    sensitiveInfoTypes: ["Credit Card Number"],
    fileExtensions: ["dwg"],
    classifiers: ["Source code"],
  })!;

  it.each([
    [
      "a file on a priority site",
      { siteUrl: "https://contoso.sharepoint.com/sites/finance/Shared%20Documents" },
      "site",
    ],
    ["a site that only starts alike", { siteUrl: "https://contoso.sharepoint.com/sites/financeteam" }, null],
    [
      "a file path that is a URL on the site",
      { filePath: "https://contoso.sharepoint.com/sites/Finance/a.xlsx" },
      "site",
    ],
    ["a priority label, any case", { sensitivityLabel: "highly confidential" }, "sensitivityLabel"],
    ["another label", { sensitivityLabel: "General" }, null],
    [
      "a priority information type in a list",
      { sensitiveInfoTypes: ["IBAN", "credit card number"] },
      "sensitiveInfoType",
    ],
    ["a priority extension from the file name", { fileName: "Plant layout.DWG" }, "fileExtension"],
    ["a priority extension given as such", { fileName: "x", fileExtension: "dwg" }, "fileExtension"],
    ["a priority classifier", { classifiers: ["Source Code"] }, "classifier"],
    ["nothing of it", { fileName: "notes.txt" }, null],
  ])("%s", (_name, attributes, field) => {
    expect(match(attributes)?.field ?? null).toBe(field);
  });

  it("is null for a policy without priority content", () => {
    expect(hasPriorityContent(none)).toBe(false);
    expect(priorityContentMatcher(none)).toBeNull();
    expect(priorityContentMatcher(undefined)).toBeNull();
  });
});
