// SCIM filters and attribute paths (RFC 7644 §3.4.2.2 and §3.5.2): parsing `userName eq "x"`,
// `emails[type eq "work"].value` and `urn:…:enterprise:2.0:User:manager.value`, and evaluating a
// filter against a resource (attribute names case-insensitive, string case per the schema).

import { AppError } from "../errors.ts";
import {
  canonicalAttributeName,
  canonicalSchemaUrn,
  type ScimResourceShape,
  scimAttributeDefinition,
  scimCaseExact,
} from "./scimSchema.ts";

export const SCIM_COMPARE_OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"] as const;
export type ScimCompareOperator = (typeof SCIM_COMPARE_OPERATORS)[number];
export type ScimFilterValue = string | number | boolean | null;

/** `[schema URN ":"] attribute ["." subAttribute]`. */
export interface ScimAttrPath {
  schema?: string;
  attribute: string;
  subAttribute?: string;
}

export type ScimFilter =
  | { type: "compare"; op: ScimCompareOperator; path: ScimAttrPath; value: ScimFilterValue }
  | { type: "present"; path: ScimAttrPath }
  | { type: "and" | "or"; left: ScimFilter; right: ScimFilter }
  | { type: "not"; filter: ScimFilter }
  /** `emails[type eq "work"]`: the inner filter's paths name sub-attributes of each element. */
  | { type: "valuePath"; path: ScimAttrPath; filter: ScimFilter };

/** A SCIM error: the HTTP status plus RFC 7644 §3.12 scimType, carried in AppError details. */
export function scimError(status: number, scimType: string | undefined, message: string): AppError {
  const code = scimType ? `scim_${scimType}` : `scim_${status}`;
  return new AppError(code, status, message, scimType ? { scimType } : {});
}

const invalidFilter = (message: string) => scimError(400, "invalidFilter", message);

// ── attribute paths ────────────────────────────────────────────────────────────────────────────

const ATTR_NAME = /^\$?[A-Za-z][\w$-]*$/;

/** Parses `[URN:]attr[.sub]`; URNs end at their last colon ("…:2.0:User:manager.value"). */
export function parseAttrPath(text: string, shape?: ScimResourceShape): ScimAttrPath | undefined {
  let rest = text.trim();
  let schema: string | undefined;
  if (/^urn:/i.test(rest)) {
    const colon = rest.lastIndexOf(":");
    schema = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
    schema = canonicalSchemaUrn(schema) ?? schema;
  }
  const dot = rest.indexOf(".");
  const attribute = dot < 0 ? rest : rest.slice(0, dot);
  const subAttribute = dot < 0 ? undefined : rest.slice(dot + 1);
  if (!ATTR_NAME.test(attribute) || (subAttribute !== undefined && !ATTR_NAME.test(subAttribute))) return undefined;
  if (schema && shape && schema.toLowerCase() === shape.core.toLowerCase()) schema = undefined;
  const path: ScimAttrPath = {
    attribute: shape ? canonicalAttributeName(shape, attribute, undefined, schema) : attribute,
  };
  if (schema) path.schema = schema;
  if (subAttribute !== undefined) {
    path.subAttribute = shape ? canonicalAttributeName(shape, attribute, subAttribute, schema) : subAttribute;
  }
  return path;
}

export function formatAttrPath(path: ScimAttrPath): string {
  const base = `${path.schema ? `${path.schema}:` : ""}${path.attribute}`;
  return path.subAttribute ? `${base}.${path.subAttribute}` : base;
}

// ── tokens ─────────────────────────────────────────────────────────────────────────────────────

type Token =
  | { kind: "word"; text: string; at: number }
  | { kind: "string"; value: string; at: number }
  | { kind: "(" | ")" | "[" | "]"; at: number };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")" || c === "[" || c === "]") {
      tokens.push({ kind: c, at: i });
      i++;
    } else if (c === '"') {
      const start = i;
      i++;
      let raw = "";
      let closed = false;
      while (i < input.length) {
        const d = input[i] as string;
        if (d === "\\") {
          raw += d + (input[i + 1] ?? "");
          i += 2;
        } else if (d === '"') {
          closed = true;
          i++;
          break;
        } else {
          raw += d;
          i++;
        }
      }
      if (!closed) throw invalidFilter(`The string starting at position ${start + 1} has no closing quote.`);
      let value: string;
      try {
        value = JSON.parse(`"${raw}"`) as string;
      } catch {
        throw invalidFilter(`The string starting at position ${start + 1} has an invalid escape.`);
      }
      tokens.push({ kind: "string", value, at: start });
    } else {
      const start = i;
      while (i < input.length && !/[\s()[\]"]/.test(input[i] as string)) i++;
      tokens.push({ kind: "word", text: input.slice(start, i), at: start });
    }
  }
  return tokens;
}

