import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import {
  applyScimPatch,
  normalizeScimResource,
  parseScimPatchRequest,
  projectScimResource,
  type ScimPatchOperation,
} from "./scimPatch.ts";
import { SCIM_ENTERPRISE_USER_SCHEMA, SCIM_GROUP_SHAPE, SCIM_PATCH_OP, SCIM_USER_SHAPE } from "./scimSchema.ts";

const ENTERPRISE = SCIM_ENTERPRISE_USER_SCHEMA;

const user = () => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  id: "9b3f7a52-1c44-4a39-9c61-2f1c8e0d4b11",
  userName: "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
  active: true,
  emails: [{ primary: true, type: "work", value: "Test_User_fd0ea19b@testuser.com" }],
  name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
  meta: { resourceType: "User" },
});

const group = () => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  id: "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
  displayName: "Test SCIMv2",
  members: [
    { value: "23a35c27-23d3-4c03-b4c5-6443c09e7173", display: "test.user@okta.local" },
    { value: "89bb1940-b905-4575-9e7f-6f887cfb368e", display: "other.user@okta.local" },
  ],
});

const patch = (resource: Record<string, unknown>, operations: unknown[], shape = SCIM_USER_SHAPE) =>
  applyScimPatch(resource, parseScimPatchRequest({ schemas: [SCIM_PATCH_OP], Operations: operations }), shape);

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("no error thrown");
}

