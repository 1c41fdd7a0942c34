// Intelligent detections: the tenant-wide exclusions, domain lists and thresholds that change what
// every policy scores. Stored as JSON under the tenant settings' "detections"; read leniently
// (anything missing or invalid takes its default, invalid list entries are dropped), changed
// strictly (every bad value is refused with its field path, the limit and the fix).

import { closestName } from "../connectors/suggest.ts";
import { ALERT_VOLUMES, type AlertVolume } from "../detections/alertVolume.ts";
import { type DomainEntry, domainEntryKey, formatDomainEntry, parseDomainEntry } from "../detections/domains.ts";
import { parseFileType } from "../detections/fileTypes.ts";
import {
  formatKeywordExclusion,
  type KeywordExclusion,
  keywordExclusionKey,
  parseKeywordExclusion,
  parseKeywordLine,
} from "../detections/keywords.ts";
import { parseTypeName, typeNameKey } from "../detections/names.ts";
import { fail, ok, type Parsed, shown, unquote } from "../detections/parse.ts";
import { DEFAULT_FILE_PATH_EXCLUSIONS, parsePathPattern } from "../detections/paths.ts";
import { parseSiteUrl } from "../detections/sites.ts";
import { parseSecurityAlertStatus, SECURITY_ALERT_STATUSES, type SecurityAlertStatus } from "../detections/triage.ts";
import { AppError } from "../errors.ts";

export interface DomainLists {
  /** Activity with these domains scores higher. */
  unallowed: DomainEntry[];
  /** Treated like the organisation's own domains: sharing and e-mail to them is not scored. */
  allowed: DomainEntry[];
  /** Business cloud sites for the "download content from a third-party site" indicator. */
  thirdParty: DomainEntry[];
}

export interface DetectionSettings {
  /** Leave the sender's e-mail signature images out of "e-mail with attachments" activity. */
  ignoreEmailSignatureAttachments: boolean;
  /** Extensions (lower-case, no dot) whose file activity no policy scores. */
  fileTypeExclusions: string[];
  /** Daily events a user needs before the "above usual activity" booster may apply. */
  unusualActivityMinDailyEvents: number;
  alertVolume: AlertVolume;
  /** Triage statuses of security alerts to import (at least one). */
  securityAlertStatuses: SecurityAlertStatus[];
  domains: DomainLists;
  sensitiveInfoTypeExclusions: string[];
  trainableClassifierExclusions: string[];
  /** Custom file path exclusions (patterns with * and *(n)). */
  filePathExclusions: string[];
  /** The default file path exclusions still selected (a subset of DEFAULT_FILE_PATH_EXCLUSIONS). */
  defaultFilePathExclusions: string[];
  siteUrlExclusions: string[];
  keywordExclusions: KeywordExclusion[];
}

/** Every exclusion and domain list holds at most this many entries. */
export const DETECTION_LIST_LIMIT = 500;
/** The portal default of the reference product: 50 events in a day. */
export const DEFAULT_UNUSUAL_ACTIVITY_MIN_DAILY_EVENTS = 50;
export const MAX_UNUSUAL_ACTIVITY_MIN_DAILY_EVENTS = 1_000_000;
/** Classifiers excluded out of the box (communication-compliance classifiers that are noise for insider risk). */
export const DEFAULT_TRAINABLE_CLASSIFIER_EXCLUSIONS: readonly string[] = [
  "Threat",
  "Profanity",
  "Targeted harassment",
  "Offensive language",
  "Discrimination",
];

export function defaultDetectionSettings(): DetectionSettings {
  return {
    ignoreEmailSignatureAttachments: false,
    fileTypeExclusions: [],
    unusualActivityMinDailyEvents: DEFAULT_UNUSUAL_ACTIVITY_MIN_DAILY_EVENTS,
    alertVolume: "default",
    securityAlertStatuses: [...SECURITY_ALERT_STATUSES],
    domains: { unallowed: [], allowed: [], thirdParty: [] },
    sensitiveInfoTypeExclusions: [],
    trainableClassifierExclusions: [...DEFAULT_TRAINABLE_CLASSIFIER_EXCLUSIONS],
    filePathExclusions: [],
    defaultFilePathExclusions: [...DEFAULT_FILE_PATH_EXCLUSIONS],
    siteUrlExclusions: [],
    keywordExclusions: [],
  };
}

