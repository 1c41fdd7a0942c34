// Scheduled imports: a connector pulls a file from a folder on the server (the newest file matching
// a pattern, or every new file once) or from an HTTPS URL, on a cron schedule. Each file becomes an
// upload run processed by the same code as a pushed upload (startRunProcessing), so it appears in
// the same run log. Folder files are remembered by name, size and modification time, so a file is
// imported once (and again only when it changes).

import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, realpath, rm, stat } from "node:fs/promises";
import { isAbsolute, join, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError, conflict, toIsoUtc } from "@openirm/domain";
import { Cron } from "croner";
import { z } from "zod";
import { audit } from "../audit.ts";
import type { Config } from "../config.ts";
import { type Ctx, type Services, SYSTEM_ACTOR, withActor } from "../context.ts";
import type { Queryable } from "../store/db.ts";
import { type ConnectorRow, connectorGone } from "./connectors.ts";
import { isUuid, type RunOutcome, startRunProcessing } from "./runs.ts";

// ---- Input --------------------------------------------------------------------------------------

export const FolderSource = z
  .object({
    kind: z.literal("folder"),
    path: z.string().trim().min(1),
    /** File names to take: `*` any characters, `?` one character. */
    pattern: z.string().trim().min(1).default("*"),
    /** "newest": the newest matching file; "each": every matching file not imported yet, oldest first. */
    mode: z.enum(["newest", "each"]).default("newest"),
  })
  .strict();

export const UrlSource = z
  .object({
    kind: z.literal("url"),
    url: z.string().trim().min(1),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const ScheduleInput = z
  .object({
    cron: z.string().trim().min(1),
    timezone: z.string().trim().min(1).default("UTC"),
    source: z.discriminatedUnion("kind", [FolderSource, UrlSource]),
    enabled: z.boolean().default(true),
  })
  .strict();
export type ScheduleInput = z.infer<typeof ScheduleInput>;
export type ScheduleSource = ScheduleInput["source"];

export type ScheduleStatus = "imported" | "no_new_file" | "failed" | "skipped";

export interface ScheduleRow {
  connector_id: string;
  cron: string;
  timezone: string;
  source: ScheduleSource;
  enabled: boolean;
  next_run_at: string | null;
  running_since: string | null;
  last_run_at: string | null;
  last_status: ScheduleStatus | null;
  last_message: string | null;
  last_run_ids: string[];
  created_at: string;
  updated_at: string;
}

const SCHEDULE_COLUMNS = `connector_id, cron, timezone, source, enabled, next_run_at, running_since, last_run_at,
  last_status, last_message, last_run_ids, created_at, updated_at`;

/** A claim older than this is taken to belong to a server that stopped mid-import. */
const STALE_CLAIM_MS = 2 * 3_600_000;

/** A folder file modified less than this long ago may still be being written: it waits for the next run. */
export const SETTLE_MS = 10_000;

/** At most this many files are imported per firing in "each" mode; the rest come next time. */
export const MAX_FILES_PER_IMPORT = 50;

/** Redirects followed when downloading (each one checked like the URL itself). */
const MAX_REDIRECTS = 5;

/** A download that takes longer than this (headers and body) fails. */
const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;

/** Scheduled imports fire at most once a minute (the job looks for due schedules every 15 seconds). */
const MIN_INTERVAL_MS = 60_000;

const bad = (column: string, message: string) =>
  new AppError("invalid_schedule", 400, `${column}: ${message}`, { column });

// ---- Validation -----------------------------------------------------------------------------------

/**
 * The folders scheduled imports may read: config.importDirs (OPENIRM_IMPORT_DIRS), else
 * DATA_DIR/imports. Anything else on the server stays out of reach of connector admins.
 */
export function importRoots(config: Config): string[] {
  return (config.importDirs.length > 0 ? config.importDirs : [join(config.dataDir, "imports")]).map((p) => resolve(p));
}

const inside = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

async function realRoots(config: Config): Promise<string[]> {
  const out: string[] = [];
  for (const root of importRoots(config)) out.push(await realpath(root).catch(() => root));
  return out;
}

/** The folder's real path, once it is known to be an existing folder inside an import root. */
async function checkFolder(config: Config, path: string): Promise<string> {
  const roots = importRoots(config);
  const allowed = `Allowed folders: ${roots.join(", ")} (set OPENIRM_IMPORT_DIRS to change them).`;
  if (!isAbsolute(path)) throw bad("source.path", `'${path}' is not an absolute path. ${allowed}`);
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw bad("source.path", `the folder '${path}' does not exist on the server. ${allowed}`);
  }
  if (!(await realRoots(config)).some((root) => inside(real, root))) {
    throw bad("source.path", `'${path}' is outside the folders scheduled imports may read. ${allowed}`);
  }
  if (!(await stat(real)).isDirectory()) throw bad("source.path", `'${path}' is a file, not a folder.`);
  return real;
}

function checkPattern(pattern: string): void {
  if (pattern.includes("/") || pattern.includes("\\")) {
    throw bad("source.pattern", `'${pattern}' must match file names in the folder, not paths (no '/').`);
  }
}

/** A file-name pattern (`*` any characters, `?` one) as a regular expression. */
export function patternToRegExp(pattern: string): RegExp {
  let source = "^";
  for (const ch of pattern) {
    if (ch === "*") source += ".*";
    else if (ch === "?") source += ".";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`${source}$`);
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The URL as shown back (API, run log, audit): without its query string, which may hold a token. */
export function displayUrl(url: URL | string): string {
  const u = typeof url === "string" ? new URL(url) : url;
  return `${u.protocol}//${u.host}${u.pathname}${u.search ? "?…" : ""}`;
}

/** Checks an import URL: https, or plain http to a loopback address only; no credentials in it. */
export function checkUrl(text: string, column = "source.url"): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(column, `'${text}' is not a URL; give an https:// address.`);
  }
  if (url.username || url.password) {
    throw bad(column, "the URL holds a user name or password; send credentials in a header (headers.Authorization).");
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:") {
    if (isLoopback(url.hostname)) return url;
    throw bad(
      column,
      `'${displayUrl(url)}' uses plain http; scheduled imports download over https only (plain http is accepted for loopback addresses such as 127.0.0.1).`,
    );
  }
  throw bad(column, `'${displayUrl(url)}' is not an https:// URL.`);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkHeaders(headers: Record<string, string> | undefined): void {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw bad(`source.headers.${name}`, `'${name}' is not a valid HTTP header name.`);
    if (/[\r\n\0]/.test(value)) {
      throw bad(`source.headers.${name}`, "a header value cannot contain line breaks.");
    }
  }
}

