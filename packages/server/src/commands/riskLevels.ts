// Adaptive protection: recomputes users' risk levels from their alerts and insights, stores the
// current level and its history, queues a webhook event per change, lists levels and expires one.

import { randomUUID } from "node:crypto";
import {
  AppError,
  computeRiskLevel,
  insightFlagsForIndicatorKind,
  type LevelAlert,
  type LevelInsight,
  type LevelReason,
  type LevelResetEvent,
  notFound,
  type RiskLevel,
  type RiskLevelSettings,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import type { Queryable, SqlParam } from "../store/db.ts";
import { isUuid } from "./indicators.ts";
import { enqueueLevelChange } from "./riskLevelWebhooks.ts";
import { loadSettings } from "./settings.ts";

/** Users loaded and computed together. */
const USERS_PER_BATCH = 500;
const DAY_MS = 86_400_000;

export type ChangeCause = "criteria" | "expiry" | "expire" | "disabled" | "triage";

export interface RiskLevelRow {
  user_id: string;
  upn: string;
  display_name: string | null;
  level: RiskLevel | null;
  assigned_at: string | null;
  expires_at: string | null;
  reasons: LevelReason[];
  reset_at: string | null;
  computed_at: string;
}

export interface RecomputeSummary {
  usersComputed: number;
  levelsChanged: number;
}

interface StoredLevel {
  user_id: string;
  level: RiskLevel | null;
  assigned_at: string | null;
  expires_at: string | null;
  reasons: LevelReason[];
  reset_at: string | null;
}

/** One recomputation at a time per database in this process, so a change is recorded once. */
const running = new WeakMap<object, Promise<unknown>>();
function exclusive<T>(key: object, fn: () => Promise<T>): Promise<T> {
  const result = (running.get(key) ?? Promise.resolve()).then(fn, fn);
  running.set(
    key,
    result.catch(() => undefined),
  );
  return result;
}

const isoOf = (value: string | null | undefined) => (value ? new Date(value).toISOString() : null);

/**
 * Recomputes the levels of these users now; stores what changed and queues one webhook event per
 * level change. `cause` names why (for the history) when the level changes.
 */
export async function recomputeRiskLevels(
  ctx: Ctx,
  userIds: readonly string[],
  cause: ChangeCause = "criteria",
): Promise<RecomputeSummary> {
  const ids = [...new Set(userIds.filter(isUuid))];
  if (ids.length === 0) return { usersComputed: 0, levelsChanged: 0 };
  return exclusive(ctx.db, async () => {
    const settings = (await loadSettings(ctx)).adaptiveProtection;
    let levelsChanged = 0;
    for (let i = 0; i < ids.length; i += USERS_PER_BATCH) {
      const batch = ids.slice(i, i + USERS_PER_BATCH);
      levelsChanged += await ctx.db.transaction((tx) => computeBatch(ctx, tx, settings, batch, cause));
    }
    return { usersComputed: ids.length, levelsChanged };
  });
}

/**
 * Recomputes every user who may have a level: users with a level now, and users with alerts or
 * insights recent enough to meet a criterion. Run hourly, so levels expire on time.
 */
export async function recomputeAllRiskLevels(ctx: Ctx): Promise<RecomputeSummary> {
  const settings = (await loadSettings(ctx)).adaptiveProtection;
  const now = ctx.clock.now();
  const lookBack = new Date(
    now.getTime() - (settings.pastActivityDetectionDays + settings.levelTimeframeDays + 1) * DAY_MS,
  );
  const { rows } = await ctx.db.query<{ user_id: string }>(
    `SELECT user_id FROM risk_levels WHERE level IS NOT NULL
     UNION SELECT user_id FROM alerts WHERE updated_at >= $1
     UNION SELECT user_id FROM insights WHERE day >= $2::date`,
    [lookBack.toISOString(), lookBack.toISOString().slice(0, 10)],
  );
  return recomputeRiskLevels(
    ctx,
    rows.map((r) => r.user_id),
    "criteria",
  );
}

async function computeBatch(
  ctx: Ctx,
  tx: Queryable,
  settings: RiskLevelSettings,
  userIds: string[],
  cause: ChangeCause,
): Promise<number> {
  const now = ctx.clock.now();
  const asOf = now.toISOString();
  const fromDay = new Date(
    now.getTime() - (settings.pastActivityDetectionDays + settings.levelTimeframeDays + 1) * DAY_MS,
  )
    .toISOString()
    .slice(0, 10);
  const stored = new Map(
    (
      await tx.query<StoredLevel>(
        `SELECT user_id, level, assigned_at, expires_at, reasons, reset_at
           FROM risk_levels WHERE user_id = ANY($1::uuid[]) FOR UPDATE`,
        [userIds],
      )
    ).rows.map((r) => [r.user_id, r]),
  );
  const alerts = groupBy(
    (
      await tx.query<{
        id: string;
        user_id: string;
        policy_id: string;
        status: string;
        severity: string;
        updated_at: string;
      }>(
        `SELECT id, user_id, policy_id, status, severity, updated_at
           FROM alerts WHERE user_id = ANY($1::uuid[]) AND updated_at >= $2::date`,
        [userIds, fromDay],
      )
    ).rows,
  );
  const insights = groupBy(
    (
      await tx.query<{
        user_id: string;
        policy_id: string;
        indicator_id: string;
        day: string;
        severity: string;
        kind: string | null;
        builtin_id: string | null;
      }>(
        `SELECT s.user_id, s.policy_id, COALESCE(s.indicator_id::text, s.insight_key) AS indicator_id,
                to_char(s.day, 'YYYY-MM-DD') AS day, s.severity,
                CASE s.kind WHEN 'sequence' THEN 'sequence' WHEN 'cumulative' THEN 'exfiltration' ELSE i.kind END AS kind,
                i.builtin_id
           FROM insights s LEFT JOIN indicators i ON i.id = s.indicator_id
          WHERE s.user_id = ANY($1::uuid[]) AND s.day >= $2::date`,
        [userIds, fromDay],
      )
    ).rows,
  );

  let changes = 0;
  for (const userId of userIds) {
    const previous = stored.get(userId);
    const userAlerts = alerts.get(userId) ?? [];
    const resets: LevelResetEvent[] = [];
    if (previous?.reset_at) resets.push({ kind: "expired", at: isoOf(previous.reset_at) as string });
    for (const a of userAlerts) {
      if (a.status === "Dismissed" || a.status === "Resolved") {
        resets.push({
          kind: a.status === "Dismissed" ? "alertDismissed" : "alertResolved",
          at: isoOf(a.updated_at) as string,
          alertId: a.id,
          policyId: a.policy_id,
        });
      }
    }
    const outcome = computeRiskLevel({
      alerts: userAlerts.map(
        (a): LevelAlert => ({
          id: a.id,
          policyId: a.policy_id,
          status: a.status,
          severity: a.severity,
          updatedAt: isoOf(a.updated_at) as string,
        }),
      ),
      insights: (insights.get(userId) ?? []).map(
        (s): LevelInsight => ({
          day: s.day,
          severity: s.severity,
          indicatorId: s.indicator_id,
          policyId: s.policy_id,
          ...insightFlagsForIndicatorKind(s.kind, s.builtin_id),
        }),
      ),
      previous: {
        level: previous?.level ?? null,
        assignedAt: isoOf(previous?.assigned_at),
        expiresAt: isoOf(previous?.expires_at),
        resets,
      },
      settings,
      asOf,
    });
    if (!previous && outcome.level === null) continue;
    const same =
      previous &&
      !outcome.changed &&
      isoOf(previous.expires_at) === outcome.expiresAt &&
      JSON.stringify(previous.reasons) === JSON.stringify(outcome.reasons);
    if (same) continue;
    await tx.query(
      `INSERT INTO risk_levels (user_id, level, assigned_at, expires_at, reasons, reset_at, computed_at)
       VALUES ($1, $2, $3, $4, $5, NULL, $6)
       ON CONFLICT (user_id) DO UPDATE SET level = EXCLUDED.level, assigned_at = EXCLUDED.assigned_at,
         expires_at = EXCLUDED.expires_at, reasons = EXCLUDED.reasons, computed_at = EXCLUDED.computed_at`,
      [userId, outcome.level, outcome.assignedAt, outcome.expiresAt, JSON.stringify(outcome.reasons), asOf],
    );
    if (!outcome.changed) continue;
    changes++;
    const changeCause: ChangeCause =
      cause !== "criteria"
        ? cause
        : !settings.enabled
          ? "disabled"
          : outcome.level === null && previous?.expires_at && Date.parse(previous.expires_at) <= now.getTime()
            ? "expiry"
            : "criteria";
    const eventId = randomUUID();
    await tx.query(
      `INSERT INTO risk_level_changes (id, user_id, previous_level, level, at, expires_at, reasons, cause)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        eventId,
        userId,
        outcome.previousLevel,
        outcome.level,
        asOf,
        outcome.expiresAt,
        JSON.stringify(outcome.reasons),
        changeCause,
      ],
    );
    await enqueueLevelChange(ctx, tx, {
      eventId,
      userId,
      occurredAt: asOf,
      previousLevel: outcome.previousLevel,
      level: outcome.level,
      expiresAt: outcome.expiresAt,
      reasons: outcome.reasons,
    });
  }
  return changes;
}

function groupBy<T extends { user_id: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(row.user_id);
    if (list) list.push(row);
    else out.set(row.user_id, [row]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading and expiring.

export interface RiskLevelFilters {
  levels?: RiskLevel[] | undefined;
  page: number;
  pageSize: number;
}

const SELECT_LEVELS = `
  SELECT r.user_id, u.upn, u.display_name, r.level, r.assigned_at, r.expires_at, r.reasons, r.reset_at, r.computed_at
    FROM risk_levels r JOIN directory_users u ON u.id = r.user_id`;

/** Users with a level now, highest level first, then the latest assigned. */
export async function listRiskLevels(
  ctx: Ctx,
  filters: RiskLevelFilters,
): Promise<{ rows: RiskLevelRow[]; total: number; counts: Record<RiskLevel, number> }> {
  const params: SqlParam[] = [];
  let where = " WHERE r.level IS NOT NULL";
  if (filters.levels?.length) {
    params.push(filters.levels);
    where += ` AND r.level = ANY($${params.length}::text[])`;
  }
  const total = Number(
    (await ctx.db.query<{ n: number }>(`SELECT count(*) AS n FROM risk_levels r${where}`, params)).rows[0]?.n ?? 0,
  );
  const { rows } = await ctx.db.query<RiskLevelRow>(
    `${SELECT_LEVELS}${where}
      ORDER BY CASE r.level WHEN 'Elevated' THEN 0 WHEN 'Moderate' THEN 1 ELSE 2 END, r.assigned_at DESC, r.user_id
      LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, filters.pageSize, (filters.page - 1) * filters.pageSize],
  );
  const counts: Record<RiskLevel, number> = { Elevated: 0, Moderate: 0, Minor: 0 };
  for (const r of (
    await ctx.db.query<{ level: RiskLevel; n: number }>(
      "SELECT level, count(*) AS n FROM risk_levels WHERE level IS NOT NULL GROUP BY level",
    )
  ).rows) {
    counts[r.level] = Number(r.n);
  }
  return { rows, total, counts };
}

export interface RiskLevelChangeRow {
  id: string;
  previous_level: RiskLevel | null;
  level: RiskLevel | null;
  at: string;
  expires_at: string | null;
  cause: string;
}

/** One user's level (none when never assigned) and the history of its changes, newest first. */
export async function getRiskLevel(
  ctx: Ctx,
  userId: string,
): Promise<{ row: RiskLevelRow; history: RiskLevelChangeRow[] }> {
  const user = isUuid(userId)
    ? (
        await ctx.db.query<{ id: string; upn: string; display_name: string | null }>(
          "SELECT id, upn, display_name FROM directory_users WHERE id = $1",
          [userId],
        )
      ).rows[0]
    : undefined;
  if (!user) throw notFound("User", userId);
  const stored = (await ctx.db.query<RiskLevelRow>(`${SELECT_LEVELS} WHERE r.user_id = $1`, [userId])).rows[0];
  const row: RiskLevelRow = stored ?? {
    user_id: user.id,
    upn: user.upn,
    display_name: user.display_name,
    level: null,
    assigned_at: null,
    expires_at: null,
    reasons: [],
    reset_at: null,
    computed_at: ctx.clock.now().toISOString(),
  };
  const history = (
    await ctx.db.query<RiskLevelChangeRow>(
      `SELECT id, previous_level, level, at, expires_at, cause FROM risk_level_changes
        WHERE user_id = $1 ORDER BY at DESC, id LIMIT 100`,
      [userId],
    )
  ).rows;
  return { row, history };
}

/**
 * Manual Expire: the user's level ends now, and what happened until now stops counting. Audited.
 * Refused (409) when the user has no level.
 */
export async function expireRiskLevel(ctx: Ctx, userId: string, note?: string): Promise<void> {
  const { row } = await getRiskLevel(ctx, userId);
  if (!row.level) {
    throw new AppError(
      "no_risk_level",
      409,
      `User '${userId}' has no risk level to expire; only a user with a level (Elevated, Moderate or Minor) can be expired.`,
      { userId },
    );
  }
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction(async (tx) => {
    await tx.query("UPDATE risk_levels SET reset_at = $2 WHERE user_id = $1", [userId, now]);
    await audit(ctx, tx, {
      action: "riskLevel.expire",
      category: "Users",
      targetType: "user",
      targetId: userId,
      details: { level: row.level, expiresAt: isoOf(row.expires_at), ...(note ? { note } : {}) },
    });
  });
  await recomputeRiskLevels(ctx, [userId], "expire");
}
