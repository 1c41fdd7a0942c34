// A small client for the OpenIRM admin API: JSON in and out, bearer token, problem+json errors.

import { DEFAULT_SERVER, loadCredentials, normaliseServer } from "./credentials.ts";
import { ApiError, CliError, problemFromBody } from "./errors.ts";
import type { CliIo } from "./io.ts";

export type Query = Record<string, string | number | boolean | undefined>;

export class ApiClient {
  constructor(
    readonly server: string,
    readonly token: string | undefined,
  ) {}

  url(path: string, query?: Query): string {
    const url = new URL(path, `${this.server}/`);
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    return url.toString();
  }

  async send(method: string, path: string, opts: { body?: unknown; query?: Query } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach ${this.server} (${cause?.code ?? cause?.message ?? (err as Error).message}). Is the server running? Use --server URL.`,
      );
    }
    if (!res.ok) {
      const problem = problemFromBody(res.status, res.statusText, await res.text());
      throw new ApiError(res.status, problem.detail, problem.code, problem.details);
    }
    return res;
  }

  async json<T = any>(method: string, path: string, opts: { body?: unknown; query?: Query } = {}): Promise<T> {
    const res = await this.send(method, path, opts);
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }

  get<T = any>(path: string, query?: Query): Promise<T> {
    return this.json<T>("GET", path, query ? { query } : {});
  }

  post<T = any>(path: string, body: unknown = {}): Promise<T> {
    return this.json<T>("POST", path, { body });
  }

  patch<T = any>(path: string, body: unknown): Promise<T> {
    return this.json<T>("PATCH", path, { body });
  }

  async text(path: string, query?: Query): Promise<string> {
    return (await this.send("GET", path, query ? { query } : {})).text();
  }
}

export interface ConnectionOptions {
  server?: string;
}

/**
 * The server to talk to (--server, else the one saved by `openirm login`, else OPENIRM_SERVER, else
 * http://localhost:8080) and the token to send: OPENIRM_TOKEN, or the saved token when it belongs to
 * that server (a token is never sent to a server it was not issued by).
 */
export async function connect(io: CliIo, opts: ConnectionOptions): Promise<ApiClient> {
  const saved = await loadCredentials(io.env);
  const server = normaliseServer(opts.server ?? saved?.server ?? io.env.OPENIRM_SERVER ?? DEFAULT_SERVER);
  const token = io.env.OPENIRM_TOKEN || (saved && normaliseServer(saved.server) === server ? saved.token : undefined);
  return new ApiClient(server, token);
}

/** Like connect, but fails early with advice when there is no token for the server. */
export async function connectSignedIn(io: CliIo, opts: ConnectionOptions): Promise<ApiClient> {
  const client = await connect(io, opts);
  if (!client.token) {
    throw new CliError(
      `not signed in to ${client.server}: run 'openirm login --server ${client.server} --username admin'.`,
    );
  }
  return client;
}
