import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support.ts";
import { CopyTextBuffer, copyJson, copyText } from "../ingestion/copyText.ts";
import { type Db, openPglite } from "./db.ts";

let db: Db;
beforeAll(async () => {
  db = await freshDatabase();
  await db.query("CREATE TABLE bulk (id int PRIMARY KEY, label text, doc jsonb)");
});
afterAll(async () => db.close());

describe(`bulk loads (${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"})`, () => {
  it("loads COPY text rows with tabs, line breaks, backslashes, NULLs and accents intact", async () => {
    const rows = new CopyTextBuffer(8);
    rows.addRow(`1\t${copyText("a\tb\nc\r\\d")}\t${copyJson(JSON.stringify({ path: "C:\\temp", note: 'say "hi"' }))}`);
    rows.addRow("2\t\\N\t{}");
    rows.addRow(`3\t${copyText("Zoë ✓")}\t[]`);
    await db.copyFromText("bulk", ["id", "label", "doc"], rows.bytes);
    rows.release();
    const { rows: stored } = await db.query("SELECT id, label, doc FROM bulk ORDER BY id");
    expect(stored).toEqual([
      { id: 1, label: "a\tb\nc\r\\d", doc: { path: "C:\\temp", note: 'say "hi"' } },
      { id: 2, label: null, doc: {} },
      { id: 3, label: "Zoë ✓", doc: [] },
    ]);
  });

  it("runs setup, COPY and finish in one transaction and counts what finish changed", async () => {
    const counts = await db.copyInTransaction({
      setup: "CREATE TEMP TABLE IF NOT EXISTS bulk_in (id int, label text) ON COMMIT DELETE ROWS",
      table: "pg_temp.bulk_in",
      columns: ["id", "label"],
      data: "10\tten\n11\televen\n1\tone again\n",
      finish:
        "INSERT INTO bulk (id, label) SELECT id, label FROM bulk_in ON CONFLICT (id) DO NOTHING; DELETE FROM bulk WHERE id = 3",
    });
    expect(counts).toEqual([2, 1]);
    const { rows } = await db.query<{ id: number }>("SELECT id FROM bulk ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual([1, 2, 10, 11]);
  });

  it("keeps nothing of a load whose finish fails", async () => {
    await expect(
      db.copyInTransaction({
        setup: "DELETE FROM bulk WHERE id = 2",
        table: "bulk",
        columns: ["id", "label"],
        data: "20\ttwenty\n",
        finish: "INSERT INTO bulk (id) VALUES (10)",
      }),
    ).rejects.toThrow(/duplicate key/);
    const { rows } = await db.query<{ id: number }>("SELECT id FROM bulk ORDER BY id");
    expect(rows.map((r) => r.id)).toEqual([1, 2, 10, 11]);
  });
});

describe.skipIf(process.env.DATABASE_URL)("the embedded database's data directory", () => {
  it("is created on first start and opened again with what was stored, with a 32 MB buffer cache", async () => {
    const dir = mkdtempSync(join(tmpdir(), "openirm-pglite-"));
    try {
      const first = await openPglite(join(dir, "db"));
      expect(existsSync(join(dir, "db", "PG_VERSION"))).toBe(true);
      await first.query("CREATE TABLE kept (x int)");
      await first.query("INSERT INTO kept VALUES (7)");
      expect((await first.query("SHOW shared_buffers")).rows).toEqual([{ shared_buffers: "32MB" }]);
      await first.close();
      const again = await openPglite(join(dir, "db"));
      expect((await again.query("SELECT x FROM kept")).rows).toEqual([{ x: 7 }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
