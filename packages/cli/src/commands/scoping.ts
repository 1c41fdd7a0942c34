// `openirm scoping`: start scoring users in policies by hand (5–30 days, with 90 days of look-back),
// remove users from scoring in every policy, and list both. A policy is named by its id or its name.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type ApiClient, connectSignedIn } from "../api.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { collect, parseWholeNumber, withServer } from "../options.ts";
import { printJson, printTable } from "../output.ts";

const PAGE_SIZE = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface PresentedUser {
  id: string;
  alias: string;
  upn?: string;
}

interface Refused {
  message: string;
}

interface StartReport {
  policies: { id: string; name: string }[];
  started: number;
  entries: number;
  days: number;
  endsAt: string;
  scoredFrom: string;
  users: PresentedUser[];
  duplicates: number;
  rejected: number;
  errors: Refused[];
  warnings: string[];
}

interface RemoveReport {
  removed: number;
  removedAt: string;
  users: PresentedUser[];
  duplicates: number;
  rejected: number;
  errors: Refused[];
  warnings: string[];
}

interface Entry {
  user: PresentedUser;
  reason: string;
  startsAt: string;
  endsAt: string;
  status: string;
  endedBy: string | null;
  createdBy: string;
}

interface Removal {
  user: PresentedUser;
  removedAt: string;
  reason: string | null;
  removedBy: string;
}

const userText = (u: PresentedUser) => u.upn ?? u.alias;

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new CliError(`cannot read ${file}: no such file.`);
  }
}

/** `users` or `csv` for the request body: UPNs on the command line, or a CSV file (not both). */
async function usersBody(upns: string[], file: string | undefined): Promise<{ users: string[] } | { csv: string }> {
  if (upns.length > 0 && file) throw new UsageError("give the users on the command line or with --file, not both.");
  if (file) return { csv: await readText(file) };
  if (upns.length === 0) {
    throw new UsageError("name the users: user principal names, or --file users.csv (column 'user principal name').");
  }
  return { users: upns };
}

/** A policy's id from its id or its name (any case). */
async function policyId(client: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { items } = await client.get<{ items: { id: string; name: string }[] }>("/api/policies");
  const found = items.find((p) => p.name.toLowerCase() === ref.trim().toLowerCase());
  if (!found) {
    const names = items.map((p) => `'${p.name}'`).join(", ");
    throw new CliError(`there is no policy named '${ref}'${names ? `; the policies are ${names}` : ""}.`);
  }
  return found.id;
}

function printRefused(io: CliIo, report: { errors: Refused[]; warnings: string[] }): void {
  for (const e of report.errors) io.out(`  ${e.message}\n`);
  for (const w of report.warnings) io.out(`  warning: ${w}\n`);
}

function failIfRefused(report: { rejected: number }, kept: number): void {
  if (report.rejected > 0) {
    throw new CliError(
      `${report.rejected} entr${report.rejected === 1 ? "y was" : "ies were"} refused${kept > 0 ? "; the others were kept" : ""}.`,
    );
  }
}

