import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../test/support.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

describe("authentication", () => {
  it("signs the admin in with a bearer token and an HttpOnly SameSite cookie", async () => {
    const res = await server.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { username: "admin", password: "correct horse battery staple" },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const cookie = String(res.headers["set-cookie"]);
    expect(cookie).toMatch(/openirm_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const me = await server.app.inject({ method: "GET", url: "/api/me", headers: { cookie: cookie.split(";")[0]! } });
    expect(me.json().actor.username).toBe("admin");
    expect(me.json().actor.roleGroups).toEqual(["InsiderRiskManagement"]);
  });

  it("refuses a wrong password with 401 and the same message as an unknown user", async () => {
    const wrong = await server.request({
      method: "POST",
      url: "/api/auth/login",
      payload: { username: "admin", password: "nope-nope" },
      token: null,
    });
    const unknown = await server.request({
      method: "POST",
      url: "/api/auth/login",
      payload: { username: "ghost", password: "nope-nope" },
      token: null,
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().detail).toBe("The username or password is incorrect.");
    expect(unknown.json().detail).toBe(wrong.json().detail);
  });

  it("answers 401 without a token and 401 naming the reason for a forged one", async () => {
    const none = await server.request({ method: "GET", url: "/api/apps", token: null });
    expect(none.statusCode).toBe(401);
    const forged = server.adminToken.slice(0, -4) + (server.adminToken.endsWith("AAAA") ? "BBBB" : "AAAA");
    const bad = await server.request({ method: "GET", url: "/api/apps", token: forged });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().detail).toMatch(/signature is invalid/);
  });

  it("revokes the session on logout", async () => {
    const login = await server.request({
      method: "POST",
      url: "/api/auth/login",
      payload: { username: "admin", password: "correct horse battery staple" },
      token: null,
    });
    const token = login.json().token;
    expect((await server.request({ method: "GET", url: "/api/me", token })).statusCode).toBe(200);
    expect((await server.request({ method: "POST", url: "/api/auth/logout", token })).statusCode).toBe(200);
    expect((await server.request({ method: "GET", url: "/api/me", token })).statusCode).toBe(401);
  });
});

describe("app registrations and the client-credentials token endpoint", () => {
  it("creates an app whose secret is shown once and stored hashed", async () => {
    const res = await server.request({ method: "POST", url: "/api/apps", payload: { name: "HR feed" } });
    expect(res.statusCode).toBe(201);
    const app = res.json();
    expect(app.clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(app.clientSecret).toHaveLength(40);
    expect(app.clientSecret).not.toMatch(/[+&=% ]/);
    expect(app.tenantId).toBe(server.services.tenant.id);
    const stored = await server.services.db.query<{ secret_hash: string }>(
      "SELECT secret_hash FROM app_registrations WHERE client_id = $1",
      [app.clientId],
    );
    expect(stored.rows[0]!.secret_hash).toMatch(/^scrypt\$/);
    expect(stored.rows[0]!.secret_hash).not.toContain(app.clientSecret);
    const list = await server.request({ method: "GET", url: "/api/apps" });
    expect(JSON.stringify(list.json())).not.toContain(app.clientSecret);
  });

  it("issues Entra v1-shaped tokens with string numerics, fields in any order", async () => {
    const app = (await server.request({ method: "POST", url: "/api/apps", payload: { name: "script" } })).json();
    const tenant = server.services.tenant.id;
    const body = `tenant_id=${tenant}&resource=https%3A%2F%2Fmicrosoft.onmicrosoft.com%2F86dfdabb-5089-4a0c-880a-cfa5a790c5b1&grant_type=client_credentials&client_secret=${app.clientSecret}&client_id=${app.clientId}`;
    const res = await server.request({
      method: "POST",
      url: `/${tenant}/oauth2/token?api-version=1.0`,
      payload: body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      token: null,
    });
    expect(res.statusCode).toBe(200);
    const json = res.json();
    expect(json.token_type).toBe("Bearer");
    for (const k of ["expires_in", "ext_expires_in", "expires_on", "not_before"]) expect(typeof json[k]).toBe("string");
    expect(json.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const v2 = await server.request({
      method: "POST",
      url: `/${tenant}/oauth2/v2.0/token`,
      payload: `client_id=${app.clientId}&scope=openirm%2F.default&client_secret=${app.clientSecret}&grant_type=client_credentials`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      token: null,
    });
    expect(v2.statusCode).toBe(200);
  });

  it("accepts the padded, unencoded body of the workflow template", async () => {
    const app = (await server.request({ method: "POST", url: "/api/apps", payload: { name: "flow" } })).json();
    const tenant = server.services.tenant.id;
    const body = `client_id = ${app.clientId}&\nclient_secret = ${app.clientSecret}&\ngrant_type = client_credentials&\nresource = https://microsoft.onmicrosoft.com/86dfdabb-5089-4a0c-880a-cfa5a790c5b1&\ntenantId = ${tenant}`;
    const res = await server.request({
      method: "POST",
      url: `/${tenant}/oauth2/token`,
      payload: body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      token: null,
    });
    expect(res.statusCode).toBe(200);
  });

  it("answers Entra-style errors for an unknown app and a wrong secret", async () => {
    const tenant = server.services.tenant.id;
    const unknown = await server.request({
      method: "POST",
      url: `/${tenant}/oauth2/token`,
      payload: "client_id=29ee526e-f9a7-4e98-a682-67f41bfd643e&client_secret=x&grant_type=client_credentials",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      token: null,
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toEqual({
      error: "unauthorized_client",
      error_description: expect.stringContaining("29ee526e-f9a7-4e98-a682-67f41bfd643e"),
    });
    const app = (await server.request({ method: "POST", url: "/api/apps", payload: { name: "x" } })).json();
    const wrong = await server.request({
      method: "POST",
      url: `/${tenant}/oauth2/token`,
      payload: `client_id=${app.clientId}&client_secret=wrong&grant_type=client_credentials`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      token: null,
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe("invalid_client");
  });

  it("does not let an app token reach console routes", async () => {
    const app = (await server.request({ method: "POST", url: "/api/apps", payload: { name: "y" } })).json();
    const tok = await server.request({
      method: "POST",
      url: `/${server.services.tenant.id}/oauth2/token`,
      payload: `client_id=${app.clientId}&client_secret=${app.clientSecret}&grant_type=client_credentials`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      token: null,
    });
    const res = await server.request({ method: "GET", url: "/api/apps", token: tok.json().access_token });
    expect(res.statusCode).toBe(403);
  });
});

describe("every route is authorised", () => {
  it("answers 404 problem+json for a URL that matches no route, signed in or not", async () => {
    for (const token of [null, undefined]) {
      const res = await server.request({ method: "GET", url: "/api/nope", token });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: "not_found", detail: "No route GET /api/nope." });
    }
  });

  it("declares a permission for every registered route", () => {
    expect(server.app.registeredRoutes.length).toBeGreaterThan(5);
    for (const route of server.app.registeredRoutes)
      expect(route.permission, `${route.method} ${route.url}`).toBeTruthy();
  });

  it("answers 401 to an anonymous caller on every non-public route", async () => {
    for (const route of server.app.registeredRoutes.filter((r) => r.permission !== "public")) {
      const url = route.url.replace(/:(\w+)/g, "00000000-0000-0000-0000-000000000000");
      const res = await server.request({ method: route.method, url, token: null, payload: {} });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
  });

  it("answers 403 to an Auditor on every route outside audit", async () => {
    await server.request({
      method: "POST",
      url: "/api/accounts",
      payload: { username: "auditor", password: "auditor-pass", roleGroups: ["InsiderRiskManagementAuditors"] },
    });
    const token = (
      await server.request({
        method: "POST",
        url: "/api/auth/login",
        payload: { username: "auditor", password: "auditor-pass" },
        token: null,
      })
    ).json().token;
    for (const route of server.app.registeredRoutes.filter(
      (r) => r.permission !== "public" && r.permission !== "authenticated" && r.permission !== "audit.read",
    )) {
      const url = route.url.replace(/:(\w+)/g, "00000000-0000-0000-0000-000000000000");
      const res = await server.request({ method: route.method, url, token, payload: {} });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
    }
  });
});