/** One long list of the detections, with how its entries are read from JSON and from a text line. */
export interface DetectionList<T = any> {
  /** Name in URLs and on the command line: "domains/allowed", "file-paths" … */
  name: string;
  /** Dotted setting path: "detections.domains.allowed". */
  field: string;
  /** Path of the list inside DetectionSettings. */
  path: readonly string[];
  limit: number;
  /** A valid entry, as written on a line of a text list. */
  example: string;
  parse(value: unknown): Parsed<T>;
  /** The entries of one line of a text list. */
  parseLine(line: string): Parsed<T[]>;
  /** Identity: two entries with the same key are duplicates (the first is kept). */
  key(entry: T): string;
  /** The entry as a line of a text list (parseLine(format(e)) gives e back). */
  format(entry: T): string;
  /** A header line that a CSV export may start with; skipped when it is the first line. */
  header: RegExp;
  /** Extra advice when the list is over its limit. */
  limitHint: string;
}

const single =
  <T>(parse: (value: unknown) => Parsed<T>) =>
  (line: string): Parsed<T[]> => {
    const parsed = parse(unquote(line));
    return parsed.ok ? ok([parsed.value]) : parsed;
  };

const FLAG_VALUES: Record<string, boolean> = {
  "": false,
  true: true,
  false: false,
  yes: true,
  no: false,
  y: true,
  n: false,
  "1": true,
  "0": false,
};

function parseDomainLine(line: string): Parsed<DomainEntry[]> {
  const cells = line.split(/[,;\t]/).map(unquote);
  if (cells.length > 2) {
    return fail("has more than two values; write the domain, optionally followed by ,true for multi-level subdomains.");
  }
  const flagText = (cells[1] ?? "").toLowerCase();
  const flag = FLAG_VALUES[flagText];
  if (flag === undefined) {
    return fail(`has ${shown(cells[1])} as the multi-level flag; write true or false (or leave it out).`);
  }
  const parsed = parseDomainEntry({ domain: cells[0], includeMultiLevelSubdomains: flag });
  return parsed.ok ? ok([parsed.value]) : parsed;
}

function domainList(name: "unallowed" | "allowed" | "third-party", key: keyof DomainLists): DetectionList<DomainEntry> {
  return {
    name: `domains/${name}`,
    field: `detections.domains.${key}`,
    path: ["domains", key],
    limit: DETECTION_LIST_LIMIT,
    example: "*.contoso.com,true",
    parse: parseDomainEntry,
    parseLine: parseDomainLine,
    key: domainEntryKey,
    format: formatDomainEntry,
    header: /^"?domains?"?(\s*[,;\t]\s*"?include\s*multi[\s-]*level\s*subdomains"?)?$/i,
    limitHint: "One wildcard entry such as *.contoso.com covers every domain under it.",
  };
}

