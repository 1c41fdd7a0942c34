// Tenant settings: policy timeframes and privacy.

import { loadSettings, updateSettings } from "../commands/settings.ts";
import type { RouteModule } from "./app.ts";

export const settingsRoutes: RouteModule = (app) => {
  app.get("/api/settings", { config: { permission: "settings.read" } }, async (request) => {
    return loadSettings(request.ctx);
  });

  // The body is checked field by field by the settings rules (each error names the field and its range).
  app.patch("/api/settings", { config: { permission: "settings.manage" } }, async (request) => {
    return (await updateSettings(request.ctx, request.body ?? {})).settings;
  });
};
