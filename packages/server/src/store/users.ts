// Directory users (the people being monitored) are created on first sight, keyed by lower-case UPN.

import { randomUUID } from "node:crypto";
import type { Queryable } from "./db.ts";

/** Upserts users by UPN (lower-cased and trimmed here) and returns every UPN's id. */
export async function ensureUsers(db: Queryable, upns: Iterable<string>, now: Date): Promise<Map<string, string>> {
  const wanted = [...new Set([...upns].map((u) => u.trim().toLowerCase()).filter((u) => u.length > 0))];
  const ids = new Map<string, string>();
  if (wanted.length === 0) return ids;
  const find = async (list: string[]) => {
    const { rows } = await db.query<{ id: string; upn: string }>(
      "SELECT id, upn FROM directory_users WHERE upn = ANY($1::text[])",
      [list],
    );
    for (const row of rows) ids.set(row.upn, row.id);
  };
  // Most users of an upload exist already: look them up first and create only the others.
  await find(wanted);
  const missing = wanted.filter((upn) => !ids.has(upn));
  if (missing.length === 0) return ids;
  await db.query(
    `INSERT INTO directory_users (id, upn, created_at)
     SELECT u.id, u.upn, $3 FROM unnest($1::uuid[], $2::text[]) AS u(id, upn)
     ON CONFLICT (upn) DO NOTHING`,
    [missing.map(() => randomUUID()), missing, now.toISOString()],
  );
  await find(missing);
  return ids;
}
