// Database access for both engines OpenIRM runs on: embedded PGlite (default, persisted under
// DATA_DIR) and PostgreSQL (when DATABASE_URL is set). One SQL dialect, one interface.

import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import copyStreams from "pg-copy-streams";

export type SqlParam =
  | string
  | number
  | boolean
  | null
  | Date
  | string[]
  | number[]
  | Record<string, unknown>
  | unknown[];

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: readonly SqlParam[]): Promise<QueryResult<T>>;
  /** Bulk-load rows with COPY … FROM (CSV). Values are written as text; null becomes NULL. */
  copyRows(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Bulk-load text already in COPY's text format (tab-separated, `\N` for NULL, one row a line). */
  copyFromText(table: string, columns: readonly string[], text: string | Uint8Array): Promise<void>;
}

/** A bulk load in one transaction: see Db.copyInTransaction. */
export interface CopyLoad {
  /** Statements without parameters, run first. */
  setup: string;
  table: string;
  columns: readonly string[];
  /** Rows in COPY text format. */
  data: string | Uint8Array;
  /** Statements without parameters, run after the COPY. */
  finish: string;
}

export interface Db extends Queryable {
  readonly engine: "pglite" | "postgres";
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `setup`, a COPY of `data` into `table` and `finish` in one transaction, in as few round
   * trips as the engine allows (three on PostgreSQL). Returns how many rows each statement of
   * `finish` affected.
   */
  copyInTransaction(load: CopyLoad): Promise<number[]>;
  close(): Promise<void>;
}

/** Timestamps, dates and 64-bit integers come back as strings/numbers we control (microseconds kept). */
const TEXT_TYPES = [1082, 1114, 1184]; // date, timestamp, timestamptz
const INT8 = 20;
const NUMERIC = 1700;

function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let s: string;
  if (typeof value === "string") s = value;
  else if (value instanceof Date) s = value.toISOString();
  else if (typeof value === "object") s = JSON.stringify(value);
  else s = String(value);
  // Always quote: an empty quoted string is '' while an unquoted empty field is NULL.
  return `"${s.replaceAll('"', '""')}"`;
}

export function rowsToCsv(rows: readonly (readonly unknown[])[]): string {
  let out = "";
  for (const row of rows) out += `${row.map(csvField).join(",")}\n`;
  return out;
}

function copySql(table: string, columns: readonly string[], source: string, format: "csv" | "text" = "csv"): string {
  return `COPY ${table} (${columns.join(", ")}) FROM ${source} WITH (FORMAT ${format})`;
}

/** A promise-chain mutex: PGlite has one connection, so transactions must not interleave. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

type PGliteLike = Pick<PGlite, "query">;

/** ArrayBuffer's resizable form (ES2024; Node.js 20 has it). */
const ResizableArrayBuffer = ArrayBuffer as unknown as new (
  length: number,
  options: { maxByteLength: number },
) => ArrayBuffer & { resize(length: number): void };

/**
 * The bytes a PGlite COPY reads from /dev/blob. PGlite takes them from the blob's arrayBuffer():
 * a new Blob, and the ArrayBuffer PGlite makes of it, would be two copies of every batch left for
 * the garbage collector (they pile up by the hundred megabytes before it runs). One resizable
 * buffer per database, trimmed to each load's length, is reused instead. Loads on one PGlite
 * database never overlap (its mutex).
 */
class BlobBytes {
  static readonly MAX = 64 * 1024 * 1024;
  #buffer = new ResizableArrayBuffer(0, { maxByteLength: BlobBytes.MAX });

  /** A Blob-like whose arrayBuffer() is `data` (in the shared buffer when it fits). */
  of(data: string | Uint8Array): Blob {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let buffer: ArrayBuffer;
    if (bytes.length <= BlobBytes.MAX) {
      this.#buffer.resize(bytes.length);
      buffer = this.#buffer;
    } else {
      buffer = new ArrayBuffer(bytes.length);
    }
    new Uint8Array(buffer).set(bytes);
    return { arrayBuffer: async () => buffer } as unknown as Blob;
  }
}

