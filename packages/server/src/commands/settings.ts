// Tenant settings: policy timeframes and privacy, read and changed (with an audit entry).

import { applySettingsPatch, readTenantSettings, type TenantSettings } from "@openirm/domain";
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

export async function updateSettings(
  ctx: Ctx,
  patch: unknown,
): Promise<{ settings: TenantSettings; changed: string[] }> {
  const result = await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ settings: Record<string, unknown> }>(
      "SELECT settings FROM tenant WHERE id = $1 FOR UPDATE",
      [ctx.tenant.id],
    );
    const stored = rows[0]?.settings ?? {};
    const previous = readTenantSettings(stored);
    const { next, changed } = applySettingsPatch(previous, patch);
    // Keep settings other parts of the product store; drop the first release's flat privacy flag.
    const { showNamesToEntitledRoles: _legacy, ...others } = stored;
    const document = { ...others, ...next };
    if (changed.length > 0) {
      await tx.query("UPDATE tenant SET settings = $2 WHERE id = $1", [ctx.tenant.id, document]);
      await audit(ctx, tx, {
        action: "settings.update",
        category: "Settings",
        targetType: "tenant",
        targetId: ctx.tenant.id,
        details: { changed, previous, next },
      });
    }
    return { settings: next, changed, document };
  });
  ctx.tenant.settings = result.document;
  return { settings: result.settings, changed: result.changed };
}
