// `openirm login` and `openirm logout`: sign in to a server and keep the session token.

import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import type { Command } from "commander";
import { ApiClient, connect } from "../api.ts";
import {
  DEFAULT_SERVER,
  loadCredentials,
  normaliseServer,
  removeCredentials,
  saveCredentials,
} from "../credentials.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { withServer } from "../options.ts";
import { printJson } from "../output.ts";

/** The password from --password, OPENIRM_PASSWORD, a silent prompt on a terminal, or the first line of stdin. */
async function readPassword(io: CliIo, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (io.env.OPENIRM_PASSWORD) return io.env.OPENIRM_PASSWORD;
  const stdin = io.stdin;
  if (!stdin) throw new UsageError("--password is required (or set OPENIRM_PASSWORD).");
  if (stdin.isTTY) {
    io.err("Password: ");
    const muted = new Writable({ write: (_chunk, _enc, done) => done() });
    const rl = createInterface({ input: stdin, output: muted, terminal: true });
    const answer = await new Promise<string>((resolve) => rl.question("", resolve));
    rl.close();
    io.err("\n");
    return answer;
  }
  let text = "";
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.includes("\n")) break;
  }
  const line = text.split(/\r?\n/)[0] ?? "";
  if (!line) throw new UsageError("--password is required (or set OPENIRM_PASSWORD, or pipe it on stdin).");
  return line;
}

export function registerLogin(program: Command, io: CliIo): void {
  withServer(
    program
      .command("login")
      .description("sign in and save the session token for the other commands")
      .requiredOption("--username <name>", "console account name, e.g. admin")
      .option("--password <password>", "password (default: OPENIRM_PASSWORD, a prompt, or stdin)"),
  )
    .addHelpText("after", "\nExample:\n  openirm login --server http://localhost:8080 --username admin --password '…'")
    .action(async (opts: { server?: string; json?: boolean; username: string; password?: string }) => {
      const saved = await loadCredentials(io.env);
      const server = normaliseServer(opts.server ?? saved?.server ?? io.env.OPENIRM_SERVER ?? DEFAULT_SERVER);
      const password = await readPassword(io, opts.password);
      const client = new ApiClient(server, undefined);
      const result = await client.post<{ token: string; expiresAt: string; account: { username: string } }>(
        "/api/auth/login",
        { username: opts.username, password },
      );
      const path = await saveCredentials(io.env, {
        server,
        token: result.token,
        username: result.account.username,
        expiresAt: result.expiresAt,
      });
      if (opts.json) {
        printJson(io, {
          server,
          username: result.account.username,
          expiresAt: result.expiresAt,
          credentialsFile: path,
        });
      } else {
        io.out(`Signed in to ${server} as ${result.account.username} (session valid until ${result.expiresAt}).\n`);
        io.out(`Credentials saved to ${path}\n`);
      }
    });

  withServer(program.command("logout").description("end the saved session and forget its token")).action(
    async (opts: { server?: string; json?: boolean }) => {
      const client = await connect(io, opts);
      let revoked = false;
      if (client.token) {
        await client.post("/api/auth/logout").then(
          () => {
            revoked = true;
          },
          () => undefined, // an expired session needs no revoking
        );
      }
      await removeCredentials(io.env);
      if (opts.json) printJson(io, { server: client.server, revoked });
      else io.out(`Signed out of ${client.server}.\n`);
    },
  );
}
