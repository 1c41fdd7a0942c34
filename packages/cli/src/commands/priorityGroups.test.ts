import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";

let harness: CliHarness;
let dir: string;

const cli = (...args: string[]) => harness.cli(...args);

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-priority-groups-", signIn: "login" });
  ({ dir } = harness);
});
afterAll(async () => harness?.close());

describe("openirm priority-groups", () => {
  it("creates a group with members from a CSV, lists, shows, edits and deletes it", async () => {
    expect((await cli("priority-groups", "list")).stdout).toMatch(/^No priority user groups yet/);
    expect((await cli("priority-groups", "create", "Executives")).code).toBe(2);

    const file = join(dir, "executives.csv");
    writeFileSync(file, "user principal name\nsarad@contoso.com\nnot a upn\n");
    const created = await cli(
      "priority-groups",
      "create",
      "Executives",
      "--viewer-role-group",
      "InsiderRiskManagementInvestigators",
      "--viewer-account",
      "admin",
      "--members",
      file,
    );
    expect(created.code).toBe(1);
    expect(created.stdout).toContain(
      "Created priority user group 'Executives' (viewers: InsiderRiskManagementInvestigators, account:admin).\n",
    );
    expect(created.stdout).toContain(
      "  line 3: user principal name: 'not a upn' is not a user principal name (name@domain).\n",
    );
    expect(created.stderr).toBe(`openirm: 1 line(s) of ${file} were refused; the others were added.\n`);

    expect((await cli("priority-groups", "list")).stdout.split("\n")[1]).toMatch(
      /^Executives +1 +InsiderRiskManagementInvestigators, account:admin +yes +-$/,
    );
    const shown = await cli("priority-groups", "show", "executives");
    expect(shown.stdout).toContain("sarad@contoso.com");
    expect(shown.stdout).toMatch(/you view it: +yes/);

    const added = await cli("priority-groups", "add-members", "Executives", "bobk@contoso.com");
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/added: +1/);
    const edited = await cli(
      "priority-groups",
      "edit",
      "Executives",
      "--viewer-role-group",
      "InsiderRiskManagementAnalysts",
    );
    expect(edited.stdout).toBe("Updated priority user group 'Executives' (viewers: InsiderRiskManagementAnalysts).\n");
    const removed = await cli("priority-groups", "remove-members", "Executives", "bobk@contoso.com", "x@y.z");
    expect(removed.stdout).toBe("Removed 1 member(s); 1 remain.\n  not a member: x@y.z\n");
    const deleted = await cli("priority-groups", "delete", "Executives");
    expect(deleted.stdout).toBe("Deleted priority user group 'Executives'.\n");
    const missing = await cli("priority-groups", "show", "Executives");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Priority user group 'Executives' does not exist.");
  });
});
