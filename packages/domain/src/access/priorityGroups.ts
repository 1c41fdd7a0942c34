// Priority user groups: the visibility rule (who may see a user who is a member of one or more
// groups), and the rules for a group's name, description, viewers and member list (CSV import).
// The server's SQL filter (server/src/commands/priorityGroups.ts visibleUserSql) implements
// exactly canSeeUser below; tests check the two agree.

import { isUserPrincipalName } from "../connectors/schema.ts";
import { closestName, editDistance, listNames } from "../connectors/suggest.ts";
import { AppError } from "../errors.ts";
import { splitCsvLine } from "../physical/assets.ts";
import { type Actor, ROLE_GROUP_LABELS, type RoleGroup } from "./roleGroups.ts";

/** The role groups that can be made viewers of a priority user group. */
export const PRIORITY_GROUP_VIEWER_ROLE_GROUPS = [
  "InsiderRiskManagement",
  "InsiderRiskManagementAnalysts",
  "InsiderRiskManagementInvestigators",
] as const satisfies readonly RoleGroup[];
export type PriorityGroupViewerRoleGroup = (typeof PRIORITY_GROUP_VIEWER_ROLE_GROUPS)[number];

/** Most members a group may have. */
export const MAX_PRIORITY_GROUP_MEMBERS = 10_000;
/** Longest group name. */
export const MAX_PRIORITY_GROUP_NAME_LENGTH = 100;
/** Longest group description. */
export const MAX_PRIORITY_GROUP_DESCRIPTION_LENGTH = 1024;

/** Who may view a group's members: role groups (any account in one of them) and named console accounts. */
export interface PriorityGroupViewers {
  roleGroups: readonly string[];
  /** Console account ids. */
  accountIds: readonly string[];
}

/** Whether the actor is one of the viewers: the system always is, apps never are. */
export function isPriorityGroupViewer(actor: Actor, viewers: PriorityGroupViewers): boolean {
  if (actor.kind === "system") return true;
  if (actor.kind !== "account") return false;
  return viewers.accountIds.includes(actor.id) || actor.roleGroups.some((g) => viewers.roleGroups.includes(g));
}

/**
 * Whether the actor may see a user (the user's row, alerts, cases and other data), given the viewers
 * of every priority user group the user is a member of. A user in no group is visible to anyone the
 * role groups allow. A user in groups is visible only to an actor who is a viewer of every one of
 * them: each group's promise "only my viewers see my members" holds for members of several groups.
 * The role-group permission (alerts.read …) is checked separately; this rule only narrows it.
 */
export function canSeeUser(actor: Actor, groupsOfUser: readonly PriorityGroupViewers[]): boolean {
  return groupsOfUser.every((viewers) => isPriorityGroupViewer(actor, viewers));
}

/**
 * What identifies the actor as a viewer, for a query filter: `unrestricted` for the system (it
 * scores every user); otherwise the account id (null for apps) and the actor's role groups.
 */
export type PriorityGroupVisibility =
  | { unrestricted: true }
  | { unrestricted: false; accountId: string | null; roleGroups: string[] };

export function priorityGroupVisibility(actor: Actor): PriorityGroupVisibility {
  if (actor.kind === "system") return { unrestricted: true };
  if (actor.kind === "app") return { unrestricted: false, accountId: null, roleGroups: [] };
  return { unrestricted: false, accountId: actor.id, roleGroups: [...actor.roleGroups] };
}

// ── the definition of a group ─────────────────────────────────────────────────────────────────

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The key a group name is unique by: trimmed, lower-case. */
export function priorityGroupNameKey(name: string): string {
  return name.trim().toLowerCase();
}

/** A group name as given, trimmed, or why it is refused. */
export function checkPriorityGroupName(raw: unknown): { ok: true; name: string } | { ok: false; reason: string } {
  if (typeof raw !== "string" || raw.trim() === "") {
    return { ok: false, reason: "give the group a name (text, e.g. 'Executives')." };
  }
  const name = raw.trim();
  if (name.length > MAX_PRIORITY_GROUP_NAME_LENGTH) {
    return {
      ok: false,
      reason: `the name is ${name.length} characters long; the limit is ${MAX_PRIORITY_GROUP_NAME_LENGTH}.`,
    };
  }
  if (CONTROL.test(name)) return { ok: false, reason: "the name contains a control character (a tab or line break?)." };
  return { ok: true, name };
}

/** A description, trimmed (null when empty), or why it is refused. */
export function checkPriorityGroupDescription(
  raw: unknown,
): { ok: true; description: string | null } | { ok: false; reason: string } {
  if (raw === undefined || raw === null) return { ok: true, description: null };
  if (typeof raw !== "string") return { ok: false, reason: "the description must be text." };
  const description = raw.trim();
  if (description.length > MAX_PRIORITY_GROUP_DESCRIPTION_LENGTH) {
    return {
      ok: false,
      reason: `the description is ${description.length} characters long; the limit is ${MAX_PRIORITY_GROUP_DESCRIPTION_LENGTH}.`,
    };
  }
  return { ok: true, description: description === "" ? null : description };
}

/**
 * A viewer role group named as in ROLE_GROUPS or by its label, in any case and with or without
 * spaces ("investigators" alone is not enough: the name must be whole). Undefined when it is not one.
 */
