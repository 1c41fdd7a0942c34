// Priority physical assets (settings) and the physical access events with their findings.
//   GET    /api/settings/priority-physical-assets           settings.read
//   POST   /api/settings/priority-physical-assets           settings.manage  {assetId, name?}
//   DELETE /api/settings/priority-physical-assets/:assetId  settings.manage
//   POST   /api/settings/priority-physical-assets/import    settings.manage  CSV text (or {csv})
//   GET    /api/physical-access?user=&from=&to=&all=        alerts.read

import { AppError } from "@openirm/domain";
import { findUserForPhysicalAccess, loadPhysicalAccess } from "../commands/physicalAccess.ts";
import {
  addPriorityAsset,
  importPriorityAssets,
  listPriorityAssets,
  removePriorityAsset,
} from "../commands/physicalAssets.ts";
import { presentUser } from "../presenters/users.ts";
import type { RouteModule } from "./app.ts";
import { acceptTextBodies, textBodyOf } from "./textBody.ts";

const ASSETS_PATH = "/api/settings/priority-physical-assets";
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
/** The window GET /api/physical-access reads when `from` is not given. */
const DEFAULT_WINDOW_DAYS = 30;

const badParameter = (name: string, message: string) =>
  new AppError("invalid_parameter", 400, `${name}: ${message}`, { column: name });

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length > 1) throw badParameter(name, `give one value, not ${value.length}.`);
    return String(value[0]).trim();
  }
  return String(value).trim();
}

function wholeNumber(query: Query, name: string, min: number, max: number, fallback: number): number {
  const value = single(query, name);
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw badParameter(name, `'${value}' is not allowed; use a whole number from ${min} to ${max}.`);
  }
  return n;
}

function page(query: Query) {
  const pageNumber = wholeNumber(query, "page", 1, 1_000_000, 1);
  const pageSize = wholeNumber(query, "pageSize", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  return { page: pageNumber, pageSize, limit: pageSize, offset: (pageNumber - 1) * pageSize };
}

function checkParameters(query: Query, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key))
      throw badParameter(key, `unknown parameter; this endpoint accepts: ${allowed.join(", ")}.`);
  }
}

/** A UTC date (YYYY-MM-DD, midnight UTC) or an ISO 8601 date and time with Z or an offset, as ISO UTC. */
function instant(query: Query, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined || value === "") return undefined;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const date = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
    if (date.toISOString().slice(0, 10) === value) return date.toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw badParameter(
    name,
    `'${value}' is not a date; use YYYY-MM-DD (read as 00:00 UTC) or an ISO 8601 date and time with Z or an offset.`,
  );
}

function flag(query: Query, name: string): boolean {
  const value = single(query, name)?.toLowerCase();
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw badParameter(name, `'${value}' is not allowed; use true or false.`);
}

function assetBody(body: unknown): { assetId: string; name: string | null | undefined } {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError(
      "invalid_request",
      400,
      'The body must be a JSON object: {"assetId": "Mid-Sec-7", "name": "…"}.',
    );
  }
  const { assetId, name, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new AppError(
      "invalid_request",
      400,
      `${unknown[0]}: unknown field; a priority physical asset has assetId and name.`,
      { column: unknown[0] as string },
    );
  }
  if (typeof assetId !== "string" && typeof assetId !== "number") {
    throw new AppError(
      "invalid_request",
      400,
      "assetId: give the asset's ID as the badging system sends it (AssetId).",
      {
        column: "assetId",
      },
    );
  }
  if (name !== undefined && name !== null && typeof name !== "string") {
    throw new AppError("invalid_request", 400, "name: the asset's name must be text.", { column: "name" });
  }
  return { assetId: String(assetId), name: name as string | null | undefined };
}

export const physicalAssetRoutes: RouteModule = async (app) => {
  app.get(ASSETS_PATH, { config: { permission: "settings.read" } }, async (request) => {
    const query = (request.query ?? {}) as Query;
    checkParameters(query, ["search", "page", "pageSize"]);
    const paging = page(query);
    const { items, total } = await listPriorityAssets(request.ctx, { search: single(query, "search"), ...paging });
    return { items, total, page: paging.page, pageSize: paging.pageSize };
  });

  app.post(ASSETS_PATH, { config: { permission: "settings.manage" } }, async (request, reply) => {
    const asset = await addPriorityAsset(request.ctx, assetBody(request.body));
    return reply.status(201).send(asset);
  });

  app.delete<{ Params: { assetId: string } }>(
    `${ASSETS_PATH}/:assetId`,
    { config: { permission: "settings.manage" } },
    async (request) => ({ removed: await removePriorityAsset(request.ctx, request.params.assetId) }),
  );

  await app.register(async (scope) => {
    acceptTextBodies(scope);
    scope.post(`${ASSETS_PATH}/import`, { config: { permission: "settings.manage" } }, async (request) =>
      importPriorityAssets(
        request.ctx,
        textBodyOf(request.body, { field: "csv", what: "asset list", example: "AssetId\nMid-Sec-7\n…" }),
      ),
    );
  });

  app.get("/api/physical-access", { config: { permission: "alerts.read" } }, async (request) => {
    const query = (request.query ?? {}) as Query;
    checkParameters(query, ["user", "from", "to", "all", "page", "pageSize"]);
    const paging = page(query);
    const to = instant(query, "to") ?? request.ctx.clock.now().toISOString();
    const from = instant(query, "from") ?? new Date(Date.parse(to) - DEFAULT_WINDOW_DAYS * 86_400_000).toISOString();
    if (Date.parse(from) >= Date.parse(to)) {
      throw badParameter("to", `'${to}' must be after from '${from}' (to is exclusive).`);
    }
    const userRef = single(query, "user");
    const userIds = userRef ? [(await findUserForPhysicalAccess(request.ctx, userRef)).id] : undefined;
    const all = flag(query, "all");
    const { items, total } = await loadPhysicalAccess(request.ctx, {
      userIds,
      from,
      to,
      all,
      limit: paging.limit,
      offset: paging.offset,
    });
    return {
      items: items.map((item) => ({
        id: item.signalId,
        connectorId: item.connectorId,
        user: presentUser(request.ctx, item.user),
        occurredAt: item.occurredAt,
        assetId: item.assetId,
        assetName: item.assetName,
        accessStatus: item.accessStatus,
        sourceSystem: item.sourceSystem,
        findings: item.findings,
        termination: item.termination,
      })),
      total,
      page: paging.page,
      pageSize: paging.pageSize,
      from,
      to,
      all,
    };
  });
};
