// Provisioning tokens end to end: an admin creates one for an app registration (shown once, stored
// as a hash), an identity provider that keeps one fixed bearer token (Okta, Entra ID's "Secret Token")
// provisions with it, and it stops working when revoked, expired or its app is disabled. It is
// accepted by /scim/v2 only.

import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dotnetMultipart } from "../../test/protocol/setup.ts";
import { signInAdmin, signInAs, startTestServer, TestClock, type TestServer } from "../../test/support.ts";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
const DAY_MS = 86_400_000;

let server: TestServer;
const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));
let okta: { clientId: string; name: string };

beforeAll(async () => {
  server = await startTestServer({ clock });
  const app = await server.request({ method: "POST", url: "/api/apps", payload: { name: "Okta provisioning" } });
  okta = { clientId: app.json().clientId, name: "Okta provisioning" };
});
afterAll(async () => server.close());

async function createToken(clientId: string, payload: unknown = {}, token?: string) {
  return server.request({
    method: "POST",
    url: `/api/apps/${clientId}/provisioning-tokens`,
    payload: payload as object,
    ...(token ? { token } : {}),
  });
}

async function newToken(payload: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const res = await createToken(okta.clientId, payload);
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json();
}

/** A SCIM call as Okta makes it: application/scim+json, `Authorization: Bearer <token>`. */
async function scim(token: string, method: string, url: string, body?: unknown) {
  return server.request({
    method,
    url: `/scim/v2${url}`,
    token,
    ...(body === undefined
      ? {}
      : { payload: JSON.stringify(body), headers: { "content-type": "application/scim+json; charset=utf-8" } }),
  });
}

async function tokenRow(id: string) {
  const { rows } = await server.services.db.query<{ last_used_at: string | null; last_used_ip: string | null }>(
    "SELECT last_used_at, last_used_ip FROM provisioning_tokens WHERE id = $1",
    [id],
  );
  return rows[0];
}