export function registerScoping(program: Command, io: CliIo): void {
  const scoping = program
    .command("scoping")
    .description("score users in policies by hand, or remove users from scoring");

  withServer(
    scoping
      .command("start")
      .description("start scoring users in policies for 5 to 30 days (their previous 90 days are scored too)")
      .argument("[upn...]", "user principal names (or --file)"),
  )
    .requiredOption("--policy <policy>", "a policy's id or name (repeatable)", collect)
    .requiredOption("--days <n>", "how many days to score the users (5 to 30)")
    .requiredOption("--reason <text>", "why (1 to 500 characters; shown on the users' timelines and alerts)")
    .option("--file <csv>", "a CSV with the column 'user principal name', one user per line (at most 1,000)")
    .addHelpText(
      "after",
      "\nUsers the directory does not know and users out of a policy's scope are reported by line and skipped;\nthe others are scored at once. The exit code is 1 when an entry was refused.\n\nExample:\n  openirm scoping start sarad@contoso.com --policy 'Departing staff' --days 14 --reason 'Case 42'",
    )
    .action(
      async (
        upns: string[],
        opts: { server?: string; json?: boolean; policy: string[]; days: string; reason: string; file?: string },
      ) => {
        const days = parseWholeNumber("--days", opts.days, 1) as number;
        const users = await usersBody(upns, opts.file);
        const client = await connectSignedIn(io, opts);
        const policyIds: string[] = [];
        for (const ref of opts.policy) policyIds.push(await policyId(client, ref));
        const report = await client.post<StartReport>("/api/policies/scoring/start", {
          policyIds,
          ...users,
          days,
          reason: opts.reason,
        });
        if (opts.json) printJson(io, report);
        else {
          const names = report.policies.map((p) => `'${p.name}'`).join(", ");
          io.out(
            report.started > 0
              ? `Scoring ${report.started} user(s) in ${names} for ${report.days} days, until ${report.endsAt}; activity since ${report.scoredFrom} is scored.\n`
              : `No user was added to ${names}.\n`,
          );
          if (report.users.length > 0) io.out(`  users: ${report.users.map(userText).join(", ")}\n`);
          if (report.duplicates > 0) io.out(`  repeated (ignored): ${report.duplicates}\n`);
          printRefused(io, report);
        }
        failIfRefused(report, report.started);
      },
    );

  withServer(
    scoping
      .command("remove")
      .description("stop scoring users in every policy from now (their alerts stay)")
      .argument("[upn...]", "user principal names (or --file)"),
  )
    .option("--file <csv>", "a CSV with the column 'user principal name', one user per line (at most 1,000)")
    .option("--reason <text>", "why (up to 500 characters)")
    .addHelpText(
      "after",
      "\nManual scoring still running ends now. A trigger after the removal (or 'scoping start') brings a user back.",
    )
    .action(async (upns: string[], opts: { server?: string; json?: boolean; file?: string; reason?: string }) => {
      const users = await usersBody(upns, opts.file);
      const client = await connectSignedIn(io, opts);
      const report = await client.post<RemoveReport>("/api/policies/scoring/remove", {
        ...users,
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      });
      if (opts.json) printJson(io, report);
      else {
        io.out(`Removed ${report.removed} user(s) from scoring at ${report.removedAt}.\n`);
        if (report.users.length > 0) io.out(`  users: ${report.users.map(userText).join(", ")}\n`);
        printRefused(io, report);
      }
      failIfRefused(report, report.removed);
    });

  withServer(
    scoping
      .command("list")
      .description("the users scored by hand in a policy, running and ended, newest first")
      .argument("<policy>", "the policy's id or name"),
  )
    .option("--page <n>", "page (from 1)")
    .action(async (policy: string, opts: { server?: string; json?: boolean; page?: string }) => {
      const page = parseWholeNumber("--page", opts.page, 1);
      const client = await connectSignedIn(io, opts);
      const id = await policyId(client, policy);
      const answer = await client.get<{ policy: { name: string }; items: Entry[]; total: number; page: number }>(
        `/api/policies/${encodeURIComponent(id)}/scoring`,
        { page, pageSize: PAGE_SIZE },
      );
      if (opts.json) return printJson(io, answer);
      printTable(
        io,
        answer.items.map((e) => ({
          ...e,
          user: userText(e.user),
          status: e.endedBy === "removal" ? "ended (removed)" : e.status,
        })),
        [
          ["user", "USER"],
          ["status", "STATUS"],
          ["startsAt", "STARTS"],
          ["endsAt", "ENDS"],
          ["createdBy", "BY"],
          ["reason", "REASON"],
        ],
        `No user is scored by hand in '${answer.policy.name}'.`,
      );
      if (answer.total > answer.items.length) {
        io.out(`(page ${answer.page}: ${answer.items.length} of ${answer.total}; --page N for more)\n`);
      }
    });

  withServer(scoping.command("removals").description("users removed from scoring, newest first"))
    .option("--page <n>", "page (from 1)")
    .action(async (opts: { server?: string; json?: boolean; page?: string }) => {
      const page = parseWholeNumber("--page", opts.page, 1);
      const client = await connectSignedIn(io, opts);
      const answer = await client.get<{ items: Removal[]; total: number; page: number }>("/api/scoring/removals", {
        page,
        pageSize: PAGE_SIZE,
      });
      if (opts.json) return printJson(io, answer);
      printTable(
        io,
        answer.items.map((r) => ({ ...r, user: userText(r.user) })),
        [
          ["user", "USER"],
          ["removedAt", "REMOVED"],
          ["removedBy", "BY"],
          ["reason", "REASON"],
        ],
        "No user has been removed from scoring.",
      );
      if (answer.total > answer.items.length) {
        io.out(`(page ${answer.page}: ${answer.items.length} of ${answer.total}; --page N for more)\n`);
      }
    });
}