function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw bad("timezone", `'${timezone}' is not a time zone name (IANA names such as UTC or Europe/Paris).`);
  }
}

/** The cron expression as croner reads it; throws a 400 naming the mistake. */
function parseCron(cron: string, timezone: string): Cron {
  let job: Cron;
  try {
    job = new Cron(cron, { timezone, paused: true });
  } catch (err) {
    const reason = (err as Error).message.replace(/^CronPattern:\s*/, "");
    throw bad(
      "cron",
      `'${cron}' is not a valid cron expression (${reason}). Use five fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *' for 02:00 every day.`,
    );
  }
  const [first, second] = job.nextRuns(2, new Date("2026-01-01T00:00:00Z"));
  if (!first) throw bad("cron", `'${cron}' never fires.`);
  if (second && second.getTime() - first.getTime() < MIN_INTERVAL_MS) {
    throw bad("cron", `'${cron}' fires more than once a minute; scheduled imports run at most once a minute.`);
  }
  return job;
}

/** When a schedule fires next after `after` (null: never). */
export function nextRunAt(cron: string, timezone: string, after: Date): Date | null {
  return new Cron(cron, { timezone, paused: true }).nextRun(after);
}

// ---- Reading and configuring -------------------------------------------------------------------------

const CONNECTOR_COLUMNS = "id, type, name, app_client_id, job_id, config, disabled, created_at, deleted_at";

async function liveConnector(db: Queryable, id: string): Promise<ConnectorRow> {
  const { rows } = isUuid(id)
    ? await db.query<ConnectorRow>(`SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE id = $1`, [id])
    : { rows: [] };
  const row = rows[0];
  if (!row) throw new AppError("not_found", 404, `Connector '${id}' does not exist.`, { id });
  if (row.deleted_at) throw connectorGone(row);
  return row;
}

