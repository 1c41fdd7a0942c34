// The directory of monitored users: the CSV upload (audited), listing users and groups, and the
// account-state signals (disabled, deleted) that directory changes record, for CSV and SCIM alike.

import { randomUUID } from "node:crypto";
import {
  AppError,
  type DirectoryCsvError,
  type DirectoryCsvPlan,
  type DirectoryCsvUser,
  detectDelimiter,
  directoryCsvMessage,
  mapDirectoryCsvRow,
  notFound,
  planDirectoryCsv,
} from "@openirm/domain";
import { audit } from "../audit.ts";
import type { Ctx } from "../context.ts";
import { readCsv } from "../ingestion/csv.ts";
import type { Queryable } from "../store/db.ts";

export const DIRECTORY_CONNECTOR_TYPE = "directory";
export const ACCOUNT_DISABLED_SIGNAL = "directory.account_disabled";
export const ACCOUNT_DELETED_SIGNAL = "directory.account_deleted";
export type AccountSignalKind = typeof ACCOUNT_DISABLED_SIGNAL | typeof ACCOUNT_DELETED_SIGNAL;

/** Marks the built-in, disabled app registration CSV imports' signals are filed under (never a usable secret). */
const CSV_APP_SECRET_MARK = "builtin$directory-csv";
const CSV_APP_NAME = "Directory CSV import (built-in)";

/** Every column of a directory user, as storage returns it. */
export interface DirectoryUserRecord {
  id: string;
  upn: string;
  user_name: string | null;
  display_name: string | null;
  department: string | null;
  job_title: string | null;
  manager_upn: string | null;
  manager_ref: string | null;
  employee_type: string | null;
  office: string | null;
  employee_number: string | null;
  employment_status: string | null;
  active: boolean;
  external_id: string | null;
  scim_attributes: Record<string, unknown>;
  source: string | null;
  provisioned_at: string | null;
  created_at: string;
  updated_at: string | null;
  disabled_at: string | null;
  deleted_at: string | null;
}

export const DIRECTORY_USER_COLUMNS = `id, upn, user_name, display_name, department, job_title, manager_upn, manager_ref,
  employee_type, office, employee_number, employment_status, active, external_id, scim_attributes, source,
  provisioned_at, created_at, updated_at, disabled_at, deleted_at`;

/** Whether a row is a live directory entry (brought by CSV or SCIM, not deleted). */
export const isListed = (row: Pick<DirectoryUserRecord, "source" | "deleted_at">) =>
  row.source !== null && row.deleted_at === null;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID_RE.test(value);

// ── account-state signals ──────────────────────────────────────────────────────────────────────

/** The app registration a change is filed under: the SCIM caller, or the built-in CSV import app. */
async function directoryApp(ctx: Ctx, tx: Queryable): Promise<{ clientId: string; name: string }> {
  if (ctx.actor.kind === "app") return { clientId: ctx.actor.clientId, name: ctx.actor.name };
  const { rows } = await tx.query<{ client_id: string; name: string }>(
    "SELECT client_id, name FROM app_registrations WHERE secret_hash = $1 LIMIT 1",
    [CSV_APP_SECRET_MARK],
  );
  if (rows[0]) return { clientId: rows[0].client_id, name: rows[0].name };
  const clientId = randomUUID();
  await tx.query(
    `INSERT INTO app_registrations (id, client_id, name, secret_hash, disabled, created_at)
     VALUES ($1, $2, $3, $4, true, $5)`,
    [randomUUID(), clientId, CSV_APP_NAME, CSV_APP_SECRET_MARK, ctx.clock.now().toISOString()],
  );
  return { clientId, name: CSV_APP_NAME };
}

/**
 * The built-in connector of type 'directory' the directory's signals belong to (signals need a
 * connector): one per app registration, created on first use, audited.
 */
