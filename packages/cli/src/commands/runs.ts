// `openirm runs`: the upload log of a connector (records received, saved, rejected, duplicates).

import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import type { CliIo } from "../io.ts";
import { parseWholeNumber, withServer } from "../options.ts";
import { formatTable, indent, printFields, printJson, printTable } from "../output.ts";

export function registerRuns(program: Command, io: CliIo): void {
  const runs = program.command("runs").description("upload runs of a connector");

  withServer(runs.command("list").description("list a connector's upload runs, newest first"))
    .requiredOption("--connector <id>", "connector id")
    .option("--csv", "download the run log as CSV instead")
    .option("--output <file>", "with --csv: write to this file instead of stdout")
    .option("--limit <n>", "runs per page (the server's default is 50, at most 500)")
    .option("--offset <n>", "skip this many of the newest runs")
    .addHelpText(
      "after",
      "\nExamples:\n  openirm runs list --connector ID\n  openirm runs list --connector ID --csv --output runs.csv",
    )
    .action(
      async (opts: {
        server?: string;
        json?: boolean;
        connector: string;
        csv?: boolean;
        output?: string;
        limit?: string;
        offset?: string;
      }) => {
        const client = await connectSignedIn(io, opts);
        const base = `/api/connectors/${encodeURIComponent(opts.connector)}`;
        if (opts.csv) {
          const csv = await client.text(`${base}/runs.csv`);
          if (opts.output) {
            await writeFile(opts.output, csv);
            io.out(`Run log written to ${opts.output}\n`);
          } else io.out(csv);
          return;
        }
        const limit = parseWholeNumber("--limit", opts.limit, 1);
        const offset = parseWholeNumber("--offset", opts.offset, 0);
        const answer = await client.get<{ items: Record<string, unknown>[]; total?: number }>(`${base}/runs`, {
          limit,
          offset,
        });
        if (opts.json) return printJson(io, answer);
        const { items } = answer;
        printTable(
          io,
          items,
          [
            ["id", "RUN ID"],
            ["status", "STATUS"],
            ["receivedAt", "RECEIVED"],
            ["recordsReceived", "RECORDS"],
            ["recordsSaved", "SAVED"],
            ["recordsRejected", "REJECTED"],
            ["recordsDuplicate", "DUPLICATES"],
          ],
          "No uploads for this connector yet.",
        );
        if (typeof answer.total === "number" && answer.total > items.length) {
          const first = (offset ?? 0) + 1;
          io.out(`runs ${first}–${first + items.length - 1} of ${answer.total}; see more with --offset and --limit.\n`);
        }
      },
    );

  withServer(runs.command("show").description("show one upload run"))
    .argument("<id>", "run id")
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const run = await client.get(`/api/runs/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(io, run);
      printFields(
        io,
        Object.entries(run).filter(([, v]) => v === null || typeof v !== "object") as [string, unknown][],
      );
      const warnings = Array.isArray(run.warnings) ? (run.warnings as unknown[]) : [];
      for (const w of warnings) io.out(`  warning: ${typeof w === "string" ? w : JSON.stringify(w)}\n`);
      const rejections = Array.isArray(run.rejections) ? (run.rejections as Record<string, unknown>[]) : [];
      if (rejections.length > 0) {
        io.out(`Rejected or duplicate rows (${rejections.length}):\n`);
        io.out(
          indent(
            formatTable(rejections, [
              ["line", "LINE"],
              ["column", "COLUMN"],
              ["kind", "KIND"],
              ["reason", "REASON"],
            ]),
          ),
        );
      }
    });
}
