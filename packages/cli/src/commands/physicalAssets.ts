// `openirm physical-assets`: the priority physical assets (badge readers and doors whose access the
// physical access indicator watches), and `openirm physical-access`: badge events with findings.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { CliError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { parseWholeNumber, withServer } from "../options.ts";
import { printFields, printJson, printTable } from "../output.ts";

const PATH = "/api/settings/priority-physical-assets";
const PAGE_SIZE = 500;

interface Asset {
  id: string;
  assetId: string;
  name: string | null;
  addedBy: string;
  addedAt: string;
}

interface ImportReport {
  added: number;
  alreadyListed: number;
  duplicatesInFile: number;
  rejected: number;
  errors: { line: number; reason: string }[];
  warnings: string[];
}

interface AccessItem {
  id: string;
  user: { id: string; alias: string; upn?: string };
  occurredAt: string;
  assetId: string;
  assetName: string | null;
  accessStatus: string;
  findings: string[];
  termination: { at: string; source: string } | null;
}

export function registerPhysicalAssets(program: Command, io: CliIo): void {
  const assets = program
    .command("physical-assets")
    .description("priority physical assets: the badge readers and doors the physical access indicator watches");

  withServer(assets.command("list").description("list the priority physical assets"))
    .option("--search <text>", "only assets whose ID or name contains this text")
    .action(async (opts: { server?: string; json?: boolean; search?: string }) => {
      const client = await connectSignedIn(io, opts);
      const items: Asset[] = [];
      for (let page = 1; ; page++) {
        const answer = await client.get<{ items: Asset[]; total: number }>(PATH, {
          search: opts.search,
          page,
          pageSize: PAGE_SIZE,
        });
        items.push(...answer.items);
        if (answer.items.length < PAGE_SIZE || items.length >= answer.total) break;
      }
      if (opts.json) return printJson(io, items);
      printTable(
        io,
        items as unknown as Record<string, unknown>[],
        [
          ["assetId", "ASSET ID"],
          ["name", "NAME"],
          ["addedBy", "ADDED BY"],
          ["addedAt", "ADDED"],
        ],
        opts.search
          ? `No priority physical asset matches '${opts.search}'.`
          : "No priority physical assets yet: add one with 'openirm physical-assets add ASSET_ID' or import a list with 'openirm physical-assets import FILE'.",
      );
    });

  withServer(
    assets
      .command("add")
      .description("add a priority physical asset")
      .argument("<assetId>", "the asset ID as the badging system sends it (AssetId)"),
  )
    .option("--name <name>", "a name for the asset, e.g. 'Server room'")
    .addHelpText(
      "after",
      "\nExample:\n  openirm physical-assets add Mid-Sec-7 --name 'Main Building 1st Floor Mid Section'",
    )
    .action(async (assetId: string, opts: { server?: string; json?: boolean; name?: string }) => {
      const client = await connectSignedIn(io, opts);
      const asset = await client.post<Asset>(PATH, {
        assetId,
        ...(opts.name !== undefined ? { name: opts.name } : {}),
      });
      if (opts.json) return printJson(io, asset);
      io.out(`Added priority physical asset '${asset.assetId}'${asset.name ? ` (${asset.name})` : ""}.\n`);
    });

  withServer(
    assets
      .command("remove")
      .description("remove a priority physical asset")
      .argument("<assetId>", "the asset ID (any case)"),
  ).action(async (assetId: string, opts: { server?: string; json?: boolean }) => {
    const client = await connectSignedIn(io, opts);
    const { removed } = await client.json<{ removed: Asset }>("DELETE", `${PATH}/${encodeURIComponent(assetId)}`);
    if (opts.json) return printJson(io, removed);
    io.out(
      `Removed priority physical asset '${removed.assetId}'. Its badge events are no longer findings; existing alerts stay.\n`,
    );
  });

  withServer(
    assets
      .command("import")
      .description("import a list of asset IDs: a CSV with the header AssetId[,AssetName], or one ID per line")
      .argument("<file>", "the CSV or text file"),
  )
    .addHelpText(
      "after",
      "\nBad lines are reported by line number and the good ones are kept; assets listed already are left as they are.\nThe exit code is 1 when a line was refused.\n\nExample:\n  openirm physical-assets import ./priority-assets.csv",
    )
    .action(async (file: string, opts: { server?: string; json?: boolean }) => {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch {
        throw new CliError(`cannot read ${file}: no such file.`);
      }
      const client = await connectSignedIn(io, opts);
      const report = await client.post<ImportReport>(`${PATH}/import`, { csv: text });
      if (opts.json) printJson(io, report);
      else {
        io.out(`Imported ${file}.\n`);
        printFields(io, [
          ["added", report.added],
          ["already listed", report.alreadyListed],
          ["repeated in the file", report.duplicatesInFile],
          ["refused", report.rejected],
        ]);
        for (const e of report.errors) io.out(`  line ${e.line}: ${e.reason}\n`);
        for (const w of report.warnings) io.out(`  warning: ${w}\n`);
      }
      if (report.rejected > 0) {
        throw new CliError(
          `${report.rejected} line(s) of ${file} were refused${report.added + report.alreadyListed > 0 ? "; the other assets were imported" : ""}. Fix them and import the file again.`,
        );
      }
    });

  withServer(
    program
      .command("physical-access")
      .description("badge events with findings: priority assets, failed access, access after termination"),
  )
    .option("--user <upn|id>", "one user: a UPN (if your role groups show identities) or the user's id")
    .option("--from <date>", "from this UTC day or ISO 8601 time (default: 30 days before --to)")
    .option("--to <date>", "before this UTC day or ISO 8601 time (default: now)")
    .option("--all", "every badge event, not only those with findings")
    .option("--page <n>", "page number (from 1)")
    .option("--page-size <n>", "events per page (default 50)")
    .addHelpText("after", "\nExample:\n  openirm physical-access --user sarad@contoso.com --from 2026-03-01")
    .action(
      async (opts: {
        server?: string;
        json?: boolean;
        user?: string;
        from?: string;
        to?: string;
        all?: boolean;
        page?: string;
        pageSize?: string;
      }) => {
        const page = parseWholeNumber("--page", opts.page, 1);
        const pageSize = parseWholeNumber("--page-size", opts.pageSize, 1);
        const client = await connectSignedIn(io, opts);
        const result = await client.get<{ items: AccessItem[]; total: number; page: number; pageSize: number }>(
          "/api/physical-access",
          { user: opts.user, from: opts.from, to: opts.to, all: opts.all ? "true" : undefined, page, pageSize },
        );
        if (opts.json) return printJson(io, result);
        printTable(
          io,
          result.items.map((e) => ({
            time: e.occurredAt,
            user: e.user.upn ?? e.user.alias,
            asset: e.assetName ? `${e.assetId} (${e.assetName})` : e.assetId,
            status: e.accessStatus,
            findings: e.findings.join(", ") || "-",
          })),
          [
            ["time", "TIME"],
            ["user", "USER"],
            ["asset", "ASSET"],
            ["status", "STATUS"],
            ["findings", "FINDINGS"],
          ],
          opts.all ? "No badge events in this window." : "No badge events with findings in this window.",
        );
        if (result.total > result.items.length) {
          io.out(`(page ${result.page}: ${result.items.length} of ${result.total} events; --page N for more)\n`);
        }
      },
    );
}