export async function listSchedules(db: Queryable, connectorIds: string[]): Promise<Map<string, ScheduleRow>> {
  if (connectorIds.length === 0) return new Map();
  const { rows } = await db.query<ScheduleRow>(
    `SELECT ${SCHEDULE_COLUMNS} FROM connector_schedules WHERE connector_id = ANY($1::uuid[])`,
    [connectorIds],
  );
  return new Map(rows.map((r) => [r.connector_id, r]));
}

function noSchedule(connector: ConnectorRow): AppError {
  return new AppError(
    "no_schedule",
    404,
    `Connector '${connector.name}' has no scheduled import; set one with PUT /api/connectors/${connector.id}/schedule ('openirm connectors schedule set').`,
  );
}

export async function getSchedule(
  ctx: Ctx,
  connectorId: string,
): Promise<{ connector: ConnectorRow; schedule: ScheduleRow }> {
  const connector = await liveConnector(ctx.db, connectorId);
  const schedule = (await listSchedules(ctx.db, [connector.id])).get(connector.id);
  if (!schedule) throw noSchedule(connector);
  return { connector, schedule };
}

/** The source as the audit log records it: no header values, no query string. */
function auditedSource(source: ScheduleSource): Record<string, unknown> {
  return source.kind === "folder"
    ? { ...source }
    : { kind: "url", url: displayUrl(source.url), headerNames: Object.keys(source.headers ?? {}) };
}

/** Creates or replaces a connector's schedule, after checking the cron, time zone and source. */
export async function setSchedule(ctx: Ctx, connectorId: string, input: ScheduleInput): Promise<ScheduleRow> {
  const connector = await liveConnector(ctx.db, connectorId);
  if ((connector.config as { builtIn?: string }).builtIn) {
    throw conflict("built_in_connector", `Connector '${connector.name}' is built in; it takes no scheduled imports.`);
  }
  checkTimezone(input.timezone);
  parseCron(input.cron, input.timezone);
  let source: ScheduleSource;
  if (input.source.kind === "folder") {
    checkPattern(input.source.pattern);
    await checkFolder(ctx.config, input.source.path);
    source = { ...input.source, path: resolve(input.source.path) };
  } else {
    const url = checkUrl(input.source.url);
    checkHeaders(input.source.headers);
    source = { kind: "url", url: url.toString(), ...(input.source.headers ? { headers: input.source.headers } : {}) };
  }
  const now = ctx.clock.now();
  const next = input.enabled ? nextRunAt(input.cron, input.timezone, now) : null;
  return ctx.db.transaction(async (tx) => {
    const { rows: existing } = await tx.query<{ connector_id: string }>(
      "SELECT connector_id FROM connector_schedules WHERE connector_id = $1 FOR UPDATE",
      [connector.id],
    );
    const { rows } = await tx.query<ScheduleRow>(
      `INSERT INTO connector_schedules (connector_id, cron, timezone, source, enabled, next_run_at, created_by, created_at,
                                        updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
       ON CONFLICT (connector_id) DO UPDATE SET cron = $2, timezone = $3, source = $4, enabled = $5, next_run_at = $6,
                                                updated_at = $8
       RETURNING ${SCHEDULE_COLUMNS}`,
      [
        connector.id,
        input.cron,
        input.timezone,
        JSON.stringify(source),
        input.enabled,
        next?.toISOString() ?? null,
        ctx.actor.kind === "account" ? ctx.actor.id : null,
        now.toISOString(),
      ],
    );
    await audit(ctx, tx, {
      action: existing[0] ? "connector.schedule.update" : "connector.schedule.create",
      category: "Connectors",
      targetType: "connector",
      targetId: connector.id,
      details: {
        name: connector.name,
        cron: input.cron,
        timezone: input.timezone,
        enabled: input.enabled,
        source: auditedSource(source),
      },
    });
    return rows[0] as ScheduleRow;
  });
}

export async function deleteSchedule(ctx: Ctx, connectorId: string): Promise<void> {
  const connector = await liveConnector(ctx.db, connectorId);
  await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ source: ScheduleSource; cron: string }>(
      "DELETE FROM connector_schedules WHERE connector_id = $1 RETURNING source, cron",
      [connector.id],
    );
    if (!rows[0]) throw noSchedule(connector);
    await audit(ctx, tx, {
      action: "connector.schedule.delete",
      category: "Connectors",
      targetType: "connector",
      targetId: connector.id,
      details: { name: connector.name, cron: rows[0].cron, source: auditedSource(rows[0].source) },
    });
  });
}

