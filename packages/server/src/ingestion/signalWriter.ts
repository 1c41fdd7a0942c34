// Writes a run's rows in batches. Each batch is COPied (text format) into a temporary table of the
// connection and moved to signals with ON CONFLICT (connector_id, dedupe_key) DO NOTHING in line
// order, so re-sent rows count as duplicates; rejected rows go to run_rejections (the first
// MAX_STORED_REJECTIONS of a run). Writing is pipelined: while one batch is in the database, the
// next is parsed, keyed and serialised. With strict duplicates the rows are staged in
// upload_staging until the end of the file, when rows sharing user and time are dropped.

import { type MappedSignal, strictDuplicateReason } from "@openirm/domain";
import type { Db, Queryable } from "../store/db.ts";
import { ensureUsers } from "../store/users.ts";
import { CopyTextBuffer, copyJson, copyText } from "./copyText.ts";
import { IdentityText } from "./identity.ts";

/** Rows a batch holds at most. */
export const BATCH_ROWS = 5000;
/**
 * A run's first batch holds this many rows and each next one twice as many (up to BATCH_ROWS),
 * so the database starts early and the batches that follow overlap the reading of the next.
 */
export const FIRST_BATCH_ROWS = 1000;
export const MAX_STORED_REJECTIONS = 10_000;
/** Raw row text kept with a rejection, in characters. */
export const MAX_RAW_CHARS = 2000;

const BATCH_TABLE = "pg_temp.openirm_signal_batch";
const BATCH_COLUMNS = ["line", "user_id", "occurred_at", "kind", "source_value", "attributes", "dedupe_key"] as const;
const STAGING_COLUMNS = [
  "run_id",
  "line",
  "user_id",
  "occurred_at",
  "kind",
  "source_value",
  "attributes",
  "dedupe_key",
  "raw",
] as const;
const REJECTION_COLUMNS = ["run_id", "line", "column_name", "reason", "kind", "raw"] as const;

export interface WriterCounts {
  /** Records read: every signal and rejected record added (not the duplicates strict handling drops). */
  received: number;
  saved: number;
  duplicate: number;
  rejected: number;
  /** Records received that the connector does not import (neither stored nor rejected). */
  skipped: number;
  /** Rejections counted but not stored (over the cap). */
  unstoredRejections: number;
}

interface PendingSignal {
  line: number;
  signal: MappedSignal;
  raw: string;
}

/** A SQL string literal (standard_conforming_strings: only quotes are doubled). */
export const sqlLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * SQL run after a batch's signals are inserted, in the same transaction (e.g. keeping the latest
 * employee profile of each user). `source` is a relation with the batch table's columns (user_id,
 * occurred_at, kind, source_value, attributes, dedupe_key); `run` holds SQL literals of the run's
 * connector ID, run ID and the time. No parameters: the statements travel with the batch.
 */
export type AfterInsert = (source: string, run: { connectorId: string; runId: string; now: string }) => string;

const clip = (raw: string) => (raw.length > MAX_RAW_CHARS ? `${raw.slice(0, MAX_RAW_CHARS)}…` : raw);

