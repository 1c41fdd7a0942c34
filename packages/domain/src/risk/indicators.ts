// The built-in risk indicators: what a policy can score (or be triggered by) without a custom
// indicator. Each one reads one signal kind (an activity type of the activity catalog as
// `activity.<type id>`, or physical.access / health.*), optionally narrowed by one attribute, and
// counts events, distinct files or bytes per user and UTC day. Default daily thresholds come from
// the reference product where it states them and are reasoned otherwise (see `thresholdBasis`).
// Ids are stable: policies store them, and each has a fixed row id in the `indicators` table.
// Pure data plus lookups; the tenant decides which ones are turned on.

import { activitySignalKind, type SequenceStage } from "../activity/catalog.ts";
import type { Thresholds } from "../scoring/insights.ts";

export const INDICATOR_CATEGORIES = [
  "office",
  "device",
  "security",
  "physical",
  "cloud",
  "browsing",
  "health",
  "communication",
] as const;
export type IndicatorCategory = (typeof INDICATOR_CATEGORIES)[number];

export const INDICATOR_CATEGORY_NAMES: Readonly<Record<IndicatorCategory, string>> = {
  office: "Office",
  device: "Device",
  security: "Security policy",
  physical: "Physical access",
  cloud: "Cloud storage and cloud service",
  browsing: "Risky browsing",
  health: "Health record access",
  communication: "Communication compliance",
};

/** What a day's total counts: signals, distinct file names (fileName, else filePath), or bytes (fileSize). */
export const INDICATOR_MEASURES = ["events", "files", "bytes"] as const;
export type IndicatorMeasure = (typeof INDICATOR_MEASURES)[number];

/** Narrows the signals of a kind to those whose attribute has one of the values (text compared case-insensitively). */
export interface IndicatorSignalFilter {
  attribute: string;
  values: readonly (string | boolean)[];
}

export interface BuiltinIndicator {
  /** Stable id, e.g. "office.documentSiteDownload". */
  id: string;
  /** Fixed id of the indicator's row in the `indicators` table (kind 'builtin'). */
  rowId: string;
  name: string;
  category: IndicatorCategory;
  description: string;
  /** The signal kind it reads. */
  signalKind: string;
  filter?: IndicatorSignalFilter;
  /** physical.access only: counts the events with at least one finding (physical/findings.ts). */
  requiresPhysicalFinding?: boolean;
  measure: IndicatorMeasure;
  defaultThresholds: Thresholds;
  /** Where the default thresholds come from: the reference product, or the reasoning behind them. */
  thresholdBasis: string;
  /** The data-theft sequence stage, where one applies. */
  stage: SequenceStage | null;
  /** Whether a policy may use it as a triggering event (templates decide which ones they offer). */
  canTrigger: boolean;
  /** Default daily total that triggers when it is a trigger and the policy sets no threshold. */
  defaultTriggerThreshold: number | null;
}

const ROW_PREFIX = "0b1e0000-0000-4000-8000-";
const rowId = (n: number) => `${ROW_PREFIX}${String(n).padStart(12, "0")}`;

const REF_DOWNLOADS = "Reference trigger example for document-site downloads (50 / 100 / 300 a day).";
const REF_TEN = "Reference example of daily event thresholds (10 / 20 / 30).";
const REF_SELF = "Reference custom-threshold example for e-mail to self (2 / 4 / 6).";
const ONE_IS_SERIOUS = "Reasoned: each event is already serious (an alert or a finding), so one is low, three high.";
const SHARING = "Reasoned: external shares are rarer than downloads; a handful a day stands out.";
const DEVICE_EXFIL = "Reasoned: copies off the device are rarer than downloads; 10 / 25 / 50 files a day.";
const OBFUSCATION = "Reasoned: a few label or hiding changes a day are unusual for most users.";
const BULK = "Reasoned: renames and deletions are everyday work; only bulk days count.";
const BROWSING_SERIOUS = "Reasoned: one visit to a dangerous category (malware, phishing, hacking) matters.";
const BROWSING_POLICY = "Reasoned: policy-breaking categories count when visited repeatedly in a day.";
const HEALTH_ROUTINE = "Reasoned: clinicians view and edit many records a day; only far-above-routine volume counts.";