function pgliteQueryable(conn: PGliteLike, blobs: BlobBytes): Queryable {
  return {
    async query<T>(text: string, params: readonly SqlParam[] = []) {
      const res = await conn.query<T>(text, params as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      await conn.query(copySql(table, columns, "'/dev/blob'"), [], { blob: blobs.of(rowsToCsv(rows)) });
    },
    async copyFromText(table, columns, text) {
      if (text.length === 0) return;
      await conn.query(copySql(table, columns, "'/dev/blob'", "text"), [], { blob: blobs.of(text) });
    },
  };
}

/**
 * PGlite's shared buffers, allocated (and touched) inside its WebAssembly memory at start: its
 * default of 128 MB is most of an idle server's memory, and a smaller cache costs uploads little.
 */
const PGLITE_SHARED_BUFFERS = "32MB";

/**
 * Creates a PGlite data directory in a short-lived child process. Creating one runs initdb in
 * further WebAssembly instances, which would leave the server holding several hundred megabytes
 * it never uses again.
 */
async function initPgliteDir(dataDir: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const script = `require(${JSON.stringify(entry)}).PGlite.create(${JSON.stringify(dataDir)}).then((db) => db.close())`;
  try {
    await promisify(execFile)(process.execPath, ["-e", script], { timeout: 300_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`Could not create the embedded database in ${dataDir}: ${e.stderr || e.message}`);
  }
}

export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, "PG_VERSION"))) await initPgliteDir(dataDir);
  }
  const parsers: Record<number, (v: string) => unknown> = {
    [INT8]: (v) => Number(v),
    [NUMERIC]: (v) => Number(v),
  };
  for (const t of TEXT_TYPES) parsers[t] = (v) => v;
  const db = await PGlite.create(dataDir ?? "memory://", {
    parsers,
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  });
  await db.exec("SET TIME ZONE 'UTC'");
  const mutex = new Mutex();
  const blobs = new BlobBytes();
  const base = pgliteQueryable(db, blobs);
  return {
    engine: "pglite",
    query: (text, params) => mutex.run(() => base.query(text, params)),
    copyRows: (table, columns, rows) => mutex.run(() => base.copyRows(table, columns, rows)),
    copyFromText: (table, columns, text) => mutex.run(() => base.copyFromText(table, columns, text)),
    transaction: (fn) => mutex.run(() => db.transaction((tx) => fn(pgliteQueryable(tx, blobs)))),
    copyInTransaction: (load) =>
      mutex.run(() =>
        db.transaction(async (tx) => {
          await tx.exec(load.setup);
          await pgliteQueryable(tx, blobs).copyFromText(load.table, load.columns, load.data);
          const results = await tx.exec(load.finish);
          return results.map((r) => r.rowCount ?? 0);
        }),
      ),
    close: () => db.close(),
  };
}

function pgClientQueryable(client: pg.PoolClient | pg.Pool): Queryable {
  return {
    async query<T>(text: string, params: readonly SqlParam[] = []) {
      const res = await client.query(text, params as unknown[]);
      return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
    },
    copyRows(table, columns, rows) {
      if (rows.length === 0) return Promise.resolve();
      return copyIn(client, copySql(table, columns, "STDIN"), rowsToCsv(rows));
    },
    copyFromText(table, columns, text) {
      if (text.length === 0) return Promise.resolve();
      return copyIn(client, copySql(table, columns, "STDIN", "text"), text);
    },
  };
}

async function copyIn(client: pg.PoolClient | pg.Pool, sql: string, data: string | Uint8Array): Promise<void> {
  const run = async (c: pg.PoolClient) => {
    const stream = c.query(copyStreams.from(sql));
    await new Promise<void>((resolve, reject) => {
      stream.on("finish", resolve);
      stream.on("error", reject);
      stream.end(data);
    });
  };
  if (client instanceof pg.Pool) {
    const c = await client.connect();
    try {
      await run(c);
    } finally {
      c.release();
    }
  } else {
    await run(client);
  }
}

export async function openPostgres(url: string): Promise<Db> {
  const types = {
    getTypeParser: (oid: number, format?: string) => {
      if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
      if (TEXT_TYPES.includes(oid)) return (v: string) => v;
      return pg.types.getTypeParser(oid, format as "text");
    },
  };
  const pool = new pg.Pool({ connectionString: url, max: 10, options: "-c TimeZone=UTC", types });
  await pool.query("SELECT 1");
  const base = pgClientQueryable(pool);
  return {
    engine: "postgres",
    query: base.query,
    copyRows: base.copyRows,
    copyFromText: base.copyFromText,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(pgClientQueryable(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async copyInTransaction(load) {
      const client = await pool.connect();
      try {
        // Statements without parameters go as one simple query: BEGIN and setup in one round trip,
        // finish and COMMIT in another.
        await client.query(`BEGIN; ${load.setup}`);
        await copyIn(client, copySql(load.table, load.columns, "STDIN", "text"), load.data);
        const results = (await client.query(`${load.finish}; COMMIT`)) as unknown as pg.QueryResult[];
        return results.slice(0, -1).map((r) => r.rowCount ?? 0);
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export function openDatabase(opts: { databaseUrl?: string | undefined; dataDir?: string | undefined }): Promise<Db> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}
