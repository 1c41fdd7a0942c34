// Connectors: creating one from a sample file, inferring a sample's schema, reading them, editing
// their name, app and mapping, disabling and enabling them, and deleting them (soft: a deleted
// connector stays in the table, hidden, so the signals and the run log it brought keep pointing at
// it). Every change is audited.

import { randomUUID } from "node:crypto";
import {
  AppError,
  buildConnectorConfig,
  type ConnectorConfig,
  type ConnectorType,
  CreateConnectorInput,
  conflict,
  connectorKind,
  DEFAULT_MAPPING_KEY,
  type InferredColumn,
  inferColumns,
  notFound,
  type ParsedSample,
  parseSourceValues,
  toIsoUtc,
  validateCustomIndicator,
} from "@openirm/domain";
import type { z } from "zod";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { parseSampleText } from "../ingestion/csv.ts";
import type { Queryable } from "../store/db.ts";
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
  updated_at?: string | null;
  deleted_at?: string | null;
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

/** The enabled app registration a connector's uploads must come from (client ID, lower-case). */
async function requireApp(db: Queryable, appId: string): Promise<string> {
  const id = appId.trim();
  const { rows: apps } = isUuid(id)
    ? await db.query<{ disabled: boolean }>("SELECT disabled FROM app_registrations WHERE client_id = $1", [id])
    : { rows: [] };
  if (!apps[0] || apps[0].disabled) {
    throw new AppError(
      "unknown_app",
      400,
      `appId: no ${apps[0] ? "enabled " : ""}app registration has the client ID '${id}'. Register the upload app first (POST /api/apps or 'openirm apps create') and give its client ID.`,
      { column: "appId" },
    );
  }
  return id.toLowerCase();
}