export function viewerRoleGroup(raw: string): PriorityGroupViewerRoleGroup | undefined {
  const key = raw.toLowerCase().replace(/[\s_\-.]/g, "");
  return PRIORITY_GROUP_VIEWER_ROLE_GROUPS.find(
    (g) => g.toLowerCase() === key || ROLE_GROUP_LABELS[g].toLowerCase().replace(/\s/g, "") === key,
  );
}

/** The message for a role group that cannot view priority user groups. */
export function viewerRoleGroupMessage(raw: string): string {
  // Only a near-miss spelling is suggested: another role group's name would grant other people.
  const key = raw.toLowerCase().replace(/[\s_\-.]/g, "");
  const guess = PRIORITY_GROUP_VIEWER_ROLE_GROUPS.find((g) => editDistance(key, g.toLowerCase()) <= 2);
  return `'${raw}' is not a role group that can view a priority user group${guess ? ` (did you mean '${guess}'?)` : ""}; use ${PRIORITY_GROUP_VIEWER_ROLE_GROUPS.join(", ")}, or name console accounts.`;
}

/** A member's UPN, trimmed and lower-case, or why it is refused. */
export function checkMemberUpn(raw: unknown): { ok: true; upn: string } | { ok: false; reason: string } {
  if (typeof raw !== "string") return { ok: false, reason: "give the user principal name as text (name@domain)." };
  if (raw.trim() === "") return { ok: false, reason: "the user principal name is empty." };
  const upn = raw.trim().toLowerCase();
  if (upn.length > 320 || !isUserPrincipalName(upn)) {
    return { ok: false, reason: `'${raw.trim()}' is not a user principal name (name@domain).` };
  }
  return { ok: true, upn };
}

// ── the member list (CSV) ─────────────────────────────────────────────────────────────────────

/** Accepted names of the member column, the documented one first (case, spaces, _ - . ignored). */
export const PRIORITY_GROUP_MEMBER_COLUMNS = ["user principal name", "UserPrincipalName", "UPN", "Email"] as const;

const loose = (name: string) => name.toLowerCase().replace(/[\s_\-.]/g, "");

export interface MemberCsvLine {
  line: number;
  /** Lower-case. */
  upn: string;
}

export interface MemberCsv {
  /** Valid members in file order, each UPN once (the first line wins). */
  members: MemberCsvLine[];
  /** Lines refused, with the column and reason. */
  errors: { line: number; column: string; reason: string }[];
  /** Lines repeating a UPN of an earlier line (ignored). */
  duplicates: number;
  /** The header's member column, or null for a bare list of UPNs. */
  column: string | null;
  warnings: string[];
}

/**
 * Reads a member list: a CSV whose header has a `user principal name` column (or UserPrincipalName,
 * UPN, Email; other columns are ignored), or a bare list of UPNs, one per line. Comma, semicolon or
 * tab separated; a byte-order mark is ignored. Bad lines are reported by line number and the good
 * ones kept; a header without a member column fails the whole file (AppError missing_column).
 */
export function parsePriorityGroupMemberCsv(text: string): MemberCsv {
  const result: MemberCsv = { members: [], errors: [], duplicates: 0, column: null, warnings: [] };
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const firstIndex = lines.findIndex((l) => l.trim() !== "");
  if (firstIndex < 0) return result;
  const first = lines[firstIndex] as string;
  const detected = first.includes("\t") ? "\t" : first.includes(";") && !first.includes(",") ? ";" : ",";
  const header = splitCsvLine(first, detected).map((f) => f.trim());
  const accepted = PRIORITY_GROUP_MEMBER_COLUMNS.map(loose);
  let index = -1;
  for (const name of accepted) {
    index = header.findIndex((h) => loose(h) === name);
    if (index >= 0) break;
  }
  let start = firstIndex + 1;
  if (index >= 0) {
    result.column = header[index] as string;
    const ignored = header.filter((h, i) => i !== index && h !== "");
    if (ignored.length > 0) {
      result.warnings.push(
        `Column(s) ${ignored.map((c) => `'${c}'`).join(", ")} were ignored; only '${result.column}' is read.`,
      );
    }
  } else if (header.length === 1 && checkMemberUpn(header[0]).ok) {
    // A bare list of UPNs without a header: the first line is a member too.
    index = 0;
    start = firstIndex;
  } else {
    const guess = header.find((h) => closestName(h, PRIORITY_GROUP_MEMBER_COLUMNS) !== undefined);
    throw new AppError(
      "missing_column",
      400,
      `Line ${firstIndex + 1}: the file has no 'user principal name' column (UserPrincipalName, UPN and Email are accepted too).${guess ? ` Did you mean '${guess}'?` : ""} The header has: ${listNames(header.map((h) => `'${h}'`))}. The whole file was refused: name the column 'user principal name', or send one UPN per line without a header.`,
      { line: firstIndex + 1, column: "user principal name" },
    );
  }
  const column = result.column ?? "user principal name";
  const seen = new Set<string>();
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    const fields = splitCsvLine(line, detected);
    const checked = checkMemberUpn(fields[index] ?? "");
    if (!checked.ok) {
      result.errors.push({ line: i + 1, column, reason: `${column}: ${checked.reason}` });
      continue;
    }
    if (seen.has(checked.upn)) {
      result.duplicates++;
      continue;
    }
    seen.add(checked.upn);
    result.members.push({ line: i + 1, upn: checked.upn });
  }
  return result;
}
