// Connectors and their upload runs: create (from a sample file), infer a sample, list, read, and
// the downloadable upload log and rejected-rows file.

import { Readable } from "node:stream";
import { CreateConnectorInput, can } from "@openirm/domain";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { createConnector, getConnector, inferSample, listConnectors } from "../commands/connectors.ts";
import { allRejections, allRuns, getRun, listRuns } from "../commands/runs.ts";
import { presentConnector } from "../presenters/connectors.ts";
import {
  presentRejection,
  presentRun,
  REJECTIONS_CSV_HEADER,
  RUNS_CSV_HEADER,
  rejectionCsvLine,
  runCsvLine,
} from "../presenters/runs.ts";
import type { RouteModule } from "./app.ts";

const InferBody = z.object({ sample: z.string() });
const IdParams = z.object({ id: z.string() });
const Page = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const mayViewRaw = (request: FastifyRequest) => can(request.actor, "identities.view");

async function sendCsv(reply: FastifyReply, fileName: string, lines: AsyncIterable<string>) {
  return reply
    .type("text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${fileName}"`)
    .send(Readable.from(lines));
}

export const connectorRoutes: RouteModule = (app) => {
  app.post("/api/connectors", { config: { permission: "connectors.manage" } }, async (request, reply) => {
    const input = CreateConnectorInput.parse(request.body);
    const connector = await createConnector(request.ctx, input);
    return reply.status(201).send(presentConnector(connector));
  });

  app.post("/api/connectors/infer", { config: { permission: "connectors.manage" } }, async (request) => {
    return inferSample(InferBody.parse(request.body).sample);
  });

  app.get("/api/connectors", { config: { permission: "connectors.read" } }, async (request) => {
    return { items: (await listConnectors(request.ctx)).map(presentConnector) };
  });

  app.get("/api/connectors/:id", { config: { permission: "connectors.read" } }, async (request) => {
    return presentConnector(await getConnector(request.ctx, IdParams.parse(request.params).id));
  });

  app.get("/api/connectors/:id/runs", { config: { permission: "connectors.read" } }, async (request) => {
    const connector = await getConnector(request.ctx, IdParams.parse(request.params).id);
    const page = Page.parse(request.query);
    const { items, total } = await listRuns(request.ctx, connector.id, page);
    return { items: items.map(presentRun), total, limit: page.limit, offset: page.offset };
  });

  app.get("/api/connectors/:id/runs.csv", { config: { permission: "connectors.read" } }, async (request, reply) => {
    const connector = await getConnector(request.ctx, IdParams.parse(request.params).id);
    const ctx = request.ctx;
    return sendCsv(
      reply,
      `upload-log-${connector.id}.csv`,
      (async function* () {
        yield RUNS_CSV_HEADER;
        for await (const run of allRuns(ctx, connector.id)) yield runCsvLine(run);
      })(),
    );
  });

  app.get("/api/runs/:id", { config: { permission: "connectors.read" } }, async (request) => {
    const { run, rejections } = await getRun(request.ctx, IdParams.parse(request.params).id);
    const showRaw = mayViewRaw(request);
    return { ...presentRun(run), rejections: rejections.map((r) => presentRejection(r, showRaw)) };
  });

  app.get("/api/runs/:id/rejections.csv", { config: { permission: "connectors.read" } }, async (request, reply) => {
    const { run } = await getRun(request.ctx, IdParams.parse(request.params).id);
    const showRaw = mayViewRaw(request);
    const rows = allRejections(request.ctx, run.id);
    return sendCsv(
      reply,
      `rejections-${run.id}.csv`,
      (async function* () {
        yield REJECTIONS_CSV_HEADER;
        for await (const row of rows) yield rejectionCsvLine(row, showRaw);
      })(),
    );
  });
};
