// The ready-made mapping documents, imported statically (the domain reads no files). Each is a
// plain mapping document the admin can download, edit and import as their own.

import defenderDeviceEvents from "./defender-device-events.json" with { type: "json" };
import defenderDeviceFileEvents from "./defender-device-file-events.json" with { type: "json" };
import googleWorkspaceDrive from "./google-workspace-drive.json" with { type: "json" };
import m365AuditLog from "./m365-audit-log.json" with { type: "json" };
import oktaSystemLog from "./okta-system-log.json" with { type: "json" };

export interface ReadyMadeMapping {
  id: string;
  name: string;
  description: string;
  /** The mapping document, as served for download. */
  document: Record<string, unknown>;
}

function entry(document: { id: string; name: string; description: string }): ReadyMadeMapping {
  return {
    id: document.id,
    name: document.name,
    description: document.description,
    document: document as unknown as Record<string, unknown>,
  };
}

export const READY_MADE_MAPPINGS: readonly ReadyMadeMapping[] = [
  entry(m365AuditLog),
  entry(defenderDeviceFileEvents),
  entry(defenderDeviceEvents),
  entry(googleWorkspaceDrive),
  entry(oktaSystemLog),
];

/** A ready-made mapping by ID (case-insensitive); undefined when there is none. */
export function readyMadeMapping(id: string): ReadyMadeMapping | undefined {
  const lower = id.toLowerCase();
  return READY_MADE_MAPPINGS.find((m) => m.id === lower);
}
