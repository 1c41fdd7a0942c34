// Directory rows as SCIM resources and back: the attributes OpenIRM keeps in columns (userName,
// displayName, title, userType, active, externalId, department, employeeNumber, manager, office)
// and every other attribute an identity provider sends, kept as given so it reads back unchanged.

import {
  getIgnoringCase,
  SCIM_ENTERPRISE_USER_SCHEMA,
  SCIM_GROUP_SCHEMA,
  SCIM_LIST_RESPONSE,
  SCIM_USER_SCHEMA,
  scimError,
  toIsoUtc,
} from "@openirm/domain";
import type { DirectoryUserRecord } from "../commands/directory.ts";

export type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface ScimUserRow extends DirectoryUserRecord {
  /** The id of the user whose UPN is manager_upn, when that user is in the directory. */
  manager_id: string | null;
  groups: Array<{ id: string; display_name: string }>;
}

export interface ScimGroupRow {
  id: string;
  display_name: string;
  external_id: string | null;
  scim_attributes: Json;
  created_at: string;
  updated_at: string;
  /** Absent when the caller excluded members. */
  members?: Array<{ id: string; upn: string; user_name: string | null; display_name: string | null }>;
}

function meta(resourceType: string, created: string, lastModified: string | null, location: string): Json {
  const modified = toIsoUtc(lastModified ?? created);
  return {
    resourceType,
    created: toIsoUtc(created),
    lastModified: modified,
    location,
    version: `W/"${Date.parse(modified ?? "") || 0}"`,
  };
}

/** Drops undefined and null members (SCIM omits unassigned attributes). */
function compact(object: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(object)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

/** The work address's formatted text (else the primary's, else the first's): the user's office. */
function officeOf(addresses: unknown): string | null {
  if (!Array.isArray(addresses)) return null;
  const list = addresses.filter(isObject);
  const pick =
    list.find((a) => String(getIgnoringCase(a, "type") ?? "").toLowerCase() === "work") ??
    list.find((a) => getIgnoringCase(a, "primary") === true) ??
    list[0];
  const formatted = pick ? getIgnoringCase(pick, "formatted") : undefined;
  return typeof formatted === "string" && formatted.trim() !== "" ? formatted.trim() : null;
}

/** Addresses as stored, with the work address carrying the office (which a CSV may have changed). */
function addressesWithOffice(stored: unknown, office: string | null): unknown {
  const list = Array.isArray(stored) ? stored.filter(isObject).map((a) => ({ ...a })) : [];
  if (office === null || officeOf(list) === office) return list.length > 0 ? list : undefined;
  const work = list.find((a) => String(getIgnoringCase(a, "type") ?? "").toLowerCase() === "work");
  if (work) work.formatted = office;
  else list.push({ type: "work", formatted: office, primary: list.length === 0 });
  return list;
}

export function userResource(row: ScimUserRow, baseUrl: string): Json {
  const extra = isObject(row.scim_attributes) ? row.scim_attributes : {};
  const core: Json = {};
  const extensions: Json = {};
  for (const [key, value] of Object.entries(extra)) {
    if (/^urn:/i.test(key)) extensions[key] = value;
    else core[key] = value;
  }
  const storedEnterprise = isObject(extensions[SCIM_ENTERPRISE_USER_SCHEMA])
    ? (extensions[SCIM_ENTERPRISE_USER_SCHEMA] as Json)
    : {};
  // As the identity provider gave it; else the manager's id (or UPN, when not in the directory).
  const managerValue = row.manager_ref ?? row.manager_id ?? row.manager_upn;
  const enterprise = compact({
    ...storedEnterprise,
    employeeNumber: row.employee_number,
    department: row.department,
    manager: managerValue
      ? { value: managerValue, $ref: row.manager_id ? `${baseUrl}/Users/${row.manager_id}` : undefined }
      : undefined,
  });
  if (isObject(enterprise.manager)) enterprise.manager = compact(enterprise.manager);
  delete extensions[SCIM_ENTERPRISE_USER_SCHEMA];
  const hasEnterprise = Object.keys(enterprise).length > 0;
  return compact({
    schemas: [SCIM_USER_SCHEMA, ...(hasEnterprise ? [SCIM_ENTERPRISE_USER_SCHEMA] : []), ...Object.keys(extensions)],
    id: row.id,
    externalId: row.external_id,
    userName: row.user_name ?? row.upn,
    ...core,
    displayName: row.display_name,
    title: row.job_title,
    userType: row.employee_type,
    active: row.active,
    addresses: addressesWithOffice(core.addresses, row.office),
    ...(hasEnterprise ? { [SCIM_ENTERPRISE_USER_SCHEMA]: enterprise } : {}),
    ...extensions,
    groups: row.groups.map((g) => ({
      value: g.id,
      $ref: `${baseUrl}/Groups/${g.id}`,
      display: g.display_name,
      type: "direct",
    })),
    meta: meta("User", row.created_at, row.updated_at, `${baseUrl}/Users/${row.id}`),
  });
}

/** The columns a (normalised) SCIM User sets, and the attributes kept as given. */
export interface UserColumns {
  upn: string;
  user_name: string;
  display_name: string | null;
  job_title: string | null;
  employee_type: string | null;
  active: boolean;
  external_id: string | null;
  department: string | null;
  employee_number: string | null;
  manager_ref: string | null;
  office: string | null;
  scim_attributes: Json;
}

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

const MAPPED_CORE = new Set([
  "schemas",
  "id",
  "meta",
  "externalId",
  "userName",
  "displayName",
  "title",
  "userType",
  "active",
  "groups",
  "password",
]);
const MAPPED_ENTERPRISE = new Set(["department", "employeeNumber", "manager"]);

export function userColumnsFromResource(resource: Json): UserColumns {
  const userName = text(resource.userName);
  if (!userName)
    throw scimError(400, "invalidValue", "userName is required: the user principal name, such as ada@contoso.com.");
  const name = isObject(resource.name) ? resource.name : {};
  const given = text(name.givenName);
  const family = text(name.familyName);
  const enterprise = isObject(resource[SCIM_ENTERPRISE_USER_SCHEMA])
    ? (resource[SCIM_ENTERPRISE_USER_SCHEMA] as Json)
    : {};
  const manager = enterprise.manager;
  const managerRef = isObject(manager) ? text(manager.value) : text(manager);
  const extra: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    if (MAPPED_CORE.has(key) || value === null || value === undefined) continue;
    if (key === SCIM_ENTERPRISE_USER_SCHEMA) {
      const rest: Json = {};
      for (const [k, v] of Object.entries(enterprise)) if (!MAPPED_ENTERPRISE.has(k) && v !== null) rest[k] = v;
      if (Object.keys(rest).length > 0) extra[key] = rest;
      continue;
    }
    extra[key] = value;
  }
  return {
    upn: userName.toLowerCase(),
    user_name: userName,
    display_name:
      text(resource.displayName) ?? text(name.formatted) ?? ([given, family].filter(Boolean).join(" ") || null),
    job_title: text(resource.title),
    employee_type: text(resource.userType),
    active: resource.active === undefined || resource.active === null ? true : resource.active === true,
    external_id: text(resource.externalId),
    department: text(enterprise.department),
    employee_number: text(enterprise.employeeNumber),
    manager_ref: managerRef,
    office: officeOf(resource.addresses),
    scim_attributes: extra,
  };
}