function describe(token: Token | undefined): string {
  if (!token) return "the end of the filter";
  if (token.kind === "word") return `'${token.text}' at position ${token.at + 1}`;
  if (token.kind === "string") return `"${token.value}" at position ${token.at + 1}`;
  return `'${token.kind}' at position ${token.at + 1}`;
}

// ── parser ─────────────────────────────────────────────────────────────────────────────────────

class Parser {
  #pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly shape: ScimResourceShape | undefined,
  ) {}

  get done(): boolean {
    return this.#pos >= this.tokens.length;
  }
  peek(): Token | undefined {
    return this.tokens[this.#pos];
  }
  next(): Token | undefined {
    return this.tokens[this.#pos++];
  }
  isWord(word: string): boolean {
    const t = this.peek();
    return t?.kind === "word" && t.text.toLowerCase() === word;
  }

  /** or-expression: lowest precedence. */
  parseOr(inBrackets: boolean): ScimFilter {
    return this.parseChain("or", () => this.parseAnd(inBrackets));
  }

  parseAnd(inBrackets: boolean): ScimFilter {
    return this.parseChain("and", () => this.parseUnary(inBrackets));
  }

  /** A left-associative chain `operand (op operand)*` of one logical operator. */
  parseChain(op: "and" | "or", operand: () => ScimFilter): ScimFilter {
    let left = operand();
    while (this.isWord(op)) {
      this.next();
      left = { type: op, left, right: operand() };
    }
    return left;
  }

  parseUnary(inBrackets: boolean): ScimFilter {
    const token = this.peek();
    if (this.isWord("not")) {
      this.next();
      if (this.peek()?.kind !== "(") throw invalidFilter(`Expected '(' after 'not', found ${describe(this.peek())}.`);
      return { type: "not", filter: this.parseGroup(inBrackets) };
    }
    if (token?.kind === "(") return this.parseGroup(inBrackets);
    return this.parseAttributeExpression(inBrackets);
  }

  parseGroup(inBrackets: boolean): ScimFilter {
    this.next(); // "("
    const inner = this.parseOr(inBrackets);
    const close = this.next();
    if (close?.kind !== ")") throw invalidFilter(`Expected ')' but found ${describe(close)}.`);
    return inner;
  }

  parseAttributeExpression(inBrackets: boolean): ScimFilter {
    const token = this.next();
    if (token?.kind !== "word") throw invalidFilter(`Expected an attribute name but found ${describe(token)}.`);
    const path = parseAttrPath(token.text, inBrackets ? undefined : this.shape);
    if (!path) throw invalidFilter(`'${token.text}' at position ${token.at + 1} is not an attribute path.`);
    if (this.peek()?.kind === "[") {
      if (inBrackets) throw invalidFilter(`Filters in brackets cannot be nested (position ${token.at + 1}).`);
      this.next();
      const inner = this.parseOr(true);
      const close = this.next();
      if (close?.kind !== "]") throw invalidFilter(`Expected ']' but found ${describe(close)}.`);
      return { type: "valuePath", path, filter: inner };
    }
    const opToken = this.next();
    const op = opToken?.kind === "word" ? opToken.text.toLowerCase() : undefined;
    if (op === "pr") return { type: "present", path };
    if (!op || !(SCIM_COMPARE_OPERATORS as readonly string[]).includes(op)) {
      throw invalidFilter(
        `Expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr) after '${token.text}' but found ${describe(opToken)}.`,
      );
    }
    const valueToken = this.next();
    return { type: "compare", op: op as ScimCompareOperator, path, value: compValue(valueToken) };
  }
}

function compValue(token: Token | undefined): ScimFilterValue {
  if (token?.kind === "string") return token.value;
  if (token?.kind === "word") {
    const lower = token.text.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    if (lower === "null") return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(token.text)) return Number(token.text);
  }
  throw invalidFilter(
    `Expected a value (a "quoted string", a number, true, false or null) but found ${describe(token)}.`,
  );
}

