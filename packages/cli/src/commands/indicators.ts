// `openirm indicators`: the built-in indicator catalog (turned on and off for the organisation)
// and custom indicators built on a connector's data.

import type { Command } from "commander";
import { connectSignedIn } from "../api.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { withServer } from "../options.ts";
import { printFields, printJson, printTable } from "../output.ts";

export function registerIndicators(program: Command, io: CliIo): void {
  const indicators = program.command("indicators").description("built-in and custom indicators");

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

  withServer(
    indicators.command("list").description("list indicators (built-in ones with category and default thresholds)"),
  )
    .option("--kind <kind>", "builtin or custom")
    .option("--category <category>", "office, device, security, physical, cloud, browsing, health, communication")
    .option("--enabled", "only indicators turned on")
    .action(async (opts: { server?: string; json?: boolean; kind?: string; category?: string; enabled?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const query = new URLSearchParams();
      if (opts.kind) query.set("kind", opts.kind);
      if (opts.category) query.set("category", opts.category);
      const suffix = query.size > 0 ? `?${query}` : "";
      const answer = await client.get<{ items: Record<string, unknown>[] }>(`/api/indicators${suffix}`);
      const items = answer.items
        .filter((i) => !opts.enabled || i.enabled === true)
        .map((i) => {
          const t = i.defaultThresholds as { low: number; medium: number; high: number } | null;
          // A custom indicator counts its value column (or its events, trigger only) for one source value.
          const custom = i.kind === "custom";
          return {
            ...i,
            source: custom ? (i.sourceValue ?? "Default") : "",
            measure: custom ? (i.valueColumn ?? "trigger only") : i.measure,
            thresholds: t ? `${t.low}/${t.medium}/${t.high}` : "",
          };
        });
      if (opts.json) return printJson(io, items);
      printTable(
        io,
        items,
        [
          ["id", "ID"],
          ["kind", "KIND"],
          ["categoryName", "CATEGORY"],
          ["name", "NAME"],
          ["source", "SOURCE"],
          ["measure", "COUNTS"],
          ["thresholds", "DEFAULT L/M/H"],
          ["enabled", "ENABLED"],
        ],
        "No indicators match.",
      );
    });

  for (const [command, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    withServer(
      indicators
        .command(command)
        .description(`turn indicators ${enabled ? "on" : "off"} for the organisation (Policy indicators)`),
    )
      .argument("<ids...>", "indicator ids (built-in ids such as device.print, or custom indicator ids)")
      .action(async (ids: string[], opts: { server?: string; json?: boolean }) => {
        const client = await connectSignedIn(io, opts);
        const results = [];
        for (const id of ids) {
          const updated = await client.patch(`/api/indicators/${encodeURIComponent(id)}`, { enabled });
          results.push(updated);
          if (!opts.json) io.out(`${updated.name} (${updated.id}): ${enabled ? "on" : "off"}\n`);
        }
        if (opts.json) printJson(io, results);
      });
  }
}
