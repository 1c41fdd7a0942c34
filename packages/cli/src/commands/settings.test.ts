// `openirm settings` against a real server: show, set by path, and importing a domain list from a file.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";
import { nestedPatch, parseSettingValue } from "./settings.ts";

let harness: CliHarness;
let dir: string;

const cli = (...args: string[]) => harness.cli(...args);

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-cli-settings-" });
  ({ dir } = harness);
});
afterAll(async () => harness?.close());

describe("openirm settings", () => {
  it("reads values as JSON when they parse, lists as comma-separated text otherwise", () => {
    expect(parseSettingValue("detections.alertVolume", "fewer")).toBe("fewer");
    expect(parseSettingValue("pastActivityDays", "14")).toBe(14);
    expect(parseSettingValue("detections.ignoreEmailSignatureAttachments", "true")).toBe(true);
    expect(parseSettingValue("detections.sensitiveInfoTypeExclusions", "Credit Card Number, IBAN")).toEqual([
      "Credit Card Number",
      "IBAN",
    ]);
    expect(parseSettingValue("detections.filePathExclusions", '["C:\\\\a,b"]')).toEqual(["C:\\a,b"]);
    expect(nestedPatch("detections.domains.allowed", [])).toEqual({ detections: { domains: { allowed: [] } } });
  });

  it("sets a value by path and shows it; a bad value exits 1 with the field path and the fix", async () => {
    const set = await cli("settings", "set", "detections.alertVolume", "fewer");
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect(set.stdout).toBe('detections.alertVolume: "default" → "fewer"\n');
    const again = await cli("settings", "set", "detections.alertVolume", "fewer");
    expect(again.stdout).toBe('detections.alertVolume is already "fewer"; nothing changed.\n');
    const bad = await cli("settings", "set", "detections.unusualActivityMinDailyEvents", "-5");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      "openirm: detections.unusualActivityMinDailyEvents must be a whole number of events from 0 to 1000000 (got -5); 0 lets the booster apply whatever the day's count.\n",
    );
    const types = await cli("settings", "set", "detections.fileTypeExclusions", "aac,.MP3");
    expect(types.stdout).toBe("detections.fileTypeExclusions: (0) - → (2) aac, mp3\n");
    const show = await cli("settings", "show");
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("Timeframes\n");
    expect(show.stdout).toMatch(/emailPastActivityDays: +10 days \(fixed\)/);
    expect(show.stdout).toMatch(/alertVolume: +fewer/);
    expect(show.stdout).toMatch(/fileTypeExclusions: +\(2\/500\) aac, mp3/);
    expect(show.stdout).toMatch(
      /trainableClassifierExclusions: +\(5\/500\) Threat, Profanity, Targeted harassment, Offensive language, Discrimination/,
    );
    expect((await cli("settings", "show", "--json")).json().detections.alertVolume).toBe("fewer");
  });

  it("imports a domain list from a file, reporting rejected lines by number", async () => {
    const file = join(dir, "domains.txt");
    writeFileSync(file, "contoso.com\n*.fabrikam.com,true\nhttps://bad.com\n");
    const res = await cli("settings", "domains", "import", "--list", "allowed", "--file", file);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      "Imported 2 entries into detections.domains.allowed (replace): 2 added, 0 removed, 0 duplicates, 1 line rejected. The list has 2 of 500 entries.\n" +
        "Rejected lines:\n" +
        '  Line 3: "https://bad.com" has a scheme; write the domain alone: bad.com.\n',
    );
    writeFileSync(file, "northwind.com\n");
    const appended = await cli(
      "settings",
      "domains",
      "import",
      "--list",
      "allowed",
      "--file",
      file,
      "--append",
      "--json",
    );
    expect(appended.json()).toMatchObject({ count: 3, added: 1, mode: "append" });
    const show = await cli("settings", "show");
    expect(show.stdout).toMatch(
      /domains\.allowed: +\(3\/500\) contoso\.com, \*\.fabrikam\.com \(multi-level\), northwind\.com/,
    );
    const wrong = await cli("settings", "domains", "import", "--list", "blocked", "--file", file);
    expect(wrong).toMatchObject({
      code: 2,
      stderr: "openirm: --list must be one of unallowed, allowed, third-party (got 'blocked').\n",
    });
    const missing = await cli("settings", "import", "file-paths", "--file", join(dir, "nope.txt"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^openirm: cannot read --file .*nope\.txt: ENOENT\.\n$/);
    writeFileSync(file, "C:\\Users\\*\\Desktop\n\\public\\local\\\n");
    const paths = await cli("settings", "import", "file-paths", "--file", file, "--json");
    expect(paths.json().entries).toEqual(["C:\\Users\\*\\Desktop", "\\public\\local\\"]);
  });
});
