// SCIM 2.0 provisioning (RFC 7643 / 7644) at /scim/v2: discovery, Users and Groups, as identity
// providers (Microsoft Entra ID, Okta …) call them. Answers are application/scim+json; errors use
// the SCIM error body (status as a string, scimType) instead of problem+json.

import {
  AppError,
  projectScimResource,
  SCIM_ERROR,
  SCIM_GROUP_SHAPE,
  SCIM_USER_SHAPE,
  type ScimResourceShape,
  scimError,
  unauthorized,
} from "@openirm/domain";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { type Services, withActor } from "../context.ts";
import {
  resourceTypes,
  SCIM_DEFAULT_COUNT,
  SCIM_MAX_RESULTS,
  schemas,
  serviceProviderConfig,
} from "../scim/discovery.ts";
import {
  createScimGroup,
  deleteScimGroup,
  getScimGroup,
  listScimGroups,
  patchScimGroup,
  replaceScimGroup,
} from "../scim/groups.ts";
import { type Json, listResponse } from "../scim/resources.ts";
import {
  createScimUser,
  deleteScimUser,
  getScimUser,
  listScimUsers,
  patchScimUser,
  replaceScimUser,
} from "../scim/users.ts";
import { isProvisioningToken } from "../tokens.ts";
import { bearerToken, resolveProvisioningActor } from "./actor.ts";
import type { RouteModule } from "./app.ts";

export const SCIM_PREFIX = "/scim/v2";
const SCIM_TYPE = "application/scim+json; charset=utf-8";

/**
 * SCIM provisioning is done by app registrations: an identity provider presents an access token from
 * the client-credentials endpoint, or one of the app's long-lived provisioning tokens (accepted here
 * only; see authenticateProvisioningToken), and `signals.upload` is the one permission app
 * registrations hold (console accounts do not, so they cannot provision by accident).
 */
const PROVISIONING = { permission: "signals.upload" } as const;

interface Query {
  filter?: string;
  startIndex?: string;
  count?: string;
  attributes?: string;
  excludedAttributes?: string;
}

function integerParam(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw scimError(400, "invalidValue", `${name} must be an integer, not '${value}'.`);
  return n;
}

function listQuery(request: FastifyRequest) {
  const q = (request.query ?? {}) as Query;
  return {
    filter: q.filter?.trim() || undefined,
    // RFC 7644 §3.4.2.4: a startIndex below 1 is 1; a negative count is 0.
    startIndex: Math.max(1, integerParam("startIndex", q.startIndex, 1)),
    count: Math.min(SCIM_MAX_RESULTS, Math.max(0, integerParam("count", q.count, SCIM_DEFAULT_COUNT))),
  };
}

function projection(request: FastifyRequest) {
  const q = (request.query ?? {}) as Query;
  return { attributes: q.attributes, excludedAttributes: q.excludedAttributes };
}

