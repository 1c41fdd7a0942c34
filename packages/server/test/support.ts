// Test support: a real server on a fresh in-memory PGlite (or DATABASE_URL's PostgreSQL, reset first),
// with a pinned clock when a test asks for one.

import { randomUUID } from "node:crypto";
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
  /**
   * A JSON API call that must succeed: the answer's body, or an error naming the route and the
   * server's answer (as the admin unless `token` is given).
   */
  call(method: string, url: string, payload?: unknown, token?: string): Promise<any>;
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
  const call: TestServer["call"] = async (method, url, payload, token) => {
    const res = await request({ method, url, payload, ...(token ? { token } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  return Object.assign(server, { adminToken, request, call });
}

/** Creates a console account with these role groups and signs it in; returns its bearer token. */
/** Signs the administrator in again (after the test clock moved past its session): a new token. */
export async function signInAdmin(server: TestServer): Promise<string> {
  const login = await server.request({
    method: "POST",
    url: "/api/auth/login",
    payload: { username: "admin", password: ADMIN_PASSWORD },
    token: null,
  });
  if (login.statusCode !== 200) throw new Error(`signing the admin in: ${login.body}`);
  return login.json().token as string;
}

export async function signInAs(server: TestServer, username: string, roleGroups: string[]): Promise<string> {
  const password = `${username}-password`;
  const created = await server.request({
    method: "POST",
    url: "/api/accounts",
    payload: { username, password, roleGroups },
  });
  if (created.statusCode !== 201) throw new Error(`creating ${username}: ${created.body}`);
  const login = await server.request({
    method: "POST",
    url: "/api/auth/login",
    payload: { username, password },
    token: null,
  });
  return login.json().token as string;
}

/** Inserts a connector row directly (with the app registration it needs); returns its id. */
export async function insertConnector(
  db: Db,
  opts: { name: string; type?: "indicators" | "hr"; config: Record<string, unknown> },
): Promise<string> {
  const appId = randomUUID();
  await db.query(
    "INSERT INTO app_registrations (id, client_id, name, secret_hash) VALUES ($1, $2, $3, 'scrypt$test') ",
    [randomUUID(), appId, `${opts.name} app`],
  );
  const id = randomUUID();
  await db.query(
    "INSERT INTO connectors (id, type, name, app_client_id, job_id, config) VALUES ($1, $2, $3, $4, $5, $6)",
    [id, opts.type ?? "indicators", opts.name, appId, randomUUID(), opts.config],
  );
  return id;
}

/**
 * The indicators connector of the demo's detections file (Salesforce and Dropbox workloads, a
 * numeric Alert_Count), inserted directly; returns its id.
 */
export function insertDetectionsConnector(db: Db, name = "Detections"): Promise<string> {
  return insertConnector(db, {
    name,
    config: {
      columns: [
        { name: "UPN", type: "Text" },
        { name: "Display_Name", type: "Text" },
        { name: "Alert_Count", type: "Number" },
        { name: "Aggregation_Date", type: "DateTime" },
        { name: "Source_Workload", type: "Text" },
      ],
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: "Source_Workload",
      sourceValues: ["Salesforce", "Dropbox"],
      mapping: { Salesforce: ["Display_Name", "Alert_Count"], Dropbox: ["Display_Name", "Alert_Count"] },
    },
  });
}

/** Inserts a monitored user (UPN stored lower-case); returns its id. */
export async function insertDirectoryUser(db: Db, upn: string, displayName?: string): Promise<string> {
  const id = randomUUID();
  await db.query("INSERT INTO directory_users (id, upn, display_name) VALUES ($1, $2, $3)", [
    id,
    upn.toLowerCase(),
    displayName ?? null,
  ]);
  return id;
}

export interface TestSignal {
  connectorId: string;
  userId: string;
  occurredAt: string;
  kind?: string;
  sourceValue?: string | null;
  attributes?: Record<string, unknown>;
}

/** Bulk-inserts signals (COPY), as an upload would store them. */
export async function insertSignals(db: Db, signals: readonly TestSignal[]): Promise<void> {
  await db.copyRows(
    "signals",
    ["connector_id", "user_id", "occurred_at", "kind", "source_value", "attributes", "dedupe_key"],
    signals.map((s) => [
      s.connectorId,
      s.userId,
      s.occurredAt,
      s.kind ?? "indicator",
      s.sourceValue ?? null,
      s.attributes ?? {},
      randomUUID(),
    ]),
  );
}
