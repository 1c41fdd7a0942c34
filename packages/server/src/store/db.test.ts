import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../../test/support.ts";
import type { Db } from "./db.ts";
import { migrate } from "./migrate.ts";

let db: Db;
beforeAll(async () => {
  db = await freshDatabase();
  await db.query("CREATE TABLE t (id int PRIMARY KEY, label text, at timestamptz, doc jsonb, n bigint)");
});
afterAll(async () => db.close());

describe(`storage (${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"})`, () => {
  it("bulk-loads rows with COPY, keeping quotes, newlines, empty strings and NULLs apart", async () => {
    await db.copyRows(
      "t",
      ["id", "label", "at", "doc", "n"],
      [
        [1, 'say "hi",\nthen go', "2019-04-23T09:48:02.467504Z", { a: 1, b: "x,y" }, 9007199254740991],
        [2, "", null, null, null],
        [3, null, "2019-04-23T15:18:02.467504+05:30", [1, 2], 0],
      ],
    );
    const { rows } = await db.query<{
      id: number;
      label: string | null;
      at: string | null;
      doc: unknown;
      n: number | null;
    }>("SELECT id, label, at, doc, n FROM t ORDER BY id");
    expect(rows).toEqual([
      {
        id: 1,
        label: 'say "hi",\nthen go',
        at: "2019-04-23 09:48:02.467504+00",
        doc: { a: 1, b: "x,y" },
        n: 9007199254740991,
      },
      { id: 2, label: "", at: null, doc: null, n: null },
      { id: 3, label: null, at: "2019-04-23 09:48:02.467504+00", doc: [1, 2], n: 0 },
    ]);
  });

  it("rolls a failed transaction back whole", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t (id, label) VALUES (10, 'kept?')");
        await tx.query("INSERT INTO t (id, label) VALUES (10, 'duplicate key')");
      }),
    ).rejects.toThrow();
    expect((await db.query("SELECT 1 FROM t WHERE id = 10")).rows).toHaveLength(0);
  });

  it("runs concurrent transactions without interleaving their statements", async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO t (id, label) VALUES ($1, 'a')", [100 + i]);
          await tx.query("UPDATE t SET label = 'b' WHERE id = $1", [100 + i]);
        }),
      ),
    );
    const { rows } = await db.query<{ c: number }>("SELECT count(*)::int AS c FROM t WHERE id >= 100 AND label = 'b'");
    expect(rows[0]!.c).toBe(10);
  });

  it("applies migrations once", async () => {
    const first = await migrate(db);
    const second = await migrate(db);
    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual([]);
  });
});
