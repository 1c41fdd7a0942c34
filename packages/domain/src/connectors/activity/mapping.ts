// The activity mapping document: how an activity connector finds, in each record of a source's
// export, the user, the time, the event ID, the activity type and the attributes. It is data (JSON)
// the admin can copy, edit and import: paths into the record, small named transforms, constants,
// a value map from the source's operation to catalog types, and conditions on other fields. It is
// validated with zod; every message names the path of the bad entry in the document.

import { z } from "zod";
import {
  ACTIVITY_ATTRIBUTES,
  ACTIVITY_TYPES,
  type ActivityAttribute,
  type ActivityType,
  activityAttribute,
  activityType,
} from "../../activity/catalog.ts";
import { AppError } from "../../errors.ts";
import { closestName, listNames } from "../suggest.ts";
import { type ParsedPath, parsePath } from "./paths.ts";
import { TRANSFORM_NAMES, type Transform } from "./transforms.ts";

export const MAPPING_VERSION = 1;

export type Scalar = string | number | boolean | null;

/** Where a value comes from: paths (first one present wins) or a constant, then transforms. */
export interface ValueSpec {
  paths: ParsedPath[];
  constant: Scalar | undefined;
  transforms: Transform[];
  /** Used when none of the paths has a value. */
  fallback: Scalar | undefined;
}

export type TestOp = "equals" | "notEquals" | "in" | "notIn" | "exists" | "contains" | "startsWith" | "endsWith";
export const TEST_OPS: readonly TestOp[] = [
  "equals",
  "notEquals",
  "in",
  "notIn",
  "exists",
  "contains",
  "startsWith",
  "endsWith",
];

export interface Condition {
  path: ParsedPath;
  transforms: Transform[];
  op: TestOp;
  /** Lower-case texts to compare with (exists: [] and `expected`). */
  operands: string[];
  expected: boolean;
}

export interface MappingCase {
  conditions: Condition[];
  /** The catalog type, or null: records matching this case are skipped. */
  type: ActivityType | null;
  user: ValueSpec | undefined;
  attributes: Record<string, ValueSpec>;
}

export interface MappingModel {
  id: string | undefined;
  name: string;
  description: string | undefined;
  user: ValueSpec;
  time: ValueSpec;
  eventId: { combine: ParsedPath[] } | { value: ValueSpec } | undefined;
  operation: ValueSpec;
  /** Operation (exact text) → its cases, in order. */
  cases: Map<string, MappingCase[]>;
  /** Operation in lower case → the operation as written, for a case-insensitive match. */
  lowerOperations: Map<string, string>;
  attributes: Record<string, ValueSpec>;
}

// ---- Messages ---------------------------------------------------------------------------------

const TYPE_IDS = ACTIVITY_TYPES.map((t) => t.id);
const ATTRIBUTE_NAMES = ACTIVITY_ATTRIBUTES.map((a) => a.name);

function unknownKeyMessage(key: string, allowed: readonly string[], what: string): string {
  const guess = closestName(key, allowed);
  return `'${key}' is not a field of ${what}.${guess ? ` Did you mean '${guess}'?` : ""} Use: ${allowed.join(", ")}.`;
}

/** An object schema that refuses unknown keys with a did-you-mean message. */
function exact<T extends z.ZodRawShape>(shape: T, what: string, typeError = `must be an object (${what})`) {
  const allowed = Object.keys(shape);
  return z
    .object(shape, { error: (issue) => (issue.input === undefined ? `is missing; it ${typeError}` : typeError) })
    .catchall(z.unknown())
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (!allowed.includes(key))
          ctx.addIssue({ code: "custom", path: [key], message: unknownKeyMessage(key, allowed, what) });
      }
    });
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: "must be a text, a number, true/false or null",
});

const pathSchema = z
  .string({ error: "must be a path (text), e.g. AuditData.SourceFileName" })
  .transform((text, ctx) => {
    const parsed = parsePath(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.reason });
      return z.NEVER;
    }
    return parsed.path;
  });

