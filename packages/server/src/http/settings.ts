// Tenant settings: timeframes, privacy and intelligent detections; list-friendly endpoints for the
// long detection lists (replace with a JSON array, import a text list, read one list).

import { AppError } from "@openirm/domain";
import {
  type ImportMode,
  importDetectionList,
  loadDetectionList,
  loadSettings,
  replaceDetectionList,
  updateSettings,
} from "../commands/settings.ts";
import type { RouteModule } from "./app.ts";
import { acceptTextBodies, textBodyOf } from "./textBody.ts";

type ListParams = { list: string };

/** "domains/allowed" for the domain routes, the parameter itself for the others. */
const listName = (url: string, params: ListParams) =>
  /\/detections\/domains\//i.test(url) ? `domains/${params.list}` : params.list;

function importMode(value: unknown): ImportMode {
  if (value === undefined || value === "" || value === "replace") return "replace";
  if (value === "append") return "append";
  throw new AppError("invalid_request", 400, `mode must be replace or append (got ${JSON.stringify(value)}).`, {
    column: "mode",
  });
}

export const settingsRoutes: RouteModule = async (app) => {
  app.get("/api/settings", { config: { permission: "settings.read" } }, async (request) => {
    return loadSettings(request.ctx);
  });

  // The body is checked field by field by the settings rules (each error names the field path and its limit).
  app.patch("/api/settings", { config: { permission: "settings.manage" } }, async (request) => {
    return (await updateSettings(request.ctx, request.body ?? {})).settings;
  });

  await app.register(async (scoped) => {
    // Text lists may be sent as CSV or plain text; only these routes read text/csv.
    acceptTextBodies(scoped);
    for (const prefix of ["/api/settings/detections/domains/:list", "/api/settings/detections/:list"]) {
      scoped.get<{ Params: ListParams; Querystring: { format?: string } }>(
        prefix,
        { config: { permission: "settings.read" } },
        async (request, reply) => {
          const result = await loadDetectionList(request.ctx, listName(request.url, request.params));
          if (request.query.format === "text") return reply.type("text/plain; charset=utf-8").send(result.text);
          const { text: _text, ...json } = result;
          return json;
        },
      );
      scoped.put<{ Params: ListParams }>(prefix, { config: { permission: "settings.manage" } }, async (request) =>
        replaceDetectionList(request.ctx, listName(request.url, request.params), request.body),
      );
      scoped.post<{ Params: ListParams; Querystring: { mode?: string } }>(
        `${prefix}/import`,
        { config: { permission: "settings.manage" } },
        async (request) => {
          const body = request.body as { mode?: unknown } | string | undefined;
          const mode = importMode(request.query.mode ?? (typeof body === "object" ? body?.mode : undefined));
          return importDetectionList(
            request.ctx,
            listName(request.url, request.params),
            textBodyOf(body, {
              field: "text",
              what: "list (one entry per line)",
              example: "contoso.com\nfabrikam.com",
            }),
            mode,
          );
        },
      );
    }
  });
};