describe("creating, listing and revoking", () => {
  it("shows the token once and stores only its SHA-256: no table holds its text", async () => {
    const res = await createToken(okta.clientId, { name: "Okta production" });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created.token).toMatch(/^oirm_scim_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      name: "Okta production",
      appClientId: okta.clientId,
      appName: "Okta provisioning",
      status: "active",
      createdBy: "admin",
      createdAt: "2026-11-21T12:00:00Z",
      expiresAt: "2027-11-21T12:00:00Z", // 365 days by default
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(created.scimUrl).toMatch(/^https?:\/\/[^/]+\/scim\/v2$/);

    const list = await server.request({ method: "GET", url: `/api/apps/${okta.clientId}/provisioning-tokens` });
    expect(list.statusCode).toBe(200);
    expect(list.json().app).toEqual({ clientId: okta.clientId, name: "Okta provisioning", disabled: false });
    const listed = list.json().items.find((t: { id: string }) => t.id === created.id);
    expect(listed).toEqual({
      id: created.id,
      name: "Okta production",
      appClientId: okta.clientId,
      status: "active",
      createdAt: "2026-11-21T12:00:00Z",
      createdBy: "admin",
      expiresAt: "2027-11-21T12:00:00Z",
      lastUsedAt: null,
      lastUsedIp: null,
      revokedAt: null,
      revokedBy: null,
    });
    expect(list.body).not.toContain(created.token);

    const stored = await server.services.db.query<{ token_hash: string }>(
      "SELECT token_hash FROM provisioning_tokens WHERE id = $1",
      [created.id],
    );
    expect(stored.rows[0]?.token_hash).toBe(createHash("sha256").update(created.token).digest("hex"));
    // Every table of the database, as text: the token (or its random part) appears nowhere.
    const secret = created.token.slice("oirm_scim_".length);
    const { rows: tables } = await server.services.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    expect(tables.length).toBeGreaterThan(10);
    for (const { table_name } of tables) {
      const { rows } = await server.services.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${table_name}" t WHERE t::text LIKE $1`,
        [`%${secret}%`],
      );
      expect(rows[0]?.n, table_name).toBe(0);
    }
  });

  it("takes an expiry of 1 to 730 days or none, and explains a bad one", async () => {
    expect((await newToken({ expiresInDays: 30 })) as unknown).toMatchObject({
      expiresAt: "2026-12-21T12:00:00Z",
    });
    expect((await newToken({ expiresInDays: null, name: "  no expiry  " })) as unknown).toMatchObject({
      name: "no expiry",
      expiresAt: null,
    });
    for (const expiresInDays of [0, 731, 1.5]) {
      const res = await createToken(okta.clientId, { expiresInDays });
      expect(res.statusCode, String(expiresInDays)).toBe(400);
      expect(res.json().detail).toBe(
        `expiresInDays: a provisioning token lives 1 to 730 whole days (got ${expiresInDays}); leave it out for 365 days, or send null for a token that does not expire.`,
      );
    }
    const text = await createToken(okta.clientId, { expiresInDays: "ten" });
    expect(text.statusCode).toBe(400);
    expect(text.json().detail).toBe(
      "expiresInDays: give a whole number of days from 1 to 730, or null for a token that does not expire.",
    );
    const long = await createToken(okta.clientId, { name: "x".repeat(201) });
    expect(long.json().detail).toBe("name: a token name has at most 200 characters.");
  });

  it("answers 404 for an unknown app registration or token", async () => {
    const noApp = await createToken("5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8");
    expect(noApp.statusCode).toBe(404);
    expect(noApp.json().detail).toBe(
      "App registration '5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8' does not exist; 'openirm apps list' shows the client IDs of the registered apps.",
    );
    expect((await server.request({ method: "GET", url: "/api/apps/not-a-uuid/provisioning-tokens" })).statusCode).toBe(
      404,
    );
    const noToken = await server.request({
      method: "DELETE",
      url: `/api/apps/${okta.clientId}/provisioning-tokens/5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8`,
    });
    expect(noToken.statusCode).toBe(404);
    expect(noToken.json().detail).toBe(
      `App registration 'Okta provisioning' has no provisioning token '5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8'; 'openirm apps tokens list ${okta.clientId}' shows its tokens.`,
    );
  });

  it("is for admins with apps.manage: an Analyst gets 403, a Data Connector Admin may", async () => {
    const analyst = await signInAs(server, "analyst", ["InsiderRiskManagementAnalysts"]);
    const refused = await createToken(okta.clientId, {}, analyst);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toBe("Your role groups do not allow 'apps.manage'.");
    const list = await server.request({
      method: "GET",
      url: `/api/apps/${okta.clientId}/provisioning-tokens`,
      token: analyst,
    });
    expect(list.statusCode).toBe(403);
    const connectorAdmin = await signInAs(server, "connector-admin", ["DataConnectorAdmin"]);
    expect((await createToken(okta.clientId, { name: "by connector admin" }, connectorAdmin)).statusCode).toBe(201);
  });
});