const pathsSchema = z.unknown().transform((value, ctx): ParsedPath[] => {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) {
    ctx.addIssue({ code: "custom", message: "give at least one path" });
    return z.NEVER;
  }
  const out: ParsedPath[] = [];
  list.forEach((item, i) => {
    if (typeof item !== "string") {
      ctx.addIssue({
        code: "custom",
        path: Array.isArray(value) ? [i] : [],
        message: 'must be a path (text) or a list of paths, e.g. "AuditData.SourceFileName"',
      });
      return;
    }
    const parsed = parsePath(item);
    if (!parsed.ok) ctx.addIssue({ code: "custom", path: Array.isArray(value) ? [i] : [], message: parsed.reason });
    else out.push(parsed.path);
  });
  return out;
});

const TRANSFORM_HELP = `Use one of: ${TRANSFORM_NAMES.filter((n) => n !== "split" && n !== "map").join(", ")}, "split" or {"split": "|"}, {"map": {"from": "to"}}.`;

const transformSchema = z.unknown().transform((value, ctx): Transform => {
  const fail = (message: string) => {
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  };
  if (typeof value === "string") {
    if (value === "split") return { name: "split", separator: null };
    if (value === "map") return fail(`"map" needs its values: {"map": {"from": "to"}}.`);
    if ((TRANSFORM_NAMES as readonly string[]).includes(value)) return { name: value } as Transform;
    const guess =
      closestName(value, TRANSFORM_NAMES) ??
      TRANSFORM_NAMES.find((n) => value.toLowerCase().startsWith(n.toLowerCase()) || n.startsWith(value.toLowerCase()));
    return fail(`'${value}' is not a transform.${guess ? ` Did you mean '${guess}'?` : ""} ${TRANSFORM_HELP}`);
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const key = keys[0];
    if (keys.length !== 1) return fail(`a transform object has exactly one key ("split" or "map"). ${TRANSFORM_HELP}`);
    const arg = (value as Record<string, unknown>)[key as string];
    if (key === "split") {
      if (typeof arg !== "string" || arg === "")
        return fail(`{"split": …} takes the separator text, e.g. {"split": "|"}.`);
      return { name: "split", separator: arg };
    }
    if (key === "map") {
      if (!arg || typeof arg !== "object" || Array.isArray(arg)) {
        return fail(`{"map": …} takes an object of values, e.g. {"map": {"1": "Low", "2": "High"}}.`);
      }
      const values: Record<string, Scalar> = {};
      for (const [from, to] of Object.entries(arg as Record<string, unknown>)) {
        if (to !== null && !["string", "number", "boolean"].includes(typeof to)) {
          return fail(`{"map": …}: the value for '${from}' must be a text, a number, true/false or null.`);
        }
        values[from] = to as Scalar;
      }
      const lowerKeys = new Map<string, unknown>();
      for (const [from, to] of Object.entries(values)) {
        const lower = from.trim().toLowerCase();
        if (!lowerKeys.has(lower)) lowerKeys.set(lower, to);
      }
      return { name: "map", values, lowerKeys };
    }
    const guess = closestName(key as string, ["split", "map"]);
    return fail(`'${key}' is not a transform.${guess ? ` Did you mean '${guess}'?` : ""} ${TRANSFORM_HELP}`);
  }
  return fail(`a transform is a name or an object. ${TRANSFORM_HELP}`);
});

const transformsSchema = z.array(transformSchema, { error: `must be a list of transforms, e.g. ["lower"]` });

const valueObject = exact(
  {
    path: pathsSchema.optional(),
    const: scalar.optional(),
    transform: transformsSchema.optional(),
    default: scalar.optional(),
  },
  "a value (path, const, transform, default)",
  "must be a path (text) or an object with 'path' or 'const'",
);

/** A value: "a.b" (a path), or {path | const, transform?, default?}. */
const valueSchema = z
  .preprocess((v) => (typeof v === "string" ? { path: v } : v), valueObject)
  .transform((v, ctx): ValueSpec => {
    if (v.path === undefined && v.const === undefined) {
      ctx.addIssue({ code: "custom", message: "give 'path' (where the value is) or 'const' (a fixed value)" });
      return z.NEVER;
    }
    if (v.path !== undefined && v.const !== undefined) {
      ctx.addIssue({ code: "custom", message: "give either 'path' or 'const', not both" });
      return z.NEVER;
    }
    return { paths: v.path ?? [], constant: v.const, transforms: v.transform ?? [], fallback: v.default };
  });

