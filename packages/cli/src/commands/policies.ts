// `openirm policies`: create policies from a template (options, or the full content from a JSON
// file), list and inspect them.

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { collect, parseList, parseNumber, withServer } from "../options.ts";
import { addListCommand, printFields, printJson } from "../output.ts";

export const POLICY_TEMPLATES = [
  "departing-users-data-theft",
  "data-leaks",
  "data-leaks-priority-users",
  "data-leaks-risky-users",
  "security-policy-violations",
  "security-policy-violations-departing-users",
  "security-policy-violations-priority-users",
  "security-policy-violations-risky-users",
  "patient-data-misuse",
  "risky-browser-usage",
] as const;

/** "ID:10,20,30" → { indicatorId, thresholds: { low, medium, high } }; "ID" → default thresholds (built-in indicators). */
export function parseIndicatorThresholds(value: string) {
  if (!value.includes(":")) return { indicatorId: value };
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
  name?: string;
  template?: string;
  description?: string;
  users?: string;
  group?: string[];
  priorityGroup?: string[];
  exclude?: string;
  indicator?: string[];
  triggerIndicator?: string[];
  hrTrigger: boolean;
  fromFile?: string;
}

/** The policy content of a JSON file (the body of POST /api/policies). */
export function readPolicyFile(path: string, read: (p: string) => string = (p) => readFileSync(p, "utf8")) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(path));
  } catch (err) {
    throw new UsageError(`--from-file ${path}: not a JSON document (${(err as Error).message}).`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(
      `--from-file ${path}: expected a JSON object with the policy's fields (name, template, scope …).`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The request body: the file's content (if any), with the options given on the command line on top. */
export function buildPolicyBody(opts: CreateOptions, file: Record<string, unknown> = {}): Record<string, unknown> {
  const template = opts.template ?? (typeof file.template === "string" ? file.template : "departing-users-data-theft");
  if (!(POLICY_TEMPLATES as readonly string[]).includes(template)) {
    throw new UsageError(`--template must be one of: ${POLICY_TEMPLATES.join(", ")} (got '${template}').`);
  }
  const name = opts.name ?? file.name;
  if (!name) throw new UsageError("give --name NAME (or a name in the --from-file document).");
  const users = opts.users ? parseList(opts.users) : [];
  const groups = opts.group ?? [];
  const priorityGroups = opts.priorityGroup ?? [];
  const excluded = opts.exclude ? parseList(opts.exclude) : [];
  const triggerIndicators = (opts.triggerIndicator ?? []).map(parseTriggerIndicator);
  const indicators = (opts.indicator ?? []).map(parseIndicatorThresholds);
  const listed = users.length > 0 || groups.length > 0 || priorityGroups.length > 0;
  const fileTriggers = (file.triggers ?? {}) as Record<string, unknown>;
  const scope =
    listed || excluded.length > 0 || !file.scope
      ? {
          ...(listed
            ? {
                users,
                ...(groups.length ? { groups } : {}),
                ...(priorityGroups.length ? { priorityUserGroups: priorityGroups } : {}),
              }
            : { allUsers: true }),
          ...(excluded.length ? { exclude: { users: excluded } } : {}),
        }
      : file.scope;
  return {
    ...file,
    name,
    template,
    ...(opts.description ? { description: opts.description } : {}),
    scope,
    triggers: {
      ...fileTriggers,
      ...(opts.hrTrigger === false ? { hrResignation: false } : {}),
      ...(template === "departing-users-data-theft" && fileTriggers.hrResignation === undefined && opts.hrTrigger
        ? { hrResignation: true }
        : {}),
      ...(triggerIndicators.length > 0 ? { indicators: triggerIndicators } : {}),
    },
    ...(indicators.length > 0 || !file.indicators ? { indicators } : {}),
  };
}

export function registerPolicies(program: Command, io: CliIo): void {
  const policies = program.command("policies").description("policies");

  withServer(policies.command("create").description("create a policy from a template"))
    .option("--name <name>", "policy name (cannot be changed later)")
    .option(
      "--template <template>",
      `policy template (default departing-users-data-theft): ${POLICY_TEMPLATES.join(", ")}`,
    )
    .option("--from-file <path>", "JSON document with the policy's full content (the body of POST /api/policies)")
    .option("--description <text>", "description")
    .option("--users <upns>", "only these users (comma-separated UPNs); default: all users")
    .option("--group <id>", "include the members of a directory group (repeatable)", collect)
    .option("--priority-group <id>", "include the members of a priority user group (repeatable)", collect)
    .option("--exclude <upns>", "leave these users out (comma-separated UPNs)")
    .option(
      "--indicator <ID[:low,medium,high]>",
      "score an indicator, with daily thresholds or (built-in ones) the defaults (repeatable)",
      collect,
    )
    .option("--trigger-indicator <ID[:threshold]>", "an indicator that brings users into scope (repeatable)", collect)
    .option("--no-hr-trigger", "do not use HR resignations as the triggering event")
    .addHelpText(
      "after",
      `
Examples:
  openirm policies create --name 'Departing users data theft' --template departing-users-data-theft \\
    --indicator SALESFORCE_ID:15,30,50 --indicator DROPBOX_ID:12,25,40
  openirm policies create --name 'Executives leaking data' --template data-leaks-priority-users \\
    --priority-group GROUP_ID --indicator device.print --indicator office.emailExternal:5,10,20
  openirm policies create --from-file data-leaks.json`,
    )
    .action(async (opts: CreateOptions) => {
      const body = buildPolicyBody(opts, opts.fromFile ? readPolicyFile(opts.fromFile) : {});
      const client = await connectSignedIn(io, opts);
      const created = await client.post("/api/policies", body);
      if (opts.json) return printJson(io, created);
      io.out(`Created policy '${created.name}'.\n`);
      printFields(io, [
        ["id", created.id],
        ["template", created.template ?? opts.template],
      ]);
      for (const w of (created.warnings ?? []) as { message: string }[]) io.out(`Warning: ${w.message}\n`);
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
