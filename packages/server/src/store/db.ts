// Database access for both engines OpenIRM runs on: embedded PGlite (default, persisted under
// DATA_DIR) and PostgreSQL (when DATABASE_URL is set). One SQL dialect, one interface.

import { mkdirSync } from "node:fs";
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
}

export interface Db extends Queryable {
  readonly engine: "pglite" | "postgres";
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
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

function copySql(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.join(", ")}) FROM ${source} WITH (FORMAT csv)`;
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

function pgliteQueryable(conn: PGliteLike): Queryable {
  return {
    async query<T>(text: string, params: readonly SqlParam[] = []) {
      const res = await conn.query<T>(text, params as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      await conn.query(copySql(table, columns, "'/dev/blob'"), [], { blob: new Blob([rowsToCsv(rows)]) });
    },
  };
}

export async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const parsers: Record<number, (v: string) => unknown> = {
    [INT8]: (v) => Number(v),
    [NUMERIC]: (v) => Number(v),
  };
  for (const t of TEXT_TYPES) parsers[t] = (v) => v;
  const db = await PGlite.create(dataDir ?? "memory://", { parsers });
  await db.exec("SET TIME ZONE 'UTC'");
  const mutex = new Mutex();
  const base = pgliteQueryable(db);
  return {
    engine: "pglite",
    query: (text, params) => mutex.run(() => base.query(text, params)),
    copyRows: (table, columns, rows) => mutex.run(() => base.copyRows(table, columns, rows)),
    transaction: (fn) => mutex.run(() => db.transaction((tx) => fn(pgliteQueryable(tx)))),
    close: () => db.close(),
  };
}

function pgClientQueryable(client: pg.PoolClient | pg.Pool): Queryable {
  return {
    async query<T>(text: string, params: readonly SqlParam[] = []) {
      const res = await client.query(text, params as unknown[]);
      return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
    },
    async copyRows(table, columns, rows) {
      if (rows.length === 0) return;
      const run = async (c: pg.PoolClient) => {
        const stream = c.query(copyStreams.from(copySql(table, columns, "STDIN")));
        await new Promise<void>((resolve, reject) => {
          stream.on("finish", resolve);
          stream.on("error", reject);
          stream.end(rowsToCsv(rows));
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
    },
  };
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
    close: () => pool.end(),
  };
}

export function openDatabase(opts: { databaseUrl?: string | undefined; dataDir?: string | undefined }): Promise<Db> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}
