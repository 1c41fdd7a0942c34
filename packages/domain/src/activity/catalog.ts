// The built-in activity types: what a user did that insider risk scoring looks at (a download, an
// external share, a copy to USB, a security alert …), each with a stable ID, the attributes it
// carries and the data-theft sequence stage it belongs to. Pure data: activity connectors map
// source records onto these types, and risk indicators refer to them by ID.

export const ACTIVITY_CATEGORIES = ["office", "device", "security", "cloud", "browsing", "communication"] as const;
export type ActivityCategory = (typeof ACTIVITY_CATEGORIES)[number];

/** The stages of a data-theft sequence (collect, hide, take out, cover up). */
export const SEQUENCE_STAGES = ["collection", "obfuscation", "exfiltration", "clean-up"] as const;
export type SequenceStage = (typeof SEQUENCE_STAGES)[number];

/** How an attribute's value is stored: text, a number, true/false, or a list of texts. */
export const ATTRIBUTE_KINDS = ["text", "number", "boolean", "list"] as const;
export type AttributeKind = (typeof ATTRIBUTE_KINDS)[number];

export interface ActivityAttribute {
  name: string;
  kind: AttributeKind;
  description: string;
}

/**
 * Every attribute an activity signal may carry, under its stable name. Signals store only these
 * (plus `sourceOperation`, the source's own name of the operation).
 */
export const ACTIVITY_ATTRIBUTES = [
  { name: "fileName", kind: "text", description: "File (or folder) name, with its extension." },
  { name: "filePath", kind: "text", description: "Full path or URL of the file." },
  { name: "fileExtension", kind: "text", description: "File extension, lower case, without the dot (e.g. docx)." },
  { name: "fileSize", kind: "number", description: "File size in bytes." },
  { name: "previousFileName", kind: "text", description: "The file's name before a rename." },
  {
    name: "targetPath",
    kind: "text",
    description: "Where the file was copied or written to (USB path, share path …).",
  },
  { name: "sensitivityLabel", kind: "text", description: "Sensitivity label (name or ID) of the file or message." },
  { name: "previousSensitivityLabel", kind: "text", description: "The label before it was changed or removed." },
  { name: "sensitiveInfoTypes", kind: "list", description: "Sensitive information types found in the content." },
  { name: "classifiers", kind: "list", description: "Trainable classifiers that matched the content." },
  { name: "siteUrl", kind: "text", description: "URL of the document site (SharePoint-like) holding the item." },
  {
    name: "destinationDomain",
    kind: "text",
    description: "Domain the data went to (cloud service, recipient domain).",
  },
  { name: "url", kind: "text", description: "URL visited or uploaded to." },
  { name: "recipients", kind: "list", description: "E-mail recipients." },
  { name: "recipientCount", kind: "number", description: "Number of recipients." },
  { name: "sharedWith", kind: "list", description: "Users, groups or link types an item was shared with." },
  { name: "sharingType", kind: "text", description: "Kind of share: guest invitation, anyone link …" },
  { name: "subject", kind: "text", description: "E-mail or message subject." },
  { name: "attachmentCount", kind: "number", description: "Number of attachments." },
  { name: "device", kind: "text", description: "Device (computer) name." },
  { name: "application", kind: "text", description: "Application or process that performed the activity." },
  { name: "mediaName", kind: "text", description: "Removable media product name or serial." },
  { name: "printerName", kind: "text", description: "Printer name." },
  { name: "websiteCategory", kind: "text", description: "Category of a website (e.g. malware, gambling)." },
  { name: "category", kind: "text", description: "Alert or detection category (e.g. DefenseEvasion)." },
  { name: "severity", kind: "text", description: "Alert severity as the source gives it (e.g. High)." },
  { name: "triageStatus", kind: "text", description: "Alert triage status (e.g. New, InProgress, Resolved)." },
  { name: "alertId", kind: "text", description: "The source's ID of the alert." },
  { name: "alertTitle", kind: "text", description: "Alert or detection title (e.g. a threat name)." },
  { name: "policyName", kind: "text", description: "Policy or rule that matched." },
  { name: "privilege", kind: "text", description: "Role or privilege granted." },
  { name: "initiatedBy", kind: "text", description: "Who performed an action on the user (e.g. the granting admin)." },
  { name: "ipAddress", kind: "text", description: "Client IP address." },
  { name: "location", kind: "text", description: "Client location (country or city)." },
  { name: "outcome", kind: "text", description: "Outcome the source reports (e.g. Blocked, DENY)." },
  { name: "reason", kind: "text", description: "Reason the source gives for the outcome." },
] as const satisfies readonly ActivityAttribute[];

export type ActivityAttributeName = (typeof ACTIVITY_ATTRIBUTES)[number]["name"];

/** The attribute every activity signal carries: the source's name of the operation. */
export const SOURCE_OPERATION_ATTRIBUTE = "sourceOperation";

