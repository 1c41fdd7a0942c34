// SCIM PATCH (RFC 7644 §3.5.2) applied to a resource held as plain JSON, with the quirks identity
// providers really send: operation names in any case ("Replace"), string booleans ("False"), Okta's
// path-less `{"op":"replace","value":{"active":false}}`, Entra's member removal with a value list and
// its manager given as a bare id string. Also: normalising a resource (canonical attribute names,
// booleans, strings) and `attributes` / `excludedAttributes` projections.

import {
  elementMatchesScimFilter,
  formatAttrPath,
  getIgnoringCase,
  parseAttrPath,
  parseScimPatchPath,
  type ScimFilter,
  type ScimPatchPath,
  scimError,
} from "./scimFilter.ts";
import {
  canonicalSchemaUrn,
  SCIM_PATCH_OP,
  SCIM_SCHEMAS,
  type ScimAttribute,
  type ScimResourceShape,
  scimAttributeDefinition,
} from "./scimSchema.ts";

type Json = Record<string, unknown>;

export type ScimPatchOpName = "add" | "replace" | "remove";

export interface ScimPatchOperation {
  op: ScimPatchOpName;
  path?: string;
  value?: unknown;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

const invalidSyntax = (message: string) => scimError(400, "invalidSyntax", message);
const invalidValue = (message: string) => scimError(400, "invalidValue", message);

/** Reads a PatchOp request body; names the operation (1-based) and field of any problem. */
export function parseScimPatchRequest(body: unknown): ScimPatchOperation[] {
  if (!isObject(body)) throw invalidSyntax("The request body must be a PatchOp JSON object.");
  const schemas = getIgnoringCase(body, "schemas");
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.some((s) => String(s) === SCIM_PATCH_OP))) {
    throw invalidSyntax(`schemas must contain '${SCIM_PATCH_OP}'.`);
  }
  const operations = getIgnoringCase(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax("Operations must be a non-empty array of {op, path, value}.");
  }
  return operations.map((raw, index) => {
    const where = `Operations[${index + 1}]`;
    if (!isObject(raw)) throw invalidSyntax(`${where} must be an object.`);
    const op = String(getIgnoringCase(raw, "op") ?? "").toLowerCase();
    if (op !== "add" && op !== "replace" && op !== "remove") {
      throw invalidSyntax(`${where}.op '${String(getIgnoringCase(raw, "op") ?? "")}' is not add, replace or remove.`);
    }
    const path = getIgnoringCase(raw, "path");
    if (path !== undefined && path !== null && typeof path !== "string") {
      throw invalidSyntax(`${where}.path must be a string.`);
    }
    const out: ScimPatchOperation = { op };
    if (typeof path === "string" && path.trim() !== "") out.path = path.trim();
    const value = getIgnoringCase(raw, "value");
    if (value !== undefined) out.value = value;
    if (op === "remove" && out.path === undefined) {
      throw scimError(400, "noTarget", `${where}: a remove operation needs a path.`);
    }
    if (op !== "remove" && value === undefined) throw invalidValue(`${where}: an ${op} operation needs a value.`);
    return out;
  });
}

// ── keys, containers ───────────────────────────────────────────────────────────────────────────

/** Sets `key` on an object, replacing any key that differs only in case. */
function setKey(object: Json, key: string, value: unknown): void {
  for (const k of Object.keys(object)) if (k !== key && k.toLowerCase() === key.toLowerCase()) delete object[k];
  object[key] = value;
}

function deleteKey(object: Json, key: string): void {
  for (const k of Object.keys(object)) if (k.toLowerCase() === key.toLowerCase()) delete object[k];
}

/** The object an attribute lives in: the resource, or its extension object (created when asked). */
function containerOf(resource: Json, schema: string | undefined, create: boolean): Json | undefined {
  if (!schema) return resource;
  const existing = getIgnoringCase(resource, schema);
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const made: Json = {};
  setKey(resource, schema, made);
  const schemas = Array.isArray(resource.schemas) ? (resource.schemas as unknown[]) : [];
  if (!schemas.some((s) => String(s).toLowerCase() === schema.toLowerCase())) resource.schemas = [...schemas, schema];
  return made;
}

const READ_ONLY_TOP = new Set(["id", "meta", "schemas"]);

function definition(shape: ScimResourceShape, path: { schema?: string; attribute: string }): ScimAttribute | undefined {
  return scimAttributeDefinition(shape, path.attribute, undefined, path.schema);
}

