// Daily totals of a built-in indicator from activity signals: the signals the indicator reads,
// minus those the tenant's intelligent detections exclude, added up per UTC day (events, distinct
// files or bytes). Pure: the server loads the signals and compiles the detections once per run.

import type { CompiledDetections } from "../detections/compile.ts";
import { type BuiltinIndicator, fileKey, indicatorAmount, indicatorMatchesSignal } from "../risk/indicators.ts";
import type { DailyTotal } from "./evaluate.ts";
import type { PriorityContentMatcher } from "./priorityContent.ts";
import { type UtcDay, utcDayOf } from "./windows.ts";

/** One stored signal, as the scorer reads it. */
export interface BuiltinSignal {
  /** Signal id (null in tests or when unknown). */
  id: number | null;
  kind: string;
  /** ISO 8601 UTC with microseconds, so that timestamps compare as text. */
  at: string;
  attributes: Readonly<Record<string, unknown>>;
  /** physical.access only: the event's findings (physical/findings.ts), computed by the caller. */
  physicalFindings?: readonly string[];
}

/** Options of builtinDailyTotals that depend on the policy. */
export interface BuiltinTotalsOptions {
  /** The policy's priority content; days then count the events that touched it. */
  priorityContent?: PriorityContentMatcher | null;
  /** Only events with priority content count (the policy scores only priority content). */
  onlyPriorityContent?: boolean;
  /**
   * The caller has already left out the events the detections exclude (activityExclusion) and the
   * security alerts of statuses not imported, so they are not checked again.
   */
  alreadyExcluded?: boolean;
}

/** Why the tenant's detections remove an event from scoring. */
export type ActivityExclusion = "file-path" | "file-type" | "site-url" | "keyword" | "allowed-domain";

function text(attributes: Readonly<Record<string, unknown>>, name: string): string | null {
  const v = attributes[name];
  return typeof v === "string" && v.trim() ? v.trim() : null;
}

/**
 * The first exclusion of the tenant's intelligent detections that removes an activity event, or
 * null when it counts: its file path under an excluded path, its file type excluded, its site
 * under an excluded site URL, a keyword exclusion over file name, file path and e-mail subject, or
 * its destination domain on the allowed list (an allowed domain also on the unallowed list counts).
 */
export function activityExclusion(
  attributes: Readonly<Record<string, unknown>>,
  detections: CompiledDetections,
): ActivityExclusion | null {
  const fileName = text(attributes, "fileName");
  const filePath = text(attributes, "filePath");
  if (filePath !== null && detections.isExcludedPath(filePath)) return "file-path";
  const typed = text(attributes, "fileExtension") ?? fileName ?? filePath;
  if (typed !== null && detections.isExcludedFileType(typed)) return "file-type";
  const site = text(attributes, "siteUrl");
  if (site !== null && detections.isExcludedSite(site)) return "site-url";
  const subject = text(attributes, "subject");
  if (detections.keywordExclusion([fileName, filePath, subject]) !== null) return "keyword";
  const domain = text(attributes, "destinationDomain");
  if (domain !== null && detections.domainClass(domain) === "allowed") return "allowed-domain";
  return null;
}

interface DayAccumulator {
  value: number;
  eventCount: number;
  files: Set<string>;
  firstAt: string;
  firstId: number | null;
  priorityEvents: number;
  unallowedDomainEvents: number;
}

const earlier = (at: string, id: number | null, than: DayAccumulator) =>
  at < than.firstAt || (at === than.firstAt && id !== null && (than.firstId === null || id < than.firstId));

/**
 * One built-in indicator's daily totals for one user, in day order. Events that the indicator does
 * not read (`indicatorMatchesSignal`) or that the detections exclude (`activityExclusion`) are left
 * out. A day's value is its event count, its number of distinct files (`fileKey`; an event without
 * a file name or path adds no file), or its bytes (`indicatorAmount`), as the indicator measures;
 * eventCount counts the events kept; the first event is the earliest (then lowest signal id).
 */
