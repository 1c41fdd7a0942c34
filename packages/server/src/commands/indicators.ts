// Indicators: the built-in catalog (rows of kind 'builtin', turned on and off tenant-wide) and
// custom indicators created on an indicators connector (one source value, optionally a Number
// column for thresholds); listed, read, and turned on or off.

import { randomUUID } from "node:crypto";
import {
  AppError,
  BUILTIN_INDICATORS,
  conflict,
  findBuiltinIndicator,
  type IndicatorConnector,
  type IndicatorInfo,
  notFound,
  validateCustomIndicator,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import type { Queryable } from "../store/db.ts";

export interface IndicatorRow {
  id: string;
  name: string;
  description: string | null;
  kind: string;
  connector_id: string | null;
  connector_name: string | null;
  source_value: string | null;
  value_column: string | null;
  enabled: boolean;
  created_at: string;
  builtin_id: string | null;
  updated_at: string | null;
}

export interface CreateIndicatorInput {
  name: string;
  description?: string | null | undefined;
  connectorId: string;
  sourceValue?: string | null | undefined;
  valueColumn?: string | null | undefined;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_RE.test(value);

const SELECT_INDICATORS = `
  SELECT i.id, i.name, i.description, i.kind, i.connector_id, c.name AS connector_name, i.source_value,
         i.value_column, i.enabled, i.created_at, i.builtin_id, i.updated_at
    FROM indicators i LEFT JOIN connectors c ON c.id = i.connector_id`;

const synced = new WeakSet<object>();

/**
 * Keeps the built-in rows in step with the catalog: adds indicators the catalog gained (turned off)
 * and updates names and descriptions. Runs once per database per process; the migration seeded them.
 */
export async function syncBuiltinIndicators(db: Queryable): Promise<void> {
  if (synced.has(db)) return;
  await db.query(
    `INSERT INTO indicators (id, builtin_id, name, description, category, kind, enabled)
     SELECT t.id, t.builtin_id, t.name, t.description, t.category, 'builtin', false
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
         AS t(id, builtin_id, name, description, category)
     ON CONFLICT (id) DO UPDATE
        SET builtin_id = EXCLUDED.builtin_id, name = EXCLUDED.name, description = EXCLUDED.description,
            category = EXCLUDED.category
      WHERE indicators.kind = 'builtin'`,
    [
      BUILTIN_INDICATORS.map((i) => i.rowId),
      BUILTIN_INDICATORS.map((i) => i.id),
      BUILTIN_INDICATORS.map((i) => i.name),
      BUILTIN_INDICATORS.map((i) => i.description),
      BUILTIN_INDICATORS.map((i) => i.category),
    ],
  );
  synced.add(db);
}

const CATALOG_ORDER = new Map(BUILTIN_INDICATORS.map((b, i) => [b.id, i]));

/** Built-in indicators first, in catalog order (by category), then custom ones by name. */
function byCatalogThenName(a: IndicatorRow, b: IndicatorRow): number {
  const ra = a.builtin_id ? (CATALOG_ORDER.get(a.builtin_id) ?? 9999) : 10_000;
  const rb = b.builtin_id ? (CATALOG_ORDER.get(b.builtin_id) ?? 9999) : 10_000;
  return ra - rb || a.name.toLowerCase().localeCompare(b.name.toLowerCase());
}

async function loadConnector(db: Queryable, id: string): Promise<IndicatorConnector | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<IndicatorConnector>(
    "SELECT id, name, type, config FROM connectors WHERE id = $1 AND deleted_at IS NULL",
    [id],
  );
  return rows[0];
}

export async function createIndicator(ctx: Ctx, input: CreateIndicatorInput): Promise<IndicatorRow> {
  const id = randomUUID();
  await ctx.db.transaction(async (tx) => {
    const connector = await loadConnector(tx, input.connectorId);
    const draft = validateCustomIndicator(input, connector);
    const clash = await tx.query<{ name: string }>("SELECT name FROM indicators WHERE lower(name) = lower($1)", [
      draft.name,
    ]);
    if (clash.rows[0]) {
      throw conflict(
        "indicator_exists",
        `An indicator named '${clash.rows[0].name}' already exists; choose another name.`,
        {
          column: "name",
        },
      );
    }
    await tx.query(
      `INSERT INTO indicators (id, name, description, kind, connector_id, source_value, value_column, enabled, created_at)
       VALUES ($1, $2, $3, 'custom', $4, $5, $6, true, $7)`,
      [
        id,
        draft.name,
        draft.description,
        draft.connectorId,
        draft.sourceValue,
        draft.valueColumn,
        ctx.clock.now().toISOString(),
      ],
    );
    await audit(ctx, tx, {
      action: "indicator.create",
      category: "Indicators",
      targetType: "indicator",
      targetId: id,
      details: {
        name: draft.name,
        connectorId: draft.connectorId,
        connector: connector?.name,
        sourceValue: draft.sourceValue,
        valueColumn: draft.valueColumn,
      },
    });
  });
  return getIndicator(ctx, id);
}

export interface IndicatorFilter {
  kind?: string | undefined;
  category?: string | undefined;
}

export async function listIndicators(ctx: Ctx, filter: IndicatorFilter = {}): Promise<IndicatorRow[]> {
  await syncBuiltinIndicators(ctx.db);
  const checks: [string, string | undefined, string[]][] = [
    ["kind", filter.kind, ["builtin", "custom"]],
    ["category", filter.category, [...new Set(BUILTIN_INDICATORS.map((b) => b.category as string))]],
  ];
  for (const [field, value, allowed] of checks) {
    if (value !== undefined && !allowed.includes(value)) {
      throw new AppError("invalid_request", 400, `${field} '${value}' is not one of: ${allowed.join(", ")}.`, {
        column: field,
      });
    }
  }
  const { rows } = await ctx.db.query<IndicatorRow>(
    `${SELECT_INDICATORS} WHERE ($1::text IS NULL OR i.kind = $1) AND ($2::text IS NULL OR i.category = $2)`,
    [filter.kind ?? null, filter.category ?? null],
  );
  return rows.filter((r) => r.kind !== "builtin" || findBuiltinIndicator(r.builtin_id ?? "")).sort(byCatalogThenName);
}

/** An indicator by row id, or a built-in one by its stable id. */
export async function getIndicator(ctx: Ctx, id: string, db?: Queryable): Promise<IndicatorRow> {
  // Inside a transaction (db given) the caller has synced already: PGlite has one connection.
  if (!db) await syncBuiltinIndicators(ctx.db);
  const builtin = findBuiltinIndicator(id);
  const rowId = builtin ? builtin.rowId : isUuid(id) ? id : undefined;
  const row = rowId
    ? (await (db ?? ctx.db).query<IndicatorRow>(`${SELECT_INDICATORS} WHERE i.id = $1`, [rowId])).rows[0]
    : undefined;
  if (!row) throw notFound("Indicator", id);
  return row;
}

/**
 * Turns an indicator on or off for the whole organisation (the Policy indicators settings page).
 * Turning one off is refused while a policy selects it.
 */
export async function setIndicatorEnabled(ctx: Ctx, id: string, body: unknown): Promise<IndicatorRow> {
  const input =
    typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const extra = Object.keys(input).filter((k) => k !== "enabled");
  if (typeof input.enabled !== "boolean" || extra.length > 0) {
    throw new AppError(
      "invalid_request",
      400,
      extra.length > 0
        ? `Only 'enabled' can be changed on an indicator (got ${extra.map((k) => `'${k}'`).join(", ")}); send {"enabled": true} or {"enabled": false}.`
        : `enabled must be true or false; send {"enabled": true} to turn the indicator on or {"enabled": false} to turn it off.`,
      { column: extra[0] ?? "enabled" },
    );
  }
  const enabled = input.enabled;
  await syncBuiltinIndicators(ctx.db);
  let rowId = "";
  await ctx.db.transaction(async (tx) => {
    const current = await getIndicator(ctx, id, tx);
    rowId = current.id;
    if (current.enabled === enabled) return;
    const policyKey = current.builtin_id ?? current.id;
    if (!enabled) {
      const { rows } = await tx.query<{ name: string }>(
        `SELECT name FROM policies
          WHERE deleted_at IS NULL
            AND (config->'indicators' @> $1::jsonb OR config->'triggers'->'indicators' @> $1::jsonb)
          ORDER BY name`,
        [JSON.stringify([{ indicatorId: policyKey }])],
      );
      if (rows.length > 0) {
        throw conflict(
          "indicator_in_use",
          `Indicator '${current.name}' is selected by ${rows.length === 1 ? "policy" : "policies"} ${rows.map((r) => `'${r.name}'`).join(", ")}; remove it from ${rows.length === 1 ? "that policy" : "those policies"} before turning it off.`,
          { column: "enabled", policies: rows.map((r) => r.name) },
        );
      }
    }
    const now = ctx.clock.now().toISOString();
    await tx.query("UPDATE indicators SET enabled = $2, updated_at = $3 WHERE id = $1", [current.id, enabled, now]);
    await audit(ctx, tx, {
      action: enabled ? "indicator.enable" : "indicator.disable",
      category: "Indicators",
      targetType: "indicator",
      targetId: current.id,
      details: { name: current.name, kind: current.kind, builtinId: current.builtin_id, enabled },
    });
  });
  return getIndicator(ctx, rowId);
}

/**
 * What policy validation needs to know about every indicator: custom ones by row id, built-in ones
 * by their stable id (with their measure as value column).
 */
export async function loadIndicatorInfo(db: Queryable): Promise<Map<string, IndicatorInfo>> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    kind: string;
    enabled: boolean;
    value_column: string | null;
    builtin_id: string | null;
  }>("SELECT id, name, kind, enabled, value_column, builtin_id FROM indicators");
  const out = new Map<string, IndicatorInfo>();
  for (const r of rows) {
    if (r.kind === "builtin") {
      const builtin = r.builtin_id ? findBuiltinIndicator(r.builtin_id) : undefined;
      if (!builtin) continue;
      out.set(builtin.id, {
        id: builtin.id,
        name: builtin.name,
        kind: "builtin",
        enabled: r.enabled,
        valueColumn: builtin.measure,
      });
    } else {
      out.set(r.id, { id: r.id, name: r.name, kind: r.kind, enabled: r.enabled, valueColumn: r.value_column });
    }
  }
  return out;
}
