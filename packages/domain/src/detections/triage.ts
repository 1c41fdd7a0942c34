// Triage statuses of imported security (endpoint) alerts. Only alerts whose status is selected are
// imported; each status change of an imported alert is a new activity.

export const SECURITY_ALERT_STATUSES = ["Unknown", "New", "InProgress", "Resolved"] as const;
export type SecurityAlertStatus = (typeof SECURITY_ALERT_STATUSES)[number];

const loose = (text: string) => text.toLowerCase().replace(/[\s_-]/g, "");

/** Reads a status written loosely ("In progress", "in_progress", "INPROGRESS"); null when it is none of them. */
export function parseSecurityAlertStatus(value: unknown): SecurityAlertStatus | null {
  if (typeof value !== "string") return null;
  const key = loose(value);
  return SECURITY_ALERT_STATUSES.find((s) => loose(s) === key) ?? null;
}
