// Liveness for load balancers and the CLI.

import type { RouteModule } from "./app.ts";

export const healthRoutes: RouteModule = (app, services) => {
  app.get("/api/health", { config: { permission: "public" } }, async () => {
    await services.db.query("SELECT 1");
    return { status: "ok", engine: services.db.engine };
  });
};
