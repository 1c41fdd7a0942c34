// Upload runs: processing a stored upload into signals (and resuming it after a restart), and
// reading runs and their rejected rows back.

import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import {
  AppError,
  type ConnectorConfig,
  type ConnectorKind,
  type ConnectorType,
  type CsvPlan,
  chooseDelimiter,
  connectorKind,
  isBlankRow,
  isHeaderRow,
  notFound,
  type PlanContext,
  type RecordPlan,
  type RowOutcome,
  type UploadFormat,
} from "@openirm/domain";
import type { Ctx } from "../context.ts";
import { afterInsertFor } from "../ingestion/afterInsert.ts";
import { peekFirstLine, readCsvBatches } from "../ingestion/csv.ts";
import { decodeWarnings, UploadDecoder } from "../ingestion/decode.ts";
import { looksLikeJson, readJsonBatches } from "../ingestion/jsonRecords.ts";
import { MAX_STORED_REJECTIONS, SignalWriter } from "../ingestion/signalWriter.ts";
import type { Db } from "../store/db.ts";

export type RunStatus = "received" | "processing" | "completed" | "failed";

export interface RunRow {
  id: string;
  connector_id: string;
  app_client_id: string;
  status: RunStatus;
  file_name: string | null;
  stored_path: string | null;
  bytes: number;
  checksum: string | null;
  records_received: number;
  records_saved: number;
  records_rejected: number;
  records_duplicate: number;
  warnings: string[];
  error: string | null;
  format: UploadFormat;
  received_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface RejectionRow {
  line: number;
  column_name: string | null;
  reason: string;
  kind: string;
  raw: string | null;
}

/** What processing ended with; `error` is set when the run failed. */
export interface RunOutcome {
  run: RunRow;
  error?: AppError | undefined;
}

const RUN_COLUMNS = `id, connector_id, app_client_id, status, file_name, stored_path, bytes, checksum, records_received,
  records_saved, records_rejected, records_duplicate, warnings, error, format, received_at, started_at, finished_at`;

/** Bytes read from a stored upload at a time. */
const READ_BYTES = 64 * 1024;

/** Reading rows gives way to other work (the batch being written) at least this often. */
const YIELD_AFTER_MS = 4;

/** How many line numbers a warning lists. */
const LISTED_LINES = 5;

/** Runs being processed, per database, so stopping the server can wait for them. */
const inflight = new WeakMap<Db, Set<Promise<unknown>>>();

/** Waits until every run this process is working on has finished. */
export async function waitForRuns(db: Db): Promise<void> {
  for (;;) {
    const running = [...(inflight.get(db) ?? [])];
    if (running.length === 0) return;
    await Promise.allSettled(running);
  }
}

export async function getRunRow(db: Db, runId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM upload_runs WHERE id = $1`, [runId]);
  return rows[0];
}

class LineTally {
  count = 0;
  lines: number[] = [];
  add(line: number) {
    this.count++;
    if (this.lines.length < LISTED_LINES) this.lines.push(line);
  }
  get listed() {
    return `${this.lines.join(", ")}${this.count > this.lines.length ? ", …" : ""}`;
  }
}

/**
 * Starts processing a stored run. `headerChecked` settles once the file's header has been matched
 * to the connector (it rejects with the AppError that makes the whole file unusable); `done`
 * always resolves, with the run as it ended.
 */
export function startRunProcessing(
  ctx: Ctx,
  runId: string,
): { headerChecked: Promise<void>; done: Promise<RunOutcome> } {
  let headerOk: () => void = () => undefined;
  let headerFailed: (err: unknown) => void = () => undefined;
  const headerChecked = new Promise<void>((resolve, reject) => {
    headerOk = resolve;
    headerFailed = reject;
  });
  headerChecked.catch(() => undefined);
  const done = processRun(ctx, runId, () => headerOk()).then(
    (run) => ({ run }),
    async (err: unknown) => {
      const error =
        err instanceof AppError
          ? err
          : new AppError("processing_failed", 500, "Processing the upload failed on the server; the error is logged.");
      if (!(err instanceof AppError)) ctx.log.error({ err, runId }, "upload run failed");
      headerFailed(error);
      await ctx.db.query("UPDATE upload_runs SET status = 'failed', error = $2, finished_at = $3 WHERE id = $1", [
        runId,
        error.message,
        ctx.clock.now().toISOString(),
      ]);
      const run = (await getRunRow(ctx.db, runId)) as RunRow;
      if (run.stored_path) await rm(run.stored_path, { force: true });
      return { run, error };
    },
  );
  let set = inflight.get(ctx.db);
  if (!set) {
    set = new Set();
    inflight.set(ctx.db, set);
  }
  set.add(done);
  void done.finally(() => set.delete(done));
  return { headerChecked, done };
}

async function processRun(ctx: Ctx, runId: string, onHeaderChecked: () => void): Promise<RunRow> {
  const { db } = ctx;
  const { rows } = await db.query<RunRow & { type: ConnectorType; config: ConnectorConfig }>(
    `SELECT r.id, r.connector_id, r.stored_path, c.type, c.config
       FROM upload_runs r JOIN connectors c ON c.id = r.connector_id WHERE r.id = $1`,
    [runId],
  );
  const run = rows[0];
  if (!run) throw notFound("Upload run", runId);
  if (!run.stored_path) throw new AppError("file_missing", 500, "The uploaded file of this run is no longer stored.");
  const { config } = run;
  // A run resumed after a restart starts again from its file: drop what the interrupted attempt wrote.
  await db.transaction(async (tx) => {
    await tx.query("DELETE FROM signals WHERE run_id = $1", [runId]);
    await tx.query("DELETE FROM run_rejections WHERE run_id = $1", [runId]);
    await tx.query("DELETE FROM upload_staging WHERE run_id = $1", [runId]);
    await tx.query(
      `UPDATE upload_runs SET status = 'processing', started_at = $2, records_received = 0, records_saved = 0,
              records_rejected = 0, records_duplicate = 0, warnings = '[]'::jsonb, error = NULL WHERE id = $1`,
      [runId, ctx.clock.now().toISOString()],
    );
  });

  const file = createReadStream(run.stored_path, { highWaterMark: READ_BYTES });
  const decoder = new UploadDecoder();
  file.on("error", (err) => decoder.destroy(err));
  file.pipe(decoder);
  let writing: SignalWriter | undefined;
  try {
    const kind = connectorKind(run.type);
    const { firstLine, text } = await peekFirstLine(decoder);
    if (firstLine === undefined) {
      throw new AppError("empty_file", 400, "The file is empty: it has no header line and no rows.", { line: 1 });
    }
    const format: UploadFormat = looksLikeJson(firstLine) ? "json" : "csv";
    checkFormat(kind, format);
    await db.query("UPDATE upload_runs SET format = $2 WHERE id = $1", [runId, format]);
    const writer = new SignalWriter(db, {
      id: runId,
      connectorId: run.connector_id,
      strict: config.strictDuplicates,
      userColumn: config.userColumn,
      timeColumn: config.timeColumn,
      now: () => ctx.clock.now(),
      afterInsert: afterInsertFor(run.type),
    });
    writing = writer;
    const context: PlanContext = { now: ctx.clock.now().toISOString() };
    const reading =
      format === "json"
        ? await readJson(kind, config, context, text, writer, onHeaderChecked)
        : await readCsv(kind, config, context, firstLine, text, writer, onHeaderChecked);
    await writer.finish();

    const warnings = [...decodeWarnings(decoder.report), ...reading.warnings];
    if (writer.counts.unstoredRejections > 0) {
      warnings.push(
        `Only the first ${MAX_STORED_REJECTIONS.toLocaleString("en-US")} rejected or dropped ${format === "json" ? "records" : "rows"} are listed in the log; ${writer.counts.unstoredRejections.toLocaleString("en-US")} more are counted but not listed.`,
      );
    }
    await db.query(
      `UPDATE upload_runs SET status = 'completed', records_received = $2, records_saved = $3, records_rejected = $4,
              records_duplicate = $5, warnings = $6, finished_at = $7, stored_path = NULL WHERE id = $1`,
      [
        runId,
        writer.counts.received,
        writer.counts.saved,
        writer.counts.rejected,
        writer.counts.duplicate,
        JSON.stringify(warnings),
        ctx.clock.now().toISOString(),
      ],
    );
    await rm(run.stored_path, { force: true });
    if (writer.counts.saved > 0) await runHooks(ctx, runId);
    return (await getRunRow(db, runId)) as RunRow;
  } finally {
    // A run stopped by an error still lets the batch in the database finish before it is marked failed.
    await writing?.drain();
    file.destroy();
    decoder.destroy();
  }
}

const FORMAT_NAMES: Record<UploadFormat, string> = {
  csv: "delimited text (CSV or TSV with a header line)",
  json: "JSON records (an array, one object, or one object per line)",
};

/** Refuses a file whose format the connector's type does not read. */
function checkFormat(kind: ConnectorKind, format: UploadFormat): void {
  if (kind.formats.includes(format)) return;
  throw new AppError(
    "wrong_format",
    400,
    `Line 1: the file is ${FORMAT_NAMES[format]}, but a ${kind.type} connector reads ${kind.formats.map((f) => FORMAT_NAMES[f]).join(" or ")}; the whole file was refused.`,
    { line: 1 },
  );
}

interface Reading {
  warnings: string[];
}

/** Gives way to other work (the batch being written) when reading has held the thread for a while. */
class Yielder {
  #since = performance.now();
  async maybe(i: number): Promise<void> {
    if ((i & 127) === 127 && performance.now() - this.#since > YIELD_AFTER_MS) {
      // Lets the database's answers in, so the batch being written goes on while rows are read.
      await new Promise((resolve) => setImmediate(resolve));
      this.#since = performance.now();
    }
  }
}

/** Adds a mapped record to the batch, and hands a full batch to the database. */
async function take(writer: SignalWriter, line: number, outcome: RowOutcome, raw: string): Promise<void> {
  if (outcome.ok) writer.addSignal(line, outcome.signal, raw);
  else if (outcome.skip) writer.skip();
  else writer.addRejection(line, outcome.column, outcome.reason, raw);
  if (writer.full) {
    // Hands the batch to the database and goes on reading while it is written.
    await writer.flush();
    await writer.progress();
  }
}

async function readCsv(
  kind: ConnectorKind,
  config: ConnectorConfig,
  context: PlanContext,
  firstLine: string,
  text: AsyncIterable<string>,
  writer: SignalWriter,
  onHeaderChecked: () => void,
): Promise<Reading> {
  const delimiter = chooseDelimiter(firstLine, config.delimiter, kind.delimiters);
  const planCsv = kind.planCsv as NonNullable<ConnectorKind["planCsv"]>;
  let plan: CsvPlan | undefined;
  const joined = new LineTally();
  const padded = new LineTally();
  const yielder = new Yielder();
  for await (const items of readCsvBatches(text, delimiter)) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as (typeof items)[number];
      await yielder.maybe(i);
      if (!plan) {
        if (item.kind === "broken" || isBlankRow(item.fields)) continue;
        plan = planCsv(config, item.fields, delimiter, context);
        onHeaderChecked();
        continue;
      }
      if (item.kind === "broken") {
        writer.addRejection(item.line, null, item.reason, item.raw);
        continue;
      }
      if (isBlankRow(item.fields) || isHeaderRow(plan, item.fields)) continue;
      const outcome = plan.map(item.fields, item.line);
      if (outcome.fix === "joined") joined.add(item.line);
      else if (outcome.fix === "padded") padded.add(item.line);
      await take(writer, item.line, outcome, item.raw);
    }
  }
  if (!plan)
    throw new AppError("empty_file", 400, "The file is empty: it has no header line and no rows.", { line: 1 });
  onHeaderChecked();
  const warnings = [...plan.warnings];
  const lastColumn = plan.header[plan.header.length - 1];
  if (joined.count > 0) {
    warnings.push(
      `${joined.count} row(s) had more fields than the header (lines ${joined.listed}); the extra fields were joined into the last column '${lastColumn}'. Quote values that contain the delimiter.`,
    );
  }
  if (padded.count > 0) {
    warnings.push(
      `${padded.count} row(s) had fewer fields than the header (lines ${padded.listed}); the missing trailing columns were read as empty.`,
    );
  }
  warnings.push(...(plan.finish?.() ?? []));
  return { warnings };
}

async function readJson(
  kind: ConnectorKind,
  config: ConnectorConfig,
  context: PlanContext,
  text: AsyncIterable<string>,
  writer: SignalWriter,
  onHeaderChecked: () => void,
): Promise<Reading> {
  const plan: RecordPlan<{ value: unknown; number: number }> = (
    kind.planJson as NonNullable<ConnectorKind["planJson"]>
  )(config, context);
  onHeaderChecked();
  const yielder = new Yielder();
  for await (const items of readJsonBatches(text)) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as (typeof items)[number];
      await yielder.maybe(i);
      if (item.kind === "broken") {
        writer.addRejection(item.number, null, item.reason, item.raw);
        continue;
      }
      await take(writer, item.number, plan.map({ value: item.value, number: item.number }, item.number), item.raw);
    }
  }
  return { warnings: [...plan.warnings, ...(plan.finish?.() ?? [])] };
}

/** Tells the scoring engine (and any other listener) which users got new signals; never fails the run. */
async function runHooks(ctx: Ctx, runId: string): Promise<void> {
  if (ctx.hooks.afterSignalsStored.length === 0) return;
  const { rows } = await ctx.db.query<{ user_id: string }>("SELECT DISTINCT user_id FROM signals WHERE run_id = $1", [
    runId,
  ]);
  const userIds = rows.map((r) => r.user_id);
  for (const hook of ctx.hooks.afterSignalsStored) {
    try {
      await hook(ctx, { runId, userIds });
    } catch (err) {
      ctx.log.error({ err, runId }, "a hook after stored signals failed; the upload is not affected");
    }
  }
}

export async function getRun(ctx: Ctx, runId: string): Promise<{ run: RunRow; rejections: RejectionRow[] }> {
  const run = isUuid(runId) ? await getRunRow(ctx.db, runId) : undefined;
  if (!run) throw notFound("Upload run", runId);
  const { rows } = await ctx.db.query<RejectionRow>(
    "SELECT line, column_name, reason, kind, raw FROM run_rejections WHERE run_id = $1 ORDER BY line LIMIT 100",
    [runId],
  );
  return { run, rejections: rows };
}

export async function listRuns(
  ctx: Ctx,
  connectorId: string,
  page: { limit: number; offset: number },
): Promise<{ items: RunRow[]; total: number }> {
  const [items, total] = await Promise.all([
    ctx.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM upload_runs WHERE connector_id = $1 ORDER BY received_at DESC, id LIMIT $2 OFFSET $3`,
      [connectorId, page.limit, page.offset],
    ),
    ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM upload_runs WHERE connector_id = $1", [connectorId]),
  ]);
  return { items: items.rows, total: total.rows[0]?.n ?? 0 };
}

/** Every run of a connector, newest first, a page at a time (for the downloadable log). */
export async function* allRuns(ctx: Ctx, connectorId: string): AsyncGenerator<RunRow> {
  for (let offset = 0; ; offset += 1000) {
    const { items } = await listRuns(ctx, connectorId, { limit: 1000, offset });
    yield* items;
    if (items.length < 1000) return;
  }
}

/** Every stored rejection of a run, in line order, a page at a time. */
export async function* allRejections(ctx: Ctx, runId: string): AsyncGenerator<RejectionRow> {
  if (!isUuid(runId) || !(await getRunRow(ctx.db, runId))) throw notFound("Upload run", runId);
  let after = -1;
  for (;;) {
    const { rows } = await ctx.db.query<RejectionRow>(
      `SELECT line, column_name, reason, kind, raw FROM run_rejections WHERE run_id = $1 AND line > $2
        ORDER BY line LIMIT 1000`,
      [runId, after],
    );
    yield* rows;
    if (rows.length < 1000) return;
    after = (rows[rows.length - 1] as RejectionRow).line;
  }
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