export function groupResource(row: ScimGroupRow, baseUrl: string): Json {
  const extra = isObject(row.scim_attributes) ? row.scim_attributes : {};
  return compact({
    schemas: [SCIM_GROUP_SCHEMA],
    id: row.id,
    externalId: row.external_id,
    displayName: row.display_name,
    ...extra,
    members: row.members?.map((m) => ({
      value: m.id,
      $ref: `${baseUrl}/Users/${m.id}`,
      display: m.display_name ?? m.user_name ?? m.upn,
      type: "User",
    })),
    meta: meta("Group", row.created_at, row.updated_at, `${baseUrl}/Groups/${row.id}`),
  });
}

export interface GroupColumns {
  display_name: string;
  external_id: string | null;
  scim_attributes: Json;
  /** Member user ids, in the order given, without repeats. */
  memberIds: string[];
}

export function groupColumnsFromResource(resource: Json): GroupColumns {
  const displayName = text(resource.displayName);
  if (!displayName) throw scimError(400, "invalidValue", "displayName is required for a group.");
  const members = resource.members;
  if (members !== undefined && members !== null && !Array.isArray(members)) {
    throw scimError(400, "invalidValue", 'members must be a list of {"value": "<user id>"}.');
  }
  const memberIds: string[] = [];
  for (const [i, member] of (members ?? []).entries()) {
    const value = isObject(member) ? text(member.value) : text(member);
    if (!value) throw scimError(400, "invalidValue", `members[${i + 1}] has no value (the member's user id).`);
    if (!memberIds.includes(value)) memberIds.push(value);
  }
  const extra: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    if (["schemas", "id", "meta", "displayName", "externalId", "members"].includes(key)) continue;
    if (value !== null && value !== undefined) extra[key] = value;
  }
  return { display_name: displayName, external_id: text(resource.externalId), scim_attributes: extra, memberIds };
}

export function listResponse(resources: Json[], total: number, startIndex: number): Json {
  return {
    schemas: [SCIM_LIST_RESPONSE],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
