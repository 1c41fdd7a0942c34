// Healthcare derived signals, made after every upload run of a healthcare connector (before the
// run's users are scored): accesses to the records of a user's family members, neighbours and
// co-workers (patients matched against fresh HR employee profiles), and days on which a user
// accessed an unusual number of records. The rules are the domain's (connectors/healthcare);
// here they meet the database. Both steps work in SQL over the run's signals (matching a window of
// signal IDs at a time, volume one user-day at a time), so nothing in memory grows with the size of
// the file. Documented in docs/connectors/healthcare.md#derived-signals.

import { createHash } from "node:crypto";
import {
  dailyBaseline,
  HEALTH_DAILY_ACCESS,
  HEALTH_RECORD_ACCESS,
  HEALTH_RELATED_PATIENT_ACCESS,
  HEALTH_UNUSUAL_VOLUME,
  judgeDailyVolume,
  type MatchKeys,
  matchKeys,
  parseMatchKeyText,
  relatePatient,
  UNUSUAL_VOLUME,
} from "@openirm/domain";
import type { Ctx } from "../context.ts";
import type { BackgroundJob } from "./index.ts";

/** Employee profiles not refreshed for this many days are out of date and not matched. */
export const PROFILE_MAX_AGE_DAYS = 30;
/** Signal IDs looked at per matching query (the candidates of one window are held at once). */
const ID_WINDOW = 50_000;
/** Derived signals written per statement. */
const WRITE_ROWS = 2_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export const healthcareJob: BackgroundJob = async (services) => {
  services.hooks.afterSignalsStored.push(async (ctx, info) => {
    try {
      const counts = await deriveHealthcareSignals(ctx, info.runId);
      if (counts.checked) ctx.log.info({ runId: info.runId, ...counts }, "healthcare derived signals");
    } catch (err) {
      // The accesses are stored either way; the derived signals of this run are missing.
      ctx.log.error({ err, runId: info.runId }, "deriving healthcare signals after an upload failed");
    }
  });
  return undefined;
};

export interface DerivedCounts {
  /** Whether the run was a healthcare connector's (nothing is derived from other runs). */
  checked: boolean;
  related: number;
  unusualDays: number;
  /** Milliseconds each step took. */
  relatedMs?: number;
  volumeMs?: number;
}

