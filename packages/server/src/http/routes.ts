// Every route module of the API, in one list (the server and the tests register the same set).

import type { RouteModule } from "./app.ts";
import { auditRoutes } from "./audit.ts";
import { authRoutes } from "./auth.ts";
import { healthRoutes } from "./health.ts";

export const ROUTE_MODULES: RouteModule[] = [healthRoutes, authRoutes, auditRoutes];