const siteKey = (url: string) => url.replace(/^https?:\/\//, "");
const pathKey = (text: string) => {
  const parsed = parsePathPattern(text);
  return parsed.ok ? parsed.value.key : text.toLowerCase();
};

export const DETECTION_LISTS: readonly DetectionList[] = [
  {
    name: "file-types",
    field: "detections.fileTypeExclusions",
    path: ["fileTypeExclusions"],
    limit: DETECTION_LIST_LIMIT,
    example: "mp3, wav, .aac",
    parse: parseFileType,
    parseLine: (line) => {
      const out: string[] = [];
      for (const cell of line.split(",")) {
        if (cell.trim() === "") continue;
        const parsed = parseFileType(unquote(cell));
        if (!parsed.ok) return fail(`${shown(cell.trim())} ${parsed.reason}`);
        out.push(parsed.value);
      }
      return ok(out);
    },
    key: (e: string) => e,
    format: (e: string) => e,
    header: /^"?(extensions?|file\s*types?)"?$/i,
    limitHint: "",
  },
  domainList("unallowed", "unallowed"),
  domainList("allowed", "allowed"),
  domainList("third-party", "thirdParty"),
  {
    name: "sensitive-info-types",
    field: "detections.sensitiveInfoTypeExclusions",
    path: ["sensitiveInfoTypeExclusions"],
    limit: DETECTION_LIST_LIMIT,
    example: "Credit Card Number",
    parse: (v) => parseTypeName(v, "sensitive information type"),
    parseLine: single((v) => parseTypeName(v, "sensitive information type")),
    key: typeNameKey,
    format: (e: string) => e,
    header: /^"?(name|sensitive\s*info(rmation)?\s*types?)"?$/i,
    limitHint: "",
  },
  {
    name: "trainable-classifiers",
    field: "detections.trainableClassifierExclusions",
    path: ["trainableClassifierExclusions"],
    limit: DETECTION_LIST_LIMIT,
    example: "Profanity",
    parse: (v) => parseTypeName(v, "trainable classifier"),
    parseLine: single((v) => parseTypeName(v, "trainable classifier")),
    key: typeNameKey,
    format: (e: string) => e,
    header: /^"?(name|trainable\s*classifiers?)"?$/i,
    limitHint: "",
  },
  {
    name: "file-paths",
    field: "detections.filePathExclusions",
    path: ["filePathExclusions"],
    limit: DETECTION_LIST_LIMIT,
    example: "C:\\Users\\*\\Desktop",
    parse: (v) => {
      const parsed = parsePathPattern(v);
      return parsed.ok ? ok(parsed.value.text) : parsed;
    },
    parseLine: single((v) => {
      const parsed = parsePathPattern(v);
      return parsed.ok ? ok(parsed.value.text) : parsed;
    }),
    key: pathKey,
    format: (e: string) => e,
    header: /^"?(path|file\s*paths?)"?$/i,
    limitHint: "A wildcard (C:\\Users\\*\\Desktop, *(n) for up to n levels) covers many folders in one entry.",
  },
  {
    name: "site-urls",
    field: "detections.siteUrlExclusions",
    path: ["siteUrlExclusions"],
    limit: DETECTION_LIST_LIMIT,
    example: "https://contoso.sharepoint.com/sites/Training",
    parse: parseSiteUrl,
    parseLine: single(parseSiteUrl),
    key: siteKey,
    format: (e: string) => e,
    header: /^"?(url|site\s*urls?)"?$/i,
    limitHint: "A site URL also excludes every site and folder under it.",
  },
  {
    name: "keywords",
    field: "detections.keywordExclusions",
    path: ["keywordExclusions"],
    limit: DETECTION_LIST_LIMIT,
    example: "training | compliance",
    parse: parseKeywordExclusion,
    parseLine: (line) => {
      const parsed = parseKeywordLine(line);
      return parsed.ok ? ok([parsed.value]) : parsed;
    },
    key: keywordExclusionKey,
    format: formatKeywordExclusion,
    header: /^"?keywords?"?$/i,
    limitHint: "One rule may hold several keywords.",
  },
];

export const DETECTION_LIST_NAMES = DETECTION_LISTS.map((l) => l.name);

/** The list with this name (as in URLs: "domains/allowed"), or an error naming the lists. */
export function detectionList(name: string): DetectionList {
  const wanted = name.toLowerCase().replace(/^\/+|\/+$/g, "");
  const list = DETECTION_LISTS.find((l) => l.name === wanted);
  if (list) return list;
  const guess = closestName(wanted, DETECTION_LIST_NAMES);
  throw new AppError(
    "unknown_detection_list",
    404,
    `There is no detection list '${name}'.${guess ? ` Did you mean '${guess}'?` : ""} Lists are: ${DETECTION_LIST_NAMES.join(", ")}.`,
    { list: name },
  );
}

export function getListValue(settings: DetectionSettings, list: DetectionList): unknown[] {
  let value: any = settings;
  for (const key of list.path) value = value[key];
  return value as unknown[];
}

/** The patch that replaces one list: { detections: { domains: { allowed: entries } } }. */
export function listPatch(list: DetectionList, entries: unknown): Record<string, unknown> {
  let patch: unknown = entries;
  for (const key of [...list.path].reverse()) patch = { [key]: patch };
  return { detections: patch };
}

const invalid = (column: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("invalid_setting", 400, message, { column, ...details });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function refuseUnknownKeys(record: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(record)) {
    if (allowed.includes(key)) continue;
    const guess = closestName(key, allowed);
    throw invalid(
      `${prefix}.${key}`,
      `Unknown setting '${prefix}.${key}'.${guess ? ` Did you mean '${prefix}.${guess}'?` : ""} ${prefix} settings are: ${allowed.join(", ")}.`,
    );
  }
}

/** Message when a list is longer than its limit. */
export function overLimitMessage(list: DetectionList, count: number): string {
  return `${list.field} would have ${count} entries; the limit is ${list.limit}. Remove at least ${count - list.limit}.${list.limitHint ? ` ${list.limitHint}` : ""}`;
}

/** Checks a whole list (strict): the first bad entry is refused with its index; duplicates are dropped. */
export function validateList<T>(list: DetectionList<T>, value: unknown): T[] {
  const items =
    list.name === "file-types" && typeof value === "string"
      ? value
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
      : value;
  if (!Array.isArray(items)) {
    throw invalid(
      list.field,
      `${list.field} must be a list (a JSON array) such as [${JSON.stringify(list.example)}] (got ${shown(value)}).`,
    );
  }
  const out: T[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const parsed = list.parse(item);
    if (!parsed.ok) {
      throw invalid(`${list.field}[${i}]`, `${list.field}[${i}] ${shown(item)} ${parsed.reason}`, { index: i });
    }
    const key = list.key(parsed.value);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(parsed.value);
  });
  if (out.length > list.limit) {
    throw invalid(list.field, overLimitMessage(list, out.length), { limit: list.limit, count: out.length });
  }
  return out;
}

