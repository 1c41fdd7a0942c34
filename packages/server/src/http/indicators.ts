// Indicators: the built-in catalog and custom indicators; list, read, create (custom), and turn
// on or off for the organisation (the Policy indicators settings page).

import { z } from "zod";
import { createIndicator, getIndicator, listIndicators, setIndicatorEnabled } from "../commands/indicators.ts";
import { presentIndicator } from "../presenters/indicators.ts";
import type { RouteModule } from "./app.ts";

const CreateIndicatorBody = z.object({
  name: z.string(),
  description: z.string().nullish(),
  connectorId: z.string(),
  sourceValue: z.string().nullish(),
  valueColumn: z.string().nullish(),
});

export const indicatorRoutes: RouteModule = (app) => {
  app.post("/api/indicators", { config: { permission: "indicators.manage" } }, async (request, reply) => {
    const body = CreateIndicatorBody.parse(request.body);
    return reply.status(201).send(presentIndicator(await createIndicator(request.ctx, body)));
  });

  app.get<{ Querystring: { kind?: string; category?: string } }>(
    "/api/indicators",
    { config: { permission: "indicators.read" } },
    async (request) => {
      const { kind, category } = request.query;
      return { items: (await listIndicators(request.ctx, { kind, category })).map(presentIndicator) };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/indicators/:id",
    { config: { permission: "indicators.read" } },
    async (request) => presentIndicator(await getIndicator(request.ctx, request.params.id)),
  );

  app.patch<{ Params: { id: string } }>(
    "/api/indicators/:id",
    { config: { permission: "indicators.manage" } },
    async (request) => presentIndicator(await setIndicatorEnabled(request.ctx, request.params.id, request.body)),
  );
};