/** Makes the derived signals of one run (nothing for a run of another connector type). */
export async function deriveHealthcareSignals(ctx: Ctx, runId: string): Promise<DerivedCounts> {
  const { rows } = await ctx.db.query<{ connector_id: string; type: string }>(
    "SELECT r.connector_id, c.type FROM upload_runs r JOIN connectors c ON c.id = r.connector_id WHERE r.id = $1",
    [runId],
  );
  const run = rows[0];
  if (run?.type !== "healthcare") return { checked: false, related: 0, unusualDays: 0 };
  const t0 = performance.now();
  const related = await relatedPatientAccess(ctx, runId, run.connector_id);
  const t1 = performance.now();
  const unusualDays = await unusualVolume(ctx, runId, run.connector_id);
  return {
    checked: true,
    related,
    unusualDays,
    relatedMs: Math.round(t1 - t0),
    volumeMs: Math.round(performance.now() - t1),
  };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

interface Profile extends MatchKeys {
  userId: string;
}

/** The keys of every employee profile refreshed in the last PROFILE_MAX_AGE_DAYS days. */
async function freshProfiles(ctx: Ctx): Promise<Profile[]> {
  const since = new Date(ctx.clock.now().getTime() - PROFILE_MAX_AGE_DAYS * DAY_MS).toISOString();
  const { rows } = await ctx.db.query<{
    user_id: string;
    first_name: string | null;
    last_name: string | null;
    address_line1: string | null;
    zip_code: string | null;
  }>("SELECT user_id, first_name, last_name, address_line1, zip_code FROM employee_profiles WHERE refreshed_at >= $1", [
    since,
  ]);
  return rows.map((r) => ({
    userId: r.user_id,
    ...matchKeys({
      firstName: r.first_name,
      lastName: r.last_name,
      addressLine1: r.address_line1,
      zipCode: r.zip_code,
    }),
  }));
}

interface Candidate {
  id: number;
  user_id: string;
  occurred_at: string;
  dedupe_key: string;
  patient: string;
  action: string | null;
  restricted: boolean | null;
  event_name: string | null;
  /** 1-based position of the profile in the arrays sent. */
  profile: number;
}

/**
 * The run's accesses whose patient may be related to an employee: the accessing user's own profile
 * with the same zip code and street (family or neighbour), or another employee's profile with the
 * same first name, last name and zip code (coworker). relatePatient decides.
 */
const CANDIDATES = `
  WITH p AS (
    SELECT * FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[])
      WITH ORDINALITY AS p(user_id, last_name, first_name, street, zip, n)
  ), k AS (
    SELECT s.id, s.user_id, s.occurred_at, s.dedupe_key, s.attributes->>'patientMatch' AS patient,
           s.attributes->>'action' AS action, (s.attributes->'restricted')::boolean AS restricted,
           s.attributes->>'EventName' AS event_name,
           split_part(s.attributes->>'patientMatch', '|', 1) AS last_name,
           split_part(s.attributes->>'patientMatch', '|', 2) AS first_name,
           split_part(s.attributes->>'patientMatch', '|', 4) AS street,
           split_part(s.attributes->>'patientMatch', '|', 5) AS zip
      FROM signals s
     WHERE s.id BETWEEN $2 AND $3 AND s.run_id = $1 AND s.kind = '${HEALTH_RECORD_ACCESS}'
       AND s.attributes->>'patientMatch' IS NOT NULL
  )
  SELECT k.id, k.user_id, k.occurred_at, k.dedupe_key, k.patient, k.action, k.restricted, k.event_name, p.n AS profile
    FROM k JOIN p ON p.user_id = k.user_id AND p.zip = k.zip AND p.street = k.street
   WHERE k.zip <> '' AND k.street <> ''
  UNION ALL
  SELECT k.id, k.user_id, k.occurred_at, k.dedupe_key, k.patient, k.action, k.restricted, k.event_name, p.n AS profile
    FROM k JOIN p ON p.last_name = k.last_name AND p.first_name = k.first_name AND p.zip = k.zip
                 AND p.user_id <> k.user_id
   WHERE k.last_name <> '' AND k.first_name <> '' AND k.zip <> ''
   ORDER BY 1, 9`;

interface DerivedRow {
  userId: string;
  occurredAt: string;
  attributes: string;
  dedupeKey: string;
}

async function insertDerived(
  ctx: Ctx,
  kind: string,
  run: { runId: string; connectorId: string },
  rows: DerivedRow[],
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += WRITE_ROWS) {
    const part = rows.slice(i, i + WRITE_ROWS);
    const result = await ctx.db.query(
      `INSERT INTO signals (connector_id, run_id, user_id, occurred_at, kind, source_value, attributes, dedupe_key, received_at)
       SELECT $1, $2, v.user_id, v.occurred_at, $3, NULL, v.attributes::jsonb, openirm_dedupe_key(v.dedupe_key), $4
         FROM unnest($5::uuid[], $6::timestamptz[], $7::text[], $8::text[]) AS v(user_id, occurred_at, attributes, dedupe_key)
       ON CONFLICT (connector_id, dedupe_key) DO NOTHING`,
      [
        run.connectorId,
        run.runId,
        kind,
        ctx.clock.now().toISOString(),
        part.map((r) => r.userId),
        part.map((r) => r.occurredAt),
        part.map((r) => r.attributes),
        part.map((r) => r.dedupeKey),
      ],
    );
    inserted += result.rowCount;
  }
  return inserted;
}

/** Writes a health.related_patient_access signal for every access of the run to a related patient's record. */
async function relatedPatientAccess(ctx: Ctx, runId: string, connectorId: string): Promise<number> {
  const profiles = await freshProfiles(ctx);
  if (profiles.length === 0) return 0;
  const { rows: span } = await ctx.db.query<{ lo: number | null; hi: number | null }>(
    // OFFSET 0 keeps the planner from answering min and max by walking the primary key from either
    // end (past every older signal), instead of reading the run's own rows.
    `SELECT min(id) AS lo, max(id) AS hi
       FROM (SELECT id FROM signals WHERE run_id = $1 AND kind = '${HEALTH_RECORD_ACCESS}' OFFSET 0) r`,
    [runId],
  );
  const lo = span[0]?.lo;
  const hi = span[0]?.hi;
  if (lo === null || lo === undefined || hi === null || hi === undefined) return 0;
  const arrays = [
    profiles.map((p) => p.userId),
    profiles.map((p) => p.lastName),
    profiles.map((p) => p.firstName),
    profiles.map((p) => p.street),
    profiles.map((p) => p.zip),
  ];
  let written = 0;
  for (let from = lo; from <= hi; from += ID_WINDOW) {
    const { rows } = await ctx.db.query<Candidate>(CANDIDATES, [runId, from, from + ID_WINDOW - 1, ...arrays]);
    const derived: DerivedRow[] = [];
    for (const c of rows) {
      const profile = profiles[c.profile - 1] as Profile;
      const own = profile.userId === c.user_id;
      const related = relatePatient(parseMatchKeyText(c.patient), profile, own);
      if (!related) continue;
      const attributes: Record<string, unknown> = {
        relation: related.relation,
        matched: related.matched,
        accessSignalId: Number(c.id),
        EventName: c.event_name,
        action: c.action,
        restricted: c.restricted === true,
      };
      if (!own) attributes.coworkerUserId = profile.userId;
      derived.push({
        userId: c.user_id,
        occurredAt: c.occurred_at,
        attributes: JSON.stringify(attributes),
        // The access's own identity (not its row ID), so processing the run again finds the same signals.
        dedupeKey: `related:${sha256(`${c.dedupe_key}|${related.relation}|${profile.userId}`)}`,
      });
    }
    written += await insertDerived(ctx, HEALTH_RELATED_PATIENT_ACCESS, { runId, connectorId }, derived);
  }
  return written;
}

