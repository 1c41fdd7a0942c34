// `openirm risk-levels`: users' adaptive protection risk levels (list, show, expire) and the webhook
// endpoints told about level changes (add, list, delete, test).

import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import type { CliIo } from "../io.ts";
import { parseWholeNumber, withServer } from "../options.ts";
import { printFields, printJson, printTable } from "../output.ts";

interface LevelItem {
  user: { id: string; alias: string; upn?: string };
  level: string | null;
  assignedAt: string | null;
  expiresAt: string | null;
  reasons: { message: string }[];
  history?: { at: string; previousLevel: string | null; level: string | null; cause: string }[];
}

interface WebhookItem {
  id: string;
  name: string;
  url: string;
  includeIdentities: boolean;
  createdAt: string;
  secret?: string;
  deliveries: { pending: number; delivered: number; failed: number; lastDeliveredAt: string | null };
}

const userLabel = (user: LevelItem["user"]) => user.upn ?? user.alias ?? user.id;

export function registerRiskLevels(program: Command, io: CliIo): void {
  const levels = program
    .command("risk-levels")
    .description("adaptive protection: users' risk levels (Elevated, Moderate, Minor) and webhooks");

  withServer(levels.command("list").description("list users with a risk level, highest first"))
    .option("--level <level>", "Elevated | Moderate | Minor (comma-separated for several)")
    .option("--page <n>", "page number (from 1)")
    .option("--page-size <n>", "users per page")
    .action(async (opts: { server?: string; json?: boolean; level?: string; page?: string; pageSize?: string }) => {
      const client = await connectSignedIn(io, opts);
      const result = await client.get<{ items: LevelItem[]; total: number; page: number; pageSize: number }>(
        "/api/risk-levels",
        {
          level: opts.level,
          page: parseWholeNumber("--page", opts.page, 1),
          pageSize: parseWholeNumber("--page-size", opts.pageSize, 1),
        },
      );
      if (opts.json) return printJson(io, result);
      printTable(
        io,
        result.items.map((i) => ({
          user: userLabel(i.user),
          id: i.user.id,
          level: i.level,
          assignedAt: i.assignedAt,
          expiresAt: i.expiresAt,
        })),
        [
          ["user", "USER"],
          ["id", "USER ID"],
          ["level", "LEVEL"],
          ["assignedAt", "ASSIGNED"],
          ["expiresAt", "EXPIRES"],
        ],
        "No user has a risk level.",
      );
      io.out(`${result.total} user${result.total === 1 ? "" : "s"} with a risk level.\n`);
    });

  withServer(levels.command("show").description("show one user's risk level, why, and its history"))
    .argument("<userId>", "directory user id")
    .action(async (userId: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const item = await client.get<LevelItem>(`/api/risk-levels/${encodeURIComponent(userId)}`);
      if (opts.json) return printJson(io, item);
      printFields(io, [
        ["user", userLabel(item.user)],
        ["level", item.level ?? "none"],
        ["assigned", item.assignedAt],
        ["expires", item.expiresAt],
      ]);
      for (const reason of item.reasons) io.out(`  because: ${reason.message}\n`);
      if (item.history?.length) {
        io.out("History:\n");
        for (const h of item.history) {
          io.out(`  ${h.at}  ${h.previousLevel ?? "none"} -> ${h.level ?? "none"} (${h.cause})\n`);
        }
      }
    });

  withServer(levels.command("expire").description("end a user's risk level now (earlier activity stops counting)"))
    .argument("<userId>", "directory user id")
    .option("--note <text>", "why (kept in the audit log)")
    .action(async (userId: string, opts: { server?: string; json?: boolean; note?: string }) => {
      const client = await connectSignedIn(io, opts);
      const item = await client.post<LevelItem>(
        `/api/risk-levels/${encodeURIComponent(userId)}/expire`,
        opts.note ? { note: opts.note } : {},
      );
      if (opts.json) return printJson(io, item);
      io.out(`Risk level of ${userLabel(item.user)} expired; level now: ${item.level ?? "none"}.\n`);
    });

  const webhooks = levels.command("webhooks").description("endpoints that receive risk level changes");

  withServer(webhooks.command("add").description("register an endpoint (the secret is shown once)"))
    .argument("<url>", "https URL (http only for localhost)")
    .option("--name <name>", "a name for the endpoint")
    .option("--secret <secret>", "signing secret (16+ characters); generated when left out")
    .option("--include-identities", "send user principal names, not only aliases")
    .action(
      async (
        url: string,
        opts: { server?: string; json?: boolean; name?: string; secret?: string; includeIdentities?: boolean },
      ) => {
        const client = await connectSignedIn(io, opts);
        const hook = await client.post<WebhookItem>("/api/risk-levels/webhooks", {
          url,
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.secret ? { secret: opts.secret } : {}),
          ...(opts.includeIdentities ? { includeIdentities: true } : {}),
        });
        if (opts.json) return printJson(io, hook);
        printFields(io, [
          ["id", hook.id],
          ["name", hook.name],
          ["url", hook.url],
          ["includeIdentities", hook.includeIdentities],
          ["secret", hook.secret],
        ]);
        io.out("Keep the secret now: it is not shown again. Receivers use it to check the openirm-signature header.\n");
      },
    );

  withServer(webhooks.command("list").description("list endpoints with their delivery counts")).action(
    async (opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const result = await client.get<{ items: WebhookItem[] }>("/api/risk-levels/webhooks");
      if (opts.json) return printJson(io, result);
      printTable(
        io,
        result.items.map((h) => ({
          id: h.id,
          name: h.name,
          url: h.url,
          identities: h.includeIdentities ? "yes" : "no",
          pending: h.deliveries.pending,
          failed: h.deliveries.failed,
          delivered: h.deliveries.delivered,
        })),
        [
          ["id", "ID"],
          ["name", "NAME"],
          ["url", "URL"],
          ["identities", "UPNS"],
          ["pending", "PENDING"],
          ["failed", "FAILED"],
          ["delivered", "DELIVERED"],
        ],
        "No webhooks.",
      );
    },
  );

  withServer(webhooks.command("delete").description("delete an endpoint (its pending deliveries are cancelled)"))
    .argument("<id>", "webhook id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      await client.json("DELETE", `/api/risk-levels/webhooks/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(io, { deleted: id });
      io.out(`Webhook ${id} deleted.\n`);
    });

  withServer(webhooks.command("test").description("send a signed test event now and show the result"))
    .argument("<id>", "webhook id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const delivery = await client.post<{ status: string; lastStatus: number | null; lastError: string | null }>(
        `/api/risk-levels/webhooks/${encodeURIComponent(id)}/test`,
      );
      if (opts.json) return printJson(io, delivery);
      if (delivery.status === "delivered") io.out(`Test event delivered (HTTP ${delivery.lastStatus}).\n`);
      else io.out(`Test event not delivered: ${delivery.lastError ?? delivery.status}\n`);
    });
}