function isMultiValued(shape: ScimResourceShape, path: { schema?: string; attribute: string }, current: unknown) {
  return definition(shape, path)?.multiValued ?? Array.isArray(current);
}

function sameElement(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b) && "value" in a && "value" in b) return String(a.value) === String(b.value);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The sub-attribute values an `a eq "x" and b eq "y"` filter pins, to build a missing element. */
function pinnedValues(filter: ScimFilter): Json | undefined {
  if (filter.type === "and") {
    const left = pinnedValues(filter.left);
    const right = pinnedValues(filter.right);
    return left && right ? { ...left, ...right } : undefined;
  }
  if (filter.type === "compare" && filter.op === "eq" && !filter.path.subAttribute && !filter.path.schema) {
    return { [filter.path.attribute]: filter.value };
  }
  return undefined;
}

// ── one operation ──────────────────────────────────────────────────────────────────────────────

function applyAtPath(
  resource: Json,
  op: ScimPatchOpName,
  path: ScimPatchPath,
  value: unknown,
  shape: ScimResourceShape,
) {
  const label = formatAttrPath(path);
  const def = definition(shape, path);
  if (!path.schema && READ_ONLY_TOP.has(path.attribute.toLowerCase())) {
    throw scimError(400, "mutability", `'${path.attribute}' is read-only.`);
  }
  if (def?.mutability === "readOnly") throw scimError(400, "mutability", `'${label}' is read-only.`);
  if (op === "remove" && !path.filter && path.subAttribute === undefined && def?.required) {
    throw invalidValue(`'${label}' is required and cannot be removed.`);
  }
  const container = containerOf(resource, path.schema, op !== "remove");
  if (!container) return; // removing from an extension the resource does not have
  const current = getIgnoringCase(container, path.attribute);

  if (path.filter) {
    applyFiltered(container, op, path, path.filter, current, value, shape, label);
    return;
  }
  if (path.subAttribute !== undefined) {
    const sub = path.subAttribute;
    if (Array.isArray(current)) {
      for (const item of current) {
        if (!isObject(item)) continue;
        if (op === "remove") deleteKey(item, sub);
        else setKey(item, sub, clone(value));
      }
      return;
    }
    if (op === "remove") {
      if (isObject(current)) deleteKey(current, sub);
      return;
    }
    const target = isObject(current) ? current : {};
    setKey(target, sub, clone(value));
    setKey(container, path.attribute, target);
    return;
  }
  const multi = isMultiValued(shape, path, current);
  if (op === "remove") {
    // Entra removes members with {"op":"Remove","path":"members","value":[{"value":"<id>"}]}.
    if (multi && value !== undefined && value !== null && Array.isArray(current)) {
      const drop = Array.isArray(value) ? value : [value];
      setKey(
        container,
        path.attribute,
        current.filter((item) => !drop.some((d) => sameElement(item, d))),
      );
    } else {
      deleteKey(container, path.attribute);
    }
    return;
  }
  if (multi) {
    const incoming = (Array.isArray(value) ? value : [value]).map(clone);
    if (op === "replace") {
      setKey(container, path.attribute, incoming);
      return;
    }
    const list = Array.isArray(current) ? [...current] : [];
    for (const item of incoming) {
      const at = list.findIndex((existing) => sameElement(existing, item));
      if (at >= 0) list[at] = isObject(list[at]) && isObject(item) ? { ...(list[at] as Json), ...item } : item;
      else list.push(item);
    }
    setKey(container, path.attribute, list);
    return;
  }
  // Single-valued. A complex value merges into the existing one (sub-attributes not given are kept).
  if (isObject(value) && isObject(current) && (def?.type === "complex" || def === undefined)) {
    const merged = { ...current };
    for (const [k, v] of Object.entries(value)) setKey(merged, k, clone(v));
    setKey(container, path.attribute, merged);
    return;
  }
  setKey(container, path.attribute, clone(value));
}