/** Parses a filter; `shape` canonicalises attribute names. Throws a 400 invalidFilter AppError. */
export function parseScimFilter(text: string, shape?: ScimResourceShape): ScimFilter {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw invalidFilter("The filter is empty.");
  const parser = new Parser(tokens, shape);
  const filter = parser.parseOr(false);
  if (!parser.done) throw invalidFilter(`Unexpected ${describe(parser.peek())}.`);
  return filter;
}

/** A PATCH path (RFC 7644 §3.5.2): attrPath, or valuePath with an optional ".subAttr". */
export interface ScimPatchPath {
  schema?: string;
  attribute: string;
  /** Elements of a multi-valued attribute the operation applies to. */
  filter?: ScimFilter;
  subAttribute?: string;
}

export function parseScimPatchPath(text: string, shape: ScimResourceShape): ScimPatchPath {
  const invalidPath = (why: string) => scimError(400, "invalidPath", `path '${text}': ${why}`);
  const open = text.indexOf("[");
  if (open < 0) {
    const path = parseAttrPath(text, shape);
    if (!path) throw invalidPath("not an attribute path.");
    return path;
  }
  const head = parseAttrPath(text.slice(0, open), shape);
  if (!head || head.subAttribute !== undefined)
    throw invalidPath("a filter in brackets must follow an attribute name.");
  let close = -1;
  let quoted = false;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === "]" && !quoted) {
      close = i;
      break;
    }
  }
  if (close < 0) throw invalidPath("the '[' is never closed.");
  let filter: ScimFilter;
  try {
    const parser = new Parser(tokenize(text.slice(open + 1, close)), undefined);
    filter = parser.parseOr(true);
    if (!parser.done) throw invalidFilter(`Unexpected ${describe(parser.peek())}.`);
  } catch (err) {
    if (err instanceof AppError) throw invalidPath(err.message);
    throw err;
  }
  const out: ScimPatchPath = { attribute: head.attribute, filter };
  if (head.schema) out.schema = head.schema;
  const tail = text.slice(close + 1).trim();
  if (tail) {
    if (!/^\.\$?[A-Za-z][\w$-]*$/.test(tail)) throw invalidPath(`'${tail}' after the filter is not a sub-attribute.`);
    out.subAttribute = canonicalAttributeName(shape, head.attribute, tail.slice(1), head.schema);
  }
  return out;
}

// ── evaluation ─────────────────────────────────────────────────────────────────────────────────

type Json = Record<string, unknown>;

