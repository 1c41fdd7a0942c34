// `openirm activity` against a real server: the activity types, the ready-made mappings, saving and
// editing one, creating an activity connector from the edited file and uploading NDJSON events.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";

const EXAMPLES = fileURLToPath(new URL("../../../../docs/connectors/examples/activity", import.meta.url));

let harness: CliHarness;
let dir: string;

const cli = (...args: string[]) => harness.cli(...args);

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-cli-activity-" });
  ({ dir } = harness);
});
afterAll(async () => harness?.close());

describe("openirm activity", () => {
  it("lists the activity types, all or one category", async () => {
    const all = await cli("activity", "types");
    expect(all.code).toBe(0);
    expect(all.stdout.split("\n")[0]).toMatch(/^ID\s+CATEGORY\s+STAGE\s+LABEL$/);
    expect(all.stdout).toMatch(
      /file\.copiedToRemovableMedia\s+device\s+exfiltration\s+File copied to USB or removable media/,
    );
    const security = await cli("activity", "types", "--category", "security", "--json");
    expect(security.json().map((t: { id: string }) => t.id)).toEqual([
      "security.defenseEvasion",
      "security.unwantedSoftware",
      "security.dlpAlert",
      "security.privilegeGranted",
    ]);
    const bad = await cli("activity", "types", "--category", "email");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(
      "openirm: --category must be one of office, device, security, cloud, browsing, communication (got 'email').\n",
    );
  });

  it("lists the ready-made mappings and prints one as JSON to save", async () => {
    const list = await cli("activity", "mappings");
    expect(list.stdout).toMatch(/^ID\s+NAME\n/);
    expect(list.stdout).toContain("okta-system-log");
    expect(list.stdout).toContain("Print one with: openirm activity mappings ID > mapping.json");
    const one = await cli("activity", "mappings", "okta-system-log");
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ id: "okta-system-log", activity: { path: "eventType" } });
    const missing = await cli("activity", "mappings", "okta-system");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^openirm: No ready-made activity mapping has the ID 'okta-system'\. Did you mean 'okta-system-log'\?/,
    );
  });

  it("saves a mapping, edits it, creates a connector from the file and uploads NDJSON events", async () => {
    const file = join(dir, "okta.json");
    const saved = await cli("activity", "mappings", "okta-system-log", "--output", file);
    expect(saved.stdout).toBe(`Wrote mapping 'okta-system-log' to ${file}.\n`);
    const document = JSON.parse(readFileSync(file, "utf8"));
    // Also import successful sign-ins from outside the usual country, as an example of an edit.
    document.id = "okta-custom";
    document.activity.map["user.session.start"] = [
      { when: { "client.geographicalContext.country": { notIn: ["Netherlands"] } }, type: "cloud.appAnomaly" },
    ];
    writeFileSync(file, JSON.stringify(document, null, 2));
    const app = (await cli("apps", "create", "--name", "Okta export", "--json")).json();
    const created = await cli(
      ...["connectors", "create", "--type", "activity", "--name", "Okta", "--app-id", app.clientId],
      ...["--activity-mapping", file, "--json"],
    );
    expect(created.stderr).toBe("");
    const events = JSON.parse(readFileSync(join(EXAMPLES, "okta-system-log.json"), "utf8")) as Record<string, any>[];
    events.push({
      ...events[0],
      uuid: "abroad-1",
      client: { ...events[0]?.client, geographicalContext: { country: "Brazil" } },
    });
    const ndjsonFile = join(dir, "events.ndjson");
    writeFileSync(ndjsonFile, events.map((e) => `${JSON.stringify(e)}\n`).join(""));
    const uploaded = await cli(
      ...["upload", "--tenant-id", app.tenantId, "--app-id", app.clientId, "--app-secret", app.clientSecret],
      ...["--job-id", created.json().jobId, "--file-path", ndjsonFile, "--json"],
    );
    expect(uploaded.stderr).toBe("");
    expect(uploaded.json()).toMatchObject({ recordsReceived: 7, recordsSaved: 4, recordsRejected: 0 });
  });
});
