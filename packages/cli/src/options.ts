// Parsing option values: repeatable options, KEY=VALUE pairs, lists and numbers (usage errors exit 2).

import type { Command } from "commander";
import { UsageError } from "./errors.ts";

/** Adds --server and --json, which every command that talks to a server takes. */
export function withServer(cmd: Command): Command {
  return cmd
    .option(
      "--server <url>",
      "OpenIRM server URL (default: the one saved by 'openirm login', else http://localhost:8080)",
    )
    .option("--json", "print the result as JSON");
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function parsePair(option: string, value: string): [string, string] {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new UsageError(`${option} expects NAME=VALUE (got '${value}').`);
  return [value.slice(0, eq).trim(), value.slice(eq + 1).trim()];
}

export function parseWholeNumber(option: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${option} expects a whole number ≥ ${min} (got '${value}').`);
  return n;
}

export function parseNumber(option: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${option}: '${value}' is not a number.`);
  return n;
}
