// `openirm activity`: the built-in activity types and the ready-made activity mappings (documents
// to use as they are with `connectors create --type activity --activity-mapping ID`, or to save,
// edit and pass as a file).

import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { CliError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { withServer } from "../options.ts";
import { printJson, printTable } from "../output.ts";

interface ActivityTypeItem {
  id: string;
  label: string;
  category: string;
  stage: string | null;
  attributes: string[];
}

export function registerActivity(program: Command, io: CliIo): void {
  const activity = program
    .command("activity")
    .description("built-in activity types and ready-made activity mappings (for activity connectors)");

  withServer(activity.command("types").description("list the built-in activity types"))
    .option("--category <category>", "only this category (office, device, security, cloud, browsing, communication)")
    .option("--attributes", "also list the attributes each type carries")
    .action(async (opts: { server?: string; json?: boolean; category?: string; attributes?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const answer = await client.get<{ items: ActivityTypeItem[]; categories: string[] }>("/api/activity/types");
      if (opts.category && !answer.categories.includes(opts.category)) {
        throw new CliError(`--category must be one of ${answer.categories.join(", ")} (got '${opts.category}').`);
      }
      const items = answer.items.filter((t) => !opts.category || t.category === opts.category);
      if (opts.json) return printJson(io, opts.category ? items : answer);
      const columns: [string, string][] = [
        ["id", "ID"],
        ["category", "CATEGORY"],
        ["stage", "STAGE"],
        ["label", "LABEL"],
      ];
      if (opts.attributes) columns.push(["attributes", "ATTRIBUTES"]);
      printTable(io, items as unknown as Record<string, unknown>[], columns, "No activity types.");
    });

  withServer(
    activity
      .command("mappings [id]")
      .description("list the ready-made activity mappings, or print one (to save and edit)")
      .option("--output <file>", "with an ID: write the mapping document to this file instead of printing it")
      .addHelpText(
        "after",
        "\nExamples:\n  openirm activity mappings\n  openirm activity mappings m365-audit-log > my-mapping.json\n  openirm connectors create --type activity --name 'Audit log' --app-id APP --activity-mapping my-mapping.json",
      ),
  ).action(async (id: string | undefined, opts: { server?: string; json?: boolean; output?: string }) => {
    const client = await connectSignedIn(io, opts);
    if (id === undefined) {
      if (opts.output) throw new CliError("--output needs a mapping ID: openirm activity mappings ID --output FILE.");
      const { items } = await client.get<{ items: { id: string; name: string; description: string }[] }>(
        "/api/activity/mappings",
      );
      if (opts.json) return printJson(io, items);
      printTable(
        io,
        items,
        [
          ["id", "ID"],
          ["name", "NAME"],
        ],
        "No ready-made mappings.",
      );
      io.out("Print one with: openirm activity mappings ID > mapping.json\n");
      return;
    }
    const text = await client.text(`/api/activity/mappings/${encodeURIComponent(id)}`);
    if (opts.output) {
      try {
        await writeFile(opts.output, text);
      } catch (err) {
        throw new CliError(`cannot write ${opts.output} (${(err as Error).message}).`);
      }
      io.out(`Wrote mapping '${id}' to ${opts.output}.\n`);
      return;
    }
    io.out(text.endsWith("\n") ? text : `${text}\n`);
  });
}