export class SignalWriter {
  readonly counts: WriterCounts = {
    received: 0,
    skipped: 0,
    saved: 0,
    duplicate: 0,
    rejected: 0,
    unstoredRejections: 0,
  };
  /** The batch's signals in COPY text format, written as they are added… */
  #batch = new CopyTextBuffer();
  /** …except those of users not seen yet in this run, written once the users exist. */
  #waiting: PendingSignal[] = [];
  #rejections: unknown[][] = [];
  #storedRejections = 0;
  #users = new Map<string, string>();
  #identity: IdentityText;
  #batchRows = FIRST_BATCH_ROWS;
  /** The batch being written, if any (it never rejects: a failure is kept in #failure). */
  #writing: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly db: Db,
    private readonly run: {
      id: string;
      connectorId: string;
      strict: boolean;
      userColumn: string;
      timeColumn: string;
      now: () => Date;
      /** Statements run in the same transaction after the signals of a batch are inserted. */
      afterInsert?: AfterInsert | undefined;
    },
  ) {
    this.#identity = new IdentityText(run.userColumn, run.timeColumn);
  }

  get pending(): number {
    return this.#batch.rows + this.#waiting.length + this.#rejections.length;
  }

  /** Whether the rows added since the last flush make a batch. */
  get full(): boolean {
    return this.pending >= this.#batchRows;
  }

  addSignal(line: number, signal: MappedSignal, raw: string): void {
    this.counts.received++;
    const userId = this.#users.get(signal.upn);
    if (userId === undefined) this.#waiting.push({ line, signal, raw });
    else this.#add(line, signal, raw, userId);
  }

  #add(line: number, signal: MappedSignal, raw: string, userId: string): void {
    const source = signal.sourceValue === null ? "\\N" : copyText(signal.sourceValue);
    const row = `${line}\t${userId}\t${signal.occurredAt}\t${copyText(signal.kind)}\t${source}\t${copyJson(JSON.stringify(signal.attributes))}\t${this.#identity.key(signal)}`;
    this.#batch.addRow(this.run.strict ? `${this.run.id}\t${row}\t${copyText(clip(raw))}` : row);
  }

  /** A record received but not imported (see RowOutcome's skip). */
  skip(): void {
    this.counts.received++;
    this.counts.skipped++;
  }

  addRejection(line: number, column: string | null, reason: string, raw: string, kind = "rejected"): void {
    if (kind === "rejected") {
      this.counts.received++;
      this.counts.rejected++;
    }
    if (this.#storedRejections >= MAX_STORED_REJECTIONS) {
      this.counts.unstoredRejections++;
      return;
    }
    this.#storedRejections++;
    this.#rejections.push([this.run.id, line, column, reason, kind, clip(raw)]);
  }

  /**
   * Completes the batch so far and hands it to the database once the batch before it is written;
   * resolves when it is handed over (`settle` waits until it is written).
   */
  async flush(): Promise<void> {
    if (this.#waiting.length > 0) {
      const waiting = this.#waiting;
      this.#waiting = [];
      await this.#addUsers(waiting);
      for (const { line, signal, raw } of waiting) this.#add(line, signal, raw, this.#users.get(signal.upn) as string);
    }
    const batch = this.#batch;
    const rejections = this.#rejections;
    this.#batch = new CopyTextBuffer();
    this.#rejections = [];
    this.#batchRows = Math.min(BATCH_ROWS, this.#batchRows * 2);
    await this.settle();
    if (batch.rows === 0 && rejections.length === 0) {
      batch.release();
      return;
    }
    this.#writing = this.#write(batch.bytes, batch.rows, rejections)
      .catch((error: unknown) => {
        this.#failure = { error };
      })
      .finally(() => batch.release());
  }

  /** Records the counts so far on the run, for the run log to show progress. */
  async progress(): Promise<void> {
    await this.db.query(
      `UPDATE upload_runs SET records_received = $2, records_saved = $3, records_rejected = $4, records_duplicate = $5
        WHERE id = $1`,
      [this.run.id, this.counts.received, this.counts.saved, this.counts.rejected, this.counts.duplicate],
    );
  }

  /** Waits for the batch in the database; throws what writing it threw. */
  async settle(): Promise<void> {
    await this.#writing;
    if (this.#failure) throw this.#failure.error;
  }

  /** Waits for the batch in the database, whatever its outcome (when the run stops on an error). */
  drain(): Promise<void> {
    return this.#writing;
  }

  /** Creates the users of these signals that do not exist yet and learns everyone's id. */
  async #addUsers(signals: PendingSignal[]): Promise<void> {
    // Bounded cache: a file with millions of distinct users must not grow the heap without end.
    if (this.#users.size > 50_000) this.#users.clear();
    const upns = new Set<string>();
    for (const { signal } of signals) upns.add(signal.upn);
    for (const [upn, id] of await ensureUsers(this.db, upns, this.run.now())) this.#users.set(upn, id);
  }

  async #write(text: Uint8Array, rows: number, rejections: unknown[][]): Promise<void> {
    if (rows > 0 && this.run.strict) {
      await this.db.copyFromText("upload_staging", STAGING_COLUMNS, text);
    } else if (rows > 0) {
      const after = this.run.afterInsert?.(BATCH_TABLE, this.#literals());
      const [inserted = 0] = await this.db.copyInTransaction({
        // The load needs no flush to disk of its own: the run's final update is a normal commit,
        // which makes everything before it durable, and an interrupted run is processed again.
        // (client_min_messages: no notice that the table exists on every batch after the first.)
        setup: `SET LOCAL synchronous_commit = off; SET LOCAL client_min_messages = warning;
                CREATE TEMP TABLE IF NOT EXISTS openirm_signal_batch (
                  line integer NOT NULL, user_id uuid NOT NULL, occurred_at timestamptz NOT NULL, kind text NOT NULL,
                  source_value text, attributes jsonb NOT NULL, dedupe_key uuid NOT NULL
                ) ON COMMIT DELETE ROWS`,
        table: BATCH_TABLE,
        columns: BATCH_COLUMNS,
        data: text,
        // Literals rather than parameters, so that the INSERT and the COMMIT travel together.
        finish: `INSERT INTO signals (connector_id, run_id, user_id, occurred_at, kind, source_value, attributes, dedupe_key, received_at)
                 SELECT ${sqlLiteral(this.run.connectorId)}::uuid, ${sqlLiteral(this.run.id)}::uuid, b.user_id, b.occurred_at,
                        b.kind, b.source_value, b.attributes, b.dedupe_key, ${sqlLiteral(this.run.now().toISOString())}::timestamptz
                   FROM ${BATCH_TABLE} b ORDER BY b.line
                 ON CONFLICT (connector_id, dedupe_key) DO NOTHING${after ? `;\n${after}` : ""}`,
      });
      this.counts.saved += inserted;
      this.counts.duplicate += rows - inserted;
    }
    if (rejections.length > 0) await this.db.copyRows("run_rejections", REJECTION_COLUMNS, rejections);
  }

  #literals() {
    return {
      connectorId: `${sqlLiteral(this.run.connectorId)}::uuid`,
      runId: `${sqlLiteral(this.run.id)}::uuid`,
      now: `${sqlLiteral(this.run.now().toISOString())}::timestamptz`,
    };
  }

  /** Moves the run's staged rows (those matching `filter`) to signals; returns how many were new. */
  async #moveStaged(tx: Queryable, filter: string): Promise<number> {
    const result = await tx.query(
      `INSERT INTO signals (connector_id, run_id, user_id, occurred_at, kind, source_value, attributes, dedupe_key, received_at)
       SELECT $2, s.run_id, s.user_id, s.occurred_at, s.kind, s.source_value, s.attributes, s.dedupe_key, $3
         FROM upload_staging s WHERE s.run_id = $1 ${filter} ORDER BY s.line
       ON CONFLICT (connector_id, dedupe_key) DO NOTHING`,
      [this.run.id, this.run.connectorId, this.run.now().toISOString()],
    );
    const after = this.run.afterInsert?.(
      `(SELECT * FROM upload_staging s WHERE s.run_id = ${sqlLiteral(this.run.id)}::uuid ${filter})`,
      this.#literals(),
    );
    if (after) await tx.query(after);
    await tx.query("DELETE FROM upload_staging WHERE run_id = $1", [this.run.id]);
    return result.rowCount;
  }

  /** Ends the run's writing: the last batch and, with strict duplicates, the drop of shared user+time rows. */
  async finish(): Promise<void> {
    await this.flush();
    await this.settle();
    if (!this.run.strict) return;
    const groups = `SELECT user_id, occurred_at, array_agg(line ORDER BY line) AS lines
                      FROM upload_staging WHERE run_id = $1
                     GROUP BY user_id, occurred_at HAVING count(*) > 1`;
    const { rows: dropped } = await this.db.query<{ n: number }>(
      `SELECT coalesce(sum(array_length(g.lines, 1)), 0)::int AS n FROM (${groups}) g`,
      [this.run.id],
    );
    const droppedCount = dropped[0]?.n ?? 0;
    const room = Math.max(0, MAX_STORED_REJECTIONS - this.#storedRejections);
    const { rows: listed } = await this.db.query<{ line: number; raw: string | null; lines: number[] }>(
      `SELECT s.line, s.raw, g.lines FROM upload_staging s
         JOIN (${groups}) g ON g.user_id = s.user_id AND g.occurred_at = s.occurred_at
        WHERE s.run_id = $1 ORDER BY s.line LIMIT $2`,
      [this.run.id, room],
    );
    for (const row of listed) {
      this.addRejection(row.line, null, strictDuplicateReason(row.line, row.lines), row.raw ?? "", "duplicate");
    }
    this.counts.unstoredRejections += droppedCount - listed.length;
    const { rows: stagedRows } = await this.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM upload_staging WHERE run_id = $1",
      [this.run.id],
    );
    const staged = stagedRows[0]?.n ?? 0;
    const inserted = await this.db.transaction((tx) =>
      this.#moveStaged(
        tx,
        `AND NOT EXISTS (SELECT 1 FROM upload_staging d WHERE d.run_id = s.run_id AND d.user_id = s.user_id
                            AND d.occurred_at = s.occurred_at AND d.line <> s.line)`,
      ),
    );
    this.counts.saved += inserted;
    this.counts.duplicate += staged - inserted;
    await this.flush();
    await this.settle();
  }
}
