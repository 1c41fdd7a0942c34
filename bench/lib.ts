// Helpers shared by the benchmarks (bench/*.ts): the server bundle started as a child process on
// PGlite or PostgreSQL, API calls, a database of its own on DATABASE_URL, the server's peak memory
// and CPU time from /proc, streaming file writes and the results table.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { cpus, freemem, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");
export const ADMIN_PASSWORD = "bench-admin-password";

export const log = (text: string) => process.stderr.write(`${text}\n`);

/** Builds the server bundle `npm start` runs (dist/openirm.mjs). */
export function buildServer(): void {
  execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });
}

/** Node version, CPUs and memory of this machine, for the results' heading. */
export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  return (
    `node ${process.version}, ${cpus().length} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM ` +
    `(${(freemem() / 2 ** 30).toFixed(1)} free)`
  );
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const address = probe.address();
  await new Promise((r) => probe.close(r));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/** Writes lines produced by `line(i)` for i < rows, streaming. */
export async function writeLines(path: string, rows: number, line: (i: number) => string, prefix = "", suffix = "") {
  await writeStrings(
    path,
    (function* () {
      for (let i = 0; i < rows; i++) yield line(i);
    })(),
    prefix,
    suffix,
  );
}

/** Writes the strings of an iterable one after another, streaming (never the whole file in memory). */
export async function writeStrings(path: string, parts: Iterable<string>, prefix = "", suffix = "") {
  const out = createWriteStream(path);
  let buffer = prefix;
  for (const part of parts) {
    buffer += part;
    if (buffer.length >= 1 << 16) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once("drain", () => r()));
      buffer = "";
    }
  }
  out.end(buffer + suffix);
  await new Promise<void>((r, j) => {
    out.once("finish", () => r());
    out.once("error", j);
  });
}

/** CPU time (user + system) a process has used, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export interface StartedServer {
  url: string;
  child: ChildProcess;
  tenantId: string;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  /** Starts the server with `node --cpu-prof`, leaving its profile in this directory. */
  cpuProf?: string;
  /** More environment variables for the server. */
  env?: NodeJS.ProcessEnv;
}

/** `node dist/openirm.mjs serve` on a free port with a temporary DATA_DIR, on PGlite without a URL. */
export async function startChildServer(
  databaseUrl: string | undefined,
  opts: ChildServerOptions = {},
): Promise<StartedServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "openirm-bench-data-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    OPENIRM_DEMO: "off",
    OPENIRM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: "warn",
    ...opts.env,
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  const profile = opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${resolve(opts.cpuProf)}`] : [];
  // The server as `npm start` runs it: the bundle scripts/build.mjs makes.
  const child = spawn(process.execPath, [...profile, join(ROOT, "dist/openirm.mjs"), "serve"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  let stopping = false;
  // A server that dies mid-benchmark says why.
  child.once("exit", (code, signal) => {
    if (!stopping) log(`the server exited (${code ?? signal}); its last output:\n${output.slice(-4000)}`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not start within 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const tenantId = /tenant ID: ([0-9a-f-]{36})/.exec(output)?.[1];
  if (!tenantId) throw new Error(`no tenant ID in the server's output:\n${output}`);
  return {
    url,
    child,
    tenantId,
    async stop() {
      stopping = true;
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function api<T = any>(
  url: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
) {
  const send = () =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  let res: Response | undefined;
  for (let attempt = 1; res === undefined; attempt++) {
    try {
      res = await send();
    } catch (err) {
      // Kept-alive connections the server closed while the benchmark was busy elsewhere (a long
      // load): the request never reached the server, so it is sent again, until a new connection.
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 10 || (code !== "EPIPE" && code !== "ECONNRESET" && code !== "UND_ERR_SOCKET")) throw err;
    }
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * A JSON API call without a client-side time limit (fetch gives up waiting for the answer's headers
 * after 300 s), for requests that may run for many minutes.
 */
export function apiNoTimeout<T = any>(url: string, token: string, method: string, path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<T>((resolvePromise, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload !== undefined ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => {
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`));
          else resolvePromise(JSON.parse(text) as T);
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Signs in as the bootstrap administrator; the session token. */
export async function signIn(url: string): Promise<string> {
  const login = await api<{ token: string }>(url, undefined, "POST", "/api/auth/login", {
    username: "admin",
    password: ADMIN_PASSWORD,
  });
  return login.token;
}

/** Every run of a connector (the list is paged). */
export async function allRuns(url: string, token: string, connectorId: string) {
  const runs: any[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api<{ items: any[]; total: number }>(
      url,
      token,
      "GET",
      `/api/connectors/${connectorId}/runs?limit=500&offset=${offset}`,
    );
    runs.push(...page.items);
    if (page.items.length < 500 || runs.length >= page.total) return runs;
  }
}

export function psql(url: string, command: string): string {
  return execFileSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", command], {
    encoding: "utf8",
    env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A database of its own for the run, so the benchmark never touches the data behind DATABASE_URL. */
export function benchDatabase(url: string): { url: string; drop(): void } {
  const name = `openirm_bench_${process.pid}`;
  try {
    psql(url, `CREATE DATABASE ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    return {
      url: u.toString(),
      drop: () => {
        psql(url, `DROP DATABASE IF EXISTS ${name}`);
      },
    };
  } catch (err) {
    log(`cannot create a database for the benchmark (${(err as Error).message.trim()}); using DATABASE_URL itself`);
    return { url, drop: () => undefined };
  }
}

/** A text table: the first `leftColumns` columns aligned left, the others right. */
export function table(rows: string[][], leftColumns = 3): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
    .join("\n");
}
