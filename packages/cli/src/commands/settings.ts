// `openirm settings`: show the tenant settings, change one by its dotted path, and import a
// detection list (domains, file paths, keywords …) from a text file with one entry per line.

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type ApiClient, connectSignedIn } from "../api.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { withServer } from "../options.ts";
import { printFields, printJson } from "../output.ts";

/** Settings whose value is a list: a value that is not JSON is read as comma-separated entries. */
const LIST_SETTINGS = new Set([
  "detections.fileTypeExclusions",
  "detections.securityAlertStatuses",
  "detections.domains.unallowed",
  "detections.domains.allowed",
  "detections.domains.thirdParty",
  "detections.sensitiveInfoTypeExclusions",
  "detections.trainableClassifierExclusions",
  "detections.filePathExclusions",
  "detections.defaultFilePathExclusions",
  "detections.siteUrlExclusions",
  "detections.keywordExclusions",
]);

const DOMAIN_LISTS = ["unallowed", "allowed", "third-party"];
const MAX_SHOWN = 10;

/** The value of `set`: JSON when it parses (numbers, true/false, arrays, objects), else the text itself. */
export function parseSettingValue(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (!LIST_SETTINGS.has(path)) return text;
    return text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }
}

/** { a: { b: value } } for "a.b". */
export function nestedPatch(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split(".");
  if (keys.some((k) => k === ""))
    throw new UsageError(`'${path}' is not a setting path; write it as detections.alertVolume.`);
  let patch: unknown = value;
  for (const key of keys.reverse()) patch = { [key]: patch };
  return patch as Record<string, unknown>;
}

function valueAt(settings: unknown, path: string): unknown {
  let v: any = settings;
  for (const key of path.split(".")) v = v && typeof v === "object" ? v[key] : undefined;
  return v;
}

function entryText(entry: unknown): string {
  if (typeof entry === "string") return entry;
  if (entry && typeof entry === "object" && "domain" in entry) {
    const d = entry as { domain: string; includeMultiLevelSubdomains: boolean };
    return d.includeMultiLevelSubdomains ? `${d.domain} (multi-level)` : d.domain;
  }
  if (entry && typeof entry === "object" && "contains" in entry) {
    const k = entry as { contains: string[]; unless: string[] };
    return k.unless.length > 0 ? `${k.contains.join(" / ")} unless ${k.unless.join(" / ")}` : k.contains.join(" / ");
  }
  return JSON.stringify(entry);
}

function listSummary(entries: unknown[], limit?: number): string {
  const count = limit === undefined ? `${entries.length}` : `${entries.length}/${limit}`;
  if (entries.length === 0) return `(${count}) -`;
  const shown = entries.slice(0, MAX_SHOWN).map(entryText).join(", ");
  return `(${count}) ${shown}${entries.length > MAX_SHOWN ? `, … ${entries.length - MAX_SHOWN} more (--json for all)` : ""}`;
}

function showSettings(io: CliIo, s: any): void {
  const d = s.detections;
  io.out("Timeframes\n");
  printFields(io, [
    ["activationWindowDays", `${s.activationWindowDays} days after a trigger`],
    ["pastActivityDays", `${s.pastActivityDays} days before a trigger`],
    ["emailPastActivityDays", `${s.emailPastActivityDays} days (fixed)`],
  ]);
  io.out("Privacy\n");
  printFields(io, [["privacy.showNamesToEntitledRoles", s.privacy.showNamesToEntitledRoles]]);
  io.out("Intelligent detections\n");
  printFields(io, [
    ["alertVolume", d.alertVolume],
    ["unusualActivityMinDailyEvents", d.unusualActivityMinDailyEvents],
    ["ignoreEmailSignatureAttachments", d.ignoreEmailSignatureAttachments],
    ["securityAlertStatuses", d.securityAlertStatuses.join(", ")],
    ["fileTypeExclusions", listSummary(d.fileTypeExclusions, 500)],
    ["domains.unallowed", listSummary(d.domains.unallowed, 500)],
    ["domains.allowed", listSummary(d.domains.allowed, 500)],
    ["domains.thirdParty", listSummary(d.domains.thirdParty, 500)],
    ["sensitiveInfoTypeExclusions", listSummary(d.sensitiveInfoTypeExclusions, 500)],
    ["trainableClassifierExclusions", listSummary(d.trainableClassifierExclusions, 500)],
    ["filePathExclusions", listSummary(d.filePathExclusions, 500)],
    ["defaultFilePathExclusions", listSummary(d.defaultFilePathExclusions)],
    ["siteUrlExclusions", listSummary(d.siteUrlExclusions, 500)],
    ["keywordExclusions", listSummary(d.keywordExclusions, 500)],
  ]);
}

