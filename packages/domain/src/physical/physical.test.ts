import { describe, expect, it } from "vitest";
import { assetIdProblem, assetKey, checkPriorityAsset, parsePriorityAssetCsv } from "./assets.ts";
import { classifyPhysicalAccess, endOfUtcDay, terminationOf } from "./findings.ts";

describe("asset IDs", () => {
  it("match trimmed and case-insensitively", () => {
    expect(assetKey("  Mid-Sec-7 ")).toBe("mid-sec-7");
  });

  it("are alphanumeric with separators, at most 200 characters, without control characters", () => {
    expect(assetIdProblem("Mid-Sec-7")).toBeUndefined();
    expect(assetIdProblem("HQ/L2/Door 3")).toBeUndefined();
    expect(assetIdProblem("")).toBe("the asset ID is empty.");
    expect(assetIdProblem("-/-")).toBe("'-/-' has no letter or digit; an asset ID is alphanumeric (e.g. Mid-Sec-7).");
    expect(assetIdProblem("A\tB")).toBe("'A\\u0009B' contains a control character (a tab or line break?).");
    expect(assetIdProblem("x".repeat(201))).toBe("the asset ID is 201 characters long; the limit is 200.");
    expect(checkPriorityAsset(" Mid-Sec-7 ", "  ")).toEqual({ ok: true, asset: { assetId: "Mid-Sec-7", name: null } });
  });
});

describe("priority asset CSV", () => {
  it("reads a header AssetId,AssetName with quoted names, keeping the first of repeated IDs", () => {
    const csv = parsePriorityAssetCsv(
      '\uFEFFAssetId,AssetName\r\nMid-Sec-7,"Main Building, 1st Floor"\r\n\r\nmid-sec-7,Again\r\nLab-2,\r\n',
    );
    expect(csv).toEqual({
      header: true,
      assets: [
        { assetId: "Mid-Sec-7", name: "Main Building, 1st Floor" },
        { assetId: "Lab-2", name: null },
      ],
      errors: [],
      duplicates: 1,
      warnings: [],
    });
  });

  it("reads a bare list of IDs, with or without names", () => {
    expect(parsePriorityAssetCsv("Mid-Sec-7\nLab-2,Server room\n").assets).toEqual([
      { assetId: "Mid-Sec-7", name: null },
      { assetId: "Lab-2", name: "Server room" },
    ]);
    expect(parsePriorityAssetCsv("Mid-Sec-7\tMain\n").assets).toEqual([{ assetId: "Mid-Sec-7", name: "Main" }]);
  });

  it("finds the AssetId column anywhere in a header and ignores other columns with a warning", () => {
    const csv = parsePriorityAssetCsv("Floor;Asset ID;Name\n1;Mid-Sec-7;Main\n");
    expect(csv.assets).toEqual([{ assetId: "Mid-Sec-7", name: "Main" }]);
    expect(csv.warnings).toEqual(["Column(s) 'Floor' were ignored; only AssetId and AssetName are read."]);
  });

  it("reports bad lines by number and keeps the good ones", () => {
    const csv = parsePriorityAssetCsv("AssetId\nMid-Sec-7\n--\n\n\u0001x\nLab-2\n");
    expect(csv.assets.map((a) => a.assetId)).toEqual(["Mid-Sec-7", "Lab-2"]);
    expect(csv.errors).toEqual([
      { line: 3, reason: "AssetId: '--' has no letter or digit; an asset ID is alphanumeric (e.g. Mid-Sec-7)." },
      { line: 5, reason: "AssetId: '\\u0001x' contains a control character (a tab or line break?)." },
    ]);
    const wide = parsePriorityAssetCsv("Mid-Sec-7,Main,extra\nLab-2\n");
    expect(wide.errors).toEqual([
      {
        line: 1,
        reason:
          "the line has 3 fields; a list without a header has the asset ID and, optionally, its name. Quote a name that contains ',', or add the header AssetId,AssetName.",
      },
    ]);
    expect(wide.assets).toEqual([{ assetId: "Lab-2", name: null }]);
  });

  it("explains a header whose ID column is misnamed instead of importing it", () => {
    const csv = parsePriorityAssetCsv("Asset,Name\nMid-Sec-7,Main\n");
    expect(csv.assets).toEqual([]);
    expect(csv.errors[0]?.reason).toContain("the header has no column 'AssetId' (did you mean 'Asset'?)");
  });
});

describe("physical access findings", () => {
  const priority = new Set(["mid-sec-7"]);
  const event = (assetId: string, accessStatus: string, occurredAt = "2026-03-02T08:00:00Z") => ({
    assetId,
    accessStatus,
    occurredAt,
  });

  it("finds access to a priority asset, failed access, and access after termination", () => {
    const none = { priorityAssets: priority, termination: null };
    expect(classifyPhysicalAccess(event("Lobby-1", "Success"), none)).toEqual([]);
    expect(classifyPhysicalAccess(event(" MID-SEC-7", "Success"), none)).toEqual(["priority-asset"]);
    expect(classifyPhysicalAccess(event("Lobby-1", "Failed"), none)).toEqual(["failed-access"]);
    const terminated = {
      priorityAssets: priority,
      termination: { at: "2026-03-01T00:00:00.000Z", source: "hr.resignation" as const },
    };
    expect(classifyPhysicalAccess(event("Mid-Sec-7", "Failed"), terminated)).toEqual([
      "priority-asset",
      "failed-access",
      "after-termination",
    ]);
    expect(classifyPhysicalAccess(event("Lobby-1", "Success", "2026-02-28T23:59:59Z"), terminated)).toEqual([]);
    expect(classifyPhysicalAccess(event("Lobby-1", "Success", "2026-03-01T00:00:00Z"), terminated)).toEqual([
      "after-termination",
    ]);
  });

  it("takes the end of the last working day, else the directory's disabling or deletion", () => {
    expect(endOfUtcDay("2019-04-29T09:48:02.467504Z")).toBe("2019-04-30T00:00:00.000Z");
    expect(
      terminationOf({ lastWorkingDate: "2019-04-29T09:48:02.467504Z", deletedAt: "2019-01-01T00:00:00Z" }),
    ).toEqual({ at: "2019-04-30T00:00:00.000Z", source: "hr.resignation" });
    expect(terminationOf({ disabledAt: "2019-05-01T10:00:00Z", deletedAt: "2019-05-03T10:00:00Z" })).toEqual({
      at: "2019-05-01T10:00:00.000Z",
      source: "directory.disabled",
    });
    expect(terminationOf({ deletedAt: "2019-05-03T10:00:00Z" })).toEqual({
      at: "2019-05-03T10:00:00.000Z",
      source: "directory.deleted",
    });
    expect(terminationOf({})).toBeNull();
  });
});