// ---- Importing ------------------------------------------------------------------------------------------

export interface ImportedRun {
  runId: string;
  fileName: string | null;
  /** Settles when the run has been processed (runs of one import are processed one after another). */
  done: Promise<RunOutcome>;
}

export interface ImportResult {
  connectorId: string;
  status: ScheduleStatus;
  message: string;
  runIds: string[];
}

export interface ImportStarted {
  connectorId: string;
  /** What fetching found: files stored (imported), nothing new, a failure, or a disabled connector. */
  status: ScheduleStatus;
  message: string;
  runs: ImportedRun[];
  /** Settles once every run is processed and the schedule records the outcome. */
  finished: Promise<ImportResult>;
}

/** A file fetched and stored under DATA_DIR/uploads/<runId>, ready to become a run. */
interface Stored {
  kind: "stored";
  runId: string;
  fileName: string;
  path: string;
  bytes: number;
  sha256: string;
  tracked?: TrackedFile;
}

/** A fetch that failed: recorded as a failed run, so the run log shows it. */
interface Failed {
  kind: "failed";
  runId: string;
  fileName: string | null;
  bytes: number;
  message: string;
  tracked?: TrackedFile;
}

interface TrackedFile {
  name: string;
  bytes: number;
  modifiedAt: Date;
}

type Fetched = { items: Array<Stored | Failed>; message?: string };

class TooLarge extends Error {}

/** Streams `source` into `dest`, hashing and counting; refuses more than `maxBytes`. */
async function storeStream(
  source: Readable,
  dest: string,
  maxBytes: number,
): Promise<{ ok: true; bytes: number; sha256: string } | { ok: false; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new TooLarge());
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, counter, createWriteStream(dest));
    return { ok: true, bytes, sha256: hash.digest("hex") };
  } catch (err) {
    await rm(dest, { force: true });
    if (err instanceof TooLarge) return { ok: false, bytes };
    throw err;
  }
}

const tooLargeMessage = (config: Config, what: string) =>
  `${what} is larger than this server accepts (${config.maxUploadBytes.toLocaleString("en-US")} bytes). Split it or raise OPENIRM_MAX_UPLOAD_BYTES.`;

async function uploadsDir(config: Config): Promise<string> {
  const dir = join(config.dataDir, "uploads");
  await mkdir(dir, { recursive: true });
  return dir;
}

interface Candidate {
  name: string;
  path: string;
  bytes: number;
  modifiedAt: Date;
}

