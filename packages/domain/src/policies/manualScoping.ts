// Manual scoping ("start scoring activity for users") and removing users from scoring: the rules of
// a request (policies, users typed or read from a CSV, reason, days), the days a manual entry scores,
// and which entries are running at a given time once removals are taken into account.

import { checkMemberUpn, parsePriorityGroupMemberCsv } from "../access/priorityGroups.ts";
import { AppError } from "../errors.ts";
import { addDays, type ScoringWindow, utcDayOf } from "../scoring/windows.ts";
import { parseTimestamp } from "../time/timestamps.ts";

/** Shortest and longest manual scoring, in days from the request. */
export const MANUAL_SCORING_MIN_DAYS = 5;
export const MANUAL_SCORING_MAX_DAYS = 30;
/**
 * Days before the request's day that a manual entry scores. Fixed, whatever the tenant's
 * past-activity setting: whoever starts scoring a user by hand wants to see what led to it.
 */
export const MANUAL_SCORING_LOOKBACK_DAYS = 90;
/** Longest reason (it is shown on the user's timeline and in the alert explanation). */
export const MAX_SCORING_REASON_LENGTH = 500;
/** Most users one request may start or remove. */
export const MAX_SCORING_USERS_PER_REQUEST = 1000;

/** The column a CSV of users must have (any case); UserPrincipalName, UPN and Email are accepted too. */
export const SCORING_USER_COLUMN = "user principal name";

/** A user named in a request: typed (index in `users`) or read from the CSV (line number). */
export interface ScopingCandidate {
  /** Lower-case. */
  upn: string;
  line?: number;
  index?: number;
}

/** An entry of a request that was refused (alone: the others are kept). */
export interface ScopingRowError {
  /** 1-based line of the CSV. */
  line?: number;
  /** 0-based position in `users`. */
  index?: number;
  /** `user principal name` (the CSV's column) or `users[i]`. */
  column: string;
  /** The UPN as read, when there is one. */
  user?: string;
  /** The policy the entry was refused for (out of its scope). */
  policyId?: string;
  reason: string;
  /** `line 3: …` or `users[2]: …`: where and why, in one sentence. */
  message: string;
}

/** The users of a request, read and checked for form (not yet looked up in the directory). */
export interface ScopingUsers {
  source: "users" | "csv";
  /** The CSV's user column as its header spells it (`user principal name` for a bare list); "users" for a list. */
  column: string;
  /** Valid UPNs in request order, each once. */
  candidates: ScopingCandidate[];
  errors: ScopingRowError[];
  /** Entries repeating an earlier UPN (ignored). */
  duplicates: number;
  warnings: string[];
}

export interface StartScoringRequest {
  policyIds: string[];
  users: ScopingUsers;
  days: number;
  reason: string;
}

export interface RemoveScoringRequest {
  users: ScopingUsers;
  reason: string | null;
}

const invalid = (field: string, message: string) =>
  new AppError("invalid_scoring_request", 400, `${field}: ${message}`, { column: field });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Where an entry is: `line 3` for a CSV line, `users[2]` for a typed one. */
export function scopingEntryLabel(where: { line?: number; index?: number }): string {
  return where.line !== undefined ? `line ${where.line}` : `users[${where.index ?? 0}]`;
}

/** A refused entry with its message (`line 3: user 'x@y' is not in the directory; …`). */
export function scopingRowError(
  where: { line?: number; index?: number },
  column: string,
  reason: string,
  extra: { user?: string; policyId?: string } = {},
): ScopingRowError {
  return {
    ...(where.line !== undefined ? { line: where.line } : { index: where.index ?? 0 }),
    column,
    ...extra,
    reason,
    message: `${scopingEntryLabel(where)}: ${reason}`,
  };
}

/** The number of days to score, or a 400 naming the field and the range. */
export function checkScoringDays(raw: unknown): number {
  const range = `manual scoring lasts a whole number of days from ${MANUAL_SCORING_MIN_DAYS} to ${MANUAL_SCORING_MAX_DAYS}`;
  if (raw === undefined || raw === null || raw === "") {
    throw invalid(
      "days",
      `give the number of days to score the users (${MANUAL_SCORING_MIN_DAYS} to ${MANUAL_SCORING_MAX_DAYS}).`,
    );
  }
  const n = typeof raw === "string" && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw invalid("days", `${JSON.stringify(raw)} is not a whole number; ${range}.`);
  }
  if (n < MANUAL_SCORING_MIN_DAYS || n > MANUAL_SCORING_MAX_DAYS) {
    throw invalid("days", `${n} is out of range; ${range}.`);
  }
  return n;
}

