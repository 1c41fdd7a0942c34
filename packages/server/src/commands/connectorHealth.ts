// Connector health: the last upload, the records received and saved in the last 24 hours and 7
// days, the error rate, and the warnings an operator should act on (an HR connector silent for 7
// days, a failed last upload or scheduled import, a high share of rejected records).

import { toIsoUtc } from "@openirm/domain";
import type { Ctx } from "../context.ts";
import type { Queryable } from "../store/db.ts";
import { listSchedules, type ScheduleRow } from "./connectorSchedules.ts";
import type { ConnectorWithLastRun } from "./connectors.ts";
import type { RunRow } from "./runs.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Days without a successful upload before an HR connector is flagged. HR events are the triggers of
 * the departing-user and risky-user policies; a week without them means triggers are missed, and a
 * week is also the threshold the reference product's policy health uses for its HR connector.
 */
export const HR_SILENCE_DAYS = 7;

/**
 * Share of rejected records (over 7 days) above which a connector is flagged. A few bad lines are
 * normal in exported files; losing a tenth of the rows usually means the file's format changed.
 */
export const ERROR_RATE_WARNING = 0.1;

export interface WindowCounts {
  runs: number;
  failedRuns: number;
  recordsReceived: number;
  recordsSaved: number;
  recordsRejected: number;
  recordsDuplicate: number;
}

/** What the health of one connector is judged from. */
export interface HealthFacts {
  id: string;
  type: string;
  name: string;
  disabled: boolean;
  createdAt: string;
  lastRun: RunRow | null;
  /** When the last completed upload was received (null: never). */
  lastCompletedAt: string | null;
  last24Hours: WindowCounts;
  last7Days: WindowCounts;
  schedule: Pick<ScheduleRow, "enabled" | "last_status" | "last_message" | "last_run_at"> | null;
}

export interface ConnectorHealth {
  status: "healthy" | "warning" | "disabled";
  lastUpload: {
    runId: string;
    receivedAt: string | null;
    status: string;
    origin: string;
    recordsReceived: number;
    recordsSaved: number;
    recordsRejected: number;
    recordsDuplicate: number;
    error: string | null;
  } | null;
  lastSuccessfulUploadAt: string | null;
  last24Hours: WindowCounts;
  last7Days: WindowCounts;
  /** Rejected ÷ received over the last 7 days (4 decimals); null when nothing was received. */
  errorRate: number | null;
  warnings: string[];
}

const EMPTY_WINDOW: WindowCounts = {
  runs: 0,
  failedRuns: 0,
  recordsReceived: 0,
  recordsSaved: 0,
  recordsRejected: 0,
  recordsDuplicate: 0,
};

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

/** Judges a connector's health at `now`. Pure: the same facts and time give the same answer. */
export function assessHealth(facts: HealthFacts, now: Date): ConnectorHealth {
  const warnings: string[] = [];
  const { last7Days } = facts;
  const errorRate =
    last7Days.recordsReceived > 0
      ? Math.round((last7Days.recordsRejected / last7Days.recordsReceived) * 10_000) / 10_000
      : null;

  if (facts.type === "hr") {
    const since = now.getTime() - HR_SILENCE_DAYS * DAY_MS;
    const lastOk = facts.lastCompletedAt ? new Date(toIsoUtc(facts.lastCompletedAt) as string) : null;
    const created = new Date(toIsoUtc(facts.createdAt) as string);
    if (lastOk && lastOk.getTime() < since) {
      const days = Math.floor((now.getTime() - lastOk.getTime()) / DAY_MS);
      warnings.push(
        `No upload for ${HR_SILENCE_DAYS} days: the last successful upload of HR connector '${facts.name}' was received on ${toIsoUtc(facts.lastCompletedAt)} (${plural(days, "day")} ago). Departing-user and risky-user triggers depend on it; check the upload script or the scheduled import.`,
      );
    } else if (!lastOk && created.getTime() < since) {
      warnings.push(
        `No upload for ${HR_SILENCE_DAYS} days: HR connector '${facts.name}' has received no successful upload since it was created on ${toIsoUtc(facts.createdAt)}. Departing-user and risky-user triggers depend on it; check the upload script or the scheduled import.`,
      );
    }
  }
  const lastRun = facts.lastRun;
  if (lastRun?.status === "failed") {
    warnings.push(
      `The last upload (${toIsoUtc(lastRun.received_at)}) failed: ${lastRun.error ?? "no reason recorded."}`,
    );
  } else if (facts.schedule?.last_status === "failed") {
    warnings.push(
      `The last scheduled import (${toIsoUtc(facts.schedule.last_run_at)}) failed: ${facts.schedule.last_message ?? "no reason recorded."}`,
    );
  }
  if (errorRate !== null && errorRate > ERROR_RATE_WARNING) {
    warnings.push(
      `${Math.round(errorRate * 1000) / 10}% of the records received in the last 7 days were rejected (${last7Days.recordsRejected.toLocaleString("en-US")} of ${last7Days.recordsReceived.toLocaleString("en-US")}); the run log lists each rejected row with its line, column and reason ('openirm runs list --connector ${facts.id}').`,
    );
  }
  return {
    status: facts.disabled ? "disabled" : warnings.length > 0 ? "warning" : "healthy",
    lastUpload: lastRun
      ? {
          runId: lastRun.id,
          receivedAt: toIsoUtc(lastRun.received_at),
          status: lastRun.status,
          origin: (lastRun as RunRow & { origin?: string }).origin ?? "upload",
          recordsReceived: lastRun.records_received,
          recordsSaved: lastRun.records_saved,
          recordsRejected: lastRun.records_rejected,
          recordsDuplicate: lastRun.records_duplicate,
          error: lastRun.error,
        }
      : null,
    lastSuccessfulUploadAt: toIsoUtc(facts.lastCompletedAt),
    last24Hours: facts.last24Hours,
    last7Days,
    errorRate,
    warnings,
  };
}

