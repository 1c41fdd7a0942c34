import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import {
  matchesScimFilter,
  parseScimFilter,
  parseScimPatchPath,
  requiredEquality,
  type ScimFilter,
} from "./scimFilter.ts";
import { SCIM_ENTERPRISE_USER_SCHEMA, SCIM_GROUP_SHAPE, SCIM_USER_SHAPE } from "./scimSchema.ts";

const ada = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", SCIM_ENTERPRISE_USER_SCHEMA],
  id: "6c1d4f3e-2a8b-4a7c-9d1e-0f2b3c4d5e6f",
  externalId: "00ujl29u0le5T6Aj10h7",
  userName: "Ada.Lovelace@contoso.com",
  displayName: "Ada Lovelace",
  active: true,
  emails: [
    { type: "work", value: "ada.lovelace@contoso.com", primary: true },
    { type: "home", value: "ada@example.org" },
  ],
  [SCIM_ENTERPRISE_USER_SCHEMA]: { department: "Research", manager: { value: "c0ffee00-0000-4000-8000-000000000001" } },
  meta: { resourceType: "User", created: "2026-01-10T08:00:00Z", lastModified: "2026-03-01T12:30:00Z" },
};

const matches = (filter: string) => matchesScimFilter(ada, parseScimFilter(filter, SCIM_USER_SHAPE), SCIM_USER_SHAPE);

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("no error thrown");
}

describe("parseScimFilter", () => {
  it("parses the filters identity providers send", () => {
    expect(parseScimFilter('userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"', SCIM_USER_SHAPE)).toEqual({
      type: "compare",
      op: "eq",
      path: { attribute: "userName" },
      value: "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081",
    });
    expect(parseScimFilter('displayName eq "Sales \\"EMEA\\""', SCIM_GROUP_SHAPE)).toMatchObject({
      value: 'Sales "EMEA"',
    });
  });

  it("canonicalises attribute names and operators written in any case", () => {
    expect(parseScimFilter('USERNAME EQ "x"', SCIM_USER_SHAPE)).toEqual({
      type: "compare",
      op: "eq",
      path: { attribute: "userName" },
      value: "x",
    });
  });

  it("gives 'and' precedence over 'or', and honours not and parentheses", () => {
    const f = parseScimFilter('title pr or userType eq "Employee" and not (active eq false)', SCIM_USER_SHAPE);
    expect(f).toEqual({
      type: "or",
      left: { type: "present", path: { attribute: "title" } },
      right: {
        type: "and",
        left: { type: "compare", op: "eq", path: { attribute: "userType" }, value: "Employee" },
        right: {
          type: "not",
          filter: { type: "compare", op: "eq", path: { attribute: "active" }, value: false },
        },
      },
    } satisfies ScimFilter);
  });

  it("reads extension attribute paths whose URN contains dots", () => {
    expect(parseScimFilter(`${SCIM_ENTERPRISE_USER_SCHEMA}:manager.value eq "m-1"`, SCIM_USER_SHAPE)).toMatchObject({
      path: { schema: SCIM_ENTERPRISE_USER_SCHEMA, attribute: "manager", subAttribute: "value" },
    });
  });

  it("names the position and reason of a malformed filter", () => {
    expect(errorOf(() => parseScimFilter("userName eq", SCIM_USER_SHAPE)).message).toBe(
      'Expected a value (a "quoted string", a number, true, false or null) but found the end of the filter.',
    );
    expect(errorOf(() => parseScimFilter('userName is "x"', SCIM_USER_SHAPE)).message).toBe(
      "Expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr) after 'userName' but found 'is' at position 10.",
    );
    expect(errorOf(() => parseScimFilter('userName eq "x', SCIM_USER_SHAPE)).message).toBe(
      "The string starting at position 13 has no closing quote.",
    );
    expect(errorOf(() => parseScimFilter('(userName eq "x"', SCIM_USER_SHAPE)).message).toBe(
      "Expected ')' but found the end of the filter.",
    );
    const err = errorOf(() => parseScimFilter('userName eq "x" extra', SCIM_USER_SHAPE));
    expect(err.status).toBe(400);
    expect(err.details).toEqual({ scimType: "invalidFilter" });
    expect(err.message).toBe("Unexpected 'extra' at position 17.");
  });
});

