import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertDirectoryUser } from "../../../server/test/support.ts";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";

let harness: CliHarness;
let policyId: string;

const cli = (...args: string[]) => harness.cli(...args);

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-scoping-" });
  const db = harness.server.services.db;
  policyId = randomUUID();
  await db.query("INSERT INTO policies (id, name, template, config) VALUES ($1, 'Departing staff', 'data-leaks', $2)", [
    policyId,
    { scope: { allUsers: true }, triggers: { hrResignation: false, indicators: [] }, indicators: [] },
  ]);
  await insertDirectoryUser(db, "sarad@contoso.com", "Sara Davis");
  await insertDirectoryUser(db, "bobk@contoso.com", "Bob Kelly");
});
afterAll(async () => harness?.close());

describe("openirm scoping", () => {
  it("starts scoring typed users in a policy named by name", async () => {
    const run = await cli(
      "scoping",
      "start",
      "sarad@contoso.com",
      "--policy",
      "departing staff",
      "--days",
      "14",
      "--reason",
      "Case 42",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Scoring 1 user\(s\) in 'Departing staff' for 14 days, until \d{4}-\d\d-\d\dT[\d:.]+Z; activity since \d{4}-\d\d-\d\d is scored\.\n {2}users: sarad@contoso\.com\n$/,
    );
  });

  it("reads a CSV, prints refused lines and exits 1, keeping the others", async () => {
    const file = harness.writeFile("users.csv", "user principal name\nbobk@contoso.com\nghost@contoso.com\n");
    const run = await cli("scoping", "start", "--file", file, "--policy", policyId, "--days", "5", "--reason", "Tip");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Scoring 1 user(s) in 'Departing staff' for 5 days");
    expect(run.stdout).toContain("  line 3: user 'ghost@contoso.com' is not in the directory;");
    expect(run.stderr).toBe("openirm: 1 entry was refused; the others were kept.\n");
  });

  it("shows the server's message for days out of range, and usage mistakes exit 2", async () => {
    const run = await cli(
      "scoping",
      "start",
      "bobk@contoso.com",
      "--policy",
      policyId,
      "--days",
      "31",
      "--reason",
      "r",
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "openirm: days: 31 is out of range; manual scoring lasts a whole number of days from 5 to 30.\n",
    );
    expect((await cli("scoping", "start", "--policy", policyId, "--days", "5", "--reason", "r")).code).toBe(2);
    const unknown = await cli("scoping", "start", "a@b.c", "--policy", "Nope", "--days", "5", "--reason", "r");
    expect(unknown.stderr).toBe("openirm: there is no policy named 'Nope'; the policies are 'Departing staff'.\n");
  });

  it("removes a user from scoring and lists the entries and the removals", async () => {
    const removed = await cli("scoping", "remove", "sarad@contoso.com", "--reason", "Closed");
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/^Removed 1 user\(s\) from scoring at .+\.\n {2}users: sarad@contoso\.com\n$/);

    const list = await cli("scoping", "list", "Departing staff");
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^USER +STATUS +STARTS +ENDS +BY +REASON$/);
    expect(lines.slice(1).find((l) => l.startsWith("sarad@contoso.com"))).toMatch(
      /ended \(removed\) .* admin +Case 42$/,
    );
    expect(lines.slice(1).find((l) => l.startsWith("bobk@contoso.com"))).toMatch(/ active .* admin +Tip$/);

    const removals = await cli("scoping", "removals", "--json");
    expect(removals.json()).toMatchObject({
      total: 1,
      items: [{ user: { upn: "sarad@contoso.com" }, reason: "Closed" }],
    });
  });
});
