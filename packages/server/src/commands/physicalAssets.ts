// Priority physical assets (a setting): listing them, adding one, removing one and importing a
// list. Asset IDs are matched trimmed and case-insensitively (asset_key), so "Mid-Sec-7" is listed
// once however it is spelled. Every change is audited.

import { randomUUID } from "node:crypto";
import {
  AppError,
  assetKey,
  checkPriorityAsset,
  conflict,
  notFound,
  parsePriorityAssetCsv,
  toIsoUtc,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import type { Queryable } from "../store/db.ts";

export interface PriorityAssetRow {
  id: string;
  asset_id: string;
  asset_key: string;
  name: string | null;
  added_by: string;
  created_at: string;
}

export interface PriorityAsset {
  id: string;
  assetId: string;
  name: string | null;
  addedBy: string;
  addedAt: string | null;
}

/** Errors an import lists in its answer; more are counted only. */
const LISTED_ERRORS = 100;
/** Asset IDs an import's audit entry lists. */
const AUDITED_IDS = 100;

const COLUMNS = "id, asset_id, asset_key, name, added_by, created_at";

export function presentPriorityAsset(row: PriorityAssetRow): PriorityAsset {
  return {
    id: row.id,
    assetId: row.asset_id,
    name: row.name,
    addedBy: row.added_by,
    addedAt: toIsoUtc(row.created_at),
  };
}

function actorName(ctx: Ctx): string {
  return ctx.actor.kind === "account" ? ctx.actor.username : ctx.actor.kind === "app" ? ctx.actor.name : "system";
}

/** The keys (assetKey) of every priority physical asset. */
export async function priorityAssetKeys(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ asset_key: string }>("SELECT asset_key FROM priority_physical_assets");
  return new Set(rows.map((r) => r.asset_key));
}

