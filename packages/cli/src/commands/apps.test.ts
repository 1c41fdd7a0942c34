// `openirm apps tokens` against a real server: create (shown once), list, revoke, and option mistakes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../../../server/test/support.ts";
import { type CliHarness, startCliHarness } from "../../test/harness.ts";

let harness: CliHarness;
let server: TestServer;
let clientId: string;

const cli = (...args: string[]) => harness.cli(...args);

beforeAll(async () => {
  harness = await startCliHarness({ prefix: "openirm-cli-apps-" });
  ({ server } = harness);
  clientId = (await cli("apps", "create", "--name", "Okta provisioning", "--json")).json().clientId;
});
afterAll(async () => harness?.close());

describe("openirm apps tokens", () => {
  it("creates a token shown once, lists it without the token, and revokes it", async () => {
    const empty = await cli("apps", "tokens", "list", clientId);
    expect(empty.stdout).toBe(
      `App registration 'Okta provisioning' has no provisioning tokens: create one with 'openirm apps tokens create ${clientId}'.\n`,
    );

    const created = await cli("apps", "tokens", "create", clientId, "--name", "Okta production");
    expect(created).toMatchObject({ code: 0, stderr: "" });
    const token = /token: +(oirm_scim_\S+)/.exec(created.stdout)?.[1] as string;
    expect(token).toMatch(/^oirm_scim_[A-Za-z0-9_-]{43}$/);
    expect(created.stdout).toContain(
      "Created provisioning token 'Okta production' for app 'Okta provisioning'. Copy it now: it is not shown again.\n",
    );
    expect(created.stdout).toMatch(/SCIM base URL: +http:\/\/127\.0\.0\.1:\d+\/scim\/v2\n/);
    const id = /id: +(\S+)/.exec(created.stdout)?.[1] as string;

    const forever = await cli("apps", "tokens", "create", clientId, "--no-expiry", "--json");
    expect(forever.json()).toMatchObject({ name: "SCIM provisioning", expiresAt: null });
    const short = await cli("apps", "tokens", "create", clientId, "--expires-in-days", "7", "--json");
    expect(Date.parse(short.json().expiresAt) - Date.parse(short.json().createdAt)).toBe(7 * 86_400_000);

    const list = await cli("apps", "tokens", "list", clientId);
    expect(list.stdout.split("\n")[0]).toMatch(/^ID +NAME +STATUS +CREATED +EXPIRES +LAST USED +REVOKED$/);
    expect(list.stdout).toMatch(new RegExp(`${id} +Okta production +active `));
    expect(list.stdout).toMatch(/SCIM provisioning +active +\S+ +never/);
    expect(list.stdout).not.toContain(token);

    const revoked = await cli("apps", "tokens", "revoke", clientId, id);
    expect(revoked.stdout).toBe(`Revoked provisioning token 'Okta production' (${id}).\n`);
    const again = await cli("apps", "tokens", "revoke", clientId, id);
    expect(again.stdout).toMatch(
      /^Provisioning token 'Okta production' \(.+\) was already revoked at .+; nothing changed\.\n$/,
    );
    const scim = await server.request({ method: "GET", url: "/scim/v2/Users", token });
    expect(scim.statusCode).toBe(401);
  });

  it("reports option mistakes (exit 2) and the server's refusals (exit 1)", async () => {
    const both = await cli("apps", "tokens", "create", clientId, "--no-expiry", "--expires-in-days", "30");
    expect(both).toMatchObject({
      code: 2,
      stderr: "openirm: --expires-in-days and --no-expiry cannot be used together; choose one.\n",
    });
    const zero = await cli("apps", "tokens", "create", clientId, "--expires-in-days", "0");
    expect(zero).toMatchObject({
      code: 2,
      stderr: "openirm: --expires-in-days expects a whole number ≥ 1 (got '0').\n",
    });
    const tooLong = await cli("apps", "tokens", "create", clientId, "--expires-in-days", "1000");
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toBe(
      "openirm: expiresInDays: a provisioning token lives 1 to 730 whole days (got 1000); leave it out for 365 days, or send null for a token that does not expire.\n",
    );
    const unknown = await cli("apps", "tokens", "list", "5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      "openirm: App registration '5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8' does not exist; 'openirm apps list' shows the client IDs of the registered apps.\n",
    );
  });
});