/** Reads a stored list (lenient): invalid entries and duplicates are dropped, the rest cut at the limit. */
function readList<T>(list: DetectionList<T>, value: unknown, fallback: T[]): T[] {
  if (!Array.isArray(value)) return fallback;
  const out: T[] = [];
  const seen = new Set<string>();
  for (const item of value) {
    const parsed = list.parse(item);
    if (!parsed.ok) continue;
    const key = list.key(parsed.value);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(parsed.value);
    if (out.length === list.limit) break;
  }
  return out;
}

const defaultPathKey = (text: string) => pathKey(text);

/** Reads the selected default path exclusions (strict when `strict`, else lenient); canonical order. */
function readDefaultPaths(value: unknown, strict: boolean): string[] | null {
  const field = "detections.defaultFilePathExclusions";
  if (!Array.isArray(value)) {
    if (!strict) return null;
    throw invalid(
      field,
      `${field} must be a list of the default exclusions to keep, any of: ${DEFAULT_FILE_PATH_EXCLUSIONS.join(", ")} (got ${shown(value)}); [] deselects them all.`,
    );
  }
  const keys = new Set<string>();
  value.forEach((item, i) => {
    const key = typeof item === "string" ? defaultPathKey(item) : "";
    const known = DEFAULT_FILE_PATH_EXCLUSIONS.some((d) => defaultPathKey(d) === key);
    if (!known) {
      if (!strict) return;
      throw invalid(
        `${field}[${i}]`,
        `${field}[${i}] ${shown(item)} is not a default exclusion; the defaults are ${DEFAULT_FILE_PATH_EXCLUSIONS.join(", ")}. Add other paths to detections.filePathExclusions.`,
        { index: i },
      );
    }
    keys.add(key);
  });
  return DEFAULT_FILE_PATH_EXCLUSIONS.filter((d) => keys.has(defaultPathKey(d)));
}

