// Tenant settings: timeframes, privacy and intelligent detections, read and changed (each change
// audited with the previous and new values of what changed). Long detection lists can be replaced
// or imported from a text list on their own.

import {
  AppError,
  applySettingsPatch,
  type DetectionList,
  detectionList,
  getListValue,
  type ListImportRejection,
  listPatch,
  overLimitMessage,
  parseListText,
  pickSettingPaths,
  readTenantSettings,
  storedSettingsDocument,
  type TenantSettings,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import type { Queryable } from "../store/db.ts";

/** The settings as stored now (read from the database, so every server replica agrees). */
export async function loadSettings(ctx: Ctx, db: Queryable = ctx.db): Promise<TenantSettings> {
  const { rows } = await db.query<{ settings: Record<string, unknown> }>("SELECT settings FROM tenant WHERE id = $1", [
    ctx.tenant.id,
  ]);
  return readTenantSettings(rows[0]?.settings ?? ctx.tenant.settings);
}

/** A change: a partial settings object, or a function that builds one from the current settings (in the transaction). */
export type SettingsChange = unknown | ((current: TenantSettings) => unknown);

export async function updateSettings(
  ctx: Ctx,
  change: SettingsChange,
  auditDetails: Record<string, unknown> = {},
): Promise<{ settings: TenantSettings; previous: TenantSettings; changed: string[] }> {
  const result = await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ settings: Record<string, unknown> }>(
      "SELECT settings FROM tenant WHERE id = $1 FOR UPDATE",
      [ctx.tenant.id],
    );
    const stored = rows[0]?.settings ?? {};
    const previous = readTenantSettings(stored);
    const patch = typeof change === "function" ? (change as (current: TenantSettings) => unknown)(previous) : change;
    const { next, changed } = applySettingsPatch(previous, patch);
    // Keep settings other parts of the product store; drop the first release's flat privacy flag.
    const { showNamesToEntitledRoles: _legacy, emailPastActivityDays: _fixed, ...others } = stored;
    const document = { ...others, ...storedSettingsDocument(next) };
    if (changed.length > 0) {
      await tx.query("UPDATE tenant SET settings = $2 WHERE id = $1", [ctx.tenant.id, document]);
      await audit(ctx, tx, {
        action: "settings.update",
        category: "Settings",
        targetType: "tenant",
        targetId: ctx.tenant.id,
        details: {
          changed,
          previous: pickSettingPaths(previous, changed),
          next: pickSettingPaths(next, changed),
          ...auditDetails,
        },
      });
    }
    return { settings: next, previous, changed, document: changed.length > 0 ? document : null };
  });
  if (result.document) ctx.tenant.settings = result.document;
  return { settings: result.settings, previous: result.previous, changed: result.changed };
}

export interface DetectionListView {
  list: string;
  field: string;
  limit: number;
  count: number;
  entries: unknown[];
}

function view(list: DetectionList, settings: TenantSettings): DetectionListView {
  const entries = getListValue(settings.detections, list);
  return { list: list.name, field: list.field, limit: list.limit, count: entries.length, entries };
}

export async function loadDetectionList(ctx: Ctx, name: string): Promise<DetectionListView & { text: string }> {
  const list = detectionList(name);
  const v = view(list, await loadSettings(ctx));
  return { ...v, text: v.entries.map((e) => `${list.format(e)}\n`).join("") };
}

/** Replaces one list with the entries of a JSON array (each checked; the first bad one is refused with its index). */
export async function replaceDetectionList(
  ctx: Ctx,
  name: string,
  entries: unknown,
): Promise<DetectionListView & { changed: boolean }> {
  const list = detectionList(name);
  if (!Array.isArray(entries)) {
    throw new AppError(
      "invalid_setting",
      400,
      `The body must be a JSON array of entries for ${list.field}, such as [${JSON.stringify(list.example)}]; to import a text list use POST …/${list.name}/import.`,
      { column: list.field },
    );
  }
  const { settings, changed } = await updateSettings(ctx, listPatch(list, entries), { list: list.name });
  return { ...view(list, settings), changed: changed.length > 0 };
}

export type ImportMode = "replace" | "append";

export interface DetectionListImport extends DetectionListView {
  mode: ImportMode;
  /** Entries read from the text (after dropping duplicates). */
  imported: number;
  added: number;
  removed: number;
  duplicates: number;
  rejected: ListImportRejection[];
}

/**
 * Imports a text list (one entry per line) into one list, replacing it or appending to it. Bad
 * lines are rejected alone (line, value, reason) and the good ones kept; a text with no readable
 * entry, or a result over the list's limit, changes nothing.
 */
export async function importDetectionList(
  ctx: Ctx,
  name: string,
  text: string,
  mode: ImportMode,
): Promise<DetectionListImport> {
  const list = detectionList(name);
  let outcome: { imported: number; duplicates: number; rejected: ListImportRejection[] } | undefined;
  const { settings, previous } = await updateSettings(
    ctx,
    (current: TenantSettings) => {
      const existing = getListValue(current.detections, list);
      const parsed = parseListText(list, text, mode === "append" ? existing : []);
      outcome = { imported: parsed.entries.length, duplicates: parsed.duplicates, rejected: parsed.rejected };
      if (parsed.entries.length === 0 && parsed.duplicates === 0) {
        if (parsed.rejected.length === 0) {
          throw new AppError(
            "empty_import",
            400,
            `The text has no entries for ${list.field} (blank lines and lines starting with # are skipped); nothing changed. To empty the list, PUT an empty array.`,
            { column: list.field },
          );
        }
        const shown = parsed.rejected.slice(0, 5).map((r) => r.message);
        throw new AppError(
          "invalid_import",
          400,
          `No line could be read as an entry of ${list.field}; nothing changed. ${shown.join(" ")}${parsed.rejected.length > 5 ? ` (and ${parsed.rejected.length - 5} more lines)` : ""}`,
          { column: list.field, rejected: parsed.rejected },
        );
      }
      const entries = mode === "append" ? [...existing, ...parsed.entries] : parsed.entries;
      if (entries.length > list.limit) {
        throw new AppError(
          "invalid_setting",
          400,
          `${overLimitMessage(list, entries.length)}${mode === "append" ? ` (${existing.length} in the list and ${parsed.entries.length} new in the text.)` : ""} Nothing changed.`,
          { column: list.field, limit: list.limit, count: entries.length },
        );
      }
      return listPatch(list, entries);
    },
    { list: list.name, source: "import", mode },
  );
  const before = new Set(getListValue(previous.detections, list).map((e) => list.key(e)));
  const afterEntries = getListValue(settings.detections, list);
  const after = new Set(afterEntries.map((e) => list.key(e)));
  const result = outcome as NonNullable<typeof outcome>;
  return {
    ...view(list, settings),
    mode,
    imported: result.imported,
    added: [...after].filter((k) => !before.has(k)).length,
    removed: [...before].filter((k) => !after.has(k)).length,
    duplicates: result.duplicates,
    rejected: result.rejected,
  };
}
