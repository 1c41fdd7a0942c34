// Saved sign-in: the server URL and the session token, in $OPENIRM_CONFIG or
// ~/.config/openirm/credentials.json, readable by the owner only (0600).

import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export const DEFAULT_SERVER = "http://localhost:8080";

export interface SavedCredentials {
  server: string;
  token: string;
  username?: string;
  expiresAt?: string;
}

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  return env.OPENIRM_CONFIG || join(env.HOME || homedir(), ".config", "openirm", "credentials.json");
}

export async function loadCredentials(env: NodeJS.ProcessEnv): Promise<SavedCredentials | undefined> {
  try {
    const parsed = JSON.parse(await readFile(credentialsPath(env), "utf8")) as Partial<SavedCredentials>;
    return typeof parsed.server === "string" && typeof parsed.token === "string"
      ? (parsed as SavedCredentials)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function saveCredentials(env: NodeJS.ProcessEnv, creds: SavedCredentials): Promise<string> {
  const path = credentialsPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // writeFile keeps the mode of an existing file
  return path;
}

export async function removeCredentials(env: NodeJS.ProcessEnv): Promise<void> {
  await rm(credentialsPath(env), { force: true });
}

/** "localhost:8080/" → "http://localhost:8080" */
export function normaliseServer(url: string): string {
  const withScheme = /^https?:\/\//i.test(url) ? url : `http://${url}`;
  return withScheme.replace(/\/+$/, "");
}