/** The value of a key, matched case-insensitively. */
export function getIgnoringCase(object: Json, key: string): unknown {
  if (key in object) return object[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(object)) if (k.toLowerCase() === lower) return object[k];
  return undefined;
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The values a path designates in a resource (multi-valued complex without sub-attribute: `value`). */
function valuesAt(resource: Json, path: ScimAttrPath): unknown[] {
  const container = path.schema ? getIgnoringCase(resource, path.schema) : resource;
  if (!isObject(container)) return [];
  const value = getIgnoringCase(container, path.attribute);
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const sub = path.subAttribute ?? (Array.isArray(value) && items.some(isObject) ? "value" : undefined);
  if (sub === undefined) return items;
  return items.filter(isObject).map((item) => getIgnoringCase(item, sub));
}

interface EvalContext {
  shape: ScimResourceShape;
  /** Set inside brackets: paths are sub-attributes of this attribute. */
  parent?: ScimAttrPath;
}

function definitionOf(ctx: EvalContext, path: ScimAttrPath) {
  return ctx.parent
    ? scimAttributeDefinition(ctx.shape, ctx.parent.attribute, path.attribute, ctx.parent.schema)
    : scimAttributeDefinition(ctx.shape, path.attribute, path.subAttribute, path.schema);
}

function caseExactOf(ctx: EvalContext, path: ScimAttrPath): boolean {
  return ctx.parent
    ? scimCaseExact(ctx.shape, ctx.parent.attribute, path.attribute, ctx.parent.schema)
    : scimCaseExact(ctx.shape, path.attribute, path.subAttribute, path.schema);
}

function compareOne(
  actual: unknown,
  op: ScimCompareOperator,
  expected: ScimFilterValue,
  caseExact: boolean,
  isDate: boolean,
): boolean {
  if (expected === null) return op === "eq" ? actual === null || actual === undefined : op === "ne" && actual != null;
  if (actual === null || actual === undefined) return false;
  if (typeof expected === "boolean") {
    const a = typeof actual === "string" ? actual.toLowerCase() === "true" : actual;
    return op === "eq" ? a === expected : false;
  }
  if (typeof expected === "number") {
    const a = Number(actual);
    if (!Number.isFinite(a)) return false;
    return numeric(op, a, expected);
  }
  if (isDate) {
    const a = Date.parse(String(actual));
    const e = Date.parse(expected);
    if (Number.isFinite(a) && Number.isFinite(e)) return numeric(op, a, e);
  }
  let a = String(actual);
  let e = expected;
  if (!caseExact) {
    a = a.toLowerCase();
    e = e.toLowerCase();
  }
  switch (op) {
    case "eq":
      return a === e;
    case "co":
      return a.includes(e);
    case "sw":
      return a.startsWith(e);
    case "ew":
      return a.endsWith(e);
    case "gt":
      return a > e;
    case "lt":
      return a < e;
    case "ge":
      return a >= e;
    case "le":
      return a <= e;
    default:
      return false;
  }
}

function numeric(op: ScimCompareOperator, a: number, e: number): boolean {
  switch (op) {
    case "eq":
      return a === e;
    case "gt":
      return a > e;
    case "lt":
      return a < e;
    case "ge":
      return a >= e;
    case "le":
      return a <= e;
    default:
      return false;
  }
}

function isPresent(v: unknown): boolean {
  if (v === null || v === undefined || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

function evaluate(resource: Json, filter: ScimFilter, ctx: EvalContext): boolean {
  switch (filter.type) {
    case "and":
      return evaluate(resource, filter.left, ctx) && evaluate(resource, filter.right, ctx);
    case "or":
      return evaluate(resource, filter.left, ctx) || evaluate(resource, filter.right, ctx);
    case "not":
      return !evaluate(resource, filter.filter, ctx);
    case "present":
      return valuesAt(resource, filter.path).some(isPresent);
    case "valuePath": {
      const container = filter.path.schema ? getIgnoringCase(resource, filter.path.schema) : resource;
      const value = isObject(container) ? getIgnoringCase(container, filter.path.attribute) : undefined;
      const items = (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(isObject);
      const inner: EvalContext = { shape: ctx.shape, parent: filter.path };
      return items.some((item) => evaluate(item, filter.filter, inner));
    }
    case "compare": {
      const values = valuesAt(resource, filter.path);
      const isDate = definitionOf(ctx, filter.path)?.type === "dateTime";
      const caseExact = caseExactOf(ctx, filter.path);
      if (filter.op === "ne") {
        return !values.some((v) => compareOne(v, "eq", filter.value, caseExact, isDate));
      }
      return values.some((v) => compareOne(v, filter.op, filter.value, caseExact, isDate));
    }
  }
}

/** Whether one element of a multi-valued attribute (`parent`) matches a filter given in brackets. */
export function elementMatchesScimFilter(
  element: Json,
  filter: ScimFilter,
  shape: ScimResourceShape,
  parent: ScimAttrPath,
): boolean {
  return evaluate(element, filter, { shape, parent });
}

/** Whether a resource matches a filter. */
export function matchesScimFilter(resource: Json, filter: ScimFilter, shape: ScimResourceShape): boolean {
  return evaluate(resource, filter, { shape });
}

/**
 * An `attr eq "value"` the filter requires (alone or under `and`) on one of `attributes` (core,
 * no sub-attribute): lets storage narrow candidates by index before the full filter is evaluated.
 */
export function requiredEquality(
  filter: ScimFilter,
  attributes: readonly string[],
): { attribute: string; value: string } | undefined {
  if (filter.type === "and") {
    return requiredEquality(filter.left, attributes) ?? requiredEquality(filter.right, attributes);
  }
  if (
    filter.type === "compare" &&
    filter.op === "eq" &&
    typeof filter.value === "string" &&
    !filter.path.schema &&
    filter.path.subAttribute === undefined
  ) {
    const name = attributes.find((a) => a.toLowerCase() === filter.path.attribute.toLowerCase());
    if (name) return { attribute: name, value: filter.value };
  }
  return undefined;
}