export interface ActivityType {
  /** Stable ID; signals of this type have kind `activity.<id>`. */
  id: string;
  label: string;
  category: ActivityCategory;
  /** The data-theft sequence stage this activity is part of, where one applies. */
  stage: SequenceStage | null;
  /** The attributes signals of this type carry (names from ACTIVITY_ATTRIBUTES). */
  attributes: readonly ActivityAttributeName[];
  description: string;
}

const FILE = [
  "fileName",
  "filePath",
  "fileExtension",
  "fileSize",
  "sensitivityLabel",
  "sensitiveInfoTypes",
  "classifiers",
] as const;
const SITE_FILE = [...FILE, "siteUrl"] as const;
const DEVICE_FILE = [...FILE, "device", "application"] as const;
const SHARE = [...SITE_FILE, "sharedWith", "sharingType", "destinationDomain"] as const;
const EMAIL = [
  "recipients",
  "recipientCount",
  "destinationDomain",
  "subject",
  "attachmentCount",
  "fileName",
  "sensitivityLabel",
  "sensitiveInfoTypes",
  "classifiers",
] as const;
const ALERT = [
  "alertId",
  "alertTitle",
  "category",
  "severity",
  "triageStatus",
  "device",
  "fileName",
  "filePath",
] as const;
const SIGN_IN = ["ipAddress", "location", "application", "outcome", "reason", "category", "severity"] as const;

