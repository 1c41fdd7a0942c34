// Shared test setup for connectors and uploads: the reference fixtures, an app registration with
// its token, a connector, and multipart bodies framed as the real senders frame them.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { TestServer } from "../support.ts";

/** The shared fixture files (kept beside the repository, never copied into it). */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
}

export interface TestApp {
  clientId: string;
  clientSecret: string;
  token: string;
}

/** A client-credentials access token of the app, as the upload scripts request it, at the server's time. */
export async function appToken(server: TestServer, app: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await server.request({
    method: "POST",
    url: `/${server.services.tenant.id}/oauth2/token?api-version=1.0`,
    payload: `client_id=${app.clientId}&client_secret=${app.clientSecret}&grant_type=client_credentials`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    token: null,
  });
  return res.json().access_token as string;
}

export async function createApp(server: TestServer, name = "upload script"): Promise<TestApp> {
  const app = (await server.request({ method: "POST", url: "/api/apps", payload: { name } })).json();
  return { clientId: app.clientId, clientSecret: app.clientSecret, token: await appToken(server, app) };
}

export async function createConnector(server: TestServer, body: Record<string, unknown>) {
  const res = await server.request({ method: "POST", url: "/api/connectors", payload: body });
  if (res.statusCode !== 201) throw new Error(`connector not created: ${res.body}`);
  return res.json() as { id: string; jobId: string; config: Record<string, unknown> };
}

/** The body .NET's MultipartFormDataContent writes for one StreamContent named "file". */
export function dotnetMultipart(
  content: Buffer | string,
  fileName = `tmp_${randomUUID()}0001.txt`,
  boundary = randomUUID(),
): { contentType: string; payload: Buffer } {
  const quoted = /^[\w.-]+$/.test(fileName) ? fileName : `"${fileName}"`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name=file; filename=${quoted}; filename*=utf-8''${encodeURIComponent(fileName)}\r\n\r\n`;
  return {
    contentType: `multipart/form-data; boundary="${boundary}"`,
    payload: Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]),
  };
}

export async function upload(
  server: TestServer,
  opts: { jobId: string; token: string; content: Buffer | string; url?: string },
) {
  const { contentType, payload } = dotnetMultipart(opts.content);
  return server.request({
    method: "POST",
    url: opts.url ?? `/api/signals?jobid=${opts.jobId}`,
    payload,
    headers: { "content-type": contentType },
    token: opts.token,
  });
}

export const EXAMPLE1_CONNECTOR = {
  type: "indicators",
  name: "Leaver prediction",
  userColumn: "UPN",
  timeColumn: "PredictionTime",
};