function readStatuses(value: unknown, strict: boolean): SecurityAlertStatus[] | null {
  const field = "detections.securityAlertStatuses";
  const items = typeof value === "string" ? value.split(",").filter((s) => s.trim()) : value;
  const fix = `choose one or more of ${SECURITY_ALERT_STATUSES.join(", ")}`;
  if (!Array.isArray(items)) {
    if (!strict) return null;
    throw invalid(field, `${field} must be a list; ${fix} (got ${shown(value)}).`);
  }
  const chosen = new Set<SecurityAlertStatus>();
  items.forEach((item, i) => {
    const status = parseSecurityAlertStatus(item);
    if (status === null) {
      if (!strict) return;
      throw invalid(`${field}[${i}]`, `${field}[${i}] ${shown(item)} is not a triage status; ${fix}.`, { index: i });
    }
    chosen.add(status);
  });
  if (chosen.size === 0) {
    if (!strict) return null;
    throw invalid(field, `${field} is empty; ${fix} (alerts with other statuses are not imported).`);
  }
  return SECURITY_ALERT_STATUSES.filter((s) => chosen.has(s));
}

const isMinEvents = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_UNUSUAL_ACTIVITY_MIN_DAILY_EVENTS;

const listAt = (path: string) => DETECTION_LISTS.find((l) => l.path.join(".") === path) as DetectionList;

/** Reads stored detection settings; anything missing or invalid takes its default. */
export function readDetectionSettings(stored: unknown): DetectionSettings {
  const d = defaultDetectionSettings();
  if (!isRecord(stored)) return d;
  const domains = isRecord(stored.domains) ? stored.domains : {};
  return {
    ignoreEmailSignatureAttachments:
      typeof stored.ignoreEmailSignatureAttachments === "boolean"
        ? stored.ignoreEmailSignatureAttachments
        : d.ignoreEmailSignatureAttachments,
    fileTypeExclusions: readList(listAt("fileTypeExclusions"), stored.fileTypeExclusions, d.fileTypeExclusions),
    unusualActivityMinDailyEvents: isMinEvents(stored.unusualActivityMinDailyEvents)
      ? stored.unusualActivityMinDailyEvents
      : d.unusualActivityMinDailyEvents,
    alertVolume: (ALERT_VOLUMES as readonly unknown[]).includes(stored.alertVolume)
      ? (stored.alertVolume as AlertVolume)
      : d.alertVolume,
    securityAlertStatuses: readStatuses(stored.securityAlertStatuses, false) ?? d.securityAlertStatuses,
    domains: {
      unallowed: readList(listAt("domains.unallowed"), domains.unallowed, []),
      allowed: readList(listAt("domains.allowed"), domains.allowed, []),
      thirdParty: readList(listAt("domains.thirdParty"), domains.thirdParty, []),
    },
    sensitiveInfoTypeExclusions: readList(
      listAt("sensitiveInfoTypeExclusions"),
      stored.sensitiveInfoTypeExclusions,
      d.sensitiveInfoTypeExclusions,
    ),
    trainableClassifierExclusions: readList(
      listAt("trainableClassifierExclusions"),
      stored.trainableClassifierExclusions,
      d.trainableClassifierExclusions,
    ),
    filePathExclusions: readList(listAt("filePathExclusions"), stored.filePathExclusions, d.filePathExclusions),
    defaultFilePathExclusions: readDefaultPaths(stored.defaultFilePathExclusions, false) ?? d.defaultFilePathExclusions,
    siteUrlExclusions: readList(listAt("siteUrlExclusions"), stored.siteUrlExclusions, d.siteUrlExclusions),
    keywordExclusions: readList(listAt("keywordExclusions"), stored.keywordExclusions, d.keywordExclusions),
  };
}

const DETECTION_KEYS = Object.keys(defaultDetectionSettings()) as (keyof DetectionSettings)[];
const DOMAIN_KEYS = ["unallowed", "allowed", "thirdParty"] as const;

