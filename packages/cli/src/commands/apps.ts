// `openirm apps`: app registrations (client ID and secret) that upload scripts sign in with, and
// their provisioning tokens (long-lived bearer tokens for SCIM).

import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { parseWholeNumber, withServer } from "../options.ts";
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
  for (const [verb, disabled, help] of [
    ["disable", true, "refuse the app's tokens (uploads and SCIM provisioning stop) until enabled"],
    ["enable", false, "accept the app's tokens again"],
  ] as const) {
    withServer(apps.command(verb).description(help))
      .argument("<clientId>", "the app registration's client ID")
      .action(async (clientId: string, opts: { server?: string; json?: boolean }) => {
        const client = await connectSignedIn(io, opts);
        const result = await client.patch<{ name: string; changed: boolean }>(
          `/api/apps/${encodeURIComponent(clientId)}`,
          { disabled },
        );
        if (opts.json) return printJson(io, result);
        io.out(
          result.changed
            ? `App registration '${result.name}' ${disabled ? "disabled: its tokens are refused" : "enabled"}.\n`
            : `App registration '${result.name}' was already ${disabled ? "disabled" : "enabled"}.\n`,
        );
      });
  }
  registerProvisioningTokens(apps, io);
}

interface TokenSummary {
  id: string;
  name: string;
  status: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const path = (clientId: string) => `/api/apps/${encodeURIComponent(clientId)}/provisioning-tokens`;

function registerProvisioningTokens(apps: Command, io: CliIo): void {
  const tokens = apps
    .command("tokens")
    .description("provisioning tokens: long-lived bearer tokens an identity provider keeps for SCIM");

  withServer(
    tokens
      .command("create")
      .description("create a provisioning token for an app registration; it is shown once")
      .argument("<clientId>", "the app registration's client ID")
      .option("--name <name>", "what the token is for, e.g. 'Okta production' (default: SCIM provisioning)")
      .option("--expires-in-days <days>", "days until it expires, 1 to 730 (default: 365)")
      .option("--no-expiry", "a token that never expires (revoke it when it is no longer used)"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  openirm apps tokens create 0f8fad5b-d9cb-469f-a165-70867728950e --name 'Okta production' --expires-in-days 180",
    )
    .action(
      async (
        clientId: string,
        opts: { server?: string; json?: boolean; name?: string; expiresInDays?: string; expiry: boolean },
      ) => {
        if (!opts.expiry && opts.expiresInDays !== undefined) {
          throw new UsageError("--expires-in-days and --no-expiry cannot be used together; choose one.");
        }
        const days = parseWholeNumber("--expires-in-days", opts.expiresInDays, 1);
        const body = {
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          ...(!opts.expiry ? { expiresInDays: null } : days !== undefined ? { expiresInDays: days } : {}),
        };
        const client = await connectSignedIn(io, opts);
        const created = await client.post(path(clientId), body);
        if (opts.json) return printJson(io, created);
        io.out(
          `Created provisioning token '${created.name}' for app '${created.appName}'. Copy it now: it is not shown again.\n`,
        );
        printFields(io, [
          ["token", created.token],
          ["SCIM base URL", created.scimUrl],
          ["expires", created.expiresAt ?? "never"],
          ["id", created.id],
        ]);
      },
    );

  withServer(
    tokens
      .command("list")
      .description("list an app registration's provisioning tokens (never the tokens themselves)")
      .argument("<clientId>", "the app registration's client ID"),
  ).action(async (clientId: string, opts: { server?: string; json?: boolean }) => {
    const client = await connectSignedIn(io, opts);
    const answer = await client.get<{
      app: { name: string; disabled: boolean; clientId: string };
      items: TokenSummary[];
    }>(path(clientId));
    if (opts.json) return printJson(io, answer);
    if (answer.app.disabled) {
      io.out(`App registration '${answer.app.name}' is disabled: none of its tokens is accepted.\n`);
    }
    printTable(
      io,
      answer.items.map((t) => ({ ...t, expiresAt: t.expiresAt ?? "never" })),
      [
        ["id", "ID"],
        ["name", "NAME"],
        ["status", "STATUS"],
        ["createdAt", "CREATED"],
        ["expiresAt", "EXPIRES"],
        ["lastUsedAt", "LAST USED"],
        ["revokedAt", "REVOKED"],
      ],
      `App registration '${answer.app.name}' has no provisioning tokens: create one with 'openirm apps tokens create ${answer.app.clientId}'.`,
    );
  });

  withServer(
    tokens
      .command("revoke")
      .description("revoke a provisioning token: SCIM requests with it are refused at once")
      .argument("<clientId>", "the app registration's client ID")
      .argument("<id>", "the token's id (from 'openirm apps tokens list')"),
  ).action(async (clientId: string, id: string, opts: { server?: string; json?: boolean }) => {
    const client = await connectSignedIn(io, opts);
    const revoked = await client.json<TokenSummary & { changed: boolean }>(
      "DELETE",
      `${path(clientId)}/${encodeURIComponent(id)}`,
    );
    if (opts.json) return printJson(io, revoked);
    io.out(
      revoked.changed
        ? `Revoked provisioning token '${revoked.name}' (${revoked.id}).\n`
        : `Provisioning token '${revoked.name}' (${revoked.id}) was already revoked at ${revoked.revokedAt}; nothing changed.\n`,
    );
  });
}
