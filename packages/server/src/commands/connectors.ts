// Connectors: creating one from a sample file (audited), inferring a sample's schema, reading them.

import { randomUUID } from "node:crypto";
import {
  AppError,
  buildConnectorConfig,
  type ConnectorConfig,
  type ConnectorType,
  type CreateConnectorInput,
  type InferredColumn,
  inferColumns,
  notFound,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { parseSampleText } from "../ingestion/csv.ts";
import { isUuid, type RunRow } from "./runs.ts";

export interface ConnectorRow {
  id: string;
  type: ConnectorType;
  name: string;
  app_client_id: string;
  job_id: string;
  config: ConnectorConfig;
  disabled: boolean;
  created_at: string;
}

export interface ConnectorWithLastRun extends ConnectorRow {
  lastRun: RunRow | null;
}

export function inferSample(sample: string): { delimiter: string; columns: InferredColumn[] } {
  const parsed = parseSampleText(sample);
  if (parsed.header.length === 0) {
    throw new AppError(
      "invalid_connector",
      400,
      "sample: the sample file is empty; it needs a header line and at least one row.",
      {
        column: "sample",
      },
    );
  }
  return { delimiter: parsed.delimiter, columns: inferColumns(parsed) };
}

export async function createConnector(ctx: Ctx, input: CreateConnectorInput): Promise<ConnectorRow> {
  const sample = input.sample !== undefined ? parseSampleText(input.sample, input.delimiter) : undefined;
  const config = buildConnectorConfig(input, sample);
  const appId = input.appId.trim();
  const { rows: apps } = isUuid(appId)
    ? await ctx.db.query<{ disabled: boolean }>("SELECT disabled FROM app_registrations WHERE client_id = $1", [appId])
    : { rows: [] };
  if (!apps[0] || apps[0].disabled) {
    throw new AppError(
      "unknown_app",
      400,
      `appId: no ${apps[0] ? "enabled " : ""}app registration has the client ID '${appId}'. Register the upload app first (POST /api/apps or 'openirm apps create') and give its client ID.`,
      { column: "appId" },
    );
  }
  const row: ConnectorRow = {
    id: randomUUID(),
    type: input.type,
    name: input.name.trim(),
    app_client_id: appId.toLowerCase(),
    job_id: randomUUID(),
    config,
    disabled: false,
    created_at: ctx.clock.now().toISOString(),
  };
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO connectors (id, type, name, app_client_id, job_id, config, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        row.id,
        row.type,
        row.name,
        row.app_client_id,
        row.job_id,
        JSON.stringify(config),
        ctx.actor.kind === "account" ? ctx.actor.id : null,
        row.created_at,
      ],
    );
    await audit(ctx, tx, {
      action: "connector.create",
      category: "Connectors",
      targetType: "connector",
      targetId: row.id,
      details: { name: row.name, type: row.type, appId: row.app_client_id, jobId: row.job_id },
    });
  });
  return row;
}

const CONNECTOR_COLUMNS = "id, type, name, app_client_id, job_id, config, disabled, created_at";
const LAST_RUN = `(SELECT to_jsonb(r) FROM (
    SELECT id, connector_id, app_client_id, status, file_name, bytes, checksum, records_received, records_saved,
           records_rejected, records_duplicate, warnings, error, received_at::text, started_at::text, finished_at::text
      FROM upload_runs WHERE connector_id = c.id ORDER BY received_at DESC, id LIMIT 1) r) AS "lastRun"`;

export async function listConnectors(ctx: Ctx): Promise<ConnectorWithLastRun[]> {
  const { rows } = await ctx.db.query<ConnectorWithLastRun>(
    `SELECT ${CONNECTOR_COLUMNS}, ${LAST_RUN} FROM connectors c ORDER BY created_at, id`,
  );
  return rows;
}

export async function getConnector(ctx: Ctx, id: string): Promise<ConnectorWithLastRun> {
  const { rows } = isUuid(id)
    ? await ctx.db.query<ConnectorWithLastRun>(
        `SELECT ${CONNECTOR_COLUMNS}, ${LAST_RUN} FROM connectors c WHERE id = $1`,
        [id],
      )
    : { rows: [] };
  if (!rows[0]) throw notFound("Connector", id);
  return rows[0];
}

/** The connector an upload's job ID names. */
export async function connectorForJob(ctx: Ctx, jobId: string): Promise<ConnectorRow | undefined> {
  if (!isUuid(jobId)) return undefined;
  const { rows } = await ctx.db.query<ConnectorRow>(`SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE job_id = $1`, [
    jobId,
  ]);
  return rows[0];
}