/** The reason, trimmed; required for starting (null when absent and optional). */
export function checkScoringReason(raw: unknown, required: boolean): string | null {
  const what = required
    ? "give the reason for scoring these users (it is shown on their timelines and in their alerts' explanations)"
    : "the reason is optional; when given it must be text";
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) {
    if (required) throw invalid("reason", `${what}, 1 to ${MAX_SCORING_REASON_LENGTH} characters.`);
    return null;
  }
  if (typeof raw !== "string") throw invalid("reason", `${what}, 1 to ${MAX_SCORING_REASON_LENGTH} characters.`);
  const reason = raw.trim();
  if (reason.length > MAX_SCORING_REASON_LENGTH) {
    throw invalid(
      "reason",
      `the reason is ${reason.length} characters long; the limit is ${MAX_SCORING_REASON_LENGTH}. Shorten it.`,
    );
  }
  if (CONTROL.test(reason)) throw invalid("reason", "the reason contains a control character; use plain text.");
  return reason;
}

/** Policy ids (uuids), each once. */
export function checkScoringPolicyIds(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalid(
      "policyIds",
      'choose the policies to score the users in, as a list of policy ids: ["0b6f…"] (GET /api/policies lists them).',
    );
  }
  const ids: string[] = [];
  raw.forEach((value, i) => {
    if (typeof value !== "string" || !UUID.test(value.trim())) {
      throw invalid(`policyIds[${i}]`, `${JSON.stringify(value)} is not a policy id (GET /api/policies lists them).`);
    }
    const id = value.trim().toLowerCase();
    if (!ids.includes(id)) ids.push(id);
  });
  return ids;
}

/**
 * The users of a request: `users` (a list of UPNs) or `csv` (the text of a CSV whose header has a
 * `user principal name` column, or one UPN per line), not both. Entries that are not UPNs are
 * refused alone; a CSV without the column fails whole; more than MAX_SCORING_USERS_PER_REQUEST
 * distinct users fail the request.
 */
export function readScopingUsers(body: Record<string, unknown>): ScopingUsers {
  const hasUsers = body.users !== undefined && body.users !== null;
  const hasCsv = body.csv !== undefined && body.csv !== null;
  if (hasUsers && hasCsv) {
    throw invalid("users", "send the users either as a list (users) or as a CSV (csv), not both.");
  }
  let result: ScopingUsers;
  let field: string;
  if (hasCsv) {
    field = "csv";
    if (typeof body.csv !== "string") {
      throw invalid("csv", `send the CSV as text: "${SCORING_USER_COLUMN}\\nsarad@contoso.com\\n…".`);
    }
    const csv = parsePriorityGroupMemberCsv(body.csv);
    if (csv.members.length === 0 && csv.errors.length === 0) {
      throw invalid(
        "csv",
        `the file lists no users: send a CSV with the header '${SCORING_USER_COLUMN}' and one user principal name per line.`,
      );
    }
    result = {
      source: "csv",
      column: csv.column ?? SCORING_USER_COLUMN,
      candidates: csv.members.map((m) => ({ upn: m.upn, line: m.line })),
      errors: csv.errors.map((e) => scopingRowError({ line: e.line }, e.column, e.reason)),
      duplicates: csv.duplicates,
      warnings: csv.warnings,
    };
  } else if (hasUsers) {
    field = "users";
    if (!Array.isArray(body.users) || body.users.length === 0) {
      throw invalid("users", 'give the users as a list of user principal names: ["sarad@contoso.com", …].');
    }
    result = { source: "users", column: "users", candidates: [], errors: [], duplicates: 0, warnings: [] };
    const seen = new Set<string>();
    body.users.forEach((raw: unknown, index) => {
      const checked = checkMemberUpn(raw);
      if (!checked.ok) {
        result.errors.push(scopingRowError({ index }, `users[${index}]`, checked.reason));
      } else if (seen.has(checked.upn)) {
        result.duplicates++;
      } else {
        seen.add(checked.upn);
        result.candidates.push({ upn: checked.upn, index });
      }
    });
  } else {
    throw invalid(
      "users",
      `name the users: a list of user principal names (users), or the text of a CSV with the column '${SCORING_USER_COLUMN}' (csv).`,
    );
  }
  if (result.candidates.length > MAX_SCORING_USERS_PER_REQUEST) {
    throw invalid(
      field,
      `the request names ${result.candidates.length.toLocaleString("en-US")} users; at most ${MAX_SCORING_USERS_PER_REQUEST.toLocaleString("en-US")} can be changed in one request. Split the list into several requests.`,
    );
  }
  return result;
}

function requireObject(body: unknown, example: string): Record<string, unknown> {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("invalid_request", 400, `The body must be a JSON object: ${example}.`);
  }
  return body as Record<string, unknown>;
}