/**
 * Recounts every user-day the run touched (distinct patient records and access events, over every
 * healthcare connector's accesses of that user and UTC day; a patient is its Patient Reg Id, else
 * its name and address keys), keeps the counts in one health.daily_access signal per user-day, and
 * returns the user-days whose count reaches the smallest unusual count. Each user-day is counted
 * through the (user_id, occurred_at) index, so the work grows with the days the run touched, not
 * with the user's history; baselines then read the daily signals.
 */
const DAILY_COUNTS = `
  WITH touched AS (
    SELECT user_id, (occurred_at AT TIME ZONE 'UTC')::date AS day
      FROM signals WHERE run_id = $1 AND kind = '${HEALTH_RECORD_ACCESS}'
     GROUP BY 1, 2
  ), counts AS (
    SELECT t.user_id, t.day, (t.day::timestamp AT TIME ZONE 'UTC') AS day_start, c.records, c.events
      FROM touched t CROSS JOIN LATERAL (
        SELECT count(DISTINCT coalesce(nullif(s.attributes->>'PatientRegId', ''), s.attributes->>'patientMatch'))::int
                 AS records,
               count(*)::int AS events
          FROM signals s
         WHERE s.user_id = t.user_id AND s.kind = '${HEALTH_RECORD_ACCESS}'
           AND s.occurred_at >= (t.day::timestamp AT TIME ZONE 'UTC')
           AND s.occurred_at < ((t.day + 1)::timestamp AT TIME ZONE 'UTC')
      ) c
  ), existing AS (
    SELECT s.id, c.user_id, c.day, c.records, c.events
      FROM counts c JOIN signals s ON s.user_id = c.user_id AND s.occurred_at = c.day_start
                                  AND s.kind = '${HEALTH_DAILY_ACCESS}'
  ), updated AS (
    UPDATE signals s SET attributes = jsonb_build_object('day', e.day::text, 'records', e.records, 'events', e.events),
                         run_id = $1, received_at = $3
      FROM existing e
     WHERE s.id = e.id AND (s.attributes->'records' IS DISTINCT FROM to_jsonb(e.records)
                            OR s.attributes->'events' IS DISTINCT FROM to_jsonb(e.events))
  ), inserted AS (
    INSERT INTO signals (connector_id, run_id, user_id, occurred_at, kind, source_value, attributes, dedupe_key, received_at)
    SELECT $2, $1, c.user_id, c.day_start, '${HEALTH_DAILY_ACCESS}', NULL,
           jsonb_build_object('day', c.day::text, 'records', c.records, 'events', c.events),
           openirm_dedupe_key('daily:' || c.user_id || ':' || c.day::text), $3
      FROM counts c
     WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.user_id = c.user_id AND e.day = c.day)
     ORDER BY c.user_id, c.day
    ON CONFLICT (connector_id, dedupe_key) DO UPDATE SET attributes = EXCLUDED.attributes, run_id = EXCLUDED.run_id
  )
  SELECT c.user_id, c.day::text AS day, c.records, c.events
    FROM counts c
   WHERE c.records >= $4
   ORDER BY c.user_id, c.day`;

/**
 * The baseline of each (user, day): the record counts of the user's days with accesses among the
 * days before it (one per day, the highest if two connectors each kept one).
 */
