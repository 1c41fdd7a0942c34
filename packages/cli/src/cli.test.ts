import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../../server/test/support.ts";
import { bufferIo } from "./io.ts";
import { runCli } from "./program.ts";

const FIXTURES = fileURLToPath(new URL("../../server/test/fixtures", import.meta.url));

let server: TestServer;
let configDir: string;
let env: NodeJS.ProcessEnv;

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

/** Runs `openirm <args>` in-process; returns the exit code and what it printed. */
async function cli(...args: string[]) {
  const io = bufferIo(env);
  const code = await runCli(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) };
}

beforeAll(async () => {
  server = await startTestServer({ listen: true });
  configDir = mkdtempSync(join(tmpdir(), "openirm-cli-"));
  env = { OPENIRM_CONFIG: join(configDir, "credentials.json"), HOME: configDir };
});
afterAll(async () => {
  await server?.close();
  rmSync(configDir, { recursive: true, force: true });
});

describe("openirm login", () => {
  it("saves the server and a working token in a file only its owner can read", async () => {
    const res = await cli("login", "--server", `${server.url}/`, "--username", "admin", "--password", ADMIN_PASSWORD);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Signed in to ${server.url} as admin`);
    const path = env.OPENIRM_CONFIG as string;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(path, "utf8"));
    expect(saved.server).toBe(server.url);
    expect(saved.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("prints the server's reason and exits 1 for a wrong password, keeping the saved session", async () => {
    const before = readFileSync(env.OPENIRM_CONFIG as string, "utf8");
    const res = await cli("login", "--server", server.url, "--username", "admin", "--password", "wrong-password");
    expect(res.code).toBe(1);
    expect(res.stderr).toBe("openirm: The username or password is incorrect.\n");
    expect(readFileSync(env.OPENIRM_CONFIG as string, "utf8")).toBe(before);
  });
});

describe("openirm apps", () => {
  it("creates an app registration and prints its client ID, secret and tenant ID as JSON", async () => {
    const res = await cli("apps", "create", "--name", "HR feed", "--json");
    expect(res.code).toBe(0);
    const app = res.json();
    expect(app.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.clientSecret).toHaveLength(40);
    expect(app.tenantId).toBe(server.services.tenant.id);
    const list = await cli("apps", "list");
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^CLIENT ID\s+NAME\s+DISABLED\s+CREATED$/);
    expect(list.stdout).toContain(app.clientId);
    expect(list.stdout).not.toContain(app.clientSecret);
  });
});

describe("usage and connection errors", () => {
  it("exits 2 for a missing required option or a malformed option value", async () => {
    const missing = await cli("apps", "create");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("openirm: required option '--name <name>' not specified\n");
    const badType = await cli(
      "connectors",
      "create",
      "--type",
      "indicators",
      "--name",
      "x",
      "--app-id",
      "y",
      "--sample",
      join(FIXTURES, "indicators-example2-upn.csv"),
      "--user-column",
      "UPN",
      "--time-column",
      "Aggregation_Date",
      "--column-type",
      "Alert_Count=Integer",
    );
    expect(badType.code).toBe(2);
    expect(badType.stderr).toBe(
      "openirm: --column-type Alert_Count=Integer: the type must be one of Text, Number, DateTime, Boolean.\n",
    );
    const badThresholds = await cli("policies", "create", "--name", "p", "--indicator", "abc:1,2");
    expect(badThresholds.code).toBe(2);
    expect(badThresholds.stderr).toBe("openirm: --indicator expects ID:low,medium,high (got 'abc:1,2').\n");
    const unknown = await cli("alerts", "lst");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'lst'");
  });

  it("says how to sign in when there is no token for the server, and exits 1", async () => {
    const res = await cli("alerts", "list", "--server", "http://127.0.0.1:9");
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      "openirm: not signed in to http://127.0.0.1:9: run 'openirm login --server http://127.0.0.1:9 --username admin'.\n",
    );
  });

  it("names the server it cannot reach", async () => {
    const closed = await closedPort();
    const res = await cli("login", "--server", `http://127.0.0.1:${closed}`, "--username", "admin", "--password", "x");
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `openirm: cannot reach http://127.0.0.1:${closed} (ECONNREFUSED). Is the server running? Use --server URL.\n`,
    );
  });
});