export const ACTIVITY_TYPES = [
  // ---- Office: document sites, sharing, e-mail, labels ----
  {
    id: "file.downloadedFromDocumentSite",
    label: "File downloaded from a document site",
    category: "office",
    stage: "collection",
    attributes: [...SITE_FILE, "ipAddress"],
    description: "A file was downloaded or synced to a computer from a document site (SharePoint-like).",
  },
  {
    id: "file.downloadedFromCloudStorage",
    label: "File downloaded from cloud storage",
    category: "cloud",
    stage: "collection",
    attributes: [...SITE_FILE, "ipAddress"],
    description:
      "A file was downloaded or synced from personal or company cloud storage (OneDrive, Google Drive, Box …).",
  },
  {
    id: "file.sharedExternally",
    label: "File shared outside the organisation",
    category: "office",
    stage: "exfiltration",
    attributes: SHARE,
    description: "A file was shared with a guest, a partner or through an anyone-with-the-link link.",
  },
  {
    id: "folder.sharedExternally",
    label: "Folder shared outside the organisation",
    category: "office",
    stage: "exfiltration",
    attributes: SHARE,
    description: "A folder was shared with a guest, a partner or through an anyone-with-the-link link.",
  },
  {
    id: "site.sharedExternally",
    label: "Site shared outside the organisation",
    category: "office",
    stage: "exfiltration",
    attributes: ["siteUrl", "sharedWith", "sharingType", "destinationDomain"],
    description: "A whole document site was shared with people outside the organisation.",
  },
  {
    id: "email.sentExternally",
    label: "E-mail with attachments sent outside the organisation",
    category: "office",
    stage: "exfiltration",
    attributes: EMAIL,
    description: "An e-mail with attachments was sent to recipients outside the organisation.",
  },
  {
    id: "email.sentToFreeDomain",
    label: "E-mail with attachments sent to a free public domain",
    category: "office",
    stage: "exfiltration",
    attributes: EMAIL,
    description: "An e-mail with attachments was sent to a free mail domain (gmail.com, outlook.com …).",
  },
  {
    id: "email.sentToSelf",
    label: "E-mail with attachments sent to self",
    category: "office",
    stage: "exfiltration",
    attributes: EMAIL,
    description: "An e-mail with attachments was sent to the sender's own personal address.",
  },
  {
    id: "label.downgraded",
    label: "Sensitivity label downgraded",
    category: "office",
    stage: "obfuscation",
    attributes: [...SITE_FILE, "previousSensitivityLabel", "device", "application"],
    description: "A file's sensitivity label was replaced with a less restrictive one.",
  },
  {
    id: "label.removed",
    label: "Sensitivity label removed",
    category: "office",
    stage: "obfuscation",
    attributes: [...SITE_FILE, "previousSensitivityLabel", "device", "application"],
    description: "A file's sensitivity label was removed.",
  },
  // ---- Device: files leaving through the endpoint ----
  {
    id: "file.printed",
    label: "File printed",
    category: "device",
    stage: "exfiltration",
    attributes: [...DEVICE_FILE, "printerName", "outcome"],
    description: "A file was printed (or printing was attempted and blocked).",
  },
  {
    id: "file.copiedToRemovableMedia",
    label: "File copied to USB or removable media",
    category: "device",
    stage: "exfiltration",
    attributes: [...DEVICE_FILE, "targetPath", "mediaName", "outcome"],
    description: "A file was copied to or created on a USB drive or other removable media.",
  },
  {
    id: "file.uploadedToCloud",
    label: "File uploaded through a browser",
    category: "device",
    stage: "exfiltration",
    attributes: [...DEVICE_FILE, "destinationDomain", "url", "outcome"],
    description: "A file was uploaded to a website or cloud service through a browser.",
  },
  {
    id: "file.copiedToNetworkShare",
    label: "File copied to a network share",
    category: "device",
    stage: "exfiltration",
    attributes: [...DEVICE_FILE, "targetPath", "outcome"],
    description: "A file was copied to or created on a network share.",
  },
  {
    id: "file.copiedToRemoteDesktop",
    label: "File copied to a remote desktop session",
    category: "device",
    stage: "exfiltration",
    attributes: [...DEVICE_FILE, "outcome"],
    description: "A file was copied into a remote desktop session.",
  },
  {
    id: "file.copiedToClipboard",
    label: "File content copied to the clipboard",
    category: "device",
    stage: "exfiltration",
    attributes: [...DEVICE_FILE, "outcome"],
    description: "Content of a (sensitive) file was copied to the clipboard.",
  },
  {
    id: "file.renamed",
    label: "File renamed",
    category: "device",
    stage: "obfuscation",
    attributes: [...DEVICE_FILE, "previousFileName", "siteUrl"],
    description: "A file was renamed (on a device, or on a document site).",
  },
  {
    id: "file.archived",
    label: "File archived",
    category: "device",
    stage: "collection",
    attributes: DEVICE_FILE,
    description: "Files were packed into an archive (zip, 7z, rar …).",
  },
  {
    id: "file.hidden",
    label: "File hidden",
    category: "device",
    stage: "obfuscation",
    attributes: DEVICE_FILE,
    description: "A hidden file was created, or a file was marked hidden.",
  },
  {
    id: "file.deleted",
    label: "File deleted",
    category: "device",
    stage: "clean-up",
    attributes: [...DEVICE_FILE, "siteUrl"],
    description: "A file was deleted (on a device, or on a document site or cloud storage).",
  },
  {
    id: "device.usbMounted",
    label: "USB drive mounted",
    category: "device",
    stage: null,
    attributes: ["device", "mediaName", "targetPath"],
    description: "A USB storage device was mounted as a drive.",
  },
  // ---- Browsing ----
  {
    id: "browsing.riskyWebsite",
    label: "Risky website visited",
    category: "browsing",
    stage: null,
    attributes: ["url", "destinationDomain", "websiteCategory", "device", "application", "outcome"],
    description: "A website of a risky category (malware, phishing, gambling …) was visited.",
  },
  {
    id: "file.downloadedFromWeb",
    label: "File downloaded from a third-party website",
    category: "browsing",
    stage: "collection",
    attributes: [...DEVICE_FILE, "url", "destinationDomain"],
    description: "A file was downloaded with a browser from a website outside the organisation.",
  },
  // ---- Security ----
  {
    id: "security.defenseEvasion",
    label: "Security alert: defence evasion",
    category: "security",
    stage: null,
    attributes: ALERT,
    description: "An attempt to bypass security controls (disabling antivirus, tampering …).",
  },
  {
    id: "security.unwantedSoftware",
    label: "Security alert: unwanted software",
    category: "security",
    stage: null,
    attributes: ALERT,
    description: "Unapproved or malicious software was installed or run.",
  },
  {
    id: "security.dlpAlert",
    label: "DLP alert",
    category: "security",
    stage: null,
    attributes: [...ALERT, "policyName", "recipients", "sensitiveInfoTypes", "sensitivityLabel", "siteUrl"],
    description: "A data loss prevention policy matched the user's activity.",
  },
  {
    id: "security.privilegeGranted",
    label: "Administrator privilege granted",
    category: "security",
    stage: null,
    attributes: ["privilege", "initiatedBy", "ipAddress", "application"],
    description: "The user was given an administrative role or privilege.",
  },
  // ---- Cloud apps ----
  {
    id: "cloud.appAnomaly",
    label: "Cloud app anomaly",
    category: "cloud",
    stage: null,
    attributes: SIGN_IN,
    description:
      "A cloud application or identity provider reported anomalous activity (threat detected, sign-on denied, mass download …).",
  },
  // ---- Communication ----
  {
    id: "communication.complianceMatch",
    label: "Communication compliance match",
    category: "communication",
    stage: null,
    attributes: ["policyName", "severity", "category", "recipients", "subject", "application"],
    description: "A message matched a communication compliance policy (threat, harassment, discrimination …).",
  },
] as const satisfies readonly ActivityType[];

export type ActivityTypeId = (typeof ACTIVITY_TYPES)[number]["id"];

const BY_ID: ReadonlyMap<string, ActivityType> = new Map(ACTIVITY_TYPES.map((t) => [t.id, t]));
const ATTRIBUTES_BY_NAME: ReadonlyMap<string, ActivityAttribute> = new Map(ACTIVITY_ATTRIBUTES.map((a) => [a.name, a]));

export function activityType(id: string): ActivityType | undefined {
  return BY_ID.get(id);
}

export function activityAttribute(name: string): ActivityAttribute | undefined {
  return ATTRIBUTES_BY_NAME.get(name);
}

/** The signal kind of an activity type: `activity.<type id>`. */
export function activitySignalKind(typeId: string): string {
  return `activity.${typeId}`;
}