const BASELINES = `
  WITH wanted AS (
    SELECT * FROM unnest($1::uuid[], $2::date[]) AS w(user_id, day)
  ), days AS (
    SELECT w.user_id, w.day, s.occurred_at, max((s.attributes->>'records')::int) AS records
      FROM wanted w JOIN signals s ON s.user_id = w.user_id AND s.kind = '${HEALTH_DAILY_ACCESS}'
                                  AND s.occurred_at >= ((w.day - $3::int)::timestamp AT TIME ZONE 'UTC')
                                  AND s.occurred_at < (w.day::timestamp AT TIME ZONE 'UTC')
     GROUP BY 1, 2, 3
  )
  SELECT user_id, day::text AS day, array_agg(records) AS baseline FROM days GROUP BY 1, 2`;

/**
 * Judges every user-day the run touched and keeps one health.unusual_volume signal per unusual
 * user-day (across connectors): created by the first run that makes the day unusual, updated by a
 * later run that changes its counts. Returns how many were created or updated.
 */
async function unusualVolume(ctx: Ctx, runId: string, connectorId: string): Promise<number> {
  const now = ctx.clock.now().toISOString();
  const { rows: candidates } = await ctx.db.query<{ user_id: string; day: string; records: number; events: number }>(
    DAILY_COUNTS,
    [runId, connectorId, now, UNUSUAL_VOLUME.minRecords],
  );
  let changed = 0;
  for (let i = 0; i < candidates.length; i += WRITE_ROWS) {
    const part = candidates.slice(i, i + WRITE_ROWS);
    const { rows: baselines } = await ctx.db.query<{ user_id: string; day: string; baseline: number[] }>(BASELINES, [
      part.map((c) => c.user_id),
      part.map((c) => c.day),
      UNUSUAL_VOLUME.baselineDays,
    ]);
    const byPair = new Map(baselines.map((b) => [`${b.user_id} ${b.day}`, b.baseline.map(Number)]));
    const unusual: { userId: string; day: string; attributes: string; dedupeKey: string }[] = [];
    for (const row of part) {
      const baseline = dailyBaseline(byPair.get(`${row.user_id} ${row.day}`) ?? []);
      const verdict = judgeDailyVolume(row.records, baseline);
      if (!verdict.unusual) continue;
      unusual.push({
        userId: row.user_id,
        day: row.day,
        dedupeKey: `volume:${row.user_id}:${row.day}`,
        attributes: JSON.stringify({
          day: row.day,
          records: row.records,
          events: row.events,
          threshold: verdict.threshold,
          baselineDays: baseline.days,
          baselineMean: Math.round(baseline.mean * 100) / 100,
          baselineStdDev: Math.round(baseline.stdDev * 100) / 100,
          baselineMedian: baseline.median,
          reason: verdict.reason,
        }),
      });
    }
    if (unusual.length > 0) changed += await upsertUnusual(ctx, { runId, connectorId, now }, unusual);
  }
  return changed;
}

async function upsertUnusual(
  ctx: Ctx,
  run: { runId: string; connectorId: string; now: string },
  unusual: { userId: string; day: string; attributes: string; dedupeKey: string }[],
): Promise<number> {
  const values = "unnest($1::uuid[], $2::date[], $3::text[], $4::text[]) AS v(user_id, day, attributes, dedupe_key)";
  const params = [
    unusual.map((u) => u.userId),
    unusual.map((u) => u.day),
    unusual.map((u) => u.attributes),
    unusual.map((u) => u.dedupeKey),
  ];
  // The day's signal may come from another healthcare connector: found by user, day and key.
  const same = `s.user_id = v.user_id AND s.occurred_at = (v.day::timestamp AT TIME ZONE 'UTC')
                AND s.kind = '${HEALTH_UNUSUAL_VOLUME}' AND s.dedupe_key = openirm_dedupe_key(v.dedupe_key)`;
  const updated = await ctx.db.query(
    `UPDATE signals s SET attributes = v.attributes::jsonb, run_id = $5, received_at = $6 FROM ${values}
      WHERE ${same} AND s.attributes <> v.attributes::jsonb`,
    [...params, run.runId, run.now],
  );
  const inserted = await ctx.db.query(
    `INSERT INTO signals (connector_id, run_id, user_id, occurred_at, kind, source_value, attributes, dedupe_key, received_at)
     SELECT $5, $6, v.user_id, (v.day::timestamp AT TIME ZONE 'UTC'), '${HEALTH_UNUSUAL_VOLUME}', NULL,
            v.attributes::jsonb, openirm_dedupe_key(v.dedupe_key), $7
       FROM ${values}
      WHERE NOT EXISTS (SELECT 1 FROM signals s WHERE ${same})
     ON CONFLICT (connector_id, dedupe_key) DO NOTHING`,
    [...params, run.connectorId, run.runId, run.now],
  );
  return updated.rowCount + inserted.rowCount;
}
