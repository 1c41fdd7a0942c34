// `openirm connectors` for operating connectors, against a real server: list with health, show,
// edit, disable, enable, delete, health, and scheduled imports from a folder.

import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../../../server/test/support.ts";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";

const FIXTURES = fileURLToPath(new URL("../../../server/test/fixtures", import.meta.url));

let harness: CliHarness;
let server: TestServer;
let app: { clientId: string; clientSecret: string; tenantId: string };

const cli = (...args: string[]) => harness.cli(...args);

async function createConnector(name: string): Promise<{ id: string; jobId: string }> {
  const res = await cli(
    ...["connectors", "create", "--type", "indicators", "--name", name, "--app-id", app.clientId],
    ...["--sample", join(FIXTURES, "indicators-example2-upn.csv"), "--user-column", "UPN"],
    ...["--time-column", "Aggregation_Date", "--source-column", "Source_Workload", "--json"],
  );
  expect(res.stderr).toBe("");
  return res.json();
}

async function upload(jobId: string, file: string) {
  return cli(
    ...["upload", "--tenant-id", app.tenantId, "--app-id", app.clientId, "--app-secret", app.clientSecret],
    ...["--job-id", jobId, "--file-path", file, "--json"],
  );
}

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-cli-connectors-" });
  ({ server } = harness);
  app = (await cli("apps", "create", "--name", "Operations", "--json")).json();
});
afterAll(async () => harness?.close());

describe("openirm connectors edit, disable, enable, delete", () => {
  it("edits the mapping of one source value and prints what changed; a bad column exits 1 with the reason", async () => {
    const c = await createConnector("CLI edit");
    const edited = await cli("connectors", "edit", c.id, "--map", "Dropbox=Alert_Count,AdditionalInfo_Dropbox");
    expect(edited.stderr).toBe("");
    expect(edited.stdout).toBe("Updated connector 'CLI edit': mapping changed.\n");
    const shown = (await cli("connectors", "show", c.id, "--json")).json();
    expect(shown.config.mapping.Dropbox).toEqual(["Alert_Count", "AdditionalInfo_Dropbox"]);
    expect(shown.config.mapping.Salesforce).toHaveLength(8);
    const bad = await cli("connectors", "edit", c.id, "--user-column", "UserPrincipalName");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^openirm: Column 'UserPrincipalName' is not in the connector's sample\. .*The file has: UPN, Display_Name/,
    );
    const nothing = await cli("connectors", "edit", c.id);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe(
      "openirm: connectors edit: give at least one change (--name, --app-id, --map, --sample …).\n",
    );
  });

  it("disables (uploads refused), enables, and deletes keeping the signals, saying how many", async () => {
    const c = await createConnector("CLI lifecycle");
    const disabled = await cli("connectors", "disable", c.id);
    expect(disabled.stdout).toBe(
      `Connector 'CLI lifecycle' disabled: uploads to job ID ${c.jobId} are refused until 'openirm connectors enable ${c.id}'.\n`,
    );
    const refused = await upload(c.jobId, join(FIXTURES, "indicators-example2-upn.csv"));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Connector 'CLI lifecycle' is disabled.");
    expect((await cli("connectors", "enable", c.id)).stdout).toBe("Connector 'CLI lifecycle' enabled.\n");
    expect((await upload(c.jobId, join(FIXTURES, "indicators-example2-upn.csv"))).json().recordsSaved).toBe(6);

    const list = await cli("connectors", "list");
    expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+TYPE\s+NAME\s+JOB ID\s+APP ID\s+STATUS\s+LAST UPLOAD$/);
    expect(list.stdout).toMatch(/CLI lifecycle\s+\S+\s+\S+\s+healthy\s+\d{4}-\d\d-\d\dT/);

    const unconfirmed = await cli("connectors", "delete", c.id, "--delete-signals");
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toBe(
      "openirm: --delete-signals erases the connector's signals for good; add --yes to confirm.\n",
    );
    const deleted = await cli("connectors", "delete", c.id);
    expect(deleted.stdout).toBe(
      "Connector 'CLI lifecycle' deleted; its job ID no longer accepts uploads. The 6 signals it brought are kept and still count in scoring (delete with ?deleteSignals=true to erase them).\n",
    );
    expect((await cli("connectors", "list")).stdout).not.toContain("CLI lifecycle");
    expect((await cli("connectors", "list", "--include-deleted")).stdout).toMatch(/CLI lifecycle.*deleted/);
    const gone = await cli("connectors", "show", c.id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^openirm: Connector 'CLI lifecycle' was deleted on \d{4}-/);
  });

  it("deletes the signals with --delete-signals --yes", async () => {
    const c = await createConnector("CLI erase");
    await upload(c.jobId, join(FIXTURES, "indicators-example2-upn.csv"));
    const res = await cli("connectors", "delete", c.id, "--delete-signals", "--yes", "--json");
    expect(res.json()).toMatchObject({ signals: { kept: 0, deleted: 6 } });
  });
});

