// Sign-in for the console and CLI, and the OAuth2 client-credentials token endpoint that the
// connector upload scripts call (Entra v1 and v2 shapes).

import { z } from "zod";
import { createAccount, listAccounts, login, logout } from "../commands/accounts.ts";
import {
  createAppRegistration,
  createProvisioningToken,
  issueClientCredentialsToken,
  listAppRegistrations,
  listProvisioningTokens,
  revokeProvisioningToken,
  setAppDisabled,
  TokenError,
} from "../commands/apps.ts";
import { presentAccount } from "../presenters/accounts.ts";
import { SESSION_COOKIE_NAME } from "./actor.ts";
import type { RouteModule } from "./app.ts";
import { SCIM_PREFIX } from "./scim.ts";

const LoginBody = z.object({ username: z.string().min(1), password: z.string().min(1) });
const CreateAppBody = z.object({ name: z.string().min(1).max(200) });
const PatchAppBody = z.object({ disabled: z.boolean() }).strict();
const CreateProvisioningTokenBody = z.object({
  name: z.string("give the token's name as text.").nullish(),
  expiresInDays: z
    .number("give a whole number of days from 1 to 730, or null for a token that does not expire.")
    .nullish(),
});
const CreateAccountBody = z.object({
  username: z.string().min(1).max(100),
  displayName: z.string().max(200).optional(),
  email: z.string().email().optional(),
  password: z.string().min(8),
  roleGroups: z.array(z.string()).min(1),
});

/** Form fields with keys and values trimmed: one workflow template pads both with spaces and newlines. */
export function parseLenientForm(body: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof body !== "string") {
    if (body && typeof body === "object") {
      for (const [k, v] of Object.entries(body)) out.set(k.trim().toLowerCase(), String(v).trim());
    }
    return out;
  }
  for (const pair of body.split("&")) {
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, " "));
      } catch {
        return s;
      }
    };
    out.set(decode(pair.slice(0, eq)).trim().toLowerCase(), decode(pair.slice(eq + 1)).trim());
  }
  return out;
}

export const authRoutes: RouteModule = (app) => {
  app.post("/api/auth/login", { config: { permission: "public" } }, async (request, reply) => {
    const body = LoginBody.parse(request.body);
    const result = await login(request.ctx, body);
    reply.setCookie(SESSION_COOKIE_NAME, result.token, {
      httpOnly: true,
      sameSite: "strict",
      path: "/",
      secure: request.protocol === "https",
      expires: new Date(result.expiresAt),
    });
    return { token: result.token, expiresAt: result.expiresAt, account: result.account };
  });

  app.post("/api/auth/logout", { config: { permission: "authenticated" } }, async (request, reply) => {
    if (request.actor?.kind === "account" && request.sessionId) {
      await logout(request.ctx, { accountId: request.actor.id, sessionId: request.sessionId });
    }
    reply.clearCookie(SESSION_COOKIE_NAME, { path: "/" });
    return { ok: true };
  });

  app.get("/api/me", { config: { permission: "authenticated" } }, async (request) => {
    return { actor: request.actor, tenantId: request.ctx.tenant.id };
  });

  const tokenHandler = async (
    request: { params: unknown; body: unknown; ctx: import("../context.ts").Ctx },
    reply: import("fastify").FastifyReply,
  ) => {
    const params = request.params as { tenantId?: string };
    const form = parseLenientForm(request.body);
    try {
      const answer = await issueClientCredentialsToken(request.ctx, {
        tenantId: params.tenantId ?? form.get("tenant_id") ?? form.get("tenantid"),
        clientId: form.get("client_id"),
        clientSecret: form.get("client_secret"),
        grantType: form.get("grant_type"),
      });
      const resource = form.get("resource");
      return reply.type("application/json; charset=utf-8").send({ ...answer, ...(resource ? { resource } : {}) });
    } catch (err) {
      if (err instanceof TokenError) {
        return reply
          .status(err.status)
          .type("application/json; charset=utf-8")
          .send({ error: err.error, error_description: err.description });
      }
      throw err;
    }
  };
  for (const url of [
    "/:tenantId/oauth2/token",
    "/:tenantId/oauth2/v2.0/token",
    "/oauth2/token",
    "/oauth2/v2.0/token",
  ]) {
    app.post(url, { config: { permission: "public" } }, tokenHandler);
  }

  app.post("/api/apps", { config: { permission: "apps.manage" } }, async (request, reply) => {
    const body = CreateAppBody.parse(request.body);
    const created = await createAppRegistration(request.ctx, body);
    return reply.status(201).send(created);
  });

  app.get("/api/apps", { config: { permission: "apps.manage" } }, async (request) => {
    const rows = await listAppRegistrations(request.ctx);
    return {
      items: rows.map((r) => ({
        id: r.id,
        clientId: r.client_id,
        name: r.name,
        disabled: r.disabled,
        createdAt: r.created_at,
      })),
    };
  });

  app.patch<{ Params: { clientId: string } }>(
    "/api/apps/:clientId",
    { config: { permission: "apps.manage" } },
    async (request) => {
      const body = PatchAppBody.parse(request.body ?? {});
      return setAppDisabled(request.ctx, request.params.clientId, body.disabled);
    },
  );

  // Provisioning tokens: long-lived bearer tokens of an app registration, for SCIM only.
  app.post(
    "/api/apps/:clientId/provisioning-tokens",
    { config: { permission: "apps.manage" } },
    async (request, reply) => {
      const { clientId } = request.params as { clientId: string };
      const body = CreateProvisioningTokenBody.parse(request.body ?? {});
      const created = await createProvisioningToken(request.ctx, clientId, body);
      return reply.status(201).send({ ...created, scimUrl: `${request.protocol}://${request.host}${SCIM_PREFIX}` });
    },
  );

  app.get("/api/apps/:clientId/provisioning-tokens", { config: { permission: "apps.manage" } }, async (request) => {
    const { clientId } = request.params as { clientId: string };
    return listProvisioningTokens(request.ctx, clientId);
  });

  app.delete(
    "/api/apps/:clientId/provisioning-tokens/:id",
    { config: { permission: "apps.manage" } },
    async (request) => {
      const { clientId, id } = request.params as { clientId: string; id: string };
      return revokeProvisioningToken(request.ctx, clientId, id);
    },
  );

  app.post("/api/accounts", { config: { permission: "accounts.manage" } }, async (request, reply) => {
    const body = CreateAccountBody.parse(request.body);
    const created = await createAccount(request.ctx, body);
    return reply.status(201).send(created);
  });

  app.get("/api/accounts", { config: { permission: "accounts.manage" } }, async (request) => {
    return { items: (await listAccounts(request.ctx)).map(presentAccount) };
  });
};