interface Entry extends Omit<BuiltinIndicator, "rowId" | "defaultThresholds" | "defaultTriggerThreshold"> {
  n: number;
  t: [number, number, number];
  trigger?: number;
}

const activity = (typeId: string) => activitySignalKind(typeId);

const ENTRIES: readonly Entry[] = [
  // ---- Office: document sites, sharing, e-mail, labels ----
  {
    n: 1,
    id: "office.documentSiteDownload",
    name: "Downloading content from a document site",
    category: "office",
    description: "Files downloaded or synced from a document site (SharePoint-like), counted as distinct files.",
    signalKind: activity("file.downloadedFromDocumentSite"),
    measure: "files",
    t: [50, 100, 300],
    thresholdBasis: REF_DOWNLOADS,
    stage: "collection",
    canTrigger: true,
    trigger: 50,
  },
  {
    n: 2,
    id: "office.fileSharedExternally",
    name: "Sharing files with people outside the organisation",
    category: "office",
    description: "Files shared with guests, partners or anyone-with-the-link links.",
    signalKind: activity("file.sharedExternally"),
    measure: "files",
    t: [5, 10, 20],
    thresholdBasis: SHARING,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 5,
  },
  {
    n: 3,
    id: "office.folderSharedExternally",
    name: "Sharing folders with people outside the organisation",
    category: "office",
    description: "Folders shared with guests, partners or anyone-with-the-link links.",
    signalKind: activity("folder.sharedExternally"),
    measure: "events",
    t: [2, 5, 10],
    thresholdBasis: SHARING,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 2,
  },
  {
    n: 4,
    id: "office.siteSharedExternally",
    name: "Sharing sites with people outside the organisation",
    category: "office",
    description: "Whole document sites shared with people outside the organisation.",
    signalKind: activity("site.sharedExternally"),
    measure: "events",
    t: [1, 3, 5],
    thresholdBasis: SHARING,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 5,
    id: "office.emailExternal",
    name: "Sending e-mail with attachments outside the organisation",
    category: "office",
    description: "E-mails with attachments sent to external recipients, counted as e-mails.",
    signalKind: activity("email.sentExternally"),
    measure: "events",
    t: [10, 20, 30],
    thresholdBasis: REF_TEN,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 10,
  },
  {
    n: 6,
    id: "office.emailFreeDomain",
    name: "Sending e-mail with attachments to free public domains",
    category: "office",
    description: "E-mails with attachments sent to free public mail domains.",
    signalKind: activity("email.sentToFreeDomain"),
    measure: "events",
    t: [3, 6, 10],
    thresholdBasis: SHARING,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 3,
  },
  {
    n: 7,
    id: "office.emailSelf",
    name: "Sending e-mail with attachments to self",
    category: "office",
    description: "E-mails with attachments the user sent to their own personal address.",
    signalKind: activity("email.sentToSelf"),
    measure: "events",
    t: [2, 4, 6],
    thresholdBasis: REF_SELF,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 2,
  },
  {
    n: 8,
    id: "office.labelDowngraded",
    name: "Downgrading sensitivity labels applied to files",
    category: "office",
    description: "Files whose sensitivity label was replaced by a lower one.",
    signalKind: activity("label.downgraded"),
    measure: "files",
    t: [3, 6, 10],
    thresholdBasis: OBFUSCATION,
    stage: "obfuscation",
    canTrigger: false,
  },
  {
    n: 9,
    id: "office.labelRemoved",
    name: "Removing sensitivity labels from files",
    category: "office",
    description: "Files whose sensitivity label was removed.",
    signalKind: activity("label.removed"),
    measure: "files",
    t: [3, 6, 10],
    thresholdBasis: OBFUSCATION,
    stage: "obfuscation",
    canTrigger: false,
  },
  // ---- Device ----
  {
    n: 20,
    id: "device.removableMediaCopy",
    name: "Creating or copying files to USB",
    category: "device",
    description: "Files copied to USB drives or other removable media.",
    signalKind: activity("file.copiedToRemovableMedia"),
    measure: "files",
    t: [10, 25, 50],
    thresholdBasis: DEVICE_EXFIL,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 10,
  },
  {
    n: 21,
    id: "device.removableMediaVolume",
    name: "Volume of data copied to USB",
    category: "device",
    description: "Bytes copied to removable media in a day (file sizes added up).",
    signalKind: activity("file.copiedToRemovableMedia"),
    measure: "bytes",
    t: [100_000_000, 500_000_000, 2_000_000_000],
    thresholdBasis: "Reasoned: 100 MB, 500 MB and 2 GB a day separate documents from bulk copies.",
    stage: "exfiltration",
    canTrigger: true,
    trigger: 500_000_000,
  },
  {
    n: 22,
    id: "device.browserUpload",
    name: "Using a browser to upload files to the web",
    category: "device",
    description: "Files uploaded through a browser (personal cloud storage, web mail, file-sharing sites).",
    signalKind: activity("file.uploadedToCloud"),
    measure: "files",
    t: [10, 25, 50],
    thresholdBasis: DEVICE_EXFIL,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 10,
  },
  {
    n: 23,
    id: "device.clipboardCopy",
    name: "Copying sensitive or priority content to the clipboard",
    category: "device",
    description: "Content of files copied to the clipboard.",
    signalKind: activity("file.copiedToClipboard"),
    measure: "events",
    t: [10, 25, 50],
    thresholdBasis: DEVICE_EXFIL,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 10,
  },
  {
    n: 24,
    id: "device.print",
    name: "Printing files",
    category: "device",
    description: "Files printed to local or network printers.",
    signalKind: activity("file.printed"),
    measure: "files",
    t: [10, 25, 50],
    thresholdBasis: DEVICE_EXFIL,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 10,
  },
  {
    n: 25,
    id: "device.networkShareCopy",
    name: "Creating or transferring files to a network share",
    category: "device",
    description: "Files copied to a network share.",
    signalKind: activity("file.copiedToNetworkShare"),
    measure: "files",
    t: [10, 25, 50],
    thresholdBasis: DEVICE_EXFIL,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 10,
  },
  {
    n: 26,
    id: "device.remoteDesktopCopy",
    name: "Copying files to a remote desktop session",
    category: "device",
    description: "Files copied into a remote desktop session.",
    signalKind: activity("file.copiedToRemoteDesktop"),
    measure: "files",
    t: [10, 25, 50],
    thresholdBasis: DEVICE_EXFIL,
    stage: "exfiltration",
    canTrigger: true,
    trigger: 10,
  },
  {
    n: 27,
    id: "device.webDownload",
    name: "Using a browser to download content from a third-party site",
    category: "device",
    description: "Files downloaded through a browser from websites outside the organisation.",
    signalKind: activity("file.downloadedFromWeb"),
    measure: "files",
    t: [10, 25, 50],
    thresholdBasis: "Reasoned: as copies off the device, 10 / 25 / 50 files a day.",
    stage: "collection",
    canTrigger: false,
  },
  {
    n: 28,
    id: "device.fileArchived",
    name: "Archiving files on a device",
    category: "device",
    description: "Files packed into archives (zip, 7z, rar …).",
    signalKind: activity("file.archived"),
    measure: "files",
    t: [5, 10, 20],
    thresholdBasis: "Reasoned: archives are made a few times a day at most.",
    stage: "collection",
    canTrigger: false,
  },
  {
    n: 29,
    id: "device.fileRenamed",
    name: "Renaming files on a device",
    category: "device",
    description: "Files renamed on a device.",
    signalKind: activity("file.renamed"),
    measure: "files",
    t: [20, 50, 100],
    thresholdBasis: BULK,
    stage: "obfuscation",
    canTrigger: false,
  },
  {
    n: 30,
    id: "device.fileHidden",
    name: "Creating hidden files on a device",
    category: "device",
    description: "Files created hidden or marked hidden.",
    signalKind: activity("file.hidden"),
    measure: "files",
    t: [5, 10, 20],
    thresholdBasis: OBFUSCATION,
    stage: "obfuscation",
    canTrigger: false,
  },
  {
    n: 31,
    id: "device.fileDeleted",
    name: "Deleting files from a device",
    category: "device",
    description: "Files deleted from a device.",
    signalKind: activity("file.deleted"),
    measure: "files",
    t: [50, 100, 200],
    thresholdBasis: BULK,
    stage: "clean-up",
    canTrigger: false,
  },
  {
    n: 32,
    id: "device.usbMounted",
    name: "Mounting USB to a device",
    category: "device",
    description: "USB drives mounted on a device.",
    signalKind: activity("device.usbMounted"),
    measure: "events",
    t: [2, 4, 8],
    thresholdBasis: "Reasoned: one or two mounts a day are routine; more suggests many drives.",
    stage: null,
    canTrigger: false,
  },
  // ---- Security policy ----
  {
    n: 40,
    id: "security.defenseEvasion",
    name: "Defence evasion: attempt to bypass security controls",
    category: "security",
    description: "Security alerts of defence evasion (disabling antivirus, tampering with protection).",
    signalKind: activity("security.defenseEvasion"),
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 41,
    id: "security.unwantedSoftware",
    name: "Unwanted software: unapproved or malicious software",
    category: "security",
    description: "Security alerts of unapproved or malicious software installed or run.",
    signalKind: activity("security.unwantedSoftware"),
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 42,
    id: "security.privilegeGranted",
    name: "Administrator privilege granted",
    category: "security",
    description: "The user was given an administrative role or privilege.",
    signalKind: activity("security.privilegeGranted"),
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: false,
  },
  // ---- Physical access ----
  {
    n: 50,
    id: "physical.accessFinding",
    name: "Physical access after termination or failed access to sensitive asset",
    category: "physical",
    description:
      "Badge events with a finding: access to a priority physical asset, a failed access, or any access after the user's termination.",
    signalKind: "physical.access",
    requiresPhysicalFinding: true,
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: false,
  },
  // ---- Cloud storage and cloud service ----
  {
    n: 60,
    id: "cloud.storageDownload",
    name: "Downloading content from cloud storage",
    category: "cloud",
    description: "Files downloaded or synced from personal or company cloud storage (OneDrive, Google Drive, Box …).",
    signalKind: activity("file.downloadedFromCloudStorage"),
    measure: "files",
    t: [50, 100, 300],
    thresholdBasis: REF_DOWNLOADS,
    stage: "collection",
    canTrigger: true,
    trigger: 50,
  },
  {
    n: 61,
    id: "cloud.appAnomaly",
    name: "Cloud app anomaly",
    category: "cloud",
    description: "Anomalies a cloud application or identity provider reports (mass download, denied sign-on …).",
    signalKind: activity("cloud.appAnomaly"),
    measure: "events",
    t: [1, 3, 5],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: false,
  },
  // ---- Risky browsing (activity.browsing.riskyWebsite by website category) ----
  ...(
    [
      [70, "malware", "malware or keylogger", ["malware", "keylogger", "spyware"], [1, 3, 5], BROWSING_SERIOUS],
      [71, "phishing", "phishing", ["phishing"], [1, 3, 5], BROWSING_SERIOUS],
      [72, "hacking", "hacking", ["hacking"], [1, 3, 5], BROWSING_SERIOUS],
      [
        73,
        "criminal",
        "criminal activity",
        ["criminal activity", "criminal", "illegal software", "illegal drugs"],
        [2, 5, 10],
        BROWSING_POLICY,
      ],
      [
        74,
        "adult",
        "pornography or adult content",
        ["pornography", "adult", "adult content", "nudity"],
        [2, 5, 10],
        BROWSING_POLICY,
      ],
      [
        75,
        "violence",
        "violence, hate or weapons",
        ["violence", "hate", "hate and intolerance", "weapons", "cult"],
        [2, 5, 10],
        BROWSING_POLICY,
      ],
      [76, "gambling", "gambling", ["gambling"], [3, 10, 20], BROWSING_POLICY],
      [
        77,
        "generativeAi",
        "generative AI sites",
        ["generative ai", "generativeai"],
        [10, 25, 50],
        "Reasoned: AI sites are often used for work; only heavy daily use counts.",
      ],
    ] as const
  ).map(
    ([n, key, label, values, t, basis]): Entry => ({
      n,
      id: `browsing.${key}`,
      name: `Browsed to ${label} websites`,
      category: "browsing",
      description: `Visits to websites categorised as ${label}.`,
      signalKind: activity("browsing.riskyWebsite"),
      filter: { attribute: "websiteCategory", values },
      measure: "events",
      t: [...t],
      thresholdBasis: basis,
      stage: null,
      canTrigger: true,
      trigger: t[0],
    }),
  ),
  // ---- Health record access ----
  {
    n: 80,
    id: "health.restrictedRecordAccess",
    name: "Accessing restricted patient records",
    category: "health",
    description: "Accesses to restricted records (break-the-glass) in the medical records system.",
    signalKind: "health.record_access",
    filter: { attribute: "restricted", values: [true] },
    measure: "events",
    t: [1, 3, 5],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 81,
    id: "health.relatedPatientAccess",
    name: "Accessing records of family members, neighbours or co-workers",
    category: "health",
    description: "Accesses to records of patients who share the user's name or address (HR employee profile match).",
    signalKind: "health.related_patient_access",
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 82,
    id: "health.unusualVolume",
    name: "Unusual volume of patient record access",
    category: "health",
    description: "Days on which the user accessed far more records than usual (health.unusual_volume).",
    signalKind: "health.unusual_volume",
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 83,
    id: "health.recordExport",
    name: "Exporting or printing patient records",
    category: "health",
    description: "Record accesses that exported, downloaded, sent or printed data.",
    signalKind: "health.record_access",
    filter: { attribute: "action", values: ["export", "print"] },
    measure: "events",
    t: [5, 10, 25],
    thresholdBasis: "Reasoned: exports are rare in clinical work; a handful a day stands out.",
    stage: null,
    canTrigger: false,
  },
  {
    n: 84,
    id: "health.recordModification",
    name: "Modifying patient records",
    category: "health",
    description: "Record accesses that edited, created or deleted record data.",
    signalKind: "health.record_access",
    filter: { attribute: "action", values: ["modify"] },
    measure: "events",
    t: [50, 100, 200],
    thresholdBasis: HEALTH_ROUTINE,
    stage: null,
    canTrigger: false,
  },
  {
    n: 85,
    id: "health.recordView",
    name: "Viewing patient records",
    category: "health",
    description: "Record accesses that viewed or searched records.",
    signalKind: "health.record_access",
    filter: { attribute: "action", values: ["view"] },
    measure: "events",
    t: [200, 400, 800],
    thresholdBasis: HEALTH_ROUTINE,
    stage: null,
    canTrigger: false,
  },
  // ---- Communication compliance ----
  {
    n: 90,
    id: "communication.threat",
    name: "Threatening language in messages",
    category: "communication",
    description: "Messages that matched a communication compliance policy for threats.",
    signalKind: activity("communication.complianceMatch"),
    filter: { attribute: "category", values: ["threat", "threats", "violence"] },
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 91,
    id: "communication.harassment",
    name: "Harassing language in messages",
    category: "communication",
    description: "Messages that matched a communication compliance policy for harassment.",
    signalKind: activity("communication.complianceMatch"),
    filter: { attribute: "category", values: ["harassment", "targeted harassment"] },
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 92,
    id: "communication.discrimination",
    name: "Discriminating language in messages",
    category: "communication",
    description: "Messages that matched a communication compliance policy for discrimination.",
    signalKind: activity("communication.complianceMatch"),
    filter: { attribute: "category", values: ["discrimination"] },
    measure: "events",
    t: [1, 2, 3],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
  {
    n: 93,
    id: "communication.anyMatch",
    name: "Any communication compliance match",
    category: "communication",
    description: "Messages that matched any communication compliance policy.",
    signalKind: activity("communication.complianceMatch"),
    measure: "events",
    t: [1, 3, 5],
    thresholdBasis: ONE_IS_SERIOUS,
    stage: null,
    canTrigger: true,
    trigger: 1,
  },
];

export const BUILTIN_INDICATORS: readonly BuiltinIndicator[] = ENTRIES.map(({ n, t, trigger, ...rest }) => ({
  ...rest,
  rowId: rowId(n),
  defaultThresholds: { low: t[0], medium: t[1], high: t[2] },
  defaultTriggerThreshold: trigger ?? null,
}));

const BY_ID: ReadonlyMap<string, BuiltinIndicator> = new Map(BUILTIN_INDICATORS.map((i) => [i.id, i]));
const BY_ROW: ReadonlyMap<string, BuiltinIndicator> = new Map(BUILTIN_INDICATORS.map((i) => [i.rowId, i]));

/** A built-in indicator by its stable id or its row id (any case). */
export function findBuiltinIndicator(id: string): BuiltinIndicator | undefined {
  return BY_ID.get(id) ?? BY_ROW.get(id.toLowerCase());
}

export function isBuiltinIndicatorId(id: string): boolean {
  return BY_ID.has(id);
}

/** Whether an exfiltration-stage indicator (what sequences and cumulative exfiltration build on). */
export const isExfiltrationIndicator = (i: BuiltinIndicator) => i.stage === "exfiltration";

/**
 * Whether a signal counts for an indicator: its kind, and the filter's attribute value (text
 * case-insensitively; a list attribute matches when any element does). Physical findings are
 * computed by the caller (physical/findings.ts) and passed as `physicalFindings`.
 */
export function indicatorMatchesSignal(
  indicator: BuiltinIndicator,
  signal: { kind: string; attributes: Readonly<Record<string, unknown>>; physicalFindings?: readonly string[] },
): boolean {
  if (signal.kind !== indicator.signalKind) return false;
  if (indicator.requiresPhysicalFinding && !(signal.physicalFindings && signal.physicalFindings.length > 0)) {
    return false;
  }
  const filter = indicator.filter;
  if (!filter) return true;
  const raw = signal.attributes[filter.attribute];
  const values = Array.isArray(raw) ? raw : [raw];
  return values.some((v) =>
    filter.values.some((want) =>
      typeof want === "boolean"
        ? v === want || (typeof v === "string" && v.toLowerCase() === String(want))
        : typeof v === "string" && v.trim().toLowerCase() === want.toLowerCase(),
    ),
  );
}

/** What one matching signal adds to the day's total (files are counted distinct by the caller using `fileKey`). */
export function indicatorAmount(indicator: BuiltinIndicator, attributes: Readonly<Record<string, unknown>>): number {
  if (indicator.measure !== "bytes") return 1;
  const size = attributes.fileSize;
  const n = typeof size === "number" ? size : typeof size === "string" ? Number(size) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The key a "files" indicator counts distinct per day: file path, else file name (lower case); null = not a file. */
export function fileKey(attributes: Readonly<Record<string, unknown>>): string | null {
  for (const name of ["filePath", "fileName"]) {
    const v = attributes[name];
    if (typeof v === "string" && v.trim()) return v.trim().toLowerCase();
  }
  return null;
}