function applyFiltered(
  container: Json,
  op: ScimPatchOpName,
  path: ScimPatchPath,
  filter: ScimFilter,
  current: unknown,
  value: unknown,
  shape: ScimResourceShape,
  label: string,
) {
  const list = Array.isArray(current) ? [...current] : isObject(current) ? [current] : [];
  const parent = path.schema ? { schema: path.schema, attribute: path.attribute } : { attribute: path.attribute };
  const matches = (item: unknown) => isObject(item) && elementMatchesScimFilter(item, filter, shape, parent);
  const hits = list.filter(matches);
  const sub = path.subAttribute;
  if (op === "remove") {
    if (sub === undefined)
      setKey(
        container,
        path.attribute,
        list.filter((item) => !matches(item)),
      );
    else for (const item of hits) deleteKey(item as Json, sub);
    return;
  }
  if (hits.length === 0) {
    // Entra sends replace on emails[type eq "work"].value for users without a work address yet:
    // create the element the filter describes.
    const pinned = pinnedValues(filter);
    if (!pinned) throw scimError(400, "noTarget", `'${label}' matches no value and the filter does not describe one.`);
    const made: Json = { ...pinned };
    if (sub !== undefined) setKey(made, sub, clone(value));
    else if (isObject(value)) Object.assign(made, clone(value));
    else throw invalidValue(`'${label}' needs an object value.`);
    list.push(made);
    setKey(container, path.attribute, list);
    return;
  }
  for (const item of hits) {
    const index = list.indexOf(item);
    if (sub !== undefined) {
      const updated = { ...(item as Json) };
      setKey(updated, sub, clone(value));
      list[index] = updated;
    } else if (isObject(value)) {
      list[index] = op === "add" ? { ...(item as Json), ...clone(value) } : clone(value);
    } else {
      throw invalidValue(`'${label}' needs an object value.`);
    }
  }
  setKey(container, path.attribute, list);
}

function applyWithoutPath(resource: Json, op: ScimPatchOpName, value: unknown, shape: ScimResourceShape) {
  if (!isObject(value)) throw invalidValue(`An ${op} operation without a path needs an object value.`);
  for (const [key, v] of Object.entries(value)) {
    if (READ_ONLY_TOP.has(key.toLowerCase())) continue; // Okta repeats the id in group replaces
    // A whole extension ("urn:…:enterprise:2.0:User": {department: …}) or one of its attributes.
    const schema = /^urn:/i.test(key)
      ? (canonicalSchemaUrn(key) ?? (/:(User|Group)$/i.test(key) ? key : undefined))
      : undefined;
    if (schema) {
      if (!isObject(v)) throw invalidValue(`'${key}' must be an object of extension attributes.`);
      for (const [attr, inner] of Object.entries(v)) {
        applyAtPath(resource, op, parseScimPatchPath(`${schema}:${attr}`, shape), inner, shape);
      }
      continue;
    }
    const def = scimAttributeDefinition(shape, key);
    if (def?.mutability === "readOnly") continue;
    applyAtPath(resource, op, parseScimPatchPath(key, shape), v, shape);
  }
}

/** Applies PATCH operations in order to a copy of the resource, then normalises it. */
export function applyScimPatch(
  resource: Json,
  operations: readonly ScimPatchOperation[],
  shape: ScimResourceShape,
): Json {
  const out = clone(resource);
  for (const operation of operations) {
    if (operation.path === undefined) applyWithoutPath(out, operation.op, operation.value, shape);
    else applyAtPath(out, operation.op, parseScimPatchPath(operation.path, shape), operation.value, shape);
  }
  return normalizeScimResource(out, shape);
}

// ── normalisation ──────────────────────────────────────────────────────────────────────────────