describe("matchesScimFilter", () => {
  it("compares userName without case and externalId with case (RFC 7643 caseExact)", () => {
    expect(matches('userName eq "ada.lovelace@CONTOSO.com"')).toBe(true);
    expect(matches('externalId eq "00ujl29u0le5T6Aj10h7"')).toBe(true);
    expect(matches('externalId eq "00UJL29U0LE5T6AJ10H7"')).toBe(false);
  });

  it("supports every comparison operator", () => {
    expect(matches('displayName co "love"')).toBe(true);
    expect(matches('displayName sw "ada "')).toBe(true);
    expect(matches('displayName ew "LACE"')).toBe(true);
    expect(matches('displayName ne "Ada Lovelace"')).toBe(false);
    expect(matches('meta.lastModified gt "2026-02-28T00:00:00Z"')).toBe(true);
    expect(matches('meta.lastModified lt "2026-02-28T00:00:00+01:00"')).toBe(false);
    expect(matches('meta.created ge "2026-01-10T08:00:00.000Z"')).toBe(true);
    expect(matches("title pr")).toBe(false);
    expect(matches("active eq true")).toBe(true);
  });

  it("filters multi-valued attributes by their value or by a bracketed element filter", () => {
    expect(matches('emails co "example.org"')).toBe(true);
    expect(matches('emails[type eq "work" and value ew "@contoso.com"]')).toBe(true);
    expect(matches('emails[type eq "home" and value ew "@contoso.com"]')).toBe(false);
    expect(matches('emails.type eq "other"')).toBe(false);
  });

  it("reads enterprise extension attributes", () => {
    expect(matches(`${SCIM_ENTERPRISE_USER_SCHEMA}:department eq "research"`)).toBe(true);
    expect(matches(`${SCIM_ENTERPRISE_USER_SCHEMA}:manager.value eq "c0ffee00-0000-4000-8000-000000000001"`)).toBe(
      true,
    );
  });
});

describe("parseScimPatchPath", () => {
  it("parses attribute, sub-attribute, extension and filtered paths", () => {
    expect(parseScimPatchPath("name.familyName", SCIM_USER_SHAPE)).toEqual({
      attribute: "name",
      subAttribute: "familyName",
    });
    expect(parseScimPatchPath('emails[type eq "work"].value', SCIM_USER_SHAPE)).toEqual({
      attribute: "emails",
      filter: { type: "compare", op: "eq", path: { attribute: "type" }, value: "work" },
      subAttribute: "value",
    });
    expect(parseScimPatchPath('members[value eq "2819c223"]', SCIM_GROUP_SHAPE)).toMatchObject({
      attribute: "members",
      filter: { op: "eq", value: "2819c223" },
    });
    expect(parseScimPatchPath(`${SCIM_ENTERPRISE_USER_SCHEMA}:manager`, SCIM_USER_SHAPE)).toEqual({
      schema: SCIM_ENTERPRISE_USER_SCHEMA,
      attribute: "manager",
    });
  });

  it("refuses a path with an unclosed bracket as invalidPath", () => {
    const err = errorOf(() => parseScimPatchPath('emails[type eq "work"', SCIM_USER_SHAPE));
    expect(err.message).toBe(`path 'emails[type eq "work"': the '[' is never closed.`);
    expect(err.details).toEqual({ scimType: "invalidPath" });
  });
});

describe("requiredEquality", () => {
  it("finds the indexed equality a filter requires, alone or under and, but not under or", () => {
    const keys = ["userName", "externalId", "id"];
    expect(requiredEquality(parseScimFilter('userName eq "a@b.c"', SCIM_USER_SHAPE), keys)).toEqual({
      attribute: "userName",
      value: "a@b.c",
    });
    expect(requiredEquality(parseScimFilter('active eq true and externalId eq "x1"', SCIM_USER_SHAPE), keys)).toEqual({
      attribute: "externalId",
      value: "x1",
    });
    expect(requiredEquality(parseScimFilter('userName eq "a" or userName eq "b"', SCIM_USER_SHAPE), keys)).toBe(
      undefined,
    );
  });
});
