// CLI tests against a real server: a listening test server and an `openirm` signed in to it as the
// administrator, with a configuration folder of its own.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "../../server/test/support.ts";
import { bufferIo } from "../src/io.ts";
import { runCli } from "../src/program.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json(): any;
}

export interface CliHarness {
  server: TestServer;
  /** A temporary folder for the test's files (removed by close). */
  dir: string;
  env: NodeJS.ProcessEnv;
  cli(...args: string[]): Promise<CliRun>;
  /** Writes a file into `dir`; returns its path. */
  writeFile(name: string, content: string | Buffer): string;
  /** How many signals the connector holds in the server's database. */
  storedSignals(connectorId: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the server and signs the CLI in: with the administrator's token in the environment, or
 * (`signIn: "login"`) through `openirm login` with the administrator's password.
 */
export async function startCliHarness(opts: { prefix: string; signIn?: "token" | "login" }): Promise<CliHarness> {
  const server = await startTestServer({ listen: true });
  const dir = mkdtempSync(join(tmpdir(), opts.prefix));
  const env: NodeJS.ProcessEnv = { OPENIRM_CONFIG: join(dir, "credentials.json"), HOME: dir };
  if (opts.signIn !== "login") Object.assign(env, { OPENIRM_SERVER: server.url, OPENIRM_TOKEN: server.adminToken });
  const cli = async (...args: string[]): Promise<CliRun> => {
    const io = bufferIo(env);
    const code = await runCli(args, io);
    return { code, stdout: io.stdout, stderr: io.stderr, json: () => JSON.parse(io.stdout) };
  };
  if (opts.signIn === "login") {
    const login = await cli("login", "--server", server.url, "--username", "admin", "--password", ADMIN_PASSWORD);
    if (login.code !== 0) throw new Error(`openirm login failed: ${login.stderr}`);
  }
  return {
    server,
    dir,
    env,
    cli,
    writeFile(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    async storedSignals(connectorId) {
      const { rows } = await server.services.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM signals WHERE connector_id = $1",
        [connectorId],
      );
      return Number(rows[0]?.n);
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