const eventIdSchema = z
  .preprocess((v) => (typeof v === "string" ? { path: v } : v), z.unknown())
  .transform((v, ctx): MappingModel["eventId"] => {
    if (v && typeof v === "object" && !Array.isArray(v) && "combine" in v) {
      const keys = Object.keys(v);
      if (keys.length !== 1) {
        ctx.addIssue({ code: "custom", message: `{"combine": [...]} takes no other key (found ${keys.join(", ")})` });
        return z.NEVER;
      }
      const parsed = z
        .array(pathSchema)
        .min(2)
        .safeParse((v as { combine: unknown }).combine);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({
            code: "custom",
            path: ["combine", ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
            message:
              issue.code === "too_small" || issue.code === "invalid_type"
                ? `{"combine": [...]} takes a list of two or more paths, e.g. ["DeviceName", "ReportId", "Timestamp"]`
                : issue.message,
          });
        }
        return z.NEVER;
      }
      return { combine: parsed.data };
    }
    const parsed = valueSchema.safeParse(v);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: "custom",
          path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
          message: issue.message,
        });
      }
      return z.NEVER;
    }
    return { value: parsed.data };
  });

const testOperand = z.union([z.string(), z.number(), z.boolean()], { error: "must be a text, a number or true/false" });
const testObject = exact(
  {
    equals: testOperand.optional(),
    notEquals: testOperand.optional(),
    in: z.array(testOperand, { error: "must be a list of values" }).optional(),
    notIn: z.array(testOperand, { error: "must be a list of values" }).optional(),
    exists: z.boolean({ error: "must be true or false" }).optional(),
    contains: z.union([testOperand, z.array(testOperand)]).optional(),
    startsWith: z.union([z.string(), z.array(z.string())], { error: "must be a text or a list of texts" }).optional(),
    endsWith: z.union([z.string(), z.array(z.string())], { error: "must be a text or a list of texts" }).optional(),
    transform: transformsSchema.optional(),
  },
  "a condition (equals, notEquals, in, notIn, exists, contains, startsWith, endsWith, transform)",
);

const lowerText = (v: string | number | boolean) => String(v).trim().toLowerCase();
const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

const testSchema = z
  .preprocess((v) => (v === null || typeof v !== "object" || Array.isArray(v) ? { equals: v } : v), testObject)
  .transform((t, ctx): Omit<Condition, "path">[] => {
    const out: Omit<Condition, "path">[] = [];
    const transforms = t.transform ?? [];
    for (const op of TEST_OPS) {
      const operand = t[op];
      if (operand === undefined) continue;
      if (op === "exists") out.push({ op, operands: [], expected: operand as boolean, transforms });
      else {
        const list = asList(operand as string | number | boolean | (string | number | boolean)[]);
        if (list.length === 0) {
          ctx.addIssue({ code: "custom", path: [op], message: "give at least one value" });
          return z.NEVER;
        }
        out.push({ op, operands: list.map(lowerText), expected: true, transforms });
      }
    }
    if (out.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: `a condition needs a test: a value (equals) or one of ${TEST_OPS.join(", ")}`,
      });
      return z.NEVER;
    }
    return out;
  });

const whenSchema = z
  .record(z.string(), testSchema, { error: `must be an object of conditions, e.g. {"AuditData.Workload": "OneDrive"}` })
  .transform((when, ctx): Condition[] => {
    const out: Condition[] = [];
    for (const [pathText, tests] of Object.entries(when)) {
      const parsed = parsePath(pathText);
      if (!parsed.ok) {
        ctx.addIssue({ code: "custom", path: [pathText], message: parsed.reason });
        continue;
      }
      for (const test of tests) out.push({ ...test, path: parsed.path });
    }
    return out;
  });