describe("Entra ID's PATCH requests", () => {
  it("disables with the string boolean 'False' and enables with 'True'", () => {
    const disabled = patch(user(), [{ op: "Replace", path: "active", value: "False" }]);
    expect(disabled.active).toBe(false);
    expect(patch(disabled, [{ op: "Replace", path: "active", value: "True" }]).active).toBe(true);
  });

  it("replaces a work email and a family name in one request", () => {
    const out = patch(user(), [
      { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@microsoft.com" },
      { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
    ]);
    expect(out.emails).toEqual([{ primary: true, type: "work", value: "updatedEmail@microsoft.com" }]);
    expect(out.name).toEqual({
      formatted: "givenName familyName",
      familyName: "updatedFamilyName",
      givenName: "givenName",
    });
  });

  it("adds the element a filtered path describes when the user has none yet", () => {
    const out = patch(user(), [
      { op: "Add", path: 'addresses[type eq "work"].formatted', value: "Building 4, Redmond" },
      { op: "Replace", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 425 555 0100" },
    ]);
    expect(out.addresses).toEqual([{ type: "work", formatted: "Building 4, Redmond" }]);
    expect(out.phoneNumbers).toEqual([{ type: "mobile", value: "+1 425 555 0100" }]);
  });

  it("sets the manager from a bare id string or a one-element list, and removes it", () => {
    const managerId = "2819c223-7f76-453a-919d-413861904646";
    const asString = patch(user(), [{ op: "Add", path: `${ENTERPRISE}:manager`, value: managerId }]);
    expect(asString[ENTERPRISE]).toEqual({ manager: { value: managerId } });
    expect(asString.schemas).toEqual(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
    const asList = patch(user(), [{ op: "Replace", path: `${ENTERPRISE}:manager`, value: [{ value: managerId }] }]);
    expect(asList[ENTERPRISE]).toEqual({ manager: { value: managerId } });
    const removed = patch(asString, [{ op: "Remove", path: `${ENTERPRISE}:manager`, value: [{ value: managerId }] }]);
    expect(removed[ENTERPRISE]).toEqual({});
  });

  it("adds and removes group members by value list", () => {
    const added = patch(
      group(),
      [{ op: "Add", path: "members", value: [{ $ref: null, value: "f648f8d5-ea4e-4cd3-8e9c-000000000001" }] }],
      SCIM_GROUP_SHAPE,
    );
    expect((added.members as unknown[]).length).toBe(3);
    const again = patch(
      added,
      [{ op: "Add", path: "members", value: [{ value: "f648f8d5-ea4e-4cd3-8e9c-000000000001" }] }],
      SCIM_GROUP_SHAPE,
    );
    expect((again.members as unknown[]).length).toBe(3);
    const removed = patch(
      again,
      [{ op: "Remove", path: "members", value: [{ $ref: null, value: "23a35c27-23d3-4c03-b4c5-6443c09e7173" }] }],
      SCIM_GROUP_SHAPE,
    );
    expect((removed.members as Array<{ value: string }>).map((m) => m.value)).toEqual([
      "89bb1940-b905-4575-9e7f-6f887cfb368e",
      "f648f8d5-ea4e-4cd3-8e9c-000000000001",
    ]);
  });
});

describe("Okta's PATCH requests", () => {
  it("deactivates with a path-less replace", () => {
    expect(patch(user(), [{ op: "replace", value: { active: false } }]).active).toBe(false);
  });

  it("renames a group, ignoring the read-only id it repeats", () => {
    const out = patch(
      group(),
      [{ op: "replace", value: { id: "something-else", displayName: "Renamed" } }],
      SCIM_GROUP_SHAPE,
    );
    expect(out.id).toBe("abf4dd94-a4c0-4f67-89c9-76b03340cb9b");
    expect(out.displayName).toBe("Renamed");
  });

  it("removes one member with a filtered path", () => {
    const out = patch(
      group(),
      [{ op: "remove", path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' }],
      SCIM_GROUP_SHAPE,
    );
    expect(out.members).toEqual([{ value: "23a35c27-23d3-4c03-b4c5-6443c09e7173", display: "test.user@okta.local" }]);
  });
});

describe("other PATCH forms", () => {
  it("merges a whole extension object given without a path", () => {
    const out = patch(user(), [
      { op: "add", value: { [ENTERPRISE]: { department: "Finance", employeeNumber: 1042 }, title: "Analyst" } },
    ]);
    expect(out[ENTERPRISE]).toEqual({ department: "Finance", employeeNumber: "1042" });
    expect(out.title).toBe("Analyst");
  });

  it("matches attribute names in any case and writes them canonically", () => {
    const out = patch(user(), [{ op: "replace", path: "DisplayName", value: "Ada" }]);
    expect(out.displayName).toBe("Ada");
    expect(Object.keys(out)).not.toContain("DisplayName");
  });

  it("does not modify the resource it is given", () => {
    const original = user();
    patch(original, [{ op: "replace", path: "active", value: false }]);
    expect(original.active).toBe(true);
  });
});

describe("PATCH errors", () => {
  it("names the operation of an unknown op and of a remove without a path", () => {
    const unknown = errorOf(() => parseScimPatchRequest({ schemas: [SCIM_PATCH_OP], Operations: [{ op: "Move" }] }));
    expect(unknown.message).toBe("Operations[1].op 'Move' is not add, replace or remove.");
    expect(unknown.details).toEqual({ scimType: "invalidSyntax" });
    const noPath = errorOf(() =>
      parseScimPatchRequest({ Operations: [{ op: "replace", path: "title", value: "x" }, { op: "remove" }] }),
    );
    expect(noPath.message).toBe("Operations[2]: a remove operation needs a path.");
    expect(noPath.details).toEqual({ scimType: "noTarget" });
  });

  it("refuses read-only and required targets and non-boolean actives", () => {
    const ops = (o: ScimPatchOperation[]) => () => applyScimPatch(user(), o, SCIM_USER_SHAPE);
    expect(errorOf(ops([{ op: "replace", path: "id", value: "x" }])).message).toBe("'id' is read-only.");
    expect(errorOf(ops([{ op: "remove", path: "userName" }])).message).toBe(
      "'userName' is required and cannot be removed.",
    );
    const bad = errorOf(ops([{ op: "replace", path: "active", value: "maybe" }]));
    expect(bad.message).toBe(`'active' must be a boolean (true or false), not "maybe".`);
    expect(bad.details).toEqual({ scimType: "invalidValue" });
  });

  it("refuses a body without Operations", () => {
    expect(errorOf(() => parseScimPatchRequest({ schemas: [SCIM_PATCH_OP] })).message).toBe(
      "Operations must be a non-empty array of {op, path, value}.",
    );
  });
});

describe("normalizeScimResource and projectScimResource", () => {
  it("canonicalises names, booleans and the extension key", () => {
    const out = normalizeScimResource(
      {
        UserName: "a@b.co",
        Active: "false",
        Emails: [{ Value: "a@b.co", Primary: "True" }],
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": { Department: "Ops" },
      },
      SCIM_USER_SHAPE,
    );
    expect(out).toEqual({
      userName: "a@b.co",
      active: false,
      emails: [{ value: "a@b.co", primary: true }],
      [ENTERPRISE]: { department: "Ops" },
    });
  });

  it("returns only the asked attributes (with id and schemas) or leaves the excluded ones out", () => {
    const resource = { ...user(), [ENTERPRISE]: { department: "R&D" } };
    expect(projectScimResource(resource, SCIM_USER_SHAPE, { attributes: "userName,name.givenName" })).toEqual({
      schemas: resource.schemas,
      id: resource.id,
      userName: resource.userName,
      name: { givenName: "givenName" },
    });
    expect(projectScimResource(group(), SCIM_GROUP_SHAPE, { excludedAttributes: "members" })).not.toHaveProperty(
      "members",
    );
    expect(projectScimResource(resource, SCIM_USER_SHAPE, { attributes: `${ENTERPRISE}:department` })).toEqual({
      schemas: resource.schemas,
      id: resource.id,
      [ENTERPRISE]: { department: "R&D" },
    });
  });
});