function coerceBoolean(value: unknown, label: string): boolean | null | undefined {
  if (value === undefined || value === null || typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lower = value.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  throw invalidValue(`'${label}' must be a boolean (true or false), not ${JSON.stringify(value)}.`);
}

function coerceString(value: unknown, label: string): unknown {
  if (value === undefined || value === null || typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw invalidValue(`'${label}' must be a string, not ${JSON.stringify(value)}.`);
}

function normalizeValue(value: unknown, def: ScimAttribute, label: string): unknown {
  if (def.multiValued) {
    if (value === undefined || value === null) return value;
    const items = Array.isArray(value) ? value : [value];
    return items.map((item, i) => normalizeSingle(item, def, `${label}[${i + 1}]`));
  }
  if (Array.isArray(value)) {
    // A single-valued attribute sent as a one-element list (some clients wrap every value).
    if (value.length === 1) return normalizeSingle(value[0], def, label);
    throw invalidValue(`'${label}' takes one value, not a list.`);
  }
  return normalizeSingle(value, def, label);
}

function normalizeSingle(value: unknown, def: ScimAttribute, label: string): unknown {
  if (def.type === "boolean") return coerceBoolean(value, label);
  if (def.type === "complex") {
    if (value === null || value === undefined) return value;
    // Entra sends the manager (and some multi-valued items) as a bare string: that is its `value`.
    const object: Json = isObject(value) ? { ...value } : { value };
    for (const sub of def.subAttributes ?? []) {
      for (const key of Object.keys(object)) {
        if (key.toLowerCase() !== sub.name.toLowerCase()) continue;
        const normalized = normalizeValue(object[key], { ...sub, multiValued: false }, `${label}.${sub.name}`);
        delete object[key];
        object[sub.name] = normalized;
      }
    }
    return object;
  }
  if (def.type === "string" || def.type === "reference") return coerceString(value, label);
  return value;
}

function normalizeObject(object: Json, attributes: readonly ScimAttribute[], prefix: string): void {
  for (const def of attributes) {
    for (const key of Object.keys(object)) {
      if (key.toLowerCase() !== def.name.toLowerCase()) continue;
      const value = normalizeValue(object[key], def, `${prefix}${def.name}`);
      delete object[key];
      object[def.name] = value;
    }
  }
}

/**
 * Canonical attribute names ("UserName" → "userName", extension URNs included), booleans from
 * strings ("False" → false), scalars where strings are expected ("1234"), bare strings wrapped for
 * complex attributes (`manager: "id"` → `manager: {value: "id"}`). Returns a new object.
 */
export function normalizeScimResource(resource: Json, shape: ScimResourceShape): Json {
  const out = clone(resource);
  const core = SCIM_SCHEMAS.find((s) => s.id === shape.core);
  if (core) normalizeObject(out, core.attributes, "");
  for (const extension of shape.extensions) {
    for (const key of Object.keys(out)) {
      if (key.toLowerCase() !== extension.toLowerCase() || key === extension) continue;
      out[extension] = out[key];
      delete out[key];
    }
    const object = out[extension];
    if (object === undefined) continue;
    if (!isObject(object)) throw invalidValue(`'${extension}' must be an object.`);
    const schema = SCIM_SCHEMAS.find((s) => s.id === extension);
    if (schema) normalizeObject(object, schema.attributes, `${extension}:`);
  }
  return out;
}

// ── projections ────────────────────────────────────────────────────────────────────────────────

function splitList(list: string | undefined): string[] {
  return (list ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * The `attributes` / `excludedAttributes` query parameters (RFC 7644 §3.9) applied to a resource.
 * `schemas` and `id` are always returned; so is `meta` unless excluded.
 */
export function projectScimResource(
  resource: Json,
  shape: ScimResourceShape,
  query: { attributes?: string | undefined; excludedAttributes?: string | undefined },
): Json {
  const wanted = splitList(query.attributes);
  const excluded = splitList(query.excludedAttributes);
  const keyOf = (text: string) => parseAttrPath(text, shape);
  if (wanted.length > 0) {
    const out: Json = { schemas: resource.schemas, id: resource.id };
    for (const text of wanted) {
      const path = keyOf(text);
      if (!path) continue;
      const source = path.schema ? getIgnoringCase(resource, path.schema) : resource;
      if (!isObject(source)) continue;
      const value = getIgnoringCase(source, path.attribute);
      if (value === undefined) continue;
      let target = out;
      if (path.schema) {
        if (!isObject(out[path.schema])) out[path.schema] = {};
        target = out[path.schema] as Json;
      }
      const sub = path.subAttribute;
      if (sub === undefined) target[path.attribute] = value;
      else if (isObject(value) && getIgnoringCase(value, sub) !== undefined) {
        const existing = isObject(target[path.attribute]) ? (target[path.attribute] as Json) : {};
        existing[sub] = getIgnoringCase(value, sub);
        target[path.attribute] = existing;
      } else if (Array.isArray(value)) {
        target[path.attribute] = value.map((item) => (isObject(item) ? { [sub]: getIgnoringCase(item, sub) } : item));
      }
    }
    return out;
  }
  if (excluded.length === 0) return resource;
  const out = clone(resource);
  for (const text of excluded) {
    const path = keyOf(text);
    if (!path || (!path.schema && (path.attribute === "id" || path.attribute === "schemas"))) continue;
    const container = path.schema ? getIgnoringCase(out, path.schema) : out;
    if (!isObject(container)) continue;
    if (path.subAttribute === undefined) deleteKey(container, path.attribute);
    else {
      const value = getIgnoringCase(container, path.attribute);
      if (isObject(value)) deleteKey(value, path.subAttribute);
    }
  }
  return out;
}