export function builtinDailyTotals(
  indicator: BuiltinIndicator,
  signals: Iterable<BuiltinSignal>,
  detections: CompiledDetections,
  options: BuiltinTotalsOptions = {},
): DailyTotal[] {
  const days = new Map<UtcDay, DayAccumulator>();
  const priority = options.priorityContent ?? null;
  const onlyPriority = options.onlyPriorityContent === true && priority !== null;
  const checkUnallowed = detections.settings.domains.unallowed.length > 0;
  const checked = options.alreadyExcluded === true;
  for (const s of signals) {
    if (!indicatorMatchesSignal(indicator, s)) continue;
    if (!checked) {
      if (activityExclusion(s.attributes, detections) !== null) continue;
      if (!importedSecurityAlert(s, detections)) continue;
    }
    if (!countsForTenant(indicator, s, detections)) continue;
    const isPriority = priority !== null && priority(s.attributes) !== null;
    if (onlyPriority && !isPriority) continue;
    const day = utcDayOf(s.at);
    let acc = days.get(day);
    if (!acc) {
      acc = {
        value: 0,
        eventCount: 0,
        files: new Set(),
        firstAt: s.at,
        firstId: s.id,
        priorityEvents: 0,
        unallowedDomainEvents: 0,
      };
      days.set(day, acc);
    } else if (earlier(s.at, s.id, acc)) {
      acc.firstAt = s.at;
      acc.firstId = s.id;
    }
    acc.eventCount++;
    if (isPriority) acc.priorityEvents++;
    if (checkUnallowed && isUnallowedDestination(s.attributes, detections)) acc.unallowedDomainEvents++;
    if (indicator.measure === "files") {
      const key = fileKey(s.attributes);
      if (key !== null) acc.files.add(key);
    } else {
      acc.value += indicatorAmount(indicator, s.attributes);
    }
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([day, acc]) => ({
      day,
      value: indicator.measure === "files" ? acc.files.size : acc.value,
      eventCount: acc.eventCount,
      firstEventAt: acc.firstAt,
      firstSignalId: acc.firstId,
      priorityEvents: acc.priorityEvents,
      unallowedDomainEvents: acc.unallowedDomainEvents,
    }));
}

/** Signature images as mail clients name them (image001.png …). */
const SIGNATURE_IMAGE = /^image\d{3}\.(png|jpe?g|gif|bmp)$/i;

function names(value: unknown): string[] {
  if (typeof value === "string") return value.trim() ? [value.trim()] : [];
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === "string" && v.trim() ? [v.trim()] : []));
  return [];
}

/**
 * The tenant settings that narrow particular indicators: downloads from the web count only from the
 * third-party domains when the organisation lists some; with "ignore e-mail signature attachments",
 * a message whose only attachments are signature images is not an e-mail with attachments.
 */
function countsForTenant(indicator: BuiltinIndicator, signal: BuiltinSignal, detections: CompiledDetections): boolean {
  if (indicator.signalKind === "activity.file.downloadedFromWeb" && detections.settings.domains.thirdParty.length > 0) {
    return ["destinationDomain", "url"].some((name) =>
      names(signal.attributes[name]).some((v) => detections.domainClasses(v).includes("third-party")),
    );
  }
  if (detections.ignoreEmailSignatureAttachments && signal.kind.startsWith("activity.email.")) {
    const attachments = names(signal.attributes.fileName);
    if (attachments.length > 0 && attachments.every((n) => SIGNATURE_IMAGE.test(n))) return false;
  }
  return true;
}

const SECURITY_ALERT_KINDS = new Set(["activity.security.defenseEvasion", "activity.security.unwantedSoftware"]);

/**
 * Whether a signal counts as far as the tenant's imported security alert statuses go: a defence
 * evasion or unwanted software alert whose triage status is not among them does not (neither as a
 * trigger nor in the indicators' days); every other signal does.
 */
export function importedSecurityAlert(
  signal: { kind: string; attributes: Readonly<Record<string, unknown>> },
  detections: Pick<CompiledDetections, "allowsTriageStatus">,
): boolean {
  if (!SECURITY_ALERT_KINDS.has(signal.kind)) return true;
  const status = signal.attributes.triageStatus;
  return typeof status !== "string" || status.trim() === "" || detections.allowsTriageStatus(status.trim());
}

/** Whether an event's destination (domain, recipients or URL) is on the tenant's unallowed domain list. */
export function isUnallowedDestination(
  attributes: Readonly<Record<string, unknown>>,
  detections: Pick<CompiledDetections, "domainClass">,
): boolean {
  for (const name of ["destinationDomain", "recipients", "url"]) {
    const raw = attributes[name];
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      if (typeof v === "string" && v.trim() && detections.domainClass(v.trim()) === "unallowed") return true;
    }
  }
  return false;
}