interface WindowRow {
  connector_id: string;
  runs_24h: number;
  failed_24h: number;
  received_24h: number;
  saved_24h: number;
  rejected_24h: number;
  duplicate_24h: number;
  runs_7d: number;
  failed_7d: number;
  received_7d: number;
  saved_7d: number;
  rejected_7d: number;
  duplicate_7d: number;
}

async function windowCounts(db: Queryable, ids: string[], now: Date): Promise<Map<string, WindowRow>> {
  const day = new Date(now.getTime() - DAY_MS).toISOString();
  const week = new Date(now.getTime() - 7 * DAY_MS).toISOString();
  const in24 = "received_at >= $2";
  const { rows } = await db.query<WindowRow>(
    `SELECT connector_id,
            count(*) FILTER (WHERE ${in24})::bigint AS runs_24h,
            count(*) FILTER (WHERE ${in24} AND status = 'failed')::bigint AS failed_24h,
            coalesce(sum(records_received) FILTER (WHERE ${in24}), 0)::bigint AS received_24h,
            coalesce(sum(records_saved) FILTER (WHERE ${in24}), 0)::bigint AS saved_24h,
            coalesce(sum(records_rejected) FILTER (WHERE ${in24}), 0)::bigint AS rejected_24h,
            coalesce(sum(records_duplicate) FILTER (WHERE ${in24}), 0)::bigint AS duplicate_24h,
            count(*)::bigint AS runs_7d,
            count(*) FILTER (WHERE status = 'failed')::bigint AS failed_7d,
            coalesce(sum(records_received), 0)::bigint AS received_7d,
            coalesce(sum(records_saved), 0)::bigint AS saved_7d,
            coalesce(sum(records_rejected), 0)::bigint AS rejected_7d,
            coalesce(sum(records_duplicate), 0)::bigint AS duplicate_7d
       FROM upload_runs
      WHERE connector_id = ANY($1::uuid[]) AND received_at >= $3 AND received_at <= $4
      GROUP BY connector_id`,
    [ids, day, week, now.toISOString()],
  );
  return new Map(rows.map((r) => [r.connector_id, r]));
}

async function lastCompleted(db: Queryable, ids: string[], now: Date): Promise<Map<string, string>> {
  const { rows } = await db.query<{ connector_id: string; at: string }>(
    `SELECT connector_id, max(received_at)::text AS at FROM upload_runs
      WHERE connector_id = ANY($1::uuid[]) AND status = 'completed' AND received_at <= $2 GROUP BY connector_id`,
    [ids, now.toISOString()],
  );
  return new Map(rows.map((r) => [r.connector_id, r.at]));
}

function toCounts(row: WindowRow | undefined, suffix: "24h" | "7d"): WindowCounts {
  if (!row) return { ...EMPTY_WINDOW };
  const get = (key: string) => Number((row as unknown as Record<string, number>)[`${key}_${suffix}`] ?? 0);
  return {
    runs: get("runs"),
    failedRuns: get("failed"),
    recordsReceived: get("received"),
    recordsSaved: get("saved"),
    recordsRejected: get("rejected"),
    recordsDuplicate: get("duplicate"),
  };
}

/** The health of each connector, by id, at the context's clock. */
export async function healthOf(
  ctx: Ctx,
  connectors: readonly ConnectorWithLastRun[],
): Promise<Map<string, ConnectorHealth>> {
  const ids = connectors.map((c) => c.id);
  const out = new Map<string, ConnectorHealth>();
  if (ids.length === 0) return out;
  const now = ctx.clock.now();
  const [windows, completed, schedules] = await Promise.all([
    windowCounts(ctx.db, ids, now),
    lastCompleted(ctx.db, ids, now),
    listSchedules(ctx.db, ids),
  ]);
  for (const c of connectors) {
    const window = windows.get(c.id);
    out.set(
      c.id,
      assessHealth(
        {
          id: c.id,
          type: c.type,
          name: c.name,
          disabled: c.disabled,
          createdAt: c.created_at,
          lastRun: c.lastRun,
          lastCompletedAt: completed.get(c.id) ?? null,
          last24Hours: toCounts(window, "24h"),
          last7Days: toCounts(window, "7d"),
          schedule: schedules.get(c.id) ?? null,
        },
        now,
      ),
    );
  }
  return out;
}
