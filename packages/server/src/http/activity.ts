// The activity catalog and the ready-made activity mappings: the built-in activity types (what
// activity connectors produce and risk indicators refer to), and the mapping documents an admin
// can download, edit and import with an activity connector.

import {
  ACTIVITY_ATTRIBUTES,
  ACTIVITY_CATEGORIES,
  ACTIVITY_TYPES,
  AppError,
  activitySignalKind,
  closestName,
  READY_MADE_MAPPINGS,
  readyMadeMapping,
  SEQUENCE_STAGES,
  SOURCE_OPERATION_ATTRIBUTE,
} from "@openirm/domain";
import { z } from "zod";
import type { RouteModule } from "./app.ts";

const IdParams = z.object({ id: z.string() });

export const activityRoutes: RouteModule = (app) => {
  app.get("/api/activity/types", { config: { permission: "connectors.read" } }, async () => ({
    categories: ACTIVITY_CATEGORIES,
    stages: SEQUENCE_STAGES,
    attributes: [
      ...ACTIVITY_ATTRIBUTES,
      {
        name: SOURCE_OPERATION_ATTRIBUTE,
        kind: "text",
        description: "The source's own name of the operation (every activity signal has it).",
      },
    ],
    items: ACTIVITY_TYPES.map((t) => ({ ...t, signalKind: activitySignalKind(t.id) })),
  }));

  app.get("/api/activity/mappings", { config: { permission: "connectors.read" } }, async () => ({
    items: READY_MADE_MAPPINGS.map((m) => ({ id: m.id, name: m.name, description: m.description })),
  }));

  app.get("/api/activity/mappings/:id", { config: { permission: "connectors.read" } }, async (request, reply) => {
    const { id } = IdParams.parse(request.params);
    const mapping = readyMadeMapping(id);
    if (!mapping) {
      const ids = READY_MADE_MAPPINGS.map((m) => m.id);
      const guess = closestName(id, ids);
      throw new AppError(
        "not_found",
        404,
        `No ready-made activity mapping has the ID '${id}'.${guess ? ` Did you mean '${guess}'?` : ""} The mappings are: ${ids.join(", ")}.`,
        { id },
      );
    }
    return reply
      .type("application/json; charset=utf-8")
      .header("content-disposition", `attachment; filename="${mapping.id}.json"`)
      .send(`${JSON.stringify(mapping.document, null, 2)}\n`);
  });
};