/** Priority assets in asset ID order, a page at a time; `search` matches IDs and names (any case). */
export async function listPriorityAssets(
  ctx: Ctx,
  opts: { search?: string | undefined; limit: number; offset: number },
): Promise<{ items: PriorityAsset[]; total: number }> {
  const search = opts.search?.trim()
    ? `%${opts.search
        .trim()
        .toLowerCase()
        .replace(/[%_\\]/g, "\\$&")}%`
    : null;
  const where = search ? "WHERE asset_key LIKE $1 OR lower(coalesce(name, '')) LIKE $1" : "";
  const params = search ? [search] : [];
  const [items, total] = await Promise.all([
    ctx.db.query<PriorityAssetRow>(
      `SELECT ${COLUMNS} FROM priority_physical_assets ${where} ORDER BY asset_key, id
        LIMIT ${Number(opts.limit)} OFFSET ${Number(opts.offset)}`,
      params,
    ),
    ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM priority_physical_assets ${where}`, params),
  ]);
  return { items: items.rows.map(presentPriorityAsset), total: total.rows[0]?.n ?? 0 };
}

/** Adds one priority asset; 409 when its ID is listed already (in any case). */
export async function addPriorityAsset(
  ctx: Ctx,
  input: { assetId: string; name?: string | null | undefined },
): Promise<PriorityAsset> {
  const checked = checkPriorityAsset(input.assetId, input.name);
  if (!checked.ok) {
    throw new AppError("invalid_asset", 400, `${checked.field}: ${checked.reason}`, { column: checked.field });
  }
  const { asset } = checked;
  const row: PriorityAssetRow = {
    id: randomUUID(),
    asset_id: asset.assetId,
    asset_key: assetKey(asset.assetId),
    name: asset.name,
    added_by: actorName(ctx),
    created_at: ctx.clock.now().toISOString(),
  };
  return ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<PriorityAssetRow>(
      `INSERT INTO priority_physical_assets (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (asset_key) DO NOTHING RETURNING ${COLUMNS}`,
      [row.id, row.asset_id, row.asset_key, row.name, row.added_by, row.created_at],
    );
    if (!rows[0]) {
      const existing = await tx.query<PriorityAssetRow>(
        `SELECT ${COLUMNS} FROM priority_physical_assets WHERE asset_key = $1`,
        [row.asset_key],
      );
      const listed = existing.rows[0]?.asset_id ?? asset.assetId;
      throw conflict(
        "asset_exists",
        `assetId: '${asset.assetId}' is already a priority physical asset${listed !== asset.assetId ? ` (listed as '${listed}'; IDs are matched without regard to case)` : ""}.`,
        { column: "assetId" },
      );
    }
    await audit(ctx, tx, {
      action: "priority_physical_asset.add",
      category: "Settings",
      targetType: "priority_physical_asset",
      targetId: row.id,
      details: { assetId: row.asset_id, name: row.name },
    });
    return presentPriorityAsset(rows[0]);
  });
}

/** Removes a priority asset named by its ID (any case) or by its record id; 404 when not listed. */
export async function removePriorityAsset(ctx: Ctx, idOrAssetId: string): Promise<PriorityAsset> {
  const key = assetKey(idOrAssetId);
  return ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<PriorityAssetRow>(
      `DELETE FROM priority_physical_assets WHERE asset_key = $1 OR id::text = $2 RETURNING ${COLUMNS}`,
      [key, idOrAssetId.trim().toLowerCase()],
    );
    const row = rows[0];
    if (!row) throw notFound("Priority physical asset", idOrAssetId.trim());
    await audit(ctx, tx, {
      action: "priority_physical_asset.remove",
      category: "Settings",
      targetType: "priority_physical_asset",
      targetId: row.id,
      details: { assetId: row.asset_id, name: row.name },
    });
    return presentPriorityAsset(row);
  });
}

export interface AssetImportReport {
  /** Assets added by this import. */
  added: number;
  /** Valid lines whose asset was listed already (left as it was). */
  alreadyListed: number;
  /** Lines repeating an asset ID of an earlier line of the file. */
  duplicatesInFile: number;
  /** Lines refused. */
  rejected: number;
  /** The first refused lines, with the reason. */
  errors: { line: number; reason: string }[];
  warnings: string[];
}

/**
 * Imports a list of asset IDs (a CSV with an AssetId column, or one ID per line). Good lines are
 * added in one transaction, bad ones reported by line number; assets listed already are left as
 * they are. 400 when the file holds no asset at all.
 */
export async function importPriorityAssets(ctx: Ctx, text: string): Promise<AssetImportReport> {
  const csv = parsePriorityAssetCsv(text);
  if (csv.assets.length === 0 && csv.errors.length === 0) {
    throw new AppError(
      "empty_file",
      400,
      "The file has no asset IDs: send one asset ID per line, or a CSV with the header AssetId (and optionally AssetName).",
    );
  }
  const now = ctx.clock.now().toISOString();
  const addedBy = actorName(ctx);
  return ctx.db.transaction(async (tx) => {
    let addedIds: string[] = [];
    if (csv.assets.length > 0) {
      const { rows } = await tx.query<{ asset_id: string }>(
        `INSERT INTO priority_physical_assets (${COLUMNS})
         SELECT a.id, a.asset_id, a.asset_key, a.name, $5, $6
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS a(id, asset_id, asset_key, name)
         ON CONFLICT (asset_key) DO NOTHING RETURNING asset_id`,
        [
          csv.assets.map(() => randomUUID()),
          csv.assets.map((a) => a.assetId),
          csv.assets.map((a) => assetKey(a.assetId)),
          csv.assets.map((a) => a.name),
          addedBy,
          now,
        ],
      );
      addedIds = rows.map((r) => r.asset_id);
    }
    const report: AssetImportReport = {
      added: addedIds.length,
      alreadyListed: csv.assets.length - addedIds.length,
      duplicatesInFile: csv.duplicates,
      rejected: csv.errors.length,
      errors: csv.errors.slice(0, LISTED_ERRORS),
      warnings: [...csv.warnings],
    };
    if (csv.errors.length > LISTED_ERRORS) {
      report.warnings.push(
        `${csv.errors.length} lines were refused; the first ${LISTED_ERRORS} are listed. Fix them and import the file again (assets listed already are left as they are).`,
      );
    }
    await audit(ctx, tx, {
      action: "priority_physical_asset.import",
      category: "Settings",
      targetType: "priority_physical_asset",
      details: {
        added: report.added,
        alreadyListed: report.alreadyListed,
        duplicatesInFile: report.duplicatesInFile,
        rejected: report.rejected,
        assetIds: addedIds.slice(0, AUDITED_IDS),
        ...(addedIds.length > AUDITED_IDS ? { moreAssetIds: addedIds.length - AUDITED_IDS } : {}),
      },
    });
    return report;
  });
}
