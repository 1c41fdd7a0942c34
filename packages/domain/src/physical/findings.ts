// The physical access indicator's findings: what makes one badge event (a physical.access signal)
// worth a risk signal. Access to a priority asset, a failed access, and any access after the
// user's termination are findings; an event may have several. Pure: the caller passes the
// priority assets and the user's termination.

import { assetKey } from "./assets.ts";

export const PHYSICAL_FINDINGS = ["priority-asset", "failed-access", "after-termination"] as const;
export type PhysicalFinding = (typeof PHYSICAL_FINDINGS)[number];

/** The signal kind badging connectors store. */
export const PHYSICAL_ACCESS_SIGNAL = "physical.access";

export const ACCESS_STATUSES = ["Success", "Failed"] as const;
export type AccessStatus = (typeof ACCESS_STATUSES)[number];

/** One badge event, as a physical.access signal holds it. */
export interface PhysicalAccessEvent {
  /** ISO 8601 UTC. */
  occurredAt: string;
  assetId: string;
  accessStatus: AccessStatus | string;
}

/** Where a user's termination comes from. */
export type TerminationSource = "hr.resignation" | "directory.disabled" | "directory.deleted";

export interface Termination {
  /** The first instant at which the user no longer works for the organisation (ISO 8601 UTC). */
  at: string;
  source: TerminationSource;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Midnight UTC ending the day of `iso` (the first instant of the next day). */
export function endOfUtcDay(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not a timestamp: ${iso}`);
  return new Date(Math.floor(t / DAY_MS) * DAY_MS + DAY_MS).toISOString();
}

/**
 * A user's termination: the end of the last working day of their latest resignation (HR
 * connector), else the moment the directory disabled or deleted their account (the earlier of
 * the two); null when neither is known.
 */
export function terminationOf(input: {
  lastWorkingDate?: string | null | undefined;
  disabledAt?: string | null | undefined;
  deletedAt?: string | null | undefined;
}): Termination | null {
  if (input.lastWorkingDate && !Number.isNaN(Date.parse(input.lastWorkingDate))) {
    return { at: endOfUtcDay(input.lastWorkingDate), source: "hr.resignation" };
  }
  const disabled = input.disabledAt ? Date.parse(input.disabledAt) : Number.NaN;
  const deleted = input.deletedAt ? Date.parse(input.deletedAt) : Number.NaN;
  if (!Number.isNaN(disabled) && (Number.isNaN(deleted) || disabled <= deleted)) {
    return { at: new Date(disabled).toISOString(), source: "directory.disabled" };
  }
  if (!Number.isNaN(deleted)) return { at: new Date(deleted).toISOString(), source: "directory.deleted" };
  return null;
}

export interface PhysicalAccessContext {
  /** Keys (assetKey) of the priority physical assets. */
  priorityAssets: ReadonlySet<string>;
  termination: Termination | null;
}

/** The findings of one badge event, in PHYSICAL_FINDINGS order; empty when it is unremarkable. */
export function classifyPhysicalAccess(event: PhysicalAccessEvent, context: PhysicalAccessContext): PhysicalFinding[] {
  const findings: PhysicalFinding[] = [];
  if (context.priorityAssets.has(assetKey(event.assetId))) findings.push("priority-asset");
  if (String(event.accessStatus).toLowerCase() === "failed") findings.push("failed-access");
  if (context.termination && Date.parse(event.occurredAt) >= Date.parse(context.termination.at)) {
    findings.push("after-termination");
  }
  return findings;
}