async function importList(
  io: CliIo,
  client: ApiClient,
  list: string,
  file: string,
  opts: { append?: boolean; json?: boolean },
): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(
      `cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
    );
  }
  const result = await client.post<any>(`/api/settings/detections/${list}/import`, {
    text,
    mode: opts.append ? "append" : "replace",
  });
  if (opts.json) return printJson(io, result);
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  io.out(
    `Imported ${plural(result.imported, "entry", "entries")} into ${result.field} (${result.mode}): ` +
      `${result.added} added, ${result.removed} removed, ${plural(result.duplicates, "duplicate")}, ` +
      `${plural(result.rejected.length, "line")} rejected. The list has ${result.count} of ${result.limit} entries.\n`,
  );
  if (result.rejected.length > 0) {
    io.out("Rejected lines:\n");
    for (const r of result.rejected) io.out(`  ${r.message}\n`);
  }
}

export function registerSettings(program: Command, io: CliIo): void {
  const settings = program
    .command("settings")
    .description("tenant settings: timeframes, privacy and intelligent detections (see docs/settings.md)");

  withServer(settings.command("show").description("show every setting")).action(
    async (opts: { server?: string; json?: boolean }) => {
      const client = await connectSignedIn(io, opts);
      const s = await client.get("/api/settings");
      if (opts.json) return printJson(io, s);
      showSettings(io, s);
    },
  );

  withServer(
    settings
      .command("set")
      .description(
        "change one setting by its path, e.g. 'set detections.alertVolume fewer' or 'set detections.fileTypeExclusions mp3,wav'; values are read as JSON when they parse",
      )
      .argument("<path>", "dotted setting path, e.g. pastActivityDays or detections.domains.allowed")
      .argument("<value>", "the new value (JSON, or text; comma-separated for lists)"),
  ).action(async (path: string, text: string, opts: { server?: string; json?: boolean }) => {
    const value = parseSettingValue(path, text);
    const patch = nestedPatch(path, value);
    const client = await connectSignedIn(io, opts);
    const before = valueAt(await client.get("/api/settings"), path);
    const after = await client.patch("/api/settings", patch);
    if (opts.json) return printJson(io, after);
    const now = valueAt(after, path);
    const show = (v: unknown) => (Array.isArray(v) ? listSummary(v) : JSON.stringify(v));
    io.out(
      JSON.stringify(before) === JSON.stringify(now)
        ? `${path} is already ${show(now)}; nothing changed.\n`
        : `${path}: ${show(before)} → ${show(now)}\n`,
    );
  });

  withServer(
    settings
      .command("import")
      .description(
        "replace (or with --append extend) a detection list from a text file, one entry per line; lists: file-types, domains/unallowed, domains/allowed, domains/third-party, sensitive-info-types, trainable-classifiers, file-paths, site-urls, keywords",
      )
      .argument("<list>", "the list, e.g. file-paths or domains/allowed")
      .requiredOption("--file <path>", "text or CSV file, one entry per line")
      .option("--append", "add to the list instead of replacing it"),
  ).action(async (list: string, opts: { file: string; append?: boolean; server?: string; json?: boolean }) => {
    const client = await connectSignedIn(io, opts);
    await importList(io, client, list, opts.file, opts);
  });

  const domains = settings.command("domains").description("the unallowed, allowed and third-party domain lists");
  withServer(
    domains
      .command("import")
      .description(
        "replace (or with --append extend) a domain list from a text file: one domain per line, optionally followed by ,true to include multi-level subdomains",
      )
      .requiredOption("--list <list>", `the list: ${DOMAIN_LISTS.join(", ")}`)
      .requiredOption("--file <path>", "text or CSV file, one domain per line")
      .option("--append", "add to the list instead of replacing it"),
  ).action(async (opts: { list: string; file: string; append?: boolean; server?: string; json?: boolean }) => {
    const list = opts.list.toLowerCase();
    if (!DOMAIN_LISTS.includes(list)) {
      throw new UsageError(`--list must be one of ${DOMAIN_LISTS.join(", ")} (got '${opts.list}').`);
    }
    const client = await connectSignedIn(io, opts);
    await importList(io, client, `domains/${list}`, opts.file, opts);
  });
}
