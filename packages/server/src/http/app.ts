// Builds the HTTP server: error handling, actor resolution and the one authorisation gate.
// Every route declares `config.permission` (an Action, or "public"); a route without one
// cannot be registered.

import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import { ACTIONS, type Action, type Actor, AppError, can, forbidden, unauthorized } from "@openirm/domain";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { type Ctx, type Services, withActor } from "../context.ts";
import { resolveActor } from "./actor.ts";

/** An Action from the permission table, "authenticated" (any signed-in caller) or "public". */
export type RoutePermission = Action | "public" | "authenticated";

declare module "fastify" {
  interface FastifyContextConfig {
    permission?: RoutePermission;
  }
  interface FastifyRequest {
    actor: Actor | null;
    ctx: Ctx;
    /** Why a presented token was not accepted (expired, forged …), for the 401 message. */
    authFailure?: string;
    /** The console session behind an account token (revoked on logout). */
    sessionId?: string | undefined;
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
  permission: RoutePermission;
}

export type RouteModule = (app: FastifyInstance, services: Services) => void | Promise<void>;

export const SESSION_COOKIE = "openirm_session";

export async function buildApp(
  services: Services,
  modules: RouteModule[],
  opts: { logger?: boolean } = {},
): Promise<FastifyInstance & { registeredRoutes: RegisteredRoute[] }> {
  const app = Fastify({
    logger: opts.logger ? { level: process.env.LOG_LEVEL ?? "info" } : false,
    bodyLimit: 10 * 1024 * 1024,
    // Upload scripts whose base URL ends in "/" send "//api/signals"; collapse leading slashes.
    rewriteUrl: (req) => (req.url ?? "/").replace(/^\/{2,}/, "/"),
    trustProxy: true,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance & { registeredRoutes: RegisteredRoute[] };

  const registeredRoutes: RegisteredRoute[] = [];
  app.registeredRoutes = registeredRoutes;

  app.addHook("onRoute", (route) => {
    const permission = route.config?.permission;
    if (route.method === "HEAD" || route.url.startsWith("/documentation")) return;
    if (
      !permission ||
      (permission !== "public" &&
        permission !== "authenticated" &&
        !(ACTIONS as readonly string[]).includes(permission))
    ) {
      throw new Error(`Route ${route.method} ${route.url} declares no permission; every route must.`);
    }
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) registeredRoutes.push({ method, url: route.url, permission });
  });

  await app.register(cookie);
  await app.register(helmet, { contentSecurityPolicy: false });

  app.decorateRequest("actor", null);
  app.decorateRequest("ctx", null as unknown as Ctx);

  app.addHook("onRequest", async (request) => {
    request.actor = await resolveActor(services, request);
    request.ctx = withActor(services, request.actor ?? { kind: "system", id: "system" }, request.ip);
  });

  app.addHook("preHandler", async (request) => {
    const permission = request.routeOptions.config.permission;
    // Unmatched URLs reach the not-found handler, which answers 404 to everyone.
    if (permission === "public" || request.is404) return;
    if (!permission) throw new AppError("no_permission_declared", 500, "Route has no permission.");
    if (!request.actor)
      throw unauthorized(
        request.authFailure ? `${request.authFailure} Sign in again or request a new token.` : undefined,
      );
    if (permission === "authenticated") return;
    if (!can(request.actor, permission)) {
      throw forbidden(`Your role groups do not allow '${permission}'.`);
    }
  });

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply, services));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new AppError("not_found", 404, `No route ${request.method} ${request.url.split("?")[0]}.`),
      request,
      reply,
      services,
    ),
  );

  // Form bodies are parsed leniently by the routes that take them (the token endpoint).
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
    done(null, body),
  );
  // Multipart bodies stay a stream; the upload route reads them without buffering.
  app.addContentTypeParser("multipart/form-data", (_req, payload, done) => done(null, payload));

  for (const mod of modules) await mod(app, services);
  return app;
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply, services: Services) {
  let appError: AppError;
  if (error instanceof AppError) appError = error;
  else if (error instanceof ZodError) {
    const first = error.issues[0];
    const field = first?.path.join(".") || undefined;
    appError = new AppError(
      "invalid_request",
      400,
      first ? `${field ? `${field}: ` : ""}${first.message}` : "Invalid request.",
      {
        ...(field ? { column: field } : {}),
        issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    );
  } else {
    const e = error as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode === 413 || e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      appError = new AppError("payload_too_large", 413, "The request body is larger than this endpoint accepts.");
    } else if (e.statusCode === 415) {
      appError = new AppError("unsupported_media_type", 415, e.message ?? "Unsupported content type.");
    } else if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      appError = new AppError(e.code?.toLowerCase() ?? "bad_request", e.statusCode, e.message ?? "Bad request.");
    } else {
      services.log.error({ err: error, url: request.url }, "unhandled error");
      appError = new AppError("internal_error", 500, "Something went wrong on the server; the error is logged.");
    }
  }
  if (appError.reason) reply.raw.statusMessage = appError.reason;
  return reply
    .status(appError.status)
    .type("application/problem+json")
    .send({
      type: `https://openirm.dev/problems/${appError.code}`,
      title: appError.message,
      status: appError.status,
      code: appError.code,
      detail: appError.message,
      ...(appError.details ? { details: appError.details } : {}),
    });
}
