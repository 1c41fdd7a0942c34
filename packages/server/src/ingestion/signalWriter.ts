// Writes a run's rows in batches: signals are COPied into upload_staging and moved to signals with
// ON CONFLICT (connector_id, dedupe_key) DO NOTHING, so re-sent rows count as duplicates; rejected
// rows go to run_rejections (the first MAX_STORED_REJECTIONS of a run). With strict duplicates the
// staged rows stay until the end of the file, when rows sharing user and time are dropped.

import { createHash } from "node:crypto";
import { type MappedSignal, signalIdentity, strictDuplicateReason } from "@openirm/domain";
import type { Db, Queryable } from "../store/db.ts";
import { ensureUsers } from "../store/users.ts";

export const BATCH_ROWS = 5000;
export const MAX_STORED_REJECTIONS = 10_000;
/** Raw row text kept with a rejection, in characters. */
export const MAX_RAW_CHARS = 2000;

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
  saved: number;
  duplicate: number;
  rejected: number;
  /** Rejections counted but not stored (over the cap). */
  unstoredRejections: number;
}

interface PendingSignal {
  line: number;
  signal: MappedSignal;
  raw: string;
}

const clip = (raw: string) => (raw.length > MAX_RAW_CHARS ? `${raw.slice(0, MAX_RAW_CHARS)}…` : raw);

export class SignalWriter {
  readonly counts: WriterCounts = { saved: 0, duplicate: 0, rejected: 0, unstoredRejections: 0 };
  #signals: PendingSignal[] = [];
  #rejections: unknown[][] = [];
  #storedRejections = 0;
  #users = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly run: {
      id: string;
      connectorId: string;
      strict: boolean;
      userColumn: string;
      timeColumn: string;
      now: () => Date;
    },
  ) {}

  get pending(): number {
    return this.#signals.length + this.#rejections.length;
  }

  addSignal(line: number, signal: MappedSignal, raw: string): void {
    this.#signals.push({ line, signal, raw });
  }

  addRejection(line: number, column: string | null, reason: string, raw: string, kind = "rejected"): void {
    if (kind === "rejected") this.counts.rejected++;
    if (this.#storedRejections >= MAX_STORED_REJECTIONS) {
      this.counts.unstoredRejections++;
      return;
    }
    this.#storedRejections++;
    this.#rejections.push([this.run.id, line, column, reason, kind, clip(raw)]);
  }

  /** Stores the batch so far. */
  async flush(): Promise<void> {
    const signals = this.#signals;
    const rejections = this.#rejections;
    this.#signals = [];
    this.#rejections = [];
    if (signals.length > 0) await this.#stage(signals);
    if (rejections.length > 0) await this.db.copyRows("run_rejections", REJECTION_COLUMNS, rejections);
  }

  async #userIds(signals: PendingSignal[]): Promise<Map<string, string>> {
    const unknown = signals.map((s) => s.signal.upn).filter((upn) => !this.#users.has(upn));
    if (unknown.length > 0) {
      // Bounded cache: a file with millions of distinct users must not grow the heap without end.
      if (this.#users.size > 50_000) this.#users.clear();
      for (const [upn, id] of await ensureUsers(this.db, unknown, this.run.now())) this.#users.set(upn, id);
    }
    return this.#users;
  }

  async #stage(signals: PendingSignal[]): Promise<void> {
    const users = await this.#userIds(signals);
    const rows = signals.map(({ line, signal, raw }) => [
      this.run.id,
      line,
      users.get(signal.upn),
      signal.occurredAt,
      signal.kind,
      signal.sourceValue,
      signal.attributes,
      createHash("sha256")
        .update(signalIdentity(signal, this.run.userColumn, this.run.timeColumn))
        .digest("hex"),
      this.run.strict ? clip(raw) : null,
    ]);
    if (this.run.strict) {
      await this.db.copyRows("upload_staging", STAGING_COLUMNS, rows);
      return;
    }
    const inserted = await this.db.transaction(async (tx) => {
      await tx.copyRows("upload_staging", STAGING_COLUMNS, rows);
      return this.#moveStaged(tx, "");
    });
    this.counts.saved += inserted;
    this.counts.duplicate += signals.length - inserted;
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
    await tx.query("DELETE FROM upload_staging WHERE run_id = $1", [this.run.id]);
    return result.rowCount;
  }

  /** Ends the run's writing: the last batch and, with strict duplicates, the drop of shared user+time rows. */
  async finish(): Promise<void> {
    await this.flush();
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
  }
}
