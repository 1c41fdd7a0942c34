// Printing results: aligned text tables for people, JSON (--json) for scripts.

import type { Command } from "commander";
import { connectSignedIn } from "./api.ts";
import type { CliIo } from "./io.ts";
import { withServer } from "./options.ts";

export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

function cell(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (Array.isArray(value)) return value.map(cell).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A plain table: a header row, then one line per item; "-" for empty cells. */
export function formatTable(items: readonly Record<string, unknown>[], columns: readonly [string, string][]): string {
  const rows = items.map((item) => columns.map(([key]) => cell(item[key])));
  const widths = columns.map(([, title], i) => Math.max(title.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map(([, title]) => title)), ...rows.map(line)].join("\n")}\n`;
}

export function printTable(
  io: CliIo,
  items: readonly Record<string, unknown>[],
  columns: readonly [string, string][],
  empty: string,
): void {
  io.out(items.length === 0 ? `${empty}\n` : formatTable(items, columns));
}

/** "key: value" lines, aligned. */
export function printFields(io: CliIo, fields: readonly [string, unknown][]): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  io.out(`${fields.map(([k, v]) => `  ${`${k}:`.padEnd(width + 1)} ${cell(v)}`).join("\n")}\n`);
}

/** Indents every line of a block of text (which ends with a line break) by two spaces. */
export function indent(text: string): string {
  return text.replace(/^(?=.)/gm, "  ");
}

/** Adds a `list` subcommand that GETs a collection and prints it as a table (or JSON with --json). */
export function addListCommand(
  parent: Command,
  io: CliIo,
  spec: { description: string; path: string; columns: readonly [string, string][]; empty: string },
): void {
  withServer(parent.command("list").description(spec.description)).action(
    async (opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const answer = await client.get<{ items: Record<string, unknown>[] } | Record<string, unknown>[]>(spec.path);
      const items = Array.isArray(answer) ? answer : answer.items;
      if (opts.json) return printJson(io, items);
      printTable(io, items, spec.columns, spec.empty);
    },
  );
}
