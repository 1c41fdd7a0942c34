// Custom indicators: created on an indicators connector (one source value, optionally a Number
// column for thresholds), listed and read.

import { randomUUID } from "node:crypto";
import {
  conflict,
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
         i.value_column, i.enabled, i.created_at
    FROM indicators i LEFT JOIN connectors c ON c.id = i.connector_id`;

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

export async function listIndicators(ctx: Ctx): Promise<IndicatorRow[]> {
  const { rows } = await ctx.db.query<IndicatorRow>(`${SELECT_INDICATORS} ORDER BY lower(i.name)`);
  return rows;
}

export async function getIndicator(ctx: Ctx, id: string): Promise<IndicatorRow> {
  const row = isUuid(id)
    ? (await ctx.db.query<IndicatorRow>(`${SELECT_INDICATORS} WHERE i.id = $1`, [id])).rows[0]
    : undefined;
  if (!row) throw notFound("Indicator", id);
  return row;
}

/** What policy validation needs to know about every indicator, by id. */
export async function loadIndicatorInfo(db: Queryable): Promise<Map<string, IndicatorInfo>> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    kind: string;
    enabled: boolean;
    value_column: string | null;
  }>("SELECT id, name, kind, enabled, value_column FROM indicators");
  return new Map(
    rows.map((r) => [r.id, { id: r.id, name: r.name, kind: r.kind, enabled: r.enabled, valueColumn: r.value_column }]),
  );
}
