// Every route module of the API, in one list (the server and the tests register the same set).

import { activityRoutes } from "./activity.ts";
import { alertRoutes } from "./alerts.ts";
import type { RouteModule } from "./app.ts";
import { auditRoutes } from "./audit.ts";
import { authRoutes } from "./auth.ts";
import { connectorRoutes } from "./connectors.ts";
import { directoryRoutes } from "./directory.ts";
import { healthRoutes } from "./health.ts";
import { hrRoutes } from "./hr.ts";
import { indicatorRoutes } from "./indicators.ts";
import { manualScopingRoutes } from "./manualScoping.ts";
import { physicalAssetRoutes } from "./physicalAssets.ts";
import { policyRoutes } from "./policies.ts";
import { priorityGroupRoutes } from "./priorityGroups.ts";
import { riskLevelRoutes } from "./riskLevels.ts";
import { scimRoutes } from "./scim.ts";
import { settingsRoutes } from "./settings.ts";
import { signalRoutes } from "./signals.ts";

export const ROUTE_MODULES: RouteModule[] = [
  healthRoutes,
  authRoutes,
  auditRoutes,
  indicatorRoutes,
  policyRoutes,
  manualScopingRoutes,
  settingsRoutes,
  alertRoutes,
  riskLevelRoutes,
  connectorRoutes,
  signalRoutes,
  activityRoutes,
  physicalAssetRoutes,
  directoryRoutes,
  hrRoutes,
  priorityGroupRoutes,
  scimRoutes,
];