describe("SCIM with a provisioning token", () => {
  it("creates and deactivates a user as Okta does, acting as the app registration", async () => {
    const { id, token } = await newToken({ name: "Okta" });
    const lookup = await scim(token, "GET", `/Users?filter=${encodeURIComponent('userName eq "kim@contoso.com"')}`);
    expect(lookup.statusCode).toBe(200);
    expect(lookup.json().totalResults).toBe(0);
    const created = await scim(token, "POST", "/Users", {
      schemas: [USER],
      userName: "kim@contoso.com",
      name: { givenName: "Kim", familyName: "Akers" },
      emails: [{ primary: true, value: "kim@contoso.com", type: "work" }],
      displayName: "Kim Akers",
      active: true,
    });
    expect(created.statusCode).toBe(201);
    const userId = created.json().id;
    const deactivated = await scim(token, "PATCH", `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", value: { active: false } }],
    });
    expect(deactivated.statusCode).toBe(200);
    expect(deactivated.json().active).toBe(false);

    const audit = await server.request({ method: "GET", url: "/api/audit?category=Users" });
    const entries = audit
      .json()
      .items.filter((e: { targetId: string }) => e.targetId === userId)
      .map((e: { action: string; actorName: string }) => [e.action, e.actorName]);
    expect(entries).toEqual(
      expect.arrayContaining([
        ["directory.user.create", "Okta provisioning"],
        ["directory.user.update", "Okta provisioning"],
      ]),
    );
    const { rows: signals } = await server.services.db.query<{ kind: string; attributes: Record<string, unknown> }>(
      "SELECT kind, attributes FROM signals WHERE user_id = $1",
      [userId],
    );
    expect(signals).toEqual([
      {
        kind: "directory.account_disabled",
        attributes: { UserPrincipalName: "kim@contoso.com", source: "scim", app: "Okta provisioning" },
      },
    ]);
    expect(await tokenRow(id)).toMatchObject({ last_used_at: "2026-11-21 12:00:00+00" });
  });

  it("records the last use at most once a minute", async () => {
    const { id, token } = await newToken();
    expect((await scim(token, "GET", "/Users?count=1")).statusCode).toBe(200);
    const first = await tokenRow(id);
    expect(first?.last_used_at).toBe("2026-11-21 12:00:00+00");
    expect(first?.last_used_ip).toBeTruthy();
    clock.advance(59_000);
    await scim(token, "GET", "/Users?count=1");
    expect((await tokenRow(id))?.last_used_at).toBe("2026-11-21 12:00:00+00");
    clock.advance(1_000);
    await scim(token, "GET", "/Users?count=1");
    expect((await tokenRow(id))?.last_used_at).toBe("2026-11-21 12:01:00+00");
    const listed = (
      await server.request({ method: "GET", url: `/api/apps/${okta.clientId}/provisioning-tokens` })
    ).json();
    expect(listed.items.find((t: { id: string }) => t.id === id).lastUsedAt).toBe("2026-11-21T12:01:00Z");
  });

  it("refuses an unknown or mangled token with a SCIM 401", async () => {
    const { token } = await newToken();
    for (const bad of [`${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`, "oirm_scim_short"]) {
      const res = await scim(bad, "GET", "/Users");
      expect(res.statusCode).toBe(401);
      expect(res.headers["www-authenticate"]).toBe('Bearer realm="OpenIRM SCIM"');
      expect(res.json()).toEqual({
        schemas: [ERROR],
        status: "401",
        detail:
          "The provisioning token is not known: check that it was copied whole (oirm_scim_ followed by 43 characters), or create a new one with 'openirm apps tokens create <client ID>'.",
      });
    }
  });

  it("refuses a revoked token at once; revoking again changes nothing; both audited once", async () => {
    const { id, token } = await newToken({ name: "to revoke" });
    expect((await scim(token, "GET", "/Users?count=1")).statusCode).toBe(200);
    const url = `/api/apps/${okta.clientId}/provisioning-tokens/${id}`;
    const revoked = await server.request({ method: "DELETE", url });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id, status: "revoked", revokedBy: "admin", changed: true });
    const revokedAt = revoked.json().revokedAt;
    expect((await server.request({ method: "DELETE", url })).json()).toMatchObject({ revokedAt, changed: false });
    const res = await scim(token, "GET", "/Users?count=1");
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe(
      `The provisioning token was revoked at ${revokedAt}. An administrator can create a new one with 'openirm apps tokens create ${okta.clientId}' and paste it into the identity provider.`,
    );

    const audit = (await server.request({ method: "GET", url: "/api/audit?category=Apps" })).json();
    const mine = audit.items.filter((e: { details: { tokenId?: string } }) => e.details.tokenId === id);
    expect(mine.map((e: { action: string }) => e.action).sort()).toEqual([
      "app.provisioning_token.create",
      "app.provisioning_token.revoke",
    ]);
    for (const e of mine) {
      expect(e).toMatchObject({ category: "Apps", actorName: "admin", targetType: "app", targetId: okta.clientId });
      expect(e.details.name).toBe("to revoke");
    }
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it("refuses every token of a disabled app registration, and takes them again once it is enabled", async () => {
    const app = (await server.request({ method: "POST", url: "/api/apps", payload: { name: "Entra ID" } })).json();
    const created = await createToken(app.clientId);
    const { token } = created.json();
    const disable = (disabled: boolean) =>
      server.request({ method: "PATCH", url: `/api/apps/${app.clientId}`, payload: { disabled } });
    const disabled = await disable(true);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toEqual({ clientId: app.clientId, name: "Entra ID", disabled: true, changed: true });
    expect((await disable(true)).json()).toMatchObject({ changed: false });
    // Nor may it get client-credentials tokens while disabled.
    const tenantId = server.services.tenant.id;
    const secretToken = await server.request({
      method: "POST",
      url: `/${tenantId}/oauth2/v2.0/token`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: `grant_type=client_credentials&client_id=${app.clientId}&client_secret=${encodeURIComponent(app.clientSecret)}`,
    });
    expect(secretToken.statusCode).toBe(400);
    expect(secretToken.json().error).toBe("unauthorized_client");
    const res = await scim(token, "GET", "/Users?count=1");
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe(
      "The app registration 'Entra ID' that this provisioning token belongs to is disabled; its tokens are refused while it is.",
    );
    const refused = await createToken(app.clientId);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toBe(
      "App registration 'Entra ID' is disabled, so it cannot provision; a token for it would be refused. Use an enabled app registration.",
    );
    expect(
      (await server.request({ method: "GET", url: `/api/apps/${app.clientId}/provisioning-tokens` })).json().app
        .disabled,
    ).toBe(true);
    expect((await disable(false)).json()).toMatchObject({ disabled: false, changed: true });
    expect((await scim(token, "GET", "/Users?count=1")).statusCode).toBe(200);
    const { rows } = await server.services.db.query<{ action: string }>(
      "SELECT action FROM audit_entries WHERE target_id = $1 AND action LIKE 'app.%able' ORDER BY id",
      [app.clientId],
    );
    expect(rows.map((r) => r.action)).toEqual(["app.disable", "app.enable"]);
  });
});

describe("only for SCIM", () => {
  it("is refused by uploads and every other API with 401", async () => {
    const { token } = await newToken();
    const expected =
      "A provisioning token (oirm_scim_…) is accepted only by SCIM provisioning at /scim/v2; other APIs take a console session or a client-credentials access token. Sign in again or request a new token.";
    const { contentType, payload } = dotnetMultipart("UserPrincipalName,Time\nkim@contoso.com,2026-11-20T10:00:00Z\n");
    const upload = await server.request({
      method: "POST",
      url: "/api/signals?jobid=5171a35d-82ae-4ba7-9ff0-0e1d43c4f0a8",
      payload,
      headers: { "content-type": contentType },
      token,
    });
    expect(upload.statusCode).toBe(401);
    expect(upload.json().detail).toBe(expected);
    for (const [method, url] of [
      ["GET", "/api/connectors"],
      ["POST", "/api/connectors"],
      ["GET", "/api/me"],
      ["GET", `/api/apps/${okta.clientId}/provisioning-tokens`],
    ] as const) {
      const res = await server.request({ method, url, token, payload: {} });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().detail).toBe(expected);
    }
  });

  it("leaves the app's client-credentials tokens working on SCIM, and console accounts refused (403)", async () => {
    const app = (await server.request({ method: "POST", url: "/api/apps", payload: { name: "Entra OAuth" } })).json();
    const issued = await server.request({
      method: "POST",
      url: `/${server.services.tenant.id}/oauth2/v2.0/token`,
      payload: `client_id=${app.clientId}&client_secret=${app.clientSecret}&grant_type=client_credentials`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      token: null,
    });
    expect((await scim(issued.json().access_token, "GET", "/Users?count=1")).statusCode).toBe(200);
    expect((await scim(server.adminToken, "GET", "/Users?count=1")).statusCode).toBe(403);
  });
});

// Last: moving the clock a day ends the admin session the other tests use.
describe("expiry", () => {
  it("refuses an expired token", async () => {
    const { token } = await newToken({ expiresInDays: 1 });
    expect((await scim(token, "GET", "/Users?count=1")).statusCode).toBe(200);
    const expiresAt = new Date(clock.now().getTime() + DAY_MS).toISOString().replace(".000Z", "Z");
    clock.advance(DAY_MS - 1_000);
    expect((await scim(token, "GET", "/Users?count=1")).statusCode).toBe(200);
    clock.advance(1_000);
    const res = await scim(token, "GET", "/Users?count=1");
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({
      schemas: [ERROR],
      status: "401",
      detail: `The provisioning token expired at ${expiresAt}. An administrator can create a new one with 'openirm apps tokens create ${okta.clientId}' and paste it into the identity provider.`,
    });
    // A day later the admin's console session has ended too: sign in again to list.
    const adminToken = await signInAdmin(server);
    const listed = (
      await server.request({
        method: "GET",
        url: `/api/apps/${okta.clientId}/provisioning-tokens`,
        token: adminToken,
      })
    ).json();
    expect(listed.items.filter((t: { status: string }) => t.status === "expired")).toHaveLength(1);
  });
});