export async function directoryConnectorId(ctx: Ctx, tx: Queryable): Promise<string> {
  const app = await directoryApp(ctx, tx);
  const { rows } = await tx.query<{ id: string }>(
    "SELECT id FROM connectors WHERE type = $1 AND app_client_id = $2 ORDER BY created_at LIMIT 1",
    [DIRECTORY_CONNECTOR_TYPE, app.clientId],
  );
  if (rows[0]) return rows[0].id;
  const id = randomUUID();
  const jobId = randomUUID();
  const name = ctx.actor.kind === "app" ? `Directory (SCIM: ${app.name})` : "Directory (CSV import)";
  // A directory connector takes no uploads of its own: its configuration maps no columns.
  const config = {
    builtIn: DIRECTORY_CONNECTOR_TYPE,
    columns: [],
    userColumn: "",
    timeColumn: "",
    sourceColumn: null,
    sourceValues: [],
    mapping: {},
    strictDuplicates: false,
    delimiter: ",",
  };
  await tx.query(
    `INSERT INTO connectors (id, type, name, app_client_id, job_id, config, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [id, DIRECTORY_CONNECTOR_TYPE, name, app.clientId, jobId, JSON.stringify(config), ctx.clock.now().toISOString()],
  );
  await audit(ctx, tx, {
    action: "connector.create",
    category: "Connectors",
    targetType: "connector",
    targetId: id,
    details: { name, type: DIRECTORY_CONNECTOR_TYPE, appId: app.clientId, jobId, builtIn: true },
  });
  return id;
}

export interface AccountSignal {
  userId: string;
  upn: string;
  kind: AccountSignalKind;
  source: "scim" | "csv";
}

/**
 * Tells the scoring engine (and any other listener) that these users' accounts changed, once the
 * transaction that recorded it has committed; never fails the request.
 */
export async function afterAccountsChanged(ctx: Ctx, signals: readonly AccountSignal[]): Promise<void> {
  const userIds = [...new Set(signals.map((s) => s.userId))];
  if (userIds.length === 0) return;
  for (const hook of ctx.hooks.afterAccountsChanged) {
    try {
      await hook(ctx, userIds);
    } catch (err) {
      ctx.log.error({ err }, "a hook after account changes failed; the directory change is not affected");
    }
  }
}

/** Stores account-disabled / account-deleted signals (occurred now) for departing-user triggers. */
export async function recordAccountSignals(ctx: Ctx, tx: Queryable, signals: readonly AccountSignal[]): Promise<void> {
  if (signals.length === 0) return;
  const connectorId = await directoryConnectorId(ctx, tx);
  const now = ctx.clock.now().toISOString();
  const via = ctx.actor.kind === "app" ? ctx.actor.name : null;
  await tx.query(
    `INSERT INTO signals (connector_id, user_id, occurred_at, kind, attributes, dedupe_key, received_at)
     SELECT $1, s.user_id, $2, s.kind, s.attributes, openirm_dedupe_key(s.dedupe_key), $2
       FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::text[]) AS s(user_id, kind, attributes, dedupe_key)
     ON CONFLICT (connector_id, dedupe_key) DO NOTHING`,
    [
      connectorId,
      now,
      signals.map((s) => s.userId),
      signals.map((s) => s.kind),
      signals.map((s) => JSON.stringify({ UserPrincipalName: s.upn, source: s.source, ...(via ? { app: via } : {}) })),
      signals.map((s) => `${s.kind}|${s.userId}|${now}`),
    ],
  );
}

// ── CSV import ─────────────────────────────────────────────────────────────────────────────────

/** Errors listed in the answer (the counts always cover every row). */
export const MAX_REPORTED_ERRORS = 1000;
const CHUNK = 1000;

export interface DirectoryImportError extends DirectoryCsvError {
  message: string;
}

export interface DirectoryImportAnswer {
  received: number;
  created: number;
  updated: number;
  rejected: number;
  errors: DirectoryImportError[];
  warnings: string[];
}

/**
 * The text in 64 KiB chunks, each followed by a turn of the event loop: the reader consumes every
 * record of a chunk before the next is written, so a quote left open on the last line cannot make
 * the parser drop records it had already read.
 */
async function* chunks(text: string): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += 64 * 1024) {
    yield text.slice(at, at + 64 * 1024);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const sameAsHeader = (fields: readonly string[], header: readonly string[]) =>
  fields.length === header.length && fields.every((f, i) => f.trim() === header[i]);

/** Reads the file: the header's plan, the good rows (one per UPN) and the per-row errors. */
async function readDirectoryCsv(text: string) {
  const body = text.replace(/^\uFEFF/, "");
  const firstLine = body.split(/\r\n|\r|\n/).find((l) => l.trim() !== "");
  if (firstLine === undefined) {
    throw new AppError(
      "empty_file",
      400,
      "The file is empty; it needs a header line (for example UserPrincipalName,DisplayName,Department) and one line per user.",
      { line: 1 },
    );
  }
  const detected = detectDelimiter(firstLine);
  const delimiter = detected === "\t" || detected === ";" ? detected : ",";
  let plan: DirectoryCsvPlan | undefined;
  let received = 0;
  const users: DirectoryCsvUser[] = [];
  const errors: DirectoryCsvError[] = [];
  let rejected = 0;
  const firstLineOf = new Map<string, number>();
  for await (const item of readCsv(chunks(body), delimiter)) {
    if (!plan) {
      if (item.kind === "broken") {
        throw new AppError("invalid_header", 400, `Line ${item.line}: the header line has ${item.reason}`, {
          line: item.line,
        });
      }
      if (item.fields.every((f) => f.trim() === "")) continue;
      plan = planDirectoryCsv(item.fields);
      continue;
    }
    if (item.kind === "broken") {
      received++;
      rejected++;
      errors.push({ line: item.line, column: null, reason: item.reason });
      continue;
    }
    if (item.fields.every((f) => f.trim() === "") || sameAsHeader(item.fields, plan.header)) continue;
    received++;
    const mapped = mapDirectoryCsvRow(plan, item.fields, item.line);
    if (!mapped.ok) {
      rejected++;
      errors.push(...mapped.errors);
      continue;
    }
    const seen = firstLineOf.get(mapped.user.upn);
    if (seen !== undefined) {
      rejected++;
      errors.push({
        line: item.line,
        column: plan.columns.upn?.name ?? null,
        reason: `'${mapped.user.userName}' already appears on line ${seen}; this row was ignored.`,
      });
      continue;
    }
    firstLineOf.set(mapped.user.upn, item.line);
    users.push(mapped.user);
  }
  if (!plan) throw new AppError("empty_file", 400, "The file has no header line.", { line: 1 });
  return { plan, received, rejected, users, errors };
}

/** A user's columns after a CSV row: the file's values where it has the column, else what was stored. */
function mergeCsvRow(existing: DirectoryUserRecord | undefined, user: DirectoryCsvUser) {
  const v = user.values;
  const pick = <K extends keyof typeof v>(key: K, stored: string | null | undefined) =>
    key in v ? (v[key] ?? null) : (stored ?? null);
  return {
    id: existing?.id ?? randomUUID(),
    upn: user.upn,
    user_name: user.userName,
    display_name: pick("displayName", existing?.display_name),
    department: pick("department", existing?.department),
    job_title: pick("jobTitle", existing?.job_title),
    manager_upn: pick("managerUpn", existing?.manager_upn),
    // A CSV names managers by UPN (manager_upn); the SCIM reference, if any, no longer applies.
    manager_ref: "managerUpn" in v ? null : (existing?.manager_ref ?? null),
    employee_type: pick("employeeType", existing?.employee_type),
    office: pick("office", existing?.office),
    employee_number: pick("employeeNumber", existing?.employee_number),
    employment_status: pick("employmentStatus", existing?.employment_status),
    external_id: pick("externalId", existing?.external_id),
    active: user.active ?? (existing && isListed(existing) ? existing.active : true),
  };
}

/**
 * Imports users from CSV text: columns matched by name, each good row creating or filling a user
 * (matched on lower-case UPN, so users known only from their signals keep their record), bad rows
 * reported with line, column and reason. One audit entry; an active user the file disables records
 * an account-disabled signal.
 */
export async function importDirectoryUsers(
  ctx: Ctx,
  input: { csv: string; warnings?: string[] },
): Promise<DirectoryImportAnswer> {
  const { plan, received, rejected, users, errors } = await readDirectoryCsv(input.csv);
  const warnings = [...(input.warnings ?? [])];
  if (plan.ignored.length > 0) {
    warnings.push(`These columns were not read: ${plan.ignored.join(", ")}.`);
  }
  let created = 0;
  let updated = 0;
  const now = ctx.clock.now().toISOString();
  const disabledAccounts = await ctx.db.transaction(async (tx) => {
    const disabled: AccountSignal[] = [];
    for (let start = 0; start < users.length; start += CHUNK) {
      const chunk = users.slice(start, start + CHUNK);
      const { rows } = await tx.query<DirectoryUserRecord>(
        `SELECT ${DIRECTORY_USER_COLUMNS} FROM directory_users WHERE upn = ANY($1::text[]) FOR UPDATE`,
        [chunk.map((u) => u.upn)],
      );
      const existing = new Map(rows.map((r) => [r.upn, r]));
      const merged = chunk.map((user) => {
        const before = existing.get(user.upn);
        const after = mergeCsvRow(before, user);
        if (before && isListed(before)) {
          updated++;
          if (before.active && !after.active) {
            disabled.push({ userId: before.id, upn: user.upn, kind: ACCOUNT_DISABLED_SIGNAL, source: "csv" });
          }
        } else {
          created++;
        }
        const disabledAt = after.active
          ? null
          : before && isListed(before) && !before.active
            ? before.disabled_at
            : now;
        return { ...after, disabled_at: disabledAt, provisioned_at: before?.provisioned_at ?? now };
      });
      const col = <K extends keyof (typeof merged)[number]>(key: K) => merged.map((m) => m[key]);
      await tx.query(
        `INSERT INTO directory_users (id, upn, user_name, display_name, department, job_title, manager_upn, manager_ref,
                employee_type, office, employee_number, employment_status, external_id, active, disabled_at,
                provisioned_at, source, created_at, updated_at, deleted_at)
         SELECT u.*, 'csv', $17::timestamptz, $17::timestamptz, NULL
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::boolean[],
                       $15::timestamptz[], $16::timestamptz[])
                AS u(id, upn, user_name, display_name, department, job_title, manager_upn, manager_ref, employee_type,
                     office, employee_number, employment_status, external_id, active, disabled_at, provisioned_at)
         ON CONFLICT (upn) DO UPDATE SET
           user_name = EXCLUDED.user_name, display_name = EXCLUDED.display_name, department = EXCLUDED.department,
           job_title = EXCLUDED.job_title, manager_upn = EXCLUDED.manager_upn, manager_ref = EXCLUDED.manager_ref,
           employee_type = EXCLUDED.employee_type, office = EXCLUDED.office,
           employee_number = EXCLUDED.employee_number, employment_status = EXCLUDED.employment_status,
           external_id = EXCLUDED.external_id, active = EXCLUDED.active, disabled_at = EXCLUDED.disabled_at,
           provisioned_at = COALESCE(directory_users.provisioned_at, EXCLUDED.provisioned_at),
           source = 'csv', updated_at = EXCLUDED.updated_at, deleted_at = NULL`,
        [
          col("id"),
          col("upn"),
          col("user_name"),
          col("display_name"),
          col("department"),
          col("job_title"),
          col("manager_upn"),
          col("manager_ref"),
          col("employee_type"),
          col("office"),
          col("employee_number"),
          col("employment_status"),
          col("external_id"),
          col("active"),
          col("disabled_at"),
          col("provisioned_at"),
          now,
        ],
      );
    }
    await recordAccountSignals(ctx, tx, disabled);
    await audit(ctx, tx, {
      action: "directory.import",
      category: "Users",
      targetType: "directory",
      details: {
        received,
        created,
        updated,
        rejected,
        accountsDisabled: disabled.length,
        columns: Object.values(plan.columns).map((c) => c.name),
      },
    });
    return disabled;
  });
  await afterAccountsChanged(ctx, disabledAccounts);
  return {
    received,
    created,
    updated,
    rejected,
    errors: errors.slice(0, MAX_REPORTED_ERRORS).map((e) => ({ ...e, message: directoryCsvMessage(e) })),
    warnings:
      errors.length > MAX_REPORTED_ERRORS
        ? [...warnings, `Only the first ${MAX_REPORTED_ERRORS} of ${errors.length} errors are listed.`]
        : warnings,
  };
}

// ── reading ────────────────────────────────────────────────────────────────────────────────────

export type DirectoryStatus = "active" | "disabled" | "deleted" | "unlisted";

export interface DirectoryUserListRow extends DirectoryUserRecord {
  manager_id: string | null;
  manager_display_name: string | null;
}

export interface DirectoryUserQuery {
  limit: number;
  offset: number;
  /** Default: every user but the deleted ones. */
  status?: DirectoryStatus | "all" | undefined;
  department?: string | undefined;
  /** Part of the UPN or display name (callers who may see names only). */
  search?: string | undefined;
}

export function directoryStatus(row: Pick<DirectoryUserRecord, "source" | "deleted_at" | "active">): DirectoryStatus {
  if (row.deleted_at !== null) return "deleted";
  if (row.source === null) return "unlisted";
  return row.active ? "active" : "disabled";
}

const STATUS_SQL: Record<DirectoryStatus, string> = {
  active: "u.source IS NOT NULL AND u.deleted_at IS NULL AND u.active",
  disabled: "u.source IS NOT NULL AND u.deleted_at IS NULL AND NOT u.active",
  deleted: "u.deleted_at IS NOT NULL",
  unlisted: "u.source IS NULL AND u.deleted_at IS NULL",
};

export async function listDirectoryUsers(
  ctx: Ctx,
  q: DirectoryUserQuery,
): Promise<{ items: DirectoryUserListRow[]; total: number }> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (!q.status) where.push("u.deleted_at IS NULL");
  else if (q.status !== "all") where.push(STATUS_SQL[q.status]);
  if (q.department) {
    params.push(q.department);
    where.push(`lower(u.department) = lower($${params.length})`);
  }
  if (q.search) {
    params.push(`%${q.search.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`);
    where.push(`(u.upn LIKE $${params.length} OR lower(u.display_name) LIKE $${params.length})`);
  }
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const total = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM directory_users u ${clause}`, params);
  params.push(q.limit, q.offset);
  const { rows } = await ctx.db.query<DirectoryUserListRow>(
    `SELECT ${DIRECTORY_USER_COLUMNS.replace(/(\w+)/g, "u.$1")}, m.id AS manager_id, m.display_name AS manager_display_name
       FROM directory_users u
       LEFT JOIN directory_users m ON m.upn = u.manager_upn
       ${clause}
      ORDER BY u.created_at, u.id
      LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return { items: rows, total: total.rows[0]?.n ?? 0 };
}

export interface DirectoryGroupRow {
  id: string;
  display_name: string;
  external_id: string | null;
  member_count: number;
  created_at: string;
  updated_at: string;
}

const GROUP_SELECT = `SELECT g.id, g.display_name, g.external_id, g.created_at, g.updated_at,
    (SELECT count(*)::int FROM directory_group_members gm WHERE gm.group_id = g.id) AS member_count
  FROM directory_groups g`;

export async function listDirectoryGroups(
  ctx: Ctx,
  q: { limit: number; offset: number },
): Promise<{ items: DirectoryGroupRow[]; total: number }> {
  const total = await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM directory_groups");
  const { rows } = await ctx.db.query<DirectoryGroupRow>(
    `${GROUP_SELECT} ORDER BY lower(g.display_name), g.id LIMIT $1 OFFSET $2`,
    [q.limit, q.offset],
  );
  return { items: rows, total: total.rows[0]?.n ?? 0 };
}

export async function getDirectoryGroup(
  ctx: Ctx,
  id: string,
): Promise<{ group: DirectoryGroupRow; members: DirectoryUserRecord[] }> {
  const { rows } = isUuid(id)
    ? await ctx.db.query<DirectoryGroupRow>(`${GROUP_SELECT} WHERE g.id = $1`, [id])
    : { rows: [] };
  const group = rows[0];
  if (!group) throw notFound("Group", id);
  const members = await ctx.db.query<DirectoryUserRecord>(
    `SELECT ${DIRECTORY_USER_COLUMNS.replace(/(\w+)/g, "u.$1")}
       FROM directory_group_members gm JOIN directory_users u ON u.id = gm.user_id
      WHERE gm.group_id = $1 ORDER BY u.created_at, u.id`,
    [id],
  );
  return { group, members: members.rows };
}