describe("from files to an alert with the command line alone", () => {
  it("creates connectors, uploads, builds indicators and a policy, scores and lists the one alert", async () => {
    const dir = configDir;
    const app = (await cli("apps", "create", "--name", "End to end", "--json")).json();
    const hr = await cli(
      ...["connectors", "create", "--type", "hr", "--name", "HR resignations", "--app-id", app.clientId],
      ...["--sample", join(FIXTURES, "hr-resignation.csv"), "--json"],
    );
    expect(hr.stderr).toBe("");
    const hrConnector = hr.json();
    const detections = (
      await cli(
        ...["connectors", "create", "--type", "indicators", "--name", "Detections", "--app-id", app.clientId],
        ...["--sample", join(FIXTURES, "indicators-example2-upn.csv"), "--user-column", "UPN"],
        ...["--time-column", "Aggregation_Date", "--source-column", "Source_Workload"],
        ...["--source-values", "Salesforce,Dropbox", "--column-type", "Alert_Count=Number", "--json"],
      )
    ).json();
    // sarad resigned on 2019-04-23 and moved data the next day; bradh moved more but did not resign.
    const file = join(dir, "detections.csv");
    writeFileSync(
      file,
      [
        "UPN,Display_Name,Alert_Severity,Alert_Count,Aggregation_Date,Source_Workload,AdditionalInfo_Salesforce,AdditionalInfo_Dropbox",
        "sarad@contoso.com,Salesforce - Report exported,High,12,2019-04-24T05:52:56.962686Z,Salesforce,text,text",
        "sarad@contoso.com,Dropbox - Files synced,Medium,6,2019-04-24T06:52:56.962686Z,Dropbox,text,text",
        "bradh@contoso.com,Salesforce - Reports printed,High,50,2019-04-24T05:52:56.962686Z,Salesforce,text,text",
      ].join("\n"),
    );
    const upload = (jobId: string, path: string) =>
      cli(
        ...["upload", "--tenant-id", app.tenantId, "--app-id", app.clientId, "--app-secret", app.clientSecret],
        ...["--job-id", jobId, "--file-path", path, "--json"],
      );
    expect((await upload(hrConnector.jobId, join(FIXTURES, "hr-resignation.csv"))).json().recordsSaved).toBe(2);
    expect((await upload(detections.jobId, file)).json().recordsSaved).toBe(3);

    const indicator = async (workload: string) => {
      const res = await cli(
        ...["indicators", "create", "--name", `${workload} activity`, "--connector", detections.id],
        ...["--source-value", workload, "--value-column", "Alert_Count", "--json"],
      );
      expect(res.stderr).toBe("");
      return res.json().id as string;
    };
    const salesforce = await indicator("Salesforce");
    const dropbox = await indicator("Dropbox");
    const listed = await cli("indicators", "list");
    expect(listed.stdout).toMatch(/Salesforce activity\s+Salesforce\s+Alert_Count/);
    expect(listed.stdout).toMatch(/Dropbox activity\s+Dropbox\s+Alert_Count/);

    const policy = await cli(
      ...["policies", "create", "--name", "Leavers", "--template", "departing-users-data-theft"],
      ...["--indicator", `${salesforce}:5,10,20`, "--indicator", `${dropbox}:5,10,20`, "--json"],
    );
    expect(policy.stderr).toBe("");
    expect((await cli("policies", "list")).stdout).toMatch(/Leavers\s+departing-users-data-theft/);
    expect((await cli("scoring", "run")).code).toBe(0);

    const alerts = (await cli("alerts", "list", "--json")).json();
    expect(alerts.total).toBe(1);
    expect(alerts.items[0].user.upn).toBe("sarad@contoso.com");
    expect(alerts.items[0].policy.name).toBe("Leavers");
    const table = await cli("alerts", "list", "--status", "NeedsReview");
    expect(table.stdout).toMatch(/sarad@contoso\.com\s+Leavers/);
    expect(table.stdout).toContain("1 alert; page 1 of 1.\n");
    const shown = await cli("alerts", "show", alerts.items[0].id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/ user: +sarad@contoso\.com\n/);
    expect(shown.stdout).toMatch(/ policy: +Leavers\n/);
    const none = await cli("alerts", "list", "--severity", "Critical");
    expect(none.code).toBe(1);
    // The server's own reason, passed through (its wording is the alerts API's).
    expect(none.stderr).toMatch(/^openirm: severity: 'Critical' is not allowed; allowed values: .*High.*\n$/);
  });

  it("exits 2 when an indicator has both a value column and --trigger-only", async () => {
    const res = await cli(
      "indicators",
      "create",
      "--name",
      "x",
      "--connector",
      "y",
      "--value-column",
      "A",
      "--trigger-only",
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toBe("openirm: --value-column and --trigger-only exclude each other.\n");
  });
});