async function fetchFolder(ctx: Ctx, connector: ConnectorRow, source: z.infer<typeof FolderSource>): Promise<Fetched> {
  const where = `'${source.pattern}' in ${source.path}`;
  let folder: string;
  try {
    folder = await checkFolder(ctx.config, source.path);
  } catch (err) {
    return { items: [failedFetch(`Scheduled import: ${(err as Error).message.replace(/^source\.path: /, "")}`)] };
  }
  const roots = await realRoots(ctx.config);
  const regexp = patternToRegExp(source.pattern);
  const settledBefore = Date.now() - SETTLE_MS; // file times are the file system's, not the server clock's
  const candidates: Candidate[] = [];
  let unsettled = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (!regexp.test(entry.name) || (entry.name.startsWith(".") && !source.pattern.startsWith("."))) continue;
    const path = join(folder, entry.name);
    const real = await realpath(path).catch(() => undefined);
    if (!real || !roots.some((root) => inside(real, root))) continue;
    const info = await stat(real).catch(() => undefined);
    if (!info?.isFile()) continue;
    if (info.mtimeMs > settledBefore) {
      unsettled++;
      continue;
    }
    candidates.push({ name: entry.name, path: real, bytes: info.size, modifiedAt: info.mtime });
  }
  // Oldest first; the same time is broken by name so the order is stable.
  candidates.sort((a, b) => a.modifiedAt.getTime() - b.modifiedAt.getTime() || a.name.localeCompare(b.name));
  const waiting =
    unsettled > 0 ? ` ${unsettled} file(s) changed in the last ${SETTLE_MS / 1000} seconds wait for the next run.` : "";
  if (candidates.length === 0) return { items: [], message: `No file matches ${where}.${waiting}` };

  const { rows } = await ctx.db.query<{ file_name: string; bytes: number; modified_ms: number; imported_at: string }>(
    `SELECT file_name, bytes, (extract(epoch FROM modified_at) * 1000)::bigint AS modified_ms, imported_at::text
       FROM connector_imported_files WHERE connector_id = $1 AND file_name = ANY($2::text[])`,
    [connector.id, candidates.map((c) => c.name)],
  );
  const importedAt = (c: Candidate) =>
    rows.find(
      (r) => r.file_name === c.name && Number(r.bytes) === c.bytes && Number(r.modified_ms) === c.modifiedAt.getTime(),
    )?.imported_at;
  let chosen: Candidate[];
  if (source.mode === "newest") {
    const newest = candidates[candidates.length - 1] as Candidate;
    const when = importedAt(newest);
    if (when) {
      return {
        items: [],
        message: `No new file: the newest file matching ${where}, ${newest.name}, was imported on ${toIsoUtc(when)}.${waiting}`,
      };
    }
    chosen = [newest];
  } else {
    const fresh = candidates.filter((c) => !importedAt(c));
    if (fresh.length === 0) {
      return {
        items: [],
        message: `No new file matching ${where} (${candidates.length} already imported).${waiting}`,
      };
    }
    chosen = fresh.slice(0, MAX_FILES_PER_IMPORT);
  }
  const dir = await uploadsDir(ctx.config);
  const items: Array<Stored | Failed> = [];
  for (const file of chosen) {
    const runId = randomUUID();
    const tracked = { name: file.name, bytes: file.bytes, modifiedAt: file.modifiedAt };
    if (file.bytes > ctx.config.maxUploadBytes) {
      items.push({
        kind: "failed",
        runId,
        fileName: file.name,
        bytes: file.bytes,
        message: tooLargeMessage(ctx.config, `File '${file.name}'`),
        tracked,
      });
      continue;
    }
    const dest = join(dir, runId);
    let stored: Awaited<ReturnType<typeof storeStream>>;
    try {
      stored = await storeStream(createReadStream(file.path), dest, ctx.config.maxUploadBytes);
    } catch (err) {
      items.push({
        kind: "failed",
        runId,
        fileName: file.name,
        bytes: 0,
        message: `Scheduled import: reading '${file.name}' in ${source.path} failed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
      });
      continue;
    }
    const after = await stat(file.path).catch(() => undefined);
    if (!stored.ok || !after || after.size !== file.bytes || after.mtime.getTime() !== file.modifiedAt.getTime()) {
      // The file changed while it was copied: it is taken next time, once it has settled.
      await rm(dest, { force: true });
      continue;
    }
    items.push({
      kind: "stored",
      runId,
      fileName: file.name,
      path: dest,
      bytes: stored.bytes,
      sha256: stored.sha256,
      tracked,
    });
  }
  return { items };
}

function failedFetch(message: string, fileName: string | null = null): Failed {
  return { kind: "failed", runId: randomUUID(), fileName, bytes: 0, message };
}

function fileNameOf(url: URL, disposition: string | null): string {
  const quoted = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] : undefined;
  if (quoted) {
    try {
      return decodeURIComponent(quoted).split(/[\\/]/).pop() || url.hostname;
    } catch {
      return quoted;
    }
  }
  const last = url.pathname.split("/").filter(Boolean).pop();
  if (!last) return url.hostname;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

async function fetchUrl(ctx: Ctx, source: z.infer<typeof UrlSource>): Promise<Fetched> {
  let url: URL;
  try {
    url = checkUrl(source.url);
  } catch (err) {
    return { items: [failedFetch(`Scheduled import: ${(err as Error).message}`)] };
  }
  let headers: Record<string, string> = { ...(source.headers ?? {}) };
  const signal = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await fetch(url, { headers, redirect: "manual", signal });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason =
        (err as Error).name === "TimeoutError"
          ? "timed out"
          : (cause?.code ?? cause?.message ?? (err as Error).message);
      return { items: [failedFetch(`Scheduled import: could not download ${displayUrl(url)} (${reason}).`)] };
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) {
        return {
          items: [failedFetch(`Scheduled import: ${displayUrl(url)} redirected more than ${MAX_REDIRECTS} times.`)],
        };
      }
      let next: URL;
      try {
        next = checkUrl(new URL(location, url).toString(), "redirect");
      } catch (err) {
        return {
          items: [
            failedFetch(
              `Scheduled import: ${displayUrl(url)} redirected to an address that is refused: ${(err as Error).message}`,
            ),
          ],
        };
      }
      // Headers (credentials) go only to the origin they were configured for.
      if (next.origin !== url.origin) headers = {};
      url = next;
      continue;
    }
    const fileName = fileNameOf(url, res.headers.get("content-disposition"));
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      return {
        items: [
          failedFetch(
            `Scheduled import: ${displayUrl(url)} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`,
            fileName,
          ),
        ],
      };
    }
    const runId = randomUUID();
    const dest = join(await uploadsDir(ctx.config), runId);
    let stored: Awaited<ReturnType<typeof storeStream>>;
    try {
      stored = await storeStream(
        Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>),
        dest,
        ctx.config.maxUploadBytes,
      );
    } catch (err) {
      const reason = (err as Error).name === "TimeoutError" || signal.aborted ? "timed out" : (err as Error).message;
      return {
        items: [
          { ...failedFetch(`Scheduled import: downloading ${displayUrl(url)} failed (${reason}).`, fileName), runId },
        ],
      };
    }
    if (!stored.ok) {
      return {
        items: [
          {
            kind: "failed",
            runId,
            fileName,
            bytes: stored.bytes,
            message: tooLargeMessage(ctx.config, `The file at ${displayUrl(url)}`),
          },
        ],
      };
    }
    return {
      items: [{ kind: "stored", runId, fileName, path: dest, bytes: stored.bytes, sha256: stored.sha256 }],
    };
  }
}

/** Records the fetched files as upload runs (received, or failed) and what a folder import took. */
async function recordRuns(ctx: Ctx, connector: ConnectorRow, items: Array<Stored | Failed>): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await ctx.db.transaction(async (tx) => {
    for (const item of items) {
      if (item.kind === "stored") {
        await tx.query(
          `INSERT INTO upload_runs (id, connector_id, app_client_id, status, file_name, stored_path, bytes, checksum,
                                    received_at, origin)
           VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, 'schedule')`,
          [item.runId, connector.id, connector.app_client_id, item.fileName, item.path, item.bytes, item.sha256, now],
        );
      } else {
        await tx.query(
          `INSERT INTO upload_runs (id, connector_id, app_client_id, status, file_name, bytes, error, received_at,
                                    finished_at, origin)
           VALUES ($1, $2, $3, 'failed', $4, $5, $6, $7, $7, 'schedule')`,
          [item.runId, connector.id, connector.app_client_id, item.fileName, item.bytes, item.message, now],
        );
      }
      if (item.tracked) {
        await tx.query(
          `INSERT INTO connector_imported_files (connector_id, file_name, bytes, modified_at, run_id, imported_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [connector.id, item.tracked.name, item.tracked.bytes, item.tracked.modifiedAt.toISOString(), item.runId, now],
        );
      }
    }
  });
}

