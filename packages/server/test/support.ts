// Test support: a real server on a fresh in-memory PGlite (or DATABASE_URL's PostgreSQL, reset first),
// with a pinned clock when a test asks for one.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../src/context.ts";
import { type RunningServer, type StartOptions, startServer } from "../src/server.ts";
import { type Db, openDatabase, openPglite } from "../src/store/db.ts";

export const ADMIN_PASSWORD = "correct horse battery staple";

/** A clock tests can move. */
export class TestClock implements Clock {
  constructor(public current: Date = new Date("2026-11-21T12:00:00.000Z")) {}
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** A fresh database: in-memory PGlite, or an emptied schema on DATABASE_URL. */
export async function freshDatabase(): Promise<Db> {
  const url = process.env.DATABASE_URL;
  if (!url) return openPglite();
  const db = await openDatabase({ databaseUrl: url });
  await db.query("DROP SCHEMA IF EXISTS public CASCADE");
  await db.query("CREATE SCHEMA public");
  return db;
}

export interface TestServer extends RunningServer {
  adminToken: string;
  /** fastify.inject with the admin's bearer token unless `token` is given (null: none). */
  request(opts: {
    method: string;
    url: string;
    payload?: unknown;
    headers?: Record<string, string>;
    token?: string | null;
  }): Promise<{
    statusCode: number;
    json: () => any;
    body: string;
    headers: Record<string, unknown>;
  }>;
}

export async function startTestServer(opts: StartOptions & { listen?: boolean } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "openirm-test-"));
  const server = await startServer({
    logger: false,
    jobs: false,
    listen: false,
    db: await freshDatabase(),
    ...opts,
    config: { adminPassword: ADMIN_PASSWORD, dataDir, demo: false, port: 0, host: "127.0.0.1", ...opts.config },
  });
  const login = await server.app.inject({
    method: "POST",
    url: "/api/auth/login",
    payload: { username: "admin", password: ADMIN_PASSWORD },
  });
  const adminToken = login.json().token as string;
  const request: TestServer["request"] = async ({ method, url, payload, headers, token }) => {
    const auth = token === null ? {} : { authorization: `Bearer ${token ?? adminToken}` };
    const res = await server.app.inject({
      method: method as "GET",
      url,
      payload: payload as string,
      headers: { ...auth, ...headers },
    });
    return { statusCode: res.statusCode, json: () => res.json(), body: res.body, headers: res.headers };
  };
  return Object.assign(server, { adminToken, request });
}
