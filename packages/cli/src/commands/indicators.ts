// `openirm indicators`: custom indicators built on a connector's data.

import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { withServer } from "../options.ts";
import { addListCommand, printFields, printJson } from "../output.ts";

export function registerIndicators(program: Command, io: CliIo): void {
  const indicators = program.command("indicators").description("custom indicators");

  withServer(indicators.command("create").description("create a custom indicator on a connector"))
    .requiredOption("--name <name>", "indicator name")
    .requiredOption("--connector <id>", "indicators connector id")
    .option("--source-value <value>", "the source column value this indicator reads (e.g. Salesforce)")
    .option("--value-column <column>", "Number column whose daily total is compared with thresholds")
    .option("--trigger-only", "no value column: the indicator only triggers")
    .option("--description <text>", "description")
    .addHelpText(
      "after",
      "\nExamples:\n  openirm indicators create --name 'Salesforce exfiltration' --connector ID --source-value Salesforce --value-column Alert_Count\n  openirm indicators create --name 'Leaver prediction' --connector ID --trigger-only",
    )
    .action(
      async (opts: {
        server?: string;
        json?: boolean;
        name: string;
        connector: string;
        sourceValue?: string;
        valueColumn?: string;
        triggerOnly?: boolean;
        description?: string;
      }) => {
        if (opts.valueColumn && opts.triggerOnly) {
          throw new UsageError("--value-column and --trigger-only exclude each other.");
        }
        if (!opts.valueColumn && !opts.triggerOnly) {
          throw new UsageError("give --value-column COLUMN, or --trigger-only for an indicator without thresholds.");
        }
        const client = await connectSignedIn(io, opts);
        const created = await client.post("/api/indicators", {
          name: opts.name,
          connectorId: opts.connector,
          ...(opts.description ? { description: opts.description } : {}),
          ...(opts.sourceValue ? { sourceValue: opts.sourceValue } : {}),
          ...(opts.valueColumn ? { valueColumn: opts.valueColumn } : {}),
        });
        if (opts.json) return printJson(io, created);
        io.out(`Created indicator '${created.name}'.\n`);
        printFields(io, [
          ["id", created.id],
          ["connector", created.connectorId ?? opts.connector],
          ["source value", created.sourceValue ?? opts.sourceValue],
          ["value column", created.valueColumn ?? opts.valueColumn ?? "(trigger only)"],
        ]);
      },
    );

  addListCommand(indicators, io, {
    description: "list indicators",
    path: "/api/indicators",
    columns: [
      ["id", "ID"],
      ["name", "NAME"],
      ["sourceValue", "SOURCE VALUE"],
      ["valueColumn", "VALUE COLUMN"],
      ["connectorId", "CONNECTOR"],
    ],
    empty: "No indicators yet: create one with 'openirm indicators create'.",
  });
}
