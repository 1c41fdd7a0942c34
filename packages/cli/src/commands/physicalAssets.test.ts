import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";

let harness: CliHarness;
let dir: string;

const cli = (...args: string[]) => harness.cli(...args);

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-assets-", signIn: "login" });
  ({ dir } = harness);
});
afterAll(async () => harness?.close());

describe("openirm physical-assets", () => {
  it("adds, imports, lists and removes priority physical assets", async () => {
    expect((await cli("physical-assets", "list")).stdout).toMatch(/^No priority physical assets yet/);
    const added = await cli("physical-assets", "add", "Mid-Sec-7", "--name", "Main Building 1st Floor Mid Section");
    expect(added.stdout).toBe("Added priority physical asset 'Mid-Sec-7' (Main Building 1st Floor Mid Section).\n");
    const again = await cli("physical-assets", "add", "mid-sec-7");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("'mid-sec-7' is already a priority physical asset (listed as 'Mid-Sec-7'");

    const file = join(dir, "assets.csv");
    writeFileSync(file, "AssetId,AssetName\nLab-2,R&D Lab\n--,Broken\nMID-SEC-7,Again\n");
    const imported = await cli("physical-assets", "import", file);
    expect(imported.code).toBe(1);
    expect(imported.stdout).toBe(
      `Imported ${file}.\n  added:                1\n  already listed:       1\n  repeated in the file: 0\n  refused:              1\n` +
        "  line 3: AssetId: '--' has no letter or digit; an asset ID is alphanumeric (e.g. Mid-Sec-7).\n",
    );
    expect(imported.stderr).toBe(
      `openirm: 1 line(s) of ${file} were refused; the other assets were imported. Fix them and import the file again.\n`,
    );

    const list = await cli("physical-assets", "list", "--json");
    expect(list.json().map((a: { assetId: string }) => a.assetId)).toEqual(["Lab-2", "Mid-Sec-7"]);
    const removed = await cli("physical-assets", "remove", "LAB-2");
    expect(removed.stdout).toBe(
      "Removed priority physical asset 'Lab-2'. Its badge events are no longer findings; existing alerts stay.\n",
    );
    expect((await cli("physical-assets", "list")).stdout.split("\n")[1]).toMatch(/^Mid-Sec-7 +Main Building/);
  });

  it("lists badge events with findings", async () => {
    const res = await cli("physical-access", "--from", "2026-01-01", "--to", "2026-02-01");
    expect(res.code).toBe(0);
    expect(res.stdout).toBe("No badge events with findings in this window.\n");
  });
});