const typeIdSchema = z
  .union([z.string(), z.null()], { error: "must be an activity type ID (text) or null" })
  .transform((id, ctx): ActivityType | null => {
    if (id === null) return null;
    const type = activityType(id);
    if (!type) {
      const guess = closestName(id, TYPE_IDS);
      ctx.addIssue({
        code: "custom",
        message: `'${id}' is not an activity type.${guess ? ` Did you mean '${guess}'?` : ""} The types are listed by GET /api/activity/types ('openirm activity types').`,
      });
      return z.NEVER;
    }
    return type;
  });

const attributesSchema = z
  .record(z.string(), valueSchema, { error: "must be an object: attribute name → value" })
  .superRefine((attributes, ctx) => {
    for (const name of Object.keys(attributes)) {
      if (!activityAttribute(name)) {
        const guess = closestName(name, ATTRIBUTE_NAMES);
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `'${name}' is not an activity attribute.${guess ? ` Did you mean '${guess}'?` : ""} The attributes are: ${listNames(ATTRIBUTE_NAMES, 60)}.`,
        });
      }
    }
  });

const caseObject = exact(
  {
    when: whenSchema.optional(),
    type: typeIdSchema,
    user: valueSchema.optional(),
    attributes: attributesSchema.optional(),
  },
  "a case (when, type, user, attributes)",
);

const casesSchema = z
  .preprocess(
    (v) => (typeof v === "string" || v === null ? [{ type: v }] : v),
    z.array(caseObject, {
      error: 'must be an activity type ID, null (skip), or a list of cases [{"when": {...}, "type": "..."}]',
    }),
  )
  .superRefine((cases, ctx) => {
    const open = cases.findIndex((c) => !c.when || c.when.length === 0);
    if (open >= 0 && open < cases.length - 1) {
      ctx.addIssue({
        code: "custom",
        path: [open + 1],
        message: `this case can never match: case ${open + 1} before it has no 'when', so it takes every record. Put the case without 'when' last.`,
      });
    }
  });

const documentSchema = exact(
  {
    mappingVersion: z.literal(MAPPING_VERSION, { error: `must be ${MAPPING_VERSION}` }).optional(),
    id: z
      .string({ error: "must be text" })
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be lower-case letters, digits and '-' (at most 64 characters)")
      .optional(),
    name: z
      .string({
        error: (issue) => (issue.input === undefined ? "is missing; give the mapping's name" : "must be text"),
      })
      .trim()
      .min(1, "must not be empty")
      .max(200),
    description: z.string({ error: "must be text" }).max(4000).optional(),
    user: valueSchema,
    time: valueSchema,
    eventId: eventIdSchema.optional(),
    activity: exact(
      {
        path: pathsSchema,
        transform: transformsSchema.optional(),
        map: z
          .record(z.string(), casesSchema, { error: "must be an object: source operation → activity type" })
          .refine((m) => Object.keys(m).length > 0, "map at least one operation to an activity type"),
      },
      "activity (path, transform, map)",
    ),
    attributes: attributesSchema.optional(),
  },
  "the mapping document",
);