function describeRun(outcome: RunOutcome): string {
  const { run } = outcome;
  const name = run.file_name ? `'${run.file_name}'` : "the file";
  if (run.status === "failed") return `${name} (run ${run.id}) failed: ${run.error ?? "no reason recorded."}`;
  return `${name} (run ${run.id}): ${run.records_received.toLocaleString("en-US")} records received, ${run.records_saved.toLocaleString("en-US")} saved, ${run.records_rejected.toLocaleString("en-US")} rejected, ${run.records_duplicate.toLocaleString("en-US")} duplicates.`;
}

/** Writes the outcome on the schedule and releases the claim. */
async function recordOutcome(ctx: Ctx, connectorId: string, result: ImportResult): Promise<void> {
  await ctx.db.query(
    `UPDATE connector_schedules SET running_since = NULL, last_run_at = $2, last_status = $3, last_message = $4,
            last_run_ids = $5 WHERE connector_id = $1`,
    [connectorId, ctx.clock.now().toISOString(), result.status, result.message, JSON.stringify(result.runIds)],
  );
}

/** Fetches, records and starts processing one import of a claimed schedule. */
async function performImport(ctx: Ctx, connector: ConnectorRow, schedule: ScheduleRow): Promise<ImportStarted> {
  const settle = async (status: ScheduleStatus, message: string, runs: ImportedRun[] = []): Promise<ImportStarted> => {
    // Never rejects: it ends with the outcome recorded on the schedule and the claim released.
    const finished = (async (): Promise<ImportResult> => {
      let finalStatus = status;
      let finalMessage = message;
      if (status === "imported") {
        try {
          const outcomes = await Promise.all(runs.map((r) => r.done));
          if (outcomes.some((o) => o.run.status === "failed")) finalStatus = "failed";
          finalMessage = `Imported ${runs.length} file${runs.length === 1 ? "" : "s"}: ${outcomes.map(describeRun).join(" ")}`;
        } catch (err) {
          ctx.log.error({ err, connectorId: connector.id }, "a scheduled import's run failed");
          finalStatus = "failed";
          finalMessage = `Scheduled import failed on the server: ${(err as Error).message}`;
        }
      }
      const result: ImportResult = {
        connectorId: connector.id,
        status: finalStatus,
        message: finalMessage,
        runIds: runs.map((r) => r.runId),
      };
      await recordOutcome(ctx, connector.id, result).catch((err) =>
        ctx.log.error({ err, connectorId: connector.id }, "recording a scheduled import's outcome failed"),
      );
      return result;
    })();
    return { connectorId: connector.id, status, message, runs, finished };
  };

  if (connector.disabled) {
    return settle("skipped", `Connector '${connector.name}' is disabled; the scheduled import was skipped.`);
  }
  let fetched: Fetched;
  try {
    fetched =
      schedule.source.kind === "folder"
        ? await fetchFolder(ctx, connector, schedule.source)
        : await fetchUrl(ctx, schedule.source);
  } catch (err) {
    ctx.log.error({ err, connectorId: connector.id }, "scheduled import failed");
    fetched = { items: [failedFetch(`Scheduled import failed on the server: ${(err as Error).message}`)] };
  }
  if (fetched.items.length === 0) return settle("no_new_file", fetched.message ?? "No new file.");
  await recordRuns(ctx, connector, fetched.items);

  const runs: ImportedRun[] = [];
  let previous: Promise<unknown> = Promise.resolve();
  for (const item of fetched.items) {
    let done: Promise<RunOutcome>;
    if (item.kind === "stored") {
      // One file after another, in order: a later file of the same connector may update an earlier one's rows.
      done = previous.then(() => startRunProcessing(ctx, item.runId).done);
      previous = done;
    } else {
      done = failedRunOutcome(ctx, item.runId);
    }
    runs.push({ runId: item.runId, fileName: item.fileName, done });
  }
  const stored = fetched.items.filter((i) => i.kind === "stored");
  const failed = fetched.items.filter((i): i is Failed => i.kind === "failed");
  if (stored.length === 0) return settle("failed", failed.map((f) => f.message).join(" "), runs);
  const names = stored.map((s) => s.fileName).join(", ");
  return settle("imported", `Importing ${stored.length} file${stored.length === 1 ? "" : "s"}: ${names}.`, runs);
}

