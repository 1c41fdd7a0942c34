// `openirm policies`: create policies from a template, list and inspect them.

import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { collect, parseList, parseNumber, withServer } from "../options.ts";
import { addListCommand, printFields, printJson } from "../output.ts";

export const POLICY_TEMPLATES = ["departing-users-data-theft"] as const;

/** "ID:10,20,30" → { indicatorId, thresholds: { low, medium, high } } */
export function parseIndicatorThresholds(value: string) {
  const colon = value.lastIndexOf(":");
  const parts = colon > 0 ? value.slice(colon + 1).split(",") : [];
  if (colon <= 0 || parts.length !== 3) {
    throw new UsageError(`--indicator expects ID:low,medium,high (got '${value}').`);
  }
  const [low, medium, high] = parts.map((p) => parseNumber("--indicator", p.trim())) as [number, number, number];
  return { indicatorId: value.slice(0, colon), thresholds: { low, medium, high } };
}

/** "ID" or "ID:threshold" → { indicatorId, threshold? } */
export function parseTriggerIndicator(value: string) {
  const colon = value.lastIndexOf(":");
  if (colon < 0) return { indicatorId: value };
  if (colon === 0) throw new UsageError(`--trigger-indicator expects ID[:threshold] (got '${value}').`);
  return {
    indicatorId: value.slice(0, colon),
    threshold: parseNumber("--trigger-indicator", value.slice(colon + 1)),
  };
}

interface CreateOptions {
  server?: string;
  json?: boolean;
  name: string;
  template: string;
  description?: string;
  users?: string;
  indicator?: string[];
  triggerIndicator?: string[];
  hrTrigger: boolean;
}

export function buildPolicyBody(opts: CreateOptions): Record<string, unknown> {
  if (!(POLICY_TEMPLATES as readonly string[]).includes(opts.template)) {
    throw new UsageError(`--template must be one of: ${POLICY_TEMPLATES.join(", ")} (got '${opts.template}').`);
  }
  const users = opts.users ? parseList(opts.users) : [];
  const triggerIndicators = (opts.triggerIndicator ?? []).map(parseTriggerIndicator);
  return {
    name: opts.name,
    template: opts.template,
    ...(opts.description ? { description: opts.description } : {}),
    scope: users.length > 0 ? { users } : { allUsers: true },
    triggers: {
      hrResignation: opts.hrTrigger,
      ...(triggerIndicators.length > 0 ? { indicators: triggerIndicators } : {}),
    },
    indicators: (opts.indicator ?? []).map(parseIndicatorThresholds),
  };
}

export function registerPolicies(program: Command, io: CliIo): void {
  const policies = program.command("policies").description("policies");

  withServer(policies.command("create").description("create a policy from a template"))
    .requiredOption("--name <name>", "policy name (cannot be changed later)")
    .option("--template <template>", `policy template: ${POLICY_TEMPLATES.join(", ")}`, "departing-users-data-theft")
    .option("--description <text>", "description")
    .option("--users <upns>", "only these users (comma-separated UPNs); default: all users")
    .option("--indicator <ID:low,medium,high>", "score an indicator with daily thresholds (repeatable)", collect)
    .option("--trigger-indicator <ID[:threshold]>", "an indicator that brings users into scope (repeatable)", collect)
    .option("--no-hr-trigger", "do not use HR resignations as the triggering event")
    .addHelpText(
      "after",
      `
Example:
  openirm policies create --name 'Departing users data theft' --template departing-users-data-theft \\
    --indicator SALESFORCE_ID:15,30,50 --indicator DROPBOX_ID:12,25,40`,
    )
    .action(async (opts: CreateOptions) => {
      const body = buildPolicyBody(opts);
      const client = await connectSignedIn(io, opts);
      const created = await client.post("/api/policies", body);
      if (opts.json) return printJson(io, created);
      io.out(`Created policy '${created.name}'.\n`);
      printFields(io, [
        ["id", created.id],
        ["template", created.template ?? opts.template],
      ]);
    });

  addListCommand(policies, io, {
    description: "list policies",
    path: "/api/policies",
    columns: [
      ["id", "ID"],
      ["name", "NAME"],
      ["template", "TEMPLATE"],
      ["enabled", "ENABLED"],
    ],
    empty: "No policies yet: create one with 'openirm policies create'.",
  });

  withServer(policies.command("show").description("show a policy"))
    .argument("<id>", "policy id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const policy = await client.get(`/api/policies/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(io, policy);
      printFields(
        io,
        Object.entries(policy).filter(([, v]) => v === null || typeof v !== "object") as [string, unknown][],
      );
      for (const [key, value] of Object.entries(policy)) {
        if (value && typeof value === "object") {
          io.out(`  ${key}:\n${JSON.stringify(value, null, 2).replace(/^/gm, "    ")}\n`);
        }
      }
    });
}