export async function createConnector(ctx: Ctx, input: CreateConnectorInput): Promise<ConnectorRow> {
  const sample =
    input.sample !== undefined
      ? parseSampleText(input.sample, input.delimiter, connectorKind(input.type).delimiters)
      : undefined;
  const config = buildConnectorConfig(input, sample);
  const appClientId = await requireApp(ctx.db, input.appId);
  const row: ConnectorRow = {
    id: randomUUID(),
    type: input.type,
    name: input.name.trim(),
    app_client_id: appClientId,
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

const CONNECTOR_COLUMNS = "id, type, name, app_client_id, job_id, config, disabled, created_at, updated_at, deleted_at";
const LAST_RUN = `(SELECT to_jsonb(r) FROM (
    SELECT id, connector_id, app_client_id, status, file_name, bytes, checksum, records_received, records_saved,
           records_rejected, records_duplicate, warnings, error, received_at::text, started_at::text, finished_at::text,
           origin
      FROM upload_runs WHERE connector_id = c.id ORDER BY received_at DESC, id LIMIT 1) r) AS "lastRun"`;

/** Connectors, oldest first; deleted ones only when asked. */
export async function listConnectors(
  ctx: Ctx,
  opts: { includeDeleted?: boolean } = {},
): Promise<ConnectorWithLastRun[]> {
  const { rows } = await ctx.db.query<ConnectorWithLastRun>(
    `SELECT ${CONNECTOR_COLUMNS}, ${LAST_RUN} FROM connectors c
      ${opts.includeDeleted ? "" : "WHERE deleted_at IS NULL"} ORDER BY created_at, id`,
  );
  return rows;
}

/** The answer for a connector that was deleted: 410, saying when. */
export function connectorGone(row: { name: string; deleted_at?: string | null | undefined }): AppError {
  return new AppError(
    "connector_deleted",
    410,
    `Connector '${row.name}' was deleted on ${toIsoUtc(row.deleted_at ?? null)}.`,
    { deletedAt: toIsoUtc(row.deleted_at ?? null) },
  );
}

/**
 * One connector with its last run. A deleted connector answers 410 unless `includeDeleted` (its
 * run log stays readable).
 */
export async function getConnector(
  ctx: Ctx,
  id: string,
  opts: { includeDeleted?: boolean } = {},
): Promise<ConnectorWithLastRun> {
  const { rows } = isUuid(id)
    ? await ctx.db.query<ConnectorWithLastRun>(
        `SELECT ${CONNECTOR_COLUMNS}, ${LAST_RUN} FROM connectors c WHERE id = $1`,
        [id],
      )
    : { rows: [] };
  const row = rows[0];
  if (!row) throw notFound("Connector", id);
  if (row.deleted_at && !opts.includeDeleted) throw connectorGone(row);
  return row;
}

/**
 * The connector an upload's job ID names; undefined when none. The job ID of a deleted connector
 * refuses uploads with 410 (the body of the refused upload is not read).
 */
export async function connectorForJob(ctx: Ctx, jobId: string): Promise<ConnectorRow | undefined> {
  if (!isUuid(jobId)) return undefined;
  const { rows } = await ctx.db.query<ConnectorRow>(`SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE job_id = $1`, [
    jobId,
  ]);
  const row = rows[0];
  if (row?.deleted_at) {
    throw new AppError(
      "connector_deleted",
      410,
      `The connector with job ID '${jobId}' was deleted on ${toIsoUtc(row.deleted_at)}; this job ID no longer accepts uploads. Create a new connector ('openirm connectors create') and upload with its job ID.`,
      { column: "jobid" },
    );
  }
  return row;
}

/** Built-in connectors (the directory's) are managed by the feature that made them. */
function refuseBuiltIn(row: ConnectorRow, what: string): void {
  if ((row.config as ConnectorConfig & { builtIn?: string }).builtIn) {
    throw conflict(
      "built_in_connector",
      `Connector '${row.name}' is built in (it holds the directory's signals); it cannot be ${what}.`,
    );
  }
}

/** Loads a live connector inside a transaction, locking its row against concurrent edits. */
async function lockConnector(tx: Queryable, id: string): Promise<ConnectorRow> {
  const { rows } = isUuid(id)
    ? await tx.query<ConnectorRow>(`SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE id = $1 FOR UPDATE`, [id])
    : { rows: [] };
  const row = rows[0];
  if (!row) throw notFound("Connector", id);
  if (row.deleted_at) throw connectorGone(row);
  return row;
}

// ---- Editing ---------------------------------------------------------------------------------

/** What an edit may change: anything a creation takes except the type. Unknown fields are refused. */
export const UpdateConnectorInput = CreateConnectorInput.omit({ type: true }).partial().strict();
export type UpdateConnectorInput = z.infer<typeof UpdateConnectorInput>;

/** The creation request that would rebuild the stored configuration as it is. */
function inputFromConfig(row: ConnectorRow): CreateConnectorInput {
  const { columns, ...rest } = row.config;
  return {
    ...(rest as Omit<ConnectorConfig, "columns">),
    type: row.type,
    name: row.name,
    appId: row.app_client_id,
    columnTypes: Object.fromEntries(columns.map((c) => [c.name, c.type])),
  } as CreateConnectorInput;
}

/** The stored columns as a sample: its header, and one row per known source value. */
function storedSample(config: ConnectorConfig): ParsedSample {
  const header = config.columns.map((c) => c.name);
  const rows = config.sourceColumn
    ? config.sourceValues.map((value) => header.map((name) => (name === config.sourceColumn ? value : "")))
    : [];
  return { delimiter: config.delimiter, header, rows };
}

function withoutSampleHint(err: unknown): unknown {
  if (!(err instanceof AppError) || err.code !== "invalid_connector" || !err.message.includes("the sample file")) {
    return err;
  }
  return new AppError(
    err.code,
    err.status,
    `${err.message.replaceAll("the sample file", "the connector's sample")} To use other columns or source values, send a new sample file in 'sample'.`,
    err.details,
  );
}

/** The request merged over the stored configuration, for the domain's one validator. */
function mergedInput(row: ConnectorRow, patch: UpdateConnectorInput): CreateConnectorInput {
  const base = inputFromConfig(row);
  const merged: CreateConnectorInput = { ...base, ...patch, type: row.type };
  const newSample = patch.sample !== undefined;
  if (newSample) {
    // A new sample brings its own column types and delimiter unless the request names them.
    delete merged.columnTypes;
    if (patch.columnTypes) merged.columnTypes = patch.columnTypes;
    if (patch.delimiter === undefined) delete merged.delimiter;
  } else if (patch.columnTypes) {
    merged.columnTypes = { ...base.columnTypes, ...patch.columnTypes };
  }
  if (patch.columnMap) merged.columnMap = { ...base.columnMap, ...patch.columnMap };
  if (patch.scenarioValues) merged.scenarioValues = { ...base.scenarioValues, ...patch.scenarioValues };
  const sourceColumnChanged =
    patch.sourceColumn !== undefined && (patch.sourceColumn ?? null) !== row.config.sourceColumn;
  if (sourceColumnChanged && patch.sourceValues === undefined) delete merged.sourceValues;
  // The mapping: the stored columns of the source values that remain, then the request's entries.
  // A "Default" entry in the request applies to every source value the request does not name.
  let mapping: Record<string, string[]> | undefined = { ...row.config.mapping };
  if (sourceColumnChanged) mapping = undefined;
  else if (patch.sourceValues !== undefined) {
    const keys = parseSourceValues(patch.sourceValues) ?? [];
    mapping = Object.fromEntries(Object.entries(row.config.mapping).filter(([key]) => keys.includes(key)));
  }
  if (patch.mapping) {
    mapping = DEFAULT_MAPPING_KEY in patch.mapping ? patch.mapping : { ...mapping, ...patch.mapping };
  }
  if (mapping && Object.keys(mapping).length > 0) merged.mapping = mapping;
  else delete merged.mapping;
  return merged;
}

/** Custom indicators built on this connector must still fit the new configuration. */
async function checkIndicators(tx: Queryable, row: ConnectorRow, config: ConnectorConfig): Promise<void> {
  const { rows } = await tx.query<{ name: string; source_value: string | null; value_column: string | null }>(
    "SELECT name, source_value, value_column FROM indicators WHERE connector_id = $1 ORDER BY name",
    [row.id],
  );
  for (const indicator of rows) {
    try {
      validateCustomIndicator(
        {
          name: indicator.name,
          connectorId: row.id,
          sourceValue: indicator.source_value,
          valueColumn: indicator.value_column,
        },
        { id: row.id, name: row.name, type: row.type, config },
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      throw conflict(
        "connector_in_use",
        `Custom indicator '${indicator.name}' would no longer work with this configuration: ${err.message} Change the indicator first, or keep what it uses.`,
        { indicator: indicator.name },
      );
    }
  }
}

export interface UpdateConnectorResult {
  connector: ConnectorRow;
  /** The fields that changed: name, appId, and the configuration keys. */
  changed: string[];
}

/**
 * Edits a connector: its name, its app (which must exist and be enabled) and its mapping, which is
 * validated again against the connector's columns (or a new sample file) by the same rules as a
 * creation. The job ID and the type never change.
 */
export async function updateConnector(
  ctx: Ctx,
  id: string,
  patch: UpdateConnectorInput,
): Promise<UpdateConnectorResult> {
  if (Object.keys(patch).length === 0) {
    throw new AppError(
      "nothing_to_change",
      400,
      "The request changes nothing: give at least one of name, appId, sample, userColumn, timeColumn, sourceColumn, sourceValues, mapping, columnTypes, strictDuplicates, delimiter, dataTypes or columnMap.",
    );
  }
  return ctx.db.transaction(async (tx) => {
    const row = await lockConnector(tx, id);
    refuseBuiltIn(row, "edited");
    const input = mergedInput(row, patch);
    let config: ConnectorConfig;
    if (patch.sample !== undefined) {
      config = buildConnectorConfig(
        input,
        parseSampleText(patch.sample, patch.delimiter, connectorKind(row.type).delimiters),
      );
    } else if (row.type !== "indicators") {
      // Only an indicators connector's configuration is checked against its sample's columns.
      config = buildConnectorConfig(input, undefined);
    } else {
      try {
        config = buildConnectorConfig(input, storedSample(row.config));
      } catch (err) {
        throw withoutSampleHint(err);
      }
    }
    const name = patch.name?.trim() ?? row.name;
    const appClientId = patch.appId !== undefined ? await requireApp(tx, patch.appId) : row.app_client_id;
    const changed: string[] = [];
    if (name !== row.name) changed.push("name");
    if (appClientId !== row.app_client_id) changed.push("appId");
    const keys = new Set([...Object.keys(config), ...Object.keys(row.config)]);
    for (const key of keys) {
      const before = JSON.stringify((row.config as unknown as Record<string, unknown>)[key]);
      const after = JSON.stringify((config as unknown as Record<string, unknown>)[key]);
      if (before !== after) changed.push(key);
    }
    if (changed.some((key) => key !== "name" && key !== "appId")) await checkIndicators(tx, row, config);
    const now = ctx.clock.now().toISOString();
    await tx.query("UPDATE connectors SET name = $2, app_client_id = $3, config = $4, updated_at = $5 WHERE id = $1", [
      row.id,
      name,
      appClientId,
      JSON.stringify(config),
      now,
    ]);
    const details: Record<string, unknown> = { name, changed };
    if (changed.includes("name")) details.previousName = row.name;
    if (changed.includes("appId")) Object.assign(details, { previousAppId: row.app_client_id, appId: appClientId });
    const configChanges = changed.filter((key) => key !== "name" && key !== "appId");
    if (configChanges.length > 0) {
      details.before = Object.fromEntries(
        configChanges.map((key) => [key, (row.config as unknown as Record<string, unknown>)[key] ?? null]),
      );
      details.after = Object.fromEntries(
        configChanges.map((key) => [key, (config as unknown as Record<string, unknown>)[key] ?? null]),
      );
    }
    await audit(ctx, tx, {
      action: "connector.update",
      category: "Connectors",
      targetType: "connector",
      targetId: row.id,
      details,
    });
    return {
      connector: { ...row, name, app_client_id: appClientId, config, updated_at: now },
      changed,
    };
  });
}

// ---- Disabling and enabling --------------------------------------------------------------------

/** Disables (uploads answer 403, scheduled imports skip) or enables a connector again. */
export async function setConnectorDisabled(ctx: Ctx, id: string, disabled: boolean): Promise<ConnectorRow> {
  return ctx.db.transaction(async (tx) => {
    const row = await lockConnector(tx, id);
    refuseBuiltIn(row, disabled ? "disabled" : "enabled");
    if (row.disabled === disabled) return row;
    const now = ctx.clock.now().toISOString();
    await tx.query("UPDATE connectors SET disabled = $2, updated_at = $3 WHERE id = $1", [row.id, disabled, now]);
    await audit(ctx, tx, {
      action: disabled ? "connector.disable" : "connector.enable",
      category: "Connectors",
      targetType: "connector",
      targetId: row.id,
      details: { name: row.name },
    });
    return { ...row, disabled, updated_at: now };
  });
}

// ---- Deleting ----------------------------------------------------------------------------------

export interface DeleteConnectorResult {
  id: string;
  name: string;
  deletedAt: string;
  signals: { kept: number; deleted: number };
  /** Custom indicators that refer to the connector (they stay). */
  indicators: string[];
  scheduleRemoved: boolean;
  message: string;
}

/**
 * Deletes a connector: it disappears from lists, its job ID refuses uploads (410) and its schedule
 * is removed. Its signals and run log are kept unless `deleteSignals` (then the signals are erased;
 * the run log stays).
 */
export async function deleteConnector(
  ctx: Ctx,
  id: string,
  opts: { deleteSignals: boolean },
): Promise<DeleteConnectorResult> {
  return ctx.db.transaction(async (tx) => {
    const row = await lockConnector(tx, id);
    refuseBuiltIn(row, "deleted");
    if (opts.deleteSignals) {
      const { rows: busy } = await tx.query<{ id: string }>(
        "SELECT id FROM upload_runs WHERE connector_id = $1 AND status IN ('received', 'processing') LIMIT 1",
        [row.id],
      );
      if (busy[0]) {
        throw conflict(
          "connector_busy",
          `Connector '${row.name}' has an upload being processed (run ${busy[0].id}); delete it with its signals once the run has finished.`,
          { runId: busy[0].id },
        );
      }
    }
    const now = ctx.clock.now().toISOString();
    let kept = 0;
    let deleted = 0;
    let profiles = 0;
    if (opts.deleteSignals) {
      deleted = (await tx.query("DELETE FROM signals WHERE connector_id = $1", [row.id])).rowCount;
      // The employee profiles it brought hold personal data: they go with its signals.
      profiles = (await tx.query("DELETE FROM employee_profiles WHERE connector_id = $1", [row.id])).rowCount;
    } else {
      const { rows } = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM signals WHERE connector_id = $1", [
        row.id,
      ]);
      kept = rows[0]?.n ?? 0;
    }
    const schedule = await tx.query("DELETE FROM connector_schedules WHERE connector_id = $1", [row.id]);
    await tx.query("DELETE FROM connector_imported_files WHERE connector_id = $1", [row.id]);
    const { rows: indicatorRows } = await tx.query<{ name: string }>(
      "SELECT name FROM indicators WHERE connector_id = $1 ORDER BY name",
      [row.id],
    );
    const { rows: deletedRows } = await tx.query<{ deleted_at: string }>(
      "UPDATE connectors SET deleted_at = $2, disabled = true, updated_at = $2 WHERE id = $1 RETURNING deleted_at::text",
      [row.id, now],
    );
    const deletedAt = toIsoUtc(deletedRows[0]?.deleted_at ?? now) as string;
    const indicators = indicatorRows.map((r) => r.name);
    const count = (n: number) => `${n.toLocaleString("en-US")} signal${n === 1 ? "" : "s"}`;
    const message = [
      `Connector '${row.name}' deleted; its job ID no longer accepts uploads.`,
      opts.deleteSignals
        ? `${count(deleted)} it brought ${deleted === 1 ? "was" : "were"} deleted${profiles > 0 ? `, and ${profiles.toLocaleString("en-US")} employee profile${profiles === 1 ? "" : "s"}` : ""}.`
        : `The ${count(kept)} it brought ${kept === 1 ? "is" : "are"} kept and still count in scoring (delete with ?deleteSignals=true to erase them).`,
      ...(schedule.rowCount > 0 ? ["Its scheduled import was removed."] : []),
      ...(indicators.length > 0 ? [`Custom indicators that use it stay: ${indicators.join(", ")}.`] : []),
    ].join(" ");
    await audit(ctx, tx, {
      action: "connector.delete",
      category: "Connectors",
      targetType: "connector",
      targetId: row.id,
      details: {
        name: row.name,
        deleteSignals: opts.deleteSignals,
        signalsKept: kept,
        signalsDeleted: deleted,
        scheduleRemoved: schedule.rowCount > 0,
      },
    });
    return {
      id: row.id,
      name: row.name,
      deletedAt,
      signals: { kept, deleted },
      indicators,
      scheduleRemoved: schedule.rowCount > 0,
      message,
    };
  });
}