async function failedRunOutcome(ctx: Ctx, runId: string): Promise<RunOutcome> {
  const { rows } = await ctx.db.query<RunOutcome["run"]>(
    `SELECT id, connector_id, app_client_id, status, file_name, stored_path, bytes, checksum, records_received,
            records_saved, records_rejected, records_duplicate, warnings, error, received_at, started_at, finished_at
       FROM upload_runs WHERE id = $1`,
    [runId],
  );
  return { run: rows[0] as RunOutcome["run"] };
}

/**
 * Imports now, by hand (POST …/schedule/run): the same import as a scheduled firing, whether the
 * schedule is enabled or not. A disabled connector refuses (403); an import already running, 409.
 */
export async function runImportNow(ctx: Ctx, connectorId: string): Promise<ImportStarted> {
  const connector = await liveConnector(ctx.db, connectorId);
  if (connector.disabled) {
    throw new AppError(
      "connector_disabled",
      403,
      `Connector '${connector.name}' is disabled; enable it ('openirm connectors enable ${connector.id}') before importing.`,
    );
  }
  const now = ctx.clock.now();
  const { rows } = await ctx.db.query<ScheduleRow>(
    `UPDATE connector_schedules SET running_since = $2
      WHERE connector_id = $1 AND (running_since IS NULL OR running_since < $3)
      RETURNING ${SCHEDULE_COLUMNS}`,
    [connector.id, now.toISOString(), new Date(now.getTime() - STALE_CLAIM_MS).toISOString()],
  );
  const schedule = rows[0];
  if (!schedule) {
    const existing = (await listSchedules(ctx.db, [connector.id])).get(connector.id);
    if (!existing) throw noSchedule(connector);
    throw conflict(
      "import_running",
      `An import of connector '${connector.name}' is already running (since ${toIsoUtc(existing.running_since)}); wait for it to finish.`,
    );
  }
  let started: ImportStarted;
  try {
    started = await performImport(ctx, connector, schedule);
  } catch (err) {
    await recordOutcome(ctx, connector.id, {
      connectorId: connector.id,
      status: "failed",
      message: `Scheduled import failed on the server: ${(err as Error).message}`,
      runIds: [],
    }).catch(() => undefined);
    throw err;
  }
  await audit(ctx, ctx.db, {
    action: "connector.schedule.run",
    category: "Connectors",
    targetType: "connector",
    targetId: connector.id,
    details: { name: connector.name, status: started.status, runIds: started.runs.map((r) => r.runId) },
  });
  return started;
}