/** Formats a zod issue path the way the document reads: a.b[0]["x.y"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else {
      const key = String(p);
      out += /^[A-Za-z_$][\w$-]*$/.test(key) ? `${out ? "." : ""}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

function attributeCarriers(name: string): string[] {
  return ACTIVITY_TYPES.filter((t) => (t.attributes as readonly string[]).includes(name)).map((t) => t.id);
}

/** Validates a mapping document; throws AppError 400 naming the path of the first bad entries. */
export function compileMapping(document: unknown, field = "activityMapping"): MappingModel {
  if (!document || typeof document !== "object" || Array.isArray(document)) {
    throw new AppError(
      "invalid_connector",
      400,
      `${field}: must be a ready-made mapping's ID or a mapping document (a JSON object).`,
      { column: field },
    );
  }
  const parsed = documentSchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3);
    const lines = issues.map((issue) => {
      const where = formatPath(issue.path);
      return `${field}${where ? (where.startsWith("[") ? where : `.${where}`) : ""}: ${issue.message}`;
    });
    const more =
      parsed.error.issues.length > issues.length ? ` (${parsed.error.issues.length - issues.length} more)` : "";
    throw new AppError("invalid_connector", 400, `${lines.join(" ")}${more}`, {
      column: field,
      path: formatPath(issues[0]?.path ?? []),
    });
  }
  const doc = parsed.data;
  const attributes = doc.attributes ?? {};
  const cases = new Map<string, MappingCase[]>();
  const lowerOperations = new Map<string, string>();
  const produced = new Set<string>();
  const problems: string[] = [];
  for (const [operation, list] of Object.entries(doc.activity.map)) {
    const compiled: MappingCase[] = [];
    list.forEach((c, i) => {
      if (c.type) produced.add(c.type.id);
      for (const name of Object.keys(c.attributes ?? {})) {
        if (c.type && !(c.type.attributes as readonly string[]).includes(name)) {
          problems.push(
            `${field}.${formatPath(["activity", "map", operation, i, "attributes", name])}: type '${c.type.id}' does not carry '${name}'; it carries: ${c.type.attributes.join(", ")}.`,
          );
        }
      }
      compiled.push({
        conditions: c.when ?? [],
        type: c.type,
        user: c.user,
        attributes: c.attributes ?? {},
      });
    });
    cases.set(operation, compiled);
    const lower = operation.trim().toLowerCase();
    if (!lowerOperations.has(lower)) lowerOperations.set(lower, operation);
  }
  for (const name of Object.keys(attributes)) {
    const carried = [...produced].some((id) =>
      ((activityType(id) as ActivityType).attributes as readonly string[]).includes(name),
    );
    if (!carried) {
      const carriers = attributeCarriers(name);
      problems.push(
        `${field}.attributes.${name}: none of the types this mapping produces (${[...produced].join(", ") || "none"}) carries '${name}'; remove it${carriers.length ? `, or map an operation to a type that carries it (${carriers.join(", ")})` : ""}.`,
      );
    }
  }
  if (problems.length > 0) {
    throw new AppError("invalid_connector", 400, problems.slice(0, 3).join(" "), { column: field });
  }
  return {
    id: doc.id,
    name: doc.name,
    description: doc.description,
    user: doc.user,
    time: doc.time,
    eventId: doc.eventId,
    operation: {
      paths: doc.activity.path,
      constant: undefined,
      transforms: doc.activity.transform ?? [],
      fallback: undefined,
    },
    cases,
    lowerOperations,
    attributes,
  };
}

/** Every path the mapping reads, with where it is in the document (for the sample and header checks). */
export function mappingPaths(model: MappingModel): { where: string; alternatives: ParsedPath[]; required: boolean }[] {
  const out: { where: string; alternatives: ParsedPath[]; required: boolean }[] = [];
  const add = (where: string, spec: ValueSpec | undefined, required = false) => {
    if (spec && spec.paths.length > 0) out.push({ where, alternatives: spec.paths, required });
  };
  add("user", model.user, true);
  add("time", model.time, true);
  add("activity.path", model.operation, true);
  if (model.eventId && "combine" in model.eventId) {
    model.eventId.combine.forEach((p, i) => {
      out.push({ where: `eventId.combine[${i}]`, alternatives: [p], required: false });
    });
  } else if (model.eventId) add("eventId", model.eventId.value);
  for (const [name, spec] of Object.entries(model.attributes)) add(`attributes.${name}`, spec);
  for (const [operation, list] of model.cases) {
    list.forEach((c, i) => {
      const where = `activity.map[${JSON.stringify(operation)}][${i}]`;
      for (const cond of c.conditions) {
        out.push({
          where: `${where}.when[${JSON.stringify(cond.path.text)}]`,
          alternatives: [cond.path],
          required: false,
        });
      }
      add(`${where}.user`, c.user);
      for (const [name, spec] of Object.entries(c.attributes)) add(`${where}.attributes.${name}`, spec);
    });
  }
  return out;
}

export type { ActivityAttribute };