function rejectUnknownFields(body: Record<string, unknown>, fields: readonly string[]): void {
  const unknown = Object.keys(body).find((k) => !fields.includes(k));
  if (unknown) throw invalid(unknown, `unknown field; this request takes ${fields.join(", ")}.`);
}

const START_FIELDS = ["policyIds", "users", "csv", "days", "reason"] as const;
const REMOVE_FIELDS = ["users", "csv", "reason"] as const;

/** The body of POST /api/policies/scoring/start: {policyIds, users | csv, days, reason}. */
export function parseStartScoring(body: unknown): StartScoringRequest {
  const input = requireObject(
    body,
    '{"policyIds": ["…"], "users": ["sarad@contoso.com"], "days": 14, "reason": "Investigation 42"}',
  );
  rejectUnknownFields(input, START_FIELDS);
  const policyIds = checkScoringPolicyIds(input.policyIds);
  const days = checkScoringDays(input.days);
  const reason = checkScoringReason(input.reason, true) as string;
  return { policyIds, users: readScopingUsers(input), days, reason };
}

/** The body of POST /api/policies/scoring/remove: {users | csv, reason?}. */
export function parseRemoveScoring(body: unknown): RemoveScoringRequest {
  const input = requireObject(body, '{"users": ["sarad@contoso.com"], "reason": "Investigation closed"}');
  rejectUnknownFields(input, REMOVE_FIELDS);
  const reason = checkScoringReason(input.reason, false);
  return { users: readScopingUsers(input), reason };
}

// ── windows and state ─────────────────────────────────────────────────────────────────────────

/** A timestamp as a sortable key: ISO 8601 UTC with exactly six fractional digits. */
function instant(iso: string): string {
  const parsed = parseTimestamp(iso);
  if (!parsed.ok) throw new Error(`Not a timestamp: ${iso}`);
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(parsed.iso);
  if (!m) throw new Error(`Not a UTC timestamp: ${parsed.iso}`);
  return `${m[1]}.${(m[2] ?? "").padEnd(6, "0")}Z`;
}

/**
 * The days a manual entry scores: from MANUAL_SCORING_LOOKBACK_DAYS before the day it starts
 * through the day it ends, inclusive ([firstDay, endDay) in whole UTC days, as windowForTrigger).
 * Started 2026-03-10 for 14 days: 2025-12-10 through 2026-03-24.
 */
export function manualWindow(startsAt: string, endsAt: string): ScoringWindow {
  return {
    firstDay: addDays(utcDayOf(instant(startsAt)), -MANUAL_SCORING_LOOKBACK_DAYS),
    endDay: addDays(utcDayOf(instant(endsAt)), 1),
  };
}

/** A manual entry as stored (manual_scoping), the fields the rules read. */
export interface ManualEntry {
  userId: string;
  policyId: string;
  startsAt: string;
  endsAt: string;
}

/** A removal from scoring as stored (scoring_removals). */
export interface ScoringRemoval {
  userId: string;
  removedAt: string;
}

export interface ManualEntryState {
  status: "active" | "ended";
  /** When the entry stopped (or stops) scoring: ends_at, or the removal that cut it short. */
  endsAt: string;
  /** Why it ended: its duration ran out, or the user was removed from scoring; null while active. */
  endedBy: "duration" | "removal" | null;
}

/**
 * The state of a manual entry at `now`. A removal at or after the entry's start (and not after
 * `now`) ends it at the removal: the scorer ignores every trigger at or before the user's latest
 * removal, and a manual entry is a trigger at its start. Otherwise it runs until ends_at.
 */
export function manualEntryState(
  entry: ManualEntry,
  removals: readonly ScoringRemoval[],
  now: string | Date,
): ManualEntryState {
  const at = instant(typeof now === "string" ? now : now.toISOString());
  const start = instant(entry.startsAt);
  const end = instant(entry.endsAt);
  let cut: string | null = null;
  for (const r of removals) {
    if (r.userId !== entry.userId) continue;
    const removed = instant(r.removedAt);
    if (removed >= start && removed <= at && removed <= end && (cut === null || removed < cut)) cut = removed;
  }
  if (cut !== null) return { status: "ended", endsAt: cut, endedBy: "removal" };
  if (end <= at) return { status: "ended", endsAt: end, endedBy: "duration" };
  return { status: "active", endsAt: end, endedBy: null };
}

/** The entries scoring at `now` (started, not run out, not cut short by a removal). */
export function activeManualEntries<T extends ManualEntry>(
  entries: readonly T[],
  removals: readonly ScoringRemoval[],
  now: string | Date,
): T[] {
  const at = instant(typeof now === "string" ? now : now.toISOString());
  return entries.filter((e) => instant(e.startsAt) <= at && manualEntryState(e, removals, at).status === "active");
}
