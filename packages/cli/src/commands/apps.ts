// `openirm apps`: app registrations (client ID and secret) that upload scripts sign in with.

import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import type { CliIo } from "../io.ts";
import { withServer } from "../options.ts";
import { printFields, printJson, printTable } from "../output.ts";

export function registerApps(program: Command, io: CliIo): void {
  const apps = program.command("apps").description("app registrations for upload scripts");

  withServer(apps.command("create").description("register an app; its secret is shown once"))
    .requiredOption("--name <name>", "a name for the app, e.g. 'HR feed'")
    .addHelpText("after", "\nExample:\n  openirm apps create --name 'HR feed' --json")
    .action(async (opts: { server?: string; json?: boolean; name: string }) => {
      const client = await connectSignedIn(io, opts);
      const app = await client.post("/api/apps", { name: opts.name });
      if (opts.json) return printJson(io, app);
      io.out(`Registered app '${app.name}'. Store the secret now: it is not shown again.\n`);
      printFields(io, [
        ["client ID (app ID)", app.clientId],
        ["client secret", app.clientSecret],
        ["tenant ID", app.tenantId],
        ["id", app.id],
      ]);
    });

  withServer(apps.command("list").description("list app registrations")).action(
    async (opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const { items } = await client.get<{ items: Record<string, unknown>[] }>("/api/apps");
      if (opts.json) return printJson(io, items);
      printTable(
        io,
        items,
        [
          ["clientId", "CLIENT ID"],
          ["name", "NAME"],
          ["disabled", "DISABLED"],
          ["createdAt", "CREATED"],
        ],
        "No app registrations yet: create one with 'openirm apps create --name NAME'.",
      );
    },
  );
}