/**
 * Claims the enabled schedules that are due at the services' clock (each claim moves its next run
 * on, so a schedule missed while the server was down fires once), imports them and waits until
 * every run is processed. Safe with several servers: a schedule is claimed by one of them.
 */
export async function runDueImports(services: Services): Promise<ImportResult[]> {
  const ctx = withActor(services, SYSTEM_ACTOR);
  const now = ctx.clock.now();
  const claimed = await ctx.db.transaction(async (tx) => {
    const { rows } = await tx.query<ScheduleRow>(
      `SELECT ${SCHEDULE_COLUMNS} FROM connector_schedules
        WHERE enabled AND next_run_at <= $1 AND (running_since IS NULL OR running_since < $2)
        ORDER BY next_run_at LIMIT 100 FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), new Date(now.getTime() - STALE_CLAIM_MS).toISOString()],
    );
    for (const row of rows) {
      const next = nextRunAt(row.cron, row.timezone, now);
      await tx.query("UPDATE connector_schedules SET running_since = $2, next_run_at = $3 WHERE connector_id = $1", [
        row.connector_id,
        now.toISOString(),
        next?.toISOString() ?? null,
      ]);
    }
    return rows;
  });
  return Promise.all(
    claimed.map(async (schedule): Promise<ImportResult> => {
      try {
        const connector = await liveConnector(ctx.db, schedule.connector_id);
        return await (await performImport(ctx, connector, schedule)).finished;
      } catch (err) {
        ctx.log.error({ err, connectorId: schedule.connector_id }, "scheduled import failed");
        const result: ImportResult = {
          connectorId: schedule.connector_id,
          status: "failed",
          message: `Scheduled import failed on the server: ${(err as Error).message}`,
          runIds: [],
        };
        await recordOutcome(ctx, schedule.connector_id, result).catch(() => undefined);
        return result;
      }
    }),
  );
}

export interface ImportAnswer {
  connectorId: string;
  /** The import's outcome, or "processing" when its runs were still being processed at the answer. */
  status: ScheduleStatus | "processing";
  message: string;
  runs: Array<{ runId: string; fileName: string | null; outcome: RunOutcome | undefined }>;
}

/** Imports now and waits for the runs up to config.uploadAnswerWithinMs, as an upload does. */
export async function importNowAndWait(ctx: Ctx, connectorId: string): Promise<ImportAnswer> {
  const started = await runImportNow(ctx, connectorId);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ctx.config.uploadAnswerWithinMs);
  });
  const outcomes = await Promise.all(started.runs.map((r) => Promise.race([r.done, deadline])));
  clearTimeout(timer);
  const runs = started.runs.map((r, i) => ({ runId: r.runId, fileName: r.fileName, outcome: outcomes[i] }));
  if (outcomes.some((o) => o === undefined)) {
    return { connectorId: started.connectorId, status: "processing", message: started.message, runs };
  }
  const result = await started.finished;
  return { connectorId: result.connectorId, status: result.status, message: result.message, runs };
}
