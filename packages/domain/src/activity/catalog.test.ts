import { describe, expect, it } from "vitest";
import {
  ACTIVITY_ATTRIBUTES,
  ACTIVITY_CATEGORIES,
  ACTIVITY_TYPES,
  activitySignalKind,
  activityType,
  SEQUENCE_STAGES,
  SOURCE_OPERATION_ATTRIBUTE,
} from "./catalog.ts";

describe("the activity type catalog", () => {
  it("has unique, stable-looking IDs (area.camelCase)", () => {
    const ids = ACTIVITY_TYPES.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+\.[a-z][A-Za-z]+$/);
  });

  it("gives every type a known category, a known stage or none, a label and a description", () => {
    for (const t of ACTIVITY_TYPES) {
      expect(ACTIVITY_CATEGORIES).toContain(t.category);
      if (t.stage !== null) expect(SEQUENCE_STAGES).toContain(t.stage);
      expect(t.label.length).toBeGreaterThan(5);
      expect(t.description.endsWith(".")).toBe(true);
    }
  });

  it("names only attributes of the dictionary, each once per type", () => {
    const known = new Set(ACTIVITY_ATTRIBUTES.map((a) => a.name));
    for (const t of ACTIVITY_TYPES) {
      expect(new Set(t.attributes).size, t.id).toBe(t.attributes.length);
      for (const a of t.attributes) expect(known.has(a), `${t.id}: ${a}`).toBe(true);
    }
  });

  it("uses every attribute of the dictionary in at least one type, and never the reserved sourceOperation", () => {
    const used = new Set(ACTIVITY_TYPES.flatMap((t) => [...t.attributes]));
    for (const a of ACTIVITY_ATTRIBUTES) expect(used.has(a.name), a.name).toBe(true);
    expect(ACTIVITY_ATTRIBUTES.map((a) => a.name)).not.toContain(SOURCE_OPERATION_ATTRIBUTE);
  });

  it("covers the activities insider risk scoring needs", () => {
    const required: [string, string, string | null][] = [
      ["file.downloadedFromDocumentSite", "office", "collection"],
      ["file.downloadedFromCloudStorage", "cloud", "collection"],
      ["file.sharedExternally", "office", "exfiltration"],
      ["folder.sharedExternally", "office", "exfiltration"],
      ["site.sharedExternally", "office", "exfiltration"],
      ["email.sentExternally", "office", "exfiltration"],
      ["email.sentToFreeDomain", "office", "exfiltration"],
      ["email.sentToSelf", "office", "exfiltration"],
      ["file.printed", "device", "exfiltration"],
      ["file.copiedToRemovableMedia", "device", "exfiltration"],
      ["file.uploadedToCloud", "device", "exfiltration"],
      ["file.copiedToNetworkShare", "device", "exfiltration"],
      ["file.copiedToRemoteDesktop", "device", "exfiltration"],
      ["file.copiedToClipboard", "device", "exfiltration"],
      ["file.renamed", "device", "obfuscation"],
      ["file.archived", "device", "collection"],
      ["file.hidden", "device", "obfuscation"],
      ["file.deleted", "device", "clean-up"],
      ["label.downgraded", "office", "obfuscation"],
      ["label.removed", "office", "obfuscation"],
      ["browsing.riskyWebsite", "browsing", null],
      ["security.defenseEvasion", "security", null],
      ["security.unwantedSoftware", "security", null],
      ["security.dlpAlert", "security", null],
      ["cloud.appAnomaly", "cloud", null],
      ["communication.complianceMatch", "communication", null],
    ];
    for (const [id, category, stage] of required) {
      expect(activityType(id), id).toMatchObject({ category, stage });
    }
  });

  it("carries the attributes scoring reads", () => {
    const carries = (id: string, ...names: string[]) => {
      for (const n of names) expect(activityType(id)?.attributes, `${id}: ${n}`).toContain(n);
    };
    carries(
      "file.downloadedFromDocumentSite",
      "fileName",
      "filePath",
      "fileExtension",
      "fileSize",
      "sensitivityLabel",
      "sensitiveInfoTypes",
      "siteUrl",
    );
    carries("label.downgraded", "sensitivityLabel", "previousSensitivityLabel");
    carries("email.sentToFreeDomain", "recipients", "destinationDomain");
    carries("file.uploadedToCloud", "destinationDomain", "device");
    carries("browsing.riskyWebsite", "websiteCategory", "url");
    carries("security.defenseEvasion", "category", "severity", "triageStatus");
    carries("security.unwantedSoftware", "triageStatus");
    carries("security.dlpAlert", "severity");
  });

  it("names the signal kind activity.<type id>", () => {
    expect(activitySignalKind("file.printed")).toBe("activity.file.printed");
  });
});
