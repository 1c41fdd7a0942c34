import { describe, expect, it } from "vitest";
import { applySettingsPatch, DEFAULT_TENANT_SETTINGS } from "../settings/tenantSettings.ts";
import { compileDetections } from "./compile.ts";

const compiled = (detections: Record<string, unknown>) =>
  compileDetections(applySettingsPatch(DEFAULT_TENANT_SETTINGS, { detections }).next.detections);

describe("compileDetections", () => {
  it("classifies domains, e-mail addresses and URLs; unallowed wins over allowed, allowed over third-party", () => {
    const d = compiled({
      domains: {
        unallowed: ["personal.contoso.com", "*.dropbox.com"],
        allowed: [{ domain: "contoso.com", includeMultiLevelSubdomains: true }, "fabrikam.com"],
        thirdParty: ["*.box.com", "fabrikam.com"],
      },
    });
    expect(d.domainClass("alex@personal.contoso.com")).toBe("unallowed");
    expect(d.domainClass("https://files.dropbox.com/x")).toBe("unallowed");
    expect(d.domainClass("hr.contoso.com")).toBe("allowed");
    expect(d.domainClass("bo@fabrikam.com")).toBe("allowed");
    expect(d.domainClasses("bo@fabrikam.com")).toEqual(["allowed", "third-party"]);
    expect(d.domainClass("https://app.box.com/s/1")).toBe("third-party");
    expect(d.domainClass("gmail.com")).toBeNull();
    expect(d.domainClass("")).toBeNull();
  });

  it("applies the default exclusions: AppData paths and five trainable classifiers, all triage statuses", () => {
    const d = compileDetections(DEFAULT_TENANT_SETTINGS.detections);
    expect(d.isExcludedPath("C:\\Users\\alex\\AppData\\Local\\Temp\\x.tmp")).toBe(true);
    expect(d.isExcludedPath("C:\\Users\\alex\\Documents\\x.docx")).toBe(false);
    expect(d.isExcludedTrainableClassifier("targeted HARASSMENT")).toBe(true);
    expect(d.isExcludedTrainableClassifier("Source code")).toBe(false);
    expect(d.allowsTriageStatus("In progress")).toBe(true);
    expect(d.allowsTriageStatus("Closed")).toBe(false);
    expect(d.isExcludedFileType("a.mp3")).toBe(false);
    expect(d.keywordExclusion(["anything"])).toBeNull();
    expect(d.isExcludedSite("https://contoso.sharepoint.com")).toBe(false);
    expect(d.alertVolume).toBe("default");
    expect(d.mayRaiseAlert(24)).toBe(false);
    expect(d.allowsUnusualActivityBoost(49)).toBe(false);
    expect(d.allowsUnusualActivityBoost(50)).toBe(true);
  });

  it("honours every custom list and the deselected defaults", () => {
    const d = compiled({
      fileTypeExclusions: "aac, MP3,.wav",
      filePathExclusions: ["C:\\Users\\*\\Desktop"],
      defaultFilePathExclusions: [],
      siteUrlExclusions: ["contoso.sharepoint.com/sites/Training"],
      keywordExclusions: [{ contains: ["training"], unless: ["compliance"] }],
      sensitiveInfoTypeExclusions: ["Credit Card Number", "{50842EB7-EDC8-4019-85DD-5A5C1F2BB085}"],
      securityAlertStatuses: ["New", "in progress"],
      alertVolume: "fewer",
      unusualActivityMinDailyEvents: 0,
    });
    expect(d.isExcludedFileType("song.Mp3")).toBe(true);
    expect(d.isExcludedPath("C:\\Users\\alex\\Desktop\\a.docx")).toBe(true);
    expect(d.excludedPathPattern("C:\\Users\\alex\\Desktop\\a.docx")?.text).toBe("C:\\Users\\*\\Desktop");
    expect(d.isExcludedPath("C:\\Users\\alex\\AppData\\x")).toBe(false);
    expect(d.isExcludedSite("https://contoso.sharepoint.com/sites/training/Shared%20Documents/a.pptx")).toBe(true);
    expect(d.keywordExclusion(["Onboarding training.pptx"])?.keyword).toBe("training");
    expect(d.keywordExclusion(["Compliance training.pptx"])).toBeNull();
    expect(d.isExcludedSensitiveInfoType("credit card number")).toBe(true);
    expect(d.isExcludedSensitiveInfoType("50842eb7-edc8-4019-85dd-5a5c1f2bb085")).toBe(true);
    expect(d.isExcludedSensitiveInfoType("IBAN")).toBe(false);
    expect(d.allowsTriageStatus("InProgress")).toBe(true);
    expect(d.allowsTriageStatus("Resolved")).toBe(false);
    expect(d.alertVolumeRule("Low").raises).toBe("none");
    expect(d.mayRaiseAlert(49)).toBe(false);
    expect(d.allowsUnusualActivityBoost(0)).toBe(true);
  });
});