/** Applies a partial change of the detections (strict); lists are replaced whole. */
export function applyDetectionsPatch(current: DetectionSettings, patch: unknown): DetectionSettings {
  const prefix = "detections";
  if (!isRecord(patch)) {
    throw invalid(prefix, `detections must be an object such as { "alertVolume": "fewer" } (got ${shown(patch)}).`);
  }
  refuseUnknownKeys(patch, DETECTION_KEYS, prefix);
  const next: DetectionSettings = { ...current, domains: { ...current.domains } };
  if ("ignoreEmailSignatureAttachments" in patch) {
    const v = patch.ignoreEmailSignatureAttachments;
    if (typeof v !== "boolean") {
      throw invalid(
        "detections.ignoreEmailSignatureAttachments",
        `detections.ignoreEmailSignatureAttachments must be true or false (got ${shown(v)}).`,
      );
    }
    next.ignoreEmailSignatureAttachments = v;
  }
  if ("unusualActivityMinDailyEvents" in patch) {
    const v = patch.unusualActivityMinDailyEvents;
    if (!isMinEvents(v)) {
      throw invalid(
        "detections.unusualActivityMinDailyEvents",
        `detections.unusualActivityMinDailyEvents must be a whole number of events from 0 to ${MAX_UNUSUAL_ACTIVITY_MIN_DAILY_EVENTS} (got ${shown(v)}); 0 lets the booster apply whatever the day's count.`,
        { min: 0, max: MAX_UNUSUAL_ACTIVITY_MIN_DAILY_EVENTS },
      );
    }
    next.unusualActivityMinDailyEvents = v;
  }
  if ("alertVolume" in patch) {
    const v = patch.alertVolume;
    if (!(ALERT_VOLUMES as readonly unknown[]).includes(v)) {
      throw invalid(
        "detections.alertVolume",
        `detections.alertVolume must be one of ${ALERT_VOLUMES.join(", ")} (got ${shown(v)}).`,
        { allowed: [...ALERT_VOLUMES] },
      );
    }
    next.alertVolume = v as AlertVolume;
  }
  if ("securityAlertStatuses" in patch) {
    next.securityAlertStatuses = readStatuses(patch.securityAlertStatuses, true) as SecurityAlertStatus[];
  }
  if ("defaultFilePathExclusions" in patch) {
    next.defaultFilePathExclusions = readDefaultPaths(patch.defaultFilePathExclusions, true) as string[];
  }
  if ("domains" in patch) {
    const domains = patch.domains;
    if (!isRecord(domains)) {
      throw invalid(
        "detections.domains",
        `detections.domains must be an object with the lists unallowed, allowed and thirdParty (got ${shown(domains)}).`,
      );
    }
    refuseUnknownKeys(domains, DOMAIN_KEYS, "detections.domains");
    for (const key of DOMAIN_KEYS) {
      if (key in domains) next.domains[key] = validateList(listAt(`domains.${key}`), domains[key]);
    }
  }
  for (const key of [
    "fileTypeExclusions",
    "sensitiveInfoTypeExclusions",
    "trainableClassifierExclusions",
    "filePathExclusions",
    "siteUrlExclusions",
    "keywordExclusions",
  ] as const) {
    if (key in patch) (next as any)[key] = validateList(listAt(key), patch[key]);
  }
  return next;
}

export interface ListImportRejection {
  /** 1-based line of the text. */
  line: number;
  value: string;
  reason: string;
  message: string;
}

export interface ParsedListText<T> {
  entries: T[];
  rejected: ListImportRejection[];
  /** Entries dropped because an earlier line (or, when appending, the list) had them already. */
  duplicates: number;
}

/**
 * Reads a text list, one entry per line: blank lines and lines starting with # are skipped, so is
 * a CSV header as the first line. A bad line is rejected alone (with its line number, value and
 * reason); the good ones are kept. `existing` entries count as already seen (for appending).
 */
export function parseListText<T>(list: DetectionList<T>, text: string, existing: readonly T[] = []): ParsedListText<T> {
  const seen = new Set(existing.map((e) => list.key(e)));
  const entries: T[] = [];
  const rejected: ListImportRejection[] = [];
  let duplicates = 0;
  let first = true;
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const isFirst = first;
    first = false;
    if (isFirst && list.header.test(line)) return;
    const parsed = list.parseLine(line);
    if (!parsed.ok) {
      const value = line.length > 200 ? `${line.slice(0, 197)}…` : line;
      const reason = parsed.reason;
      const message =
        list.name === "file-types" ? `Line ${i + 1}: ${reason}` : `Line ${i + 1}: ${shown(value)} ${reason}`;
      rejected.push({ line: i + 1, value, reason, message });
      return;
    }
    for (const entry of parsed.value) {
      const key = list.key(entry);
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      entries.push(entry);
    }
  });
  return { entries, rejected, duplicates };
}
