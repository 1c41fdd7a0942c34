// compileDetections: the tenant's intelligent-detection settings turned into matchers, built once
// and then called per event (set and map look-ups, one pass over a text for all keywords).

import type { Severity } from "../scoring/severity.ts";
import type { DetectionSettings } from "../settings/detections.ts";
import { type AlertVolume, type AlertVolumeRule, alertVolumeRule, mayRaiseAlert } from "./alertVolume.ts";
import { DomainSet, hostOf } from "./domains.ts";
import { fileTypeMatcher } from "./fileTypes.ts";
import { type KeywordMatch, keywordMatcher } from "./keywords.ts";
import { nameMatcher } from "./names.ts";
import { type PathPattern, parsePathPattern, pathMatcher } from "./paths.ts";
import { siteMatcher } from "./sites.ts";
import { parseSecurityAlertStatus } from "./triage.ts";

export type DomainClass = "unallowed" | "allowed" | "third-party";

export interface CompiledDetections {
  readonly settings: DetectionSettings;
  /** Whether a file path is under an excluded path (custom or selected default). */
  isExcludedPath(path: string): boolean;
  /** The first excluded path pattern (custom ones first, then the defaults) matching a path, or null. */
  excludedPathPattern(path: string): PathPattern | null;
  /** Whether a file name or extension has an excluded type. */
  isExcludedFileType(nameOrExtension: string): boolean;
  /** Whether a URL is an excluded site or under one. */
  isExcludedSite(url: string): boolean;
  /** The keyword rule that excludes an activity with these texts (file name, path, subject), or null. */
  keywordExclusion(texts: string | readonly (string | null | undefined)[]): KeywordMatch | null;
  /**
   * The list a domain, e-mail address or URL is on: "unallowed" wins over "allowed", which wins
   * over "third-party"; null when it is on none.
   */
  domainClass(domainOrEmailOrUrl: string): DomainClass | null;
  /** Every list a domain, e-mail address or URL is on (in the order unallowed, allowed, third-party). */
  domainClasses(domainOrEmailOrUrl: string): DomainClass[];
  isExcludedSensitiveInfoType(nameOrGuid: string): boolean;
  isExcludedTrainableClassifier(nameOrGuid: string): boolean;
  /** Whether a security alert with this triage status is imported ("In progress" and "InProgress" alike). */
  allowsTriageStatus(status: string): boolean;
  /** Whether the "above usual activity" booster may apply to a day with this many events. */
  allowsUnusualActivityBoost(dailyEvents: number): boolean;
  /** Whether an insight with this score may raise an alert at the tenant's alert volume. */
  mayRaiseAlert(insightScore: number): boolean;
  /** What the tenant's alert volume means for insights of one severity. */
  alertVolumeRule(severity: Severity): AlertVolumeRule;
  readonly alertVolume: AlertVolume;
  readonly ignoreEmailSignatureAttachments: boolean;
}

function compilePatterns(texts: readonly string[]): PathPattern[] {
  const out: PathPattern[] = [];
  for (const text of texts) {
    const parsed = parsePathPattern(text);
    if (parsed.ok) out.push(parsed.value);
  }
  return out;
}

export function compileDetections(settings: DetectionSettings): CompiledDetections {
  const paths = pathMatcher([
    ...compilePatterns(settings.filePathExclusions),
    ...compilePatterns(settings.defaultFilePathExclusions),
  ]);
  const fileTypes = fileTypeMatcher(settings.fileTypeExclusions);
  const sites = siteMatcher(settings.siteUrlExclusions);
  const keywords = keywordMatcher(settings.keywordExclusions);
  const lists: [DomainClass, DomainSet][] = [
    ["unallowed", new DomainSet(settings.domains.unallowed)],
    ["allowed", new DomainSet(settings.domains.allowed)],
    ["third-party", new DomainSet(settings.domains.thirdParty)],
  ];
  const anyDomains = lists.some(([, set]) => set.size > 0);
  const sits = nameMatcher(settings.sensitiveInfoTypeExclusions);
  const classifiers = nameMatcher(settings.trainableClassifierExclusions);
  const statuses = new Set(settings.securityAlertStatuses);
  const volume = settings.alertVolume;
  const minEvents = settings.unusualActivityMinDailyEvents;
  return {
    settings,
    isExcludedPath: (path) => paths(path) !== null,
    excludedPathPattern: paths,
    isExcludedFileType: fileTypes,
    isExcludedSite: (url) => sites(url) !== null,
    keywordExclusion: keywords,
    domainClass(input) {
      if (!anyDomains) return null;
      const host = hostOf(input);
      if (host === null) return null;
      for (const [name, set] of lists) if (set.hasHost(host)) return name;
      return null;
    },
    domainClasses(input) {
      const host = anyDomains ? hostOf(input) : null;
      return host === null ? [] : lists.filter(([, set]) => set.hasHost(host)).map(([name]) => name);
    },
    isExcludedSensitiveInfoType: sits,
    isExcludedTrainableClassifier: classifiers,
    allowsTriageStatus(status) {
      const parsed = parseSecurityAlertStatus(status);
      return parsed !== null && statuses.has(parsed);
    },
    allowsUnusualActivityBoost: (dailyEvents) => dailyEvents >= minEvents,
    mayRaiseAlert: (score) => mayRaiseAlert(volume, score),
    alertVolumeRule: (severity) => alertVolumeRule(volume, severity),
    alertVolume: volume,
    ignoreEmailSignatureAttachments: settings.ignoreEmailSignatureAttachments,
  };
}