describe("openirm connectors health and schedule", () => {
  it("shows the health of one connector and of all", async () => {
    const c = await createConnector("CLI health");
    await upload(c.jobId, join(FIXTURES, "indicators-example2-upn.csv"));
    const one = await cli("connectors", "health", c.id);
    expect(one.stdout).toMatch(/^Connector 'CLI health' \(indicators\):\n {2}status: +healthy\n/);
    expect(one.stdout).toMatch(/ {2}last upload: +\S+ \(completed\): 6 received, 6 saved, 0 rejected\n/);
    expect(one.stdout).toMatch(/ {2}last 24 hours: +1 runs, 6 received, 6 saved\n/);
    expect(one.stdout).toMatch(/ {2}error rate: +0%\n/);
    const all = await cli("connectors", "health");
    expect(all.stdout.split("\n")[0]).toMatch(
      /^ID\s+NAME\s+TYPE\s+STATUS\s+LAST UPLOAD\s+SAVED 24H\s+SAVED 7D\s+ERROR RATE$/,
    );
    expect(all.stdout).toMatch(/CLI health\s+indicators\s+healthy\s+\S+\s+6\s+6\s+0%/);
  });

  it("sets a folder schedule, runs it now, shows it and removes it", async () => {
    const c = await createConnector("CLI schedule");
    const dir = join(server.services.config.dataDir, "imports", "cli");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "detections.csv");
    writeFileSync(file, readFixture("indicators-example2-upn.csv"));
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(file, past, past);

    const usage = await cli("connectors", "schedule", "set", c.id, "--cron", "0 2 * * *");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("openirm: connectors schedule set: give either --folder DIR or --url URL.\n");
    const refused = await cli(
      ...["connectors", "schedule", "set", c.id, "--cron", "0 2 * * *"],
      ...["--url", "http://example.org/x.csv"],
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("uses plain http; scheduled imports download over https only");

    const set = await cli(
      ...["connectors", "schedule", "set", c.id, "--cron", "0 2 * * *"],
      ...["--folder", dir, "--pattern", "*.csv"],
    );
    expect(set.stderr).toBe("");
    expect(set.stdout).toContain(`source:      folder ${dir}, the newest file matching *.csv\n`);
    const run = await cli("connectors", "schedule", "run", c.id);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Imported 1 file: 'detections\.csv' \(run [0-9a-f-]+\): 6 records received, 6 saved/);
    expect(run.stdout).toMatch(/detections\.csv\s+completed\s+6\s+6\s+0\s+0/);
    const again = await cli("connectors", "schedule", "run", c.id);
    expect(again.stdout).toMatch(
      new RegExp(
        `^No new file: the newest file matching '\\*\\.csv' in ${dir.replaceAll(".", "\\.")}, detections\\.csv, was imported on \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\.\\n$`,
      ),
    );
    const shown = await cli("connectors", "show", c.id);
    expect(shown.stdout).toContain("Scheduled import:\n");
    expect(shown.stdout).toMatch(/last upload: +\S+ \(completed, scheduled import\): 6 received/);
    expect((await cli("connectors", "schedule", "delete", c.id)).stdout).toBe("Scheduled import removed.\n");
    const none = await cli("connectors", "schedule", "show", c.id);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("has no scheduled import");
  });

  it("exits 1 when the import failed", async () => {
    const c = await createConnector("CLI failing schedule");
    const dir = join(server.services.config.dataDir, "imports", "cli-failing");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "wrong.csv");
    writeFileSync(file, "Who,When\nx,y\n");
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(file, past, past);
    await cli("connectors", "schedule", "set", c.id, "--cron", "0 2 * * *", "--folder", dir);
    const run = await cli("connectors", "schedule", "run", c.id);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^Imported 1 file: 'wrong\.csv' \(run [0-9a-f-]+\) failed: Line 1: the file has no column 'UPN'/,
    );
    expect(run.stderr).toBe("openirm: the import failed; see the message above.\n");
  });
});

function readFixture(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}
