// Connectors and their upload runs: create (from a sample file), infer a sample, list and read
// (with health and schedule), edit, disable, enable and delete, health, scheduled imports, and the
// downloadable upload log and rejected-rows file.

import { Readable } from "node:stream";
import { CreateConnectorInput, can } from "@openirm/domain";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { healthOf } from "../commands/connectorHealth.ts";
import {
  deleteSchedule,
  getSchedule,
  importNowAndWait,
  listSchedules,
  ScheduleInput,
  setSchedule,
} from "../commands/connectorSchedules.ts";
import {
  createConnector,
  deleteConnector,
  getConnector,
  inferSample,
  listConnectors,
  setConnectorDisabled,
  UpdateConnectorInput,
  updateConnector,
} from "../commands/connectors.ts";
import { allRejections, allRuns, getRun, listRuns } from "../commands/runs.ts";
import { presentConnector, presentImportedRun, presentSchedule } from "../presenters/connectors.ts";
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
/** A yes/no query parameter: true/false or 1/0. */
const flag = z
  .enum(["true", "false", "1", "0"], { message: "use true or false" })
  .optional()
  .transform((v) => v === "true" || v === "1");
const ListQuery = z.object({ includeDeleted: flag });
const DeleteQuery = z.object({ deleteSignals: flag });
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
    const { includeDeleted } = ListQuery.parse(request.query);
    const connectors = await listConnectors(request.ctx, { includeDeleted });
    const ids = connectors.map((c) => c.id);
    const [health, schedules] = await Promise.all([
      healthOf(request.ctx, connectors),
      listSchedules(request.ctx.db, ids),
    ]);
    return {
      items: connectors.map((c) =>
        presentConnector(c, { health: health.get(c.id), schedule: schedules.get(c.id) ?? null }),
      ),
    };
  });

  app.get("/api/connectors/:id", { config: { permission: "connectors.read" } }, async (request) => {
    const connector = await getConnector(request.ctx, IdParams.parse(request.params).id);
    const [health, schedules] = await Promise.all([
      healthOf(request.ctx, [connector]),
      listSchedules(request.ctx.db, [connector.id]),
    ]);
    return presentConnector(connector, {
      health: health.get(connector.id),
      schedule: schedules.get(connector.id) ?? null,
    });
  });

  app.patch("/api/connectors/:id", { config: { permission: "connectors.manage" } }, async (request) => {
    const { id } = IdParams.parse(request.params);
    const patch = UpdateConnectorInput.parse(request.body ?? {});
    const { connector, changed } = await updateConnector(request.ctx, id, patch);
    return { ...presentConnector(connector), changed };
  });

  app.post("/api/connectors/:id/disable", { config: { permission: "connectors.manage" } }, async (request) => {
    return presentConnector(await setConnectorDisabled(request.ctx, IdParams.parse(request.params).id, true));
  });

  app.post("/api/connectors/:id/enable", { config: { permission: "connectors.manage" } }, async (request) => {
    return presentConnector(await setConnectorDisabled(request.ctx, IdParams.parse(request.params).id, false));
  });

  app.delete("/api/connectors/:id", { config: { permission: "connectors.manage" } }, async (request) => {
    const { deleteSignals } = DeleteQuery.parse(request.query);
    return deleteConnector(request.ctx, IdParams.parse(request.params).id, { deleteSignals });
  });

  app.get("/api/connectors/:id/health", { config: { permission: "connectors.read" } }, async (request) => {
    const connector = await getConnector(request.ctx, IdParams.parse(request.params).id);
    const health = (await healthOf(request.ctx, [connector])).get(connector.id);
    return { connectorId: connector.id, name: connector.name, type: connector.type, ...health };
  });

  app.get("/api/connectors/:id/schedule", { config: { permission: "connectors.read" } }, async (request) => {
    return presentSchedule((await getSchedule(request.ctx, IdParams.parse(request.params).id)).schedule);
  });

  app.put("/api/connectors/:id/schedule", { config: { permission: "connectors.manage" } }, async (request) => {
    const input = ScheduleInput.parse(request.body ?? {});
    return presentSchedule(await setSchedule(request.ctx, IdParams.parse(request.params).id, input));
  });

  app.delete(
    "/api/connectors/:id/schedule",
    { config: { permission: "connectors.manage" } },
    async (request, reply) => {
      await deleteSchedule(request.ctx, IdParams.parse(request.params).id);
      return reply.status(204).send();
    },
  );

  app.post("/api/connectors/:id/schedule/run", { config: { permission: "connectors.manage" } }, async (request) => {
    const answer = await importNowAndWait(request.ctx, IdParams.parse(request.params).id);
    return {
      connectorId: answer.connectorId,
      status: answer.status,
      message: answer.message,
      runs: answer.runs.map((r) => presentImportedRun(r.runId, r.fileName, r.outcome)),
    };
  });

  app.get("/api/connectors/:id/runs", { config: { permission: "connectors.read" } }, async (request) => {
    const connector = await getConnector(request.ctx, IdParams.parse(request.params).id, { includeDeleted: true });
    const page = Page.parse(request.query);
    const { items, total } = await listRuns(request.ctx, connector.id, page);
    return { items: items.map(presentRun), total, limit: page.limit, offset: page.offset };
  });

  app.get("/api/connectors/:id/runs.csv", { config: { permission: "connectors.read" } }, async (request, reply) => {
    const connector = await getConnector(request.ctx, IdParams.parse(request.params).id, { includeDeleted: true });
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
