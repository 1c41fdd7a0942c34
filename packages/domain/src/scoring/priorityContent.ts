// Priority content: whether an activity event touched content a policy names as priority (a site,
// a sensitivity label, a sensitive information type, a file extension or a trainable classifier).
// Compiled once per policy; the scorer asks it for every event it counts.

import type { CompiledDetections } from "../detections/compile.ts";
import { fileTypeMatcher } from "../detections/fileTypes.ts";
import { nameMatcher } from "../detections/names.ts";
import { siteMatcher } from "../detections/sites.ts";
import type { PriorityContent } from "../policies/policyConfig.ts";

/** What made an event priority content (the first match, in the order of the fields). */
export type PriorityContentMatch =
  | { field: "site"; value: string }
  | { field: "sensitivityLabel"; value: string }
  | { field: "sensitiveInfoType"; value: string }
  | { field: "fileExtension"; value: string }
  | { field: "classifier"; value: string };

export type PriorityContentMatcher = (attributes: Readonly<Record<string, unknown>>) => PriorityContentMatch | null;

function texts(value: unknown): string[] {
  if (typeof value === "string") return value.trim() ? [value.trim()] : [];
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === "string" && v.trim() ? [v.trim()] : []));
  return [];
}

/** Whether a policy names any priority content at all. */
export function hasPriorityContent(content: PriorityContent | undefined): boolean {
  if (!content) return false;
  return (
    content.sites.length +
      content.sensitivityLabels.length +
      content.sensitiveInfoTypes.length +
      content.fileExtensions.length +
      content.classifiers.length >
    0
  );
}

/**
 * Compiles a policy's priority content. An event matches when its `siteUrl` (or `filePath` given as
 * a URL) is at or under a priority site, its `sensitivityLabel` is a priority label (case-insensitive),
 * one of its `sensitiveInfoTypes` or `classifiers` is a priority one (name or GUID), or its file
 * (`fileExtension`, else `fileName`, else `filePath`) has a priority extension. Information types and
 * classifiers the tenant excludes (intelligent detections) never make priority content. Null when the
 * policy names no priority content.
 */
export function priorityContentMatcher(
  content: PriorityContent | undefined,
  exclusions?: Pick<CompiledDetections, "isExcludedSensitiveInfoType" | "isExcludedTrainableClassifier">,
): PriorityContentMatcher | null {
  if (!content || !hasPriorityContent(content)) return null;
  const site = siteMatcher(content.sites);
  const label = nameMatcher(content.sensitivityLabels);
  const infoType = nameMatcher(content.sensitiveInfoTypes);
  const extension = fileTypeMatcher(content.fileExtensions);
  const classifier = nameMatcher(content.classifiers);
  const hasSites = content.sites.length > 0;
  const hasExtensions = content.fileExtensions.length > 0;
  return (attributes) => {
    if (hasSites) {
      for (const url of [...texts(attributes.siteUrl), ...texts(attributes.filePath)]) {
        if (/^https?:\/\//i.test(url) && site(url) !== null) return { field: "site", value: url };
      }
    }
    for (const l of texts(attributes.sensitivityLabel)) if (label(l)) return { field: "sensitivityLabel", value: l };
    for (const t of texts(attributes.sensitiveInfoTypes)) {
      if (infoType(t) && !exclusions?.isExcludedSensitiveInfoType(t)) return { field: "sensitiveInfoType", value: t };
    }
    if (hasExtensions) {
      const typed =
        texts(attributes.fileExtension)[0] ?? texts(attributes.fileName)[0] ?? texts(attributes.filePath)[0];
      if (typed !== undefined && extension(typed)) return { field: "fileExtension", value: typed };
    }
    for (const c of texts(attributes.classifiers)) {
      if (classifier(c) && !exclusions?.isExcludedTrainableClassifier(c)) return { field: "classifier", value: c };
    }
    return null;
  };
}
