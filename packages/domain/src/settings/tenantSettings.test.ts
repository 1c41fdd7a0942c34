import { describe, expect, it } from "vitest";
import { applySettingsPatch, DEFAULT_TENANT_SETTINGS, readTenantSettings } from "./tenantSettings.ts";

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
      privacy: { showNamesToEntitledRoles: true },
    });
    expect(
      readTenantSettings({
        activationWindowDays: 99,
        pastActivityDays: 0,
        privacy: { showNamesToEntitledRoles: false },
      }),
    ).toEqual({ activationWindowDays: 30, pastActivityDays: 0, privacy: { showNamesToEntitledRoles: false } });
    expect(readTenantSettings({ privacy: { showNamesToEntitledRoles: "yes" } }).privacy).toEqual({
      showNamesToEntitledRoles: true,
    });
  });

  it("applies a partial change and lists what changed", () => {
    expect(applySettingsPatch(DEFAULT_TENANT_SETTINGS, { activationWindowDays: 1, privacy: {} })).toEqual({
      next: { ...DEFAULT_TENANT_SETTINGS, activationWindowDays: 1 },
      changed: ["activationWindowDays"],
    });
    expect(applySettingsPatch(DEFAULT_TENANT_SETTINGS, { pastActivityDays: 90 }).changed).toEqual([]);
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
      "Unknown setting 'retentionDays'; settings are: activationWindowDays, pastActivityDays, privacy.",
    );
  });
});
