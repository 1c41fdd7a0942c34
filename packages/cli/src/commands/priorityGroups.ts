// `openirm priority-groups`: priority user groups, whose members' users and alerts only the
// group's viewers see. A group is named by its id or its name (any case).

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type ApiClient, connectSignedIn } from "../api.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { collect, parseWholeNumber, withServer } from "../options.ts";
import { printFields, printJson, printTable } from "../output.ts";

const PATH = "/api/priority-user-groups";
const PAGE_SIZE = 500;

interface Group {
  id: string;
  name: string;
  description: string | null;
  viewers: { roleGroups: string[]; accounts: { id: string; username: string }[] };
  memberCount: number;
  callerIsViewer: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

interface Member {
  id: string;
  alias: string;
  upn?: string;
  displayName?: string | null;
  addedAt: string;
}

interface MemberReport {
  added: number;
  alreadyMembers: number;
  duplicates: number;
  newDirectoryUsers: number;
  rejected: number;
  errors: { line?: number; index?: number; reason: string }[];
  warnings: string[];
  memberCount: number;
}

const groupPath = (group: string) => `${PATH}/${encodeURIComponent(group)}`;

const viewersText = (g: Group) =>
  [...g.viewers.roleGroups, ...g.viewers.accounts.map((a) => `account:${a.username}`)].join(", ");

function viewersBody(opts: { viewerRoleGroup?: string[]; viewerAccount?: string[] }) {
  return { roleGroups: opts.viewerRoleGroup ?? [], accounts: opts.viewerAccount ?? [] };
}

function printReport(io: CliIo, report: MemberReport): void {
  printFields(io, [
    ["added", report.added],
    ["already members", report.alreadyMembers],
    ["repeated", report.duplicates],
    ["new directory users", report.newDirectoryUsers],
    ["refused", report.rejected],
    ["members now", report.memberCount],
  ]);
  for (const e of report.errors)
    io.out(`  ${e.line !== undefined ? `line ${e.line}` : `#${(e.index ?? 0) + 1}`}: ${e.reason}\n`);
  for (const w of report.warnings) io.out(`  warning: ${w}\n`);
}

function failIfRefused(report: MemberReport, what: string): void {
  if (report.rejected > 0) {
    throw new CliError(
      `${report.rejected} ${what} refused${report.added + report.alreadyMembers > 0 ? "; the others were added" : ""}.`,
    );
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new CliError(`cannot read ${file}: no such file.`);
  }
}

async function allGroups(client: ApiClient): Promise<Group[]> {
  const items: Group[] = [];
  for (let page = 1; ; page++) {
    const answer = await client.get<{ items: Group[]; total: number }>(PATH, { page, pageSize: PAGE_SIZE });
    items.push(...answer.items);
    if (answer.items.length < PAGE_SIZE || items.length >= answer.total) return items;
  }
}

export function registerPriorityGroups(program: Command, io: CliIo): void {
  const groups = program
    .command("priority-groups")
    .description("priority user groups: users whose data only the group's viewers see");

  withServer(groups.command("list").description("list the priority user groups")).action(
    async (opts: { server?: string; json?: boolean }) => {
      const items = await allGroups(await connectSignedIn(io, opts));
      if (opts.json) return printJson(io, items);
      printTable(
        io,
        items.map((g) => ({ ...g, viewers: viewersText(g), youView: g.callerIsViewer ? "yes" : "no" })),
        [
          ["name", "NAME"],
          ["memberCount", "MEMBERS"],
          ["viewers", "VIEWERS"],
          ["youView", "YOU VIEW"],
          ["description", "DESCRIPTION"],
        ],
        "No priority user groups yet: create one with 'openirm priority-groups create NAME --viewer-role-group InsiderRiskManagementInvestigators'.",
      );
    },
  );

  withServer(
    groups
      .command("show")
      .description("show a group and a page of its members")
      .argument("<group>", "the group's name or id"),
  )
    .option("--page <n>", "page of members (from 1)")
    .action(async (group: string, opts: { server?: string; json?: boolean; page?: string }) => {
      const page = parseWholeNumber("--page", opts.page, 1);
      const client = await connectSignedIn(io, opts);
      const g = await client.get<Group & { members: { items: Member[]; total: number; page: number } }>(
        groupPath(group),
        { page, pageSize: PAGE_SIZE },
      );
      if (opts.json) return printJson(io, g);
      printFields(io, [
        ["name", g.name],
        ["id", g.id],
        ["description", g.description],
        ["viewers", viewersText(g)],
        ["you view it", g.callerIsViewer ? "yes" : "no"],
        ["members", g.memberCount],
      ]);
      if (g.members.items.length > 0) {
        io.out("\n");
        printTable(
          io,
          g.members.items.map((m) => ({ user: m.upn ?? m.alias, id: m.id, addedAt: m.addedAt })),
          [
            ["user", "USER"],
            ["id", "ID"],
            ["addedAt", "ADDED"],
          ],
          "",
        );
        if (g.members.total > g.members.items.length) {
          io.out(
            `(page ${g.members.page}: ${g.members.items.length} of ${g.members.total} members; --page N for more)\n`,
          );
        }
      }
    });

  withServer(
    groups
      .command("create")
      .description("create a priority user group")
      .argument("<name>", "the group's name (unique, cannot be changed later)"),
  )
    .option("--description <text>", "what the group is for")
    .option(
      "--viewer-role-group <name>",
      "a role group that can view the group: InsiderRiskManagement, InsiderRiskManagementAnalysts or InsiderRiskManagementInvestigators (repeatable)",
      collect,
    )
    .option("--viewer-account <username>", "a console account that can view the group (repeatable)", collect)
    .option("--members <file>", "a CSV of members (column 'user principal name') to import once created")
    .addHelpText(
      "after",
      "\nAt least one viewer is needed. Only the viewers see the members' users and alerts.\n\nExample:\n  openirm priority-groups create Executives --viewer-role-group InsiderRiskManagementInvestigators --members ./executives.csv",
    )
    .action(
      async (
        name: string,
        opts: {
          server?: string;
          json?: boolean;
          description?: string;
          viewerRoleGroup?: string[];
          viewerAccount?: string[];
          members?: string;
        },
      ) => {
        if (!opts.viewerRoleGroup?.length && !opts.viewerAccount?.length) {
          throw new UsageError("give at least one --viewer-role-group or --viewer-account.");
        }
        const csv = opts.members ? await readText(opts.members) : undefined;
        const client = await connectSignedIn(io, opts);
        const group = await client.post<Group>(PATH, {
          name,
          ...(opts.description !== undefined ? { description: opts.description } : {}),
          viewers: viewersBody(opts),
        });
        const report = csv
          ? await client.post<MemberReport>(`${groupPath(group.id)}/members/import`, { csv })
          : undefined;
        if (opts.json) printJson(io, { ...group, ...(report ? { members: report } : {}) });
        else {
          io.out(`Created priority user group '${group.name}' (viewers: ${viewersText(group)}).\n`);
          if (report) printReport(io, report);
        }
        if (report) failIfRefused(report, `line(s) of ${opts.members} were`);
      },
    );

  withServer(
    groups
      .command("edit")
      .description("change a group's description or viewers (the name cannot be changed)")
      .argument("<group>", "the group's name or id"),
  )
    .option("--description <text>", "the new description ('' to clear it)")
    .option(
      "--viewer-role-group <name>",
      "replaces the viewers with these role groups and accounts (repeatable)",
      collect,
    )
    .option(
      "--viewer-account <username>",
      "replaces the viewers with these accounts and role groups (repeatable)",
      collect,
    )
    .action(
      async (
        group: string,
        opts: {
          server?: string;
          json?: boolean;
          description?: string;
          viewerRoleGroup?: string[];
          viewerAccount?: string[];
        },
      ) => {
        const body: Record<string, unknown> = {};
        if (opts.description !== undefined) body.description = opts.description;
        if (opts.viewerRoleGroup || opts.viewerAccount) body.viewers = viewersBody(opts);
        if (Object.keys(body).length === 0) throw new UsageError("nothing to change: give --description or viewers.");
        const client = await connectSignedIn(io, opts);
        const updated = await client.patch<Group>(groupPath(group), body);
        if (opts.json) return printJson(io, updated);
        io.out(`Updated priority user group '${updated.name}' (viewers: ${viewersText(updated)}).\n`);
      },
    );

  withServer(
    groups
      .command("add-members")
      .description("add members by user principal name")
      .argument("<group>", "the group's name or id")
      .argument("<upn...>", "user principal names"),
  ).action(async (group: string, upns: string[], opts: { server?: string; json?: boolean }) => {
    const client = await connectSignedIn(io, opts);
    const report = await client.post<MemberReport>(`${groupPath(group)}/members`, { members: upns });
    if (opts.json) printJson(io, report);
    else printReport(io, report);
    failIfRefused(report, "member(s) were");
  });

  withServer(
    groups
      .command("remove-members")
      .description("remove members (by user principal name or user id)")
      .argument("<group>", "the group's name or id")
      .argument("<user...>", "user principal names or user ids"),
  ).action(async (group: string, users: string[], opts: { server?: string; json?: boolean }) => {
    const client = await connectSignedIn(io, opts);
    const result = await client.post<{ removed: number; notMembers: string[]; memberCount: number }>(
      `${groupPath(group)}/members/remove`,
      { members: users },
    );
    if (opts.json) return printJson(io, result);
    io.out(`Removed ${result.removed} member(s); ${result.memberCount} remain.\n`);
    for (const n of result.notMembers) io.out(`  not a member: ${n}\n`);
  });

  withServer(
    groups
      .command("import")
      .description("import members from a CSV with the column 'user principal name' (or UserPrincipalName, UPN, Email)")
      .argument("<group>", "the group's name or id")
      .argument("<file>", "the CSV file"),
  )
    .addHelpText(
      "after",
      "\nBad lines are reported by line number and the good ones are added; a group holds at most 10,000 members.\nThe exit code is 1 when a line was refused.",
    )
    .action(async (group: string, file: string, opts: { server?: string; json?: boolean }) => {
      const csv = await readText(file);
      const client = await connectSignedIn(io, opts);
      const report = await client.post<MemberReport>(`${groupPath(group)}/members/import`, { csv });
      if (opts.json) printJson(io, report);
      else {
        io.out(`Imported ${file}.\n`);
        printReport(io, report);
      }
      failIfRefused(report, `line(s) of ${file} were`);
    });

  withServer(
    groups
      .command("delete")
      .description("delete a group: its members are visible to everyone the role groups allow again; alerts stay")
      .argument("<group>", "the group's name or id"),
  ).action(async (group: string, opts: { server?: string; json?: boolean }) => {
    const client = await connectSignedIn(io, opts);
    const result = await client.json<{ deleted: Group; policiesUpdated: { id: string; name: string }[] }>(
      "DELETE",
      groupPath(group),
    );
    if (opts.json) return printJson(io, result);
    io.out(`Deleted priority user group '${result.deleted.name}'.\n`);
    for (const p of result.policiesUpdated) io.out(`  removed from the scope of policy '${p.name}'\n`);
  });
}
