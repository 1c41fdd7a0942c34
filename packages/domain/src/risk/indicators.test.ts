import { describe, expect, it } from "vitest";
import { ACTIVITY_TYPES, activitySignalKind } from "../activity/catalog.ts";
import {
  BUILTIN_INDICATORS,
  fileKey,
  findBuiltinIndicator,
  INDICATOR_CATEGORIES,
  indicatorAmount,
  indicatorMatchesSignal,
} from "./indicators.ts";

const KNOWN_OTHER_KINDS = [
  "physical.access",
  "health.record_access",
  "health.related_patient_access",
  "health.unusual_volume",
];

describe("built-in indicator catalog", () => {
  it("has unique stable ids and unique UUID row ids", () => {
    const ids = BUILTIN_INDICATORS.map((i) => i.id);
    const rows = BUILTIN_INDICATORS.map((i) => i.rowId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(rows).size).toBe(rows.length);
    for (const r of rows) expect(r).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const i of BUILTIN_INDICATORS) expect(i.id.startsWith(`${i.category}.`)).toBe(true);
  });

  it("gives every indicator strictly ascending positive default thresholds and a basis", () => {
    for (const i of BUILTIN_INDICATORS) {
      const t = i.defaultThresholds;
      expect(t.low, i.id).toBeGreaterThan(0);
      expect(t.medium, i.id).toBeGreaterThan(t.low);
      expect(t.high, i.id).toBeGreaterThan(t.medium);
      expect(i.thresholdBasis.length, i.id).toBeGreaterThan(10);
      expect(i.canTrigger ? i.defaultTriggerThreshold : null, i.id).toBe(i.defaultTriggerThreshold);
    }
  });

  it("covers every category and reads only known signal kinds", () => {
    for (const c of INDICATOR_CATEGORIES)
      expect(
        BUILTIN_INDICATORS.some((i) => i.category === c),
        c,
      ).toBe(true);
    const activityKinds = new Set(ACTIVITY_TYPES.map((t) => activitySignalKind(t.id)));
    for (const i of BUILTIN_INDICATORS) {
      expect(activityKinds.has(i.signalKind) || KNOWN_OTHER_KINDS.includes(i.signalKind), i.id).toBe(true);
    }
  });

  it("has an indicator for every activity type of an exfiltration stage, with the same stage", () => {
    for (const type of ACTIVITY_TYPES.filter((t) => t.stage === "exfiltration")) {
      const matching = BUILTIN_INDICATORS.filter((i) => i.signalKind === activitySignalKind(type.id));
      expect(matching.length, type.id).toBeGreaterThan(0);
      for (const i of matching) expect(i.stage).toBe("exfiltration");
    }
    for (const i of BUILTIN_INDICATORS) {
      const type = ACTIVITY_TYPES.find((t) => activitySignalKind(t.id) === i.signalKind);
      if (type) expect(i.stage, i.id).toBe(type.stage);
    }
  });

  it("finds an indicator by stable id or row id", () => {
    const usb = findBuiltinIndicator("device.removableMediaCopy")!;
    expect(usb.name).toBe("Creating or copying files to USB");
    expect(findBuiltinIndicator(usb.rowId.toUpperCase())).toBe(usb);
    expect(findBuiltinIndicator("device.nope")).toBeUndefined();
  });

  it("matches signals by kind and attribute, counts bytes and distinct files", () => {
    const malware = findBuiltinIndicator("browsing.malware")!;
    const visit = (websiteCategory: unknown) => ({
      kind: "activity.browsing.riskyWebsite",
      attributes: { websiteCategory },
    });
    expect(indicatorMatchesSignal(malware, visit("Malware"))).toBe(true);
    expect(indicatorMatchesSignal(malware, visit("Gambling"))).toBe(false);
    const restricted = findBuiltinIndicator("health.restrictedRecordAccess")!;
    expect(indicatorMatchesSignal(restricted, { kind: "health.record_access", attributes: { restricted: true } })).toBe(
      true,
    );
    expect(
      indicatorMatchesSignal(restricted, { kind: "health.record_access", attributes: { restricted: false } }),
    ).toBe(false);
    const physical = findBuiltinIndicator("physical.accessFinding")!;
    expect(indicatorMatchesSignal(physical, { kind: "physical.access", attributes: {}, physicalFindings: [] })).toBe(
      false,
    );
    expect(
      indicatorMatchesSignal(physical, {
        kind: "physical.access",
        attributes: {},
        physicalFindings: ["failed-access"],
      }),
    ).toBe(true);
    expect(indicatorAmount(findBuiltinIndicator("device.removableMediaVolume")!, { fileSize: "2048" })).toBe(2048);
    expect(indicatorAmount(findBuiltinIndicator("device.print")!, { fileSize: 2048 })).toBe(1);
    expect(fileKey({ fileName: "Plan.docx", filePath: "C:\\Docs\\Plan.docx" })).toBe("c:\\docs\\plan.docx");
    expect(fileKey({})).toBeNull();
  });
});
