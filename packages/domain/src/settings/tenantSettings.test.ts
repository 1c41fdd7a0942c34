import { describe, expect, it } from "vitest";
import {
  applySettingsPatch,
  changedSettingPaths,
  DEFAULT_TENANT_SETTINGS,
  defaultAdaptiveProtectionSettings,
  defaultDetectionSettings,
  EMAIL_PAST_ACTIVITY_DAYS,
  emailLookBackDays,
  pickSettingPaths,
  readTenantSettings,
  storedSettingsDocument,
} from "./tenantSettings.ts";

const message = (patch: unknown) => {
  try {
    applySettingsPatch(DEFAULT_TENANT_SETTINGS, patch);
    return "ok";
  } catch (err) {
    return (err as Error).message;
  }
};

describe("tenant settings", () => {
  it("reads defaults for anything missing or invalid", () => {
    expect(readTenantSettings({})).toEqual({
      activationWindowDays: 30,
      pastActivityDays: 90,
      emailPastActivityDays: 10,
      privacy: { showNamesToEntitledRoles: true },
      detections: defaultDetectionSettings(),
      adaptiveProtection: defaultAdaptiveProtectionSettings(),
    });
    expect(
      readTenantSettings({
        activationWindowDays: 99,
        pastActivityDays: 0,
        privacy: { showNamesToEntitledRoles: false },
      }),
    ).toMatchObject({ activationWindowDays: 30, pastActivityDays: 0, privacy: { showNamesToEntitledRoles: false } });
    expect(readTenantSettings({ privacy: { showNamesToEntitledRoles: "yes" } }).privacy).toEqual({
      showNamesToEntitledRoles: true,
    });
  });

  it("reads a document stored before the detections existed, and one with bad detection values", () => {
    const old = readTenantSettings({ activationWindowDays: 7, pastActivityDays: 14, showNamesToEntitledRoles: false });
    expect(old.activationWindowDays).toBe(7);
    expect(old.detections).toEqual(defaultDetectionSettings());
    const bad = readTenantSettings({
      detections: {
        alertVolume: "loud",
        unusualActivityMinDailyEvents: -3,
        securityAlertStatuses: [],
        fileTypeExclusions: ["mp3", "bad ext", ".MP3", "wav"],
        domains: { allowed: ["https://x.com", "contoso.com"], unallowed: "nope" },
        defaultFilePathExclusions: ["\\Users\\*\\AppData", "C:\\other"],
        keywordExclusions: [{ contains: [] }, "training"],
      },
    }).detections;
    expect(bad.alertVolume).toBe("default");
    expect(bad.unusualActivityMinDailyEvents).toBe(50);
    expect(bad.securityAlertStatuses).toEqual(["Unknown", "New", "InProgress", "Resolved"]);
    expect(bad.fileTypeExclusions).toEqual(["mp3", "wav"]);
    expect(bad.domains).toEqual({
      allowed: [{ domain: "contoso.com", includeMultiLevelSubdomains: false }],
      unallowed: [],
      thirdParty: [],
    });
    expect(bad.defaultFilePathExclusions).toEqual(["\\Users\\*\\AppData"]);
    expect(bad.keywordExclusions).toEqual([{ contains: ["training"], unless: [] }]);
    const long = readTenantSettings({
      detections: { fileTypeExclusions: Array.from({ length: 600 }, (_, i) => `x${i}`) },
    });
    expect(long.detections.fileTypeExclusions).toHaveLength(500);
  });

  it("reads the same stored document once (the result is remembered)", () => {
    const stored = { pastActivityDays: 3 };
    expect(readTenantSettings(stored)).toBe(readTenantSettings(stored));
  });

  it("applies a partial change and lists what changed", () => {
    expect(applySettingsPatch(DEFAULT_TENANT_SETTINGS, { activationWindowDays: 1, privacy: {} })).toEqual({
      next: { ...DEFAULT_TENANT_SETTINGS, activationWindowDays: 1 },
      changed: ["activationWindowDays"],
    });
    expect(applySettingsPatch(DEFAULT_TENANT_SETTINGS, { pastActivityDays: 90 }).changed).toEqual([]);
    const { next, changed } = applySettingsPatch(DEFAULT_TENANT_SETTINGS, {
      detections: { alertVolume: "more", domains: { allowed: ["Contoso.com"] } },
    });
    expect(changed).toEqual(["detections.alertVolume", "detections.domains.allowed"]);
    expect(next.detections.domains).toEqual({
      unallowed: [],
      allowed: [{ domain: "contoso.com", includeMultiLevelSubdomains: false }],
      thirdParty: [],
    });
    expect(DEFAULT_TENANT_SETTINGS.detections.domains.allowed).toEqual([]);
  });

  it("names the field and its allowed range", () => {
    expect(message({ activationWindowDays: 31 })).toBe(
      "activationWindowDays must be a whole number of days from 1 to 30 (got 31).",
    );
    expect(message({ activationWindowDays: 0 })).toBe(
      "activationWindowDays must be a whole number of days from 1 to 30 (got 0).",
    );
    expect(message({ pastActivityDays: 91 })).toBe(
      "pastActivityDays must be a whole number of days from 0 to 90 (got 91).",
    );
    expect(message({ pastActivityDays: 2.5 })).toBe(
      "pastActivityDays must be a whole number of days from 0 to 90 (got 2.5).",
    );
    expect(message({ privacy: { showNamesToEntitledRoles: "no" } })).toBe(
      'privacy.showNamesToEntitledRoles must be true or false (got "no").',
    );
    expect(message({ retentionDays: 5 })).toBe(
      "Unknown setting 'retentionDays'; settings are: activationWindowDays, pastActivityDays, emailPastActivityDays, privacy, detections, adaptiveProtection.",
    );
    expect(message({ detection: {} })).toBe(
      "Unknown setting 'detection'; did you mean 'detections'? settings are: activationWindowDays, pastActivityDays, emailPastActivityDays, privacy, detections, adaptiveProtection.",
    );
  });

  it("keeps the e-mail look-back fixed at 10 days, capped by pastActivityDays", () => {
    expect(EMAIL_PAST_ACTIVITY_DAYS).toBe(10);
    expect(message({ emailPastActivityDays: 10 })).toBe("ok");
    expect(message({ emailPastActivityDays: 20 })).toBe(
      "emailPastActivityDays is fixed at 10 days and cannot be changed (got 20); pastActivityDays sets the look-back of other activity, and a lower pastActivityDays also shortens the e-mail look-back.",
    );
    expect(emailLookBackDays({ pastActivityDays: 90 })).toBe(10);
    expect(emailLookBackDays({ pastActivityDays: 3 })).toBe(3);
    expect(storedSettingsDocument(DEFAULT_TENANT_SETTINGS)).not.toHaveProperty("emailPastActivityDays");
  });

  it("lists changed paths and picks their values for audit entries", () => {
    const before = { a: 1, b: { c: [1], d: true }, e: "x" };
    const after = { a: 1, b: { c: [1, 2], d: false }, e: "x" };
    expect(changedSettingPaths(before, after)).toEqual(["b.c", "b.d"]);
    expect(pickSettingPaths(after, ["b.c", "b.d"])).toEqual({ b: { c: [1, 2], d: false } });
  });
});