function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${SCIM_PREFIX}`;
}

function send(reply: FastifyReply, status: number, body: unknown) {
  return reply.status(status).type(SCIM_TYPE).send(body);
}

function sendResource(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  resource: Json,
  shape: ScimResourceShape,
) {
  if (status === 201) reply.header("location", (resource.meta as { location?: string } | undefined)?.location);
  return send(reply, status, projectScimResource(resource, shape, projection(request)));
}

function sendList(
  request: FastifyRequest,
  reply: FastifyReply,
  resources: Json[],
  total: number,
  shape: ScimResourceShape,
) {
  const { startIndex } = listQuery(request);
  const projected = resources.map((r) => projectScimResource(r, shape, projection(request)));
  return send(reply, 200, listResponse(projected, total, startIndex));
}

const excludesMembers = (request: FastifyRequest) =>
  ((request.query as Query | undefined)?.excludedAttributes ?? "")
    .split(",")
    .some((a) => a.trim().toLowerCase() === "members");

function sendScimError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  let status = 500;
  let detail = "Something went wrong on the server; the error is logged.";
  let scimType: string | undefined;
  if (error instanceof AppError) {
    status = error.status;
    detail = error.message;
    scimType = typeof error.details?.scimType === "string" ? error.details.scimType : undefined;
  } else if (error instanceof ZodError) {
    status = 400;
    scimType = "invalidValue";
    detail = error.issues[0]?.message ?? "Invalid request.";
  } else {
    const e = error as { statusCode?: number; message?: string };
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      status = e.statusCode;
      detail = e.message ?? "Bad request.";
    } else {
      request.ctx?.log.error({ err: error, url: request.url }, "unhandled SCIM error");
    }
  }
  if (status === 401) reply.header("www-authenticate", 'Bearer realm="OpenIRM SCIM"');
  return send(reply, status, {
    schemas: [SCIM_ERROR],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  });
}

/**
 * Provisioning tokens are resolved in this scope's own onRequest hook, which runs after the server's
 * (http/app.ts: resolveActor, which refuses them everywhere): so they act as their app registration
 * here and nowhere else, and the route permissions below still decide what that app may do. A token
 * that is unknown, revoked, expired or whose app is disabled is answered 401 with a SCIM error.
 */
function authenticateProvisioningToken(scope: FastifyInstance, services: Services) {
  scope.addHook("onRequest", async (request) => {
    const token = bearerToken(request.headers.authorization);
    if (!token || !isProvisioningToken(token)) return;
    const resolved = await resolveProvisioningActor(services, token, request.ip);
    if (!resolved.ok) throw unauthorized(resolved.reason);
    request.actor = resolved.actor;
    request.authFailure = undefined;
    request.ctx = withActor(services, resolved.actor, request.ip);
  });
}

async function scimPlugin(scope: FastifyInstance, services: Services) {
  // SCIM clients send application/scim+json (Okta) or application/json (Entra ID), and DELETE
  // requests with a content type but no body.
  scope.removeContentTypeParser("application/json");
  scope.addContentTypeParser(
    ["application/json", "application/scim+json"],
    { parseAs: "string" },
    (_request, body, done) => {
      const text = String(body).trim();
      if (text === "") return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(scimError(400, "invalidSyntax", "The request body is not valid JSON."), undefined);
      }
    },
  );
  scope.setErrorHandler((error, request, reply) => sendScimError(error, request, reply));
  authenticateProvisioningToken(scope, services);
  // Unknown SCIM paths answer a SCIM 404 to signed-in callers (a catch-all route, so that the
  // permission gate runs first).
  scope.all("/*", { config: { permission: "authenticated" } }, async (request) => {
    throw scimError(404, undefined, `No SCIM endpoint ${request.method} ${request.url.split("?")[0]}.`);
  });

  // Discovery
  scope.get("/ServiceProviderConfig", { config: PROVISIONING }, async (request, reply) =>
    send(reply, 200, serviceProviderConfig(baseUrl(request))),
  );
  scope.get("/ResourceTypes", { config: PROVISIONING }, async (request, reply) => {
    const all = resourceTypes(baseUrl(request));
    return send(reply, 200, listResponse(all, all.length, 1));
  });
  scope.get("/ResourceTypes/:name", { config: PROVISIONING }, async (request, reply) => {
    const { name } = request.params as { name: string };
    const found = resourceTypes(baseUrl(request)).find((r) => String(r.id).toLowerCase() === name.toLowerCase());
    if (!found) throw scimError(404, undefined, `Resource type '${name}' does not exist; there are User and Group.`);
    return send(reply, 200, found);
  });
  scope.get("/Schemas", { config: PROVISIONING }, async (request, reply) => {
    const all = schemas(baseUrl(request));
    return send(reply, 200, listResponse(all, all.length, 1));
  });
  scope.get("/Schemas/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const found = schemas(baseUrl(request)).find((s) => String(s.id).toLowerCase() === id.toLowerCase());
    if (!found) throw scimError(404, undefined, `Schema '${id}' does not exist.`);
    return send(reply, 200, found);
  });

  // Users
  scope.get("/Users", { config: PROVISIONING }, async (request, reply) => {
    const { total, resources } = await listScimUsers(request.ctx, baseUrl(request), listQuery(request));
    return sendList(request, reply, resources, total, SCIM_USER_SHAPE);
  });
  scope.get("/Users/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return sendResource(request, reply, 200, await getScimUser(request.ctx, baseUrl(request), id), SCIM_USER_SHAPE);
  });
  scope.post("/Users", { config: PROVISIONING }, async (request, reply) => {
    const created = await createScimUser(request.ctx, baseUrl(request), request.body);
    return sendResource(request, reply, 201, created, SCIM_USER_SHAPE);
  });
  scope.put("/Users/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const replaced = await replaceScimUser(request.ctx, baseUrl(request), id, request.body);
    return sendResource(request, reply, 200, replaced, SCIM_USER_SHAPE);
  });
  scope.patch("/Users/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const patched = await patchScimUser(request.ctx, baseUrl(request), id, request.body);
    return sendResource(request, reply, 200, patched, SCIM_USER_SHAPE);
  });
  scope.delete("/Users/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    await deleteScimUser(request.ctx, id);
    return reply.status(204).send();
  });

  // Groups
  scope.get("/Groups", { config: PROVISIONING }, async (request, reply) => {
    const { total, resources } = await listScimGroups(request.ctx, baseUrl(request), {
      ...listQuery(request),
      withMembers: !excludesMembers(request),
    });
    return sendList(request, reply, resources, total, SCIM_GROUP_SHAPE);
  });
  scope.get("/Groups/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const group = await getScimGroup(request.ctx, baseUrl(request), id, !excludesMembers(request));
    return sendResource(request, reply, 200, group, SCIM_GROUP_SHAPE);
  });
  scope.post("/Groups", { config: PROVISIONING }, async (request, reply) => {
    const created = await createScimGroup(request.ctx, baseUrl(request), request.body);
    return sendResource(request, reply, 201, created, SCIM_GROUP_SHAPE);
  });
  scope.put("/Groups/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const replaced = await replaceScimGroup(request.ctx, baseUrl(request), id, request.body);
    return sendResource(request, reply, 200, replaced, SCIM_GROUP_SHAPE);
  });
  scope.patch("/Groups/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const patched = await patchScimGroup(request.ctx, baseUrl(request), id, request.body);
    return sendResource(request, reply, 200, patched, SCIM_GROUP_SHAPE);
  });
  scope.delete("/Groups/:id", { config: PROVISIONING }, async (request, reply) => {
    const { id } = request.params as { id: string };
    await deleteScimGroup(request.ctx, id);
    return reply.status(204).send();
  });
}

export const scimRoutes: RouteModule = async (app, services) => {
  await app.register((scope) => scimPlugin(scope, services), { prefix: SCIM_PREFIX });
};
