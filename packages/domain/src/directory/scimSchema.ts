// The SCIM 2.0 schemas OpenIRM serves (RFC 7643): core User with the enterprise extension, and
// Group, as data. The Schemas endpoint shows them; filters, PATCH and projections read their
// attribute names (matched case-insensitively), types and case sensitivity from here.

export const SCIM_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const SCIM_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const SCIM_ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const SCIM_LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SCIM_PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
export const SCIM_SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
export const SCIM_RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
export const SCIM_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";

export type ScimAttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "complex";
export type ScimMutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";
export type ScimReturned = "always" | "never" | "default" | "request";

export interface ScimAttribute {
  name: string;
  type: ScimAttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: ScimMutability;
  returned: ScimReturned;
  uniqueness: "none" | "server" | "global";
  subAttributes?: ScimAttribute[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

export interface ScimSchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: ScimAttribute[];
}

type AttributeOptions = Partial<Omit<ScimAttribute, "name" | "type" | "description">>;

function attribute(name: string, type: ScimAttributeType, description: string, opts: AttributeOptions = {}) {
  const out: ScimAttribute = {
    name,
    type,
    multiValued: opts.multiValued ?? false,
    description,
    required: opts.required ?? false,
    caseExact: opts.caseExact ?? false,
    mutability: opts.mutability ?? "readWrite",
    returned: opts.returned ?? "default",
    uniqueness: opts.uniqueness ?? "none",
  };
  if (opts.subAttributes) out.subAttributes = opts.subAttributes;
  if (opts.canonicalValues) out.canonicalValues = opts.canonicalValues;
  if (opts.referenceTypes) out.referenceTypes = opts.referenceTypes;
  return out;
}

const text = (name: string, description: string, opts: AttributeOptions = {}) =>
  attribute(name, "string", description, opts);

/** The sub-attributes every multi-valued attribute of RFC 7643 §2.4 has. */
function multiValued(name: string, description: string, types: string[], extra: ScimAttribute[] = []) {
  return attribute(name, "complex", description, {
    multiValued: true,
    subAttributes: [
      text("value", `The ${name} value.`),
      text("display", "A human-readable name, primarily used for display purposes."),
      text("type", "A label indicating the attribute's function.", { canonicalValues: types }),
      attribute("primary", "boolean", "Indicates the primary or preferred value."),
      ...extra,
    ],
  });
}

const userAttributes: ScimAttribute[] = [
  text("userName", "Unique identifier for the user, typically the user principal name. Matched to signals.", {
    required: true,
    uniqueness: "server",
  }),
  attribute("name", "complex", "The components of the user's real name.", {
    subAttributes: [
      text("formatted", "The full name, formatted for display."),
      text("familyName", "The family name."),
      text("givenName", "The given name."),
      text("middleName", "The middle name(s)."),
      text("honorificPrefix", "The honorific prefix(es)."),
      text("honorificSuffix", "The honorific suffix(es)."),
    ],
  }),
  text("displayName", "The name of the user, suitable for display to end-users."),
  text("nickName", "The casual way to address the user."),
  attribute("profileUrl", "reference", "A URI that points to a location of the user's profile.", {
    referenceTypes: ["external"],
  }),
  text("title", "The user's job title."),
  text("userType", "The relationship between the organisation and the user (Employee, Contractor, Intern …)."),
  text("preferredLanguage", "The user's preferred written or spoken language."),
  text("locale", "The user's default location for localisation."),
  text("timezone", "The user's time zone in IANA format."),
  attribute(
    "active",
    "boolean",
    "Whether the account is enabled. Setting it to false records an account-disabled signal.",
  ),
  text("password", "Accepted and ignored: OpenIRM never stores passwords.", {
    mutability: "writeOnly",
    returned: "never",
  }),
  multiValued("emails", "Email addresses for the user.", ["work", "home", "other"]),
  multiValued("phoneNumbers", "Phone numbers for the user.", ["work", "home", "mobile", "fax", "pager", "other"]),
  multiValued("ims", "Instant messaging addresses for the user.", ["aim", "gtalk", "icq", "xmpp", "msn", "skype"]),
  multiValued("photos", "URLs of photos of the user.", ["photo", "thumbnail"]),
  attribute("addresses", "complex", "Physical mailing addresses; the work address's formatted text is the office.", {
    multiValued: true,
    subAttributes: [
      text("formatted", "The full mailing address, formatted for display."),
      text("streetAddress", "The street address."),
      text("locality", "The city or locality."),
      text("region", "The state or region."),
      text("postalCode", "The zip code or postal code."),
      text("country", "The country name."),
      text("type", "A label indicating the attribute's function.", { canonicalValues: ["work", "home", "other"] }),
      attribute("primary", "boolean", "Indicates the primary address."),
    ],
  }),
  attribute("groups", "complex", "The groups the user belongs to (set through the Groups endpoint).", {
    multiValued: true,
    mutability: "readOnly",
    subAttributes: [
      text("value", "The identifier of the group.", { mutability: "readOnly" }),
      attribute("$ref", "reference", "The URI of the group.", { mutability: "readOnly", referenceTypes: ["Group"] }),
      text("display", "The display name of the group.", { mutability: "readOnly" }),
      text("type", "direct", { mutability: "readOnly", canonicalValues: ["direct", "indirect"] }),
    ],
  }),
  multiValued("entitlements", "Entitlements for the user.", []),
  multiValued("roles", "Roles for the user.", []),
  multiValued("x509Certificates", "Certificates issued to the user.", []),
];

const enterpriseAttributes: ScimAttribute[] = [
  text("employeeNumber", "Numeric or alphanumeric identifier assigned to the person by the organisation."),
  text("costCenter", "The cost center."),
  text("organization", "The organisation."),
  text("division", "The division."),
  text("department", "The department."),
  attribute("manager", "complex", "The user's manager.", {
    subAttributes: [
      text("value", "The id of the manager's SCIM resource (or the manager's user principal name)."),
      attribute("$ref", "reference", "The URI of the manager's resource.", { referenceTypes: ["User"] }),
      text("displayName", "The manager's display name.", { mutability: "readOnly" }),
    ],
  }),
];

const groupAttributes: ScimAttribute[] = [
  text("displayName", "A human-readable name for the group. Unique (case-insensitive) in OpenIRM.", {
    required: true,
    uniqueness: "server",
  }),
  attribute("members", "complex", "The users in the group (nested groups are not supported).", {
    multiValued: true,
    subAttributes: [
      text("value", "The id of a User resource.", { mutability: "immutable" }),
      attribute("$ref", "reference", "The URI of the member resource.", {
        mutability: "immutable",
        referenceTypes: ["User"],
      }),
      text("display", "The member's display name.", { mutability: "readOnly" }),
      text("type", "The type of the member.", { mutability: "immutable", canonicalValues: ["User"] }),
    ],
  }),
];

export const SCIM_SCHEMAS: readonly ScimSchemaDefinition[] = [
  { id: SCIM_USER_SCHEMA, name: "User", description: "User Account", attributes: userAttributes },
  {
    id: SCIM_ENTERPRISE_USER_SCHEMA,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: enterpriseAttributes,
  },
  { id: SCIM_GROUP_SCHEMA, name: "Group", description: "Group", attributes: groupAttributes },
];

/** Attributes every resource has (RFC 7643 §3.1), outside any schema. */
const COMMON_ATTRIBUTES: ScimAttribute[] = [
  text("id", "The service provider's identifier of the resource.", {
    caseExact: true,
    mutability: "readOnly",
    returned: "always",
    uniqueness: "server",
  }),
  text("externalId", "The identifier the provisioning client uses for the resource.", { caseExact: true }),
  attribute("meta", "complex", "Resource metadata.", {
    mutability: "readOnly",
    subAttributes: [
      text("resourceType", "The resource type.", { caseExact: true, mutability: "readOnly" }),
      attribute("created", "dateTime", "When the resource was added.", { mutability: "readOnly" }),
      attribute("lastModified", "dateTime", "When the resource was last changed.", { mutability: "readOnly" }),
      attribute("location", "reference", "The URI of the resource.", { caseExact: true, mutability: "readOnly" }),
      text("version", "The version of the resource.", { caseExact: true, mutability: "readOnly" }),
    ],
  }),
];

/** What one resource type is made of: its core schema and extensions. */
export interface ScimResourceShape {
  name: "User" | "Group";
  core: string;
  extensions: readonly string[];
}

export const SCIM_USER_SHAPE: ScimResourceShape = {
  name: "User",
  core: SCIM_USER_SCHEMA,
  extensions: [SCIM_ENTERPRISE_USER_SCHEMA],
};
export const SCIM_GROUP_SHAPE: ScimResourceShape = { name: "Group", core: SCIM_GROUP_SCHEMA, extensions: [] };

function schemaById(id: string): ScimSchemaDefinition | undefined {
  const lower = id.toLowerCase();
  return SCIM_SCHEMAS.find((s) => s.id.toLowerCase() === lower);
}

/** The canonical URN of a known schema, matched case-insensitively. */
export function canonicalSchemaUrn(urn: string): string | undefined {
  return schemaById(urn)?.id;
}

function findAttribute(list: readonly ScimAttribute[] | undefined, name: string): ScimAttribute | undefined {
  const lower = name.toLowerCase();
  return list?.find((a) => a.name.toLowerCase() === lower);
}

/**
 * The definition of an attribute of a resource: top-level (core schema or common attributes) or in an
 * extension (`schema` given), optionally one of its sub-attributes.
 */
export function scimAttributeDefinition(
  shape: ScimResourceShape,
  attributeName: string,
  subAttribute?: string,
  schema?: string,
): ScimAttribute | undefined {
  const list = schema && schema.toLowerCase() !== shape.core.toLowerCase() ? schemaById(schema)?.attributes : undefined;
  const top = list
    ? findAttribute(list, attributeName)
    : (findAttribute(schemaById(shape.core)?.attributes, attributeName) ??
      findAttribute(COMMON_ATTRIBUTES, attributeName));
  if (!top || subAttribute === undefined) return top;
  return findAttribute(top.subAttributes, subAttribute);
}

/** Whether string comparisons on this attribute are case-sensitive (unknown attributes: no). */
export function scimCaseExact(
  shape: ScimResourceShape,
  attributeName: string,
  subAttribute?: string,
  schema?: string,
): boolean {
  if (attributeName === "$ref" || subAttribute === "$ref") return true;
  return scimAttributeDefinition(shape, attributeName, subAttribute, schema)?.caseExact ?? false;
}

/** The attribute's canonical spelling ("USERNAME" → "userName"); unknown names are kept as given. */
export function canonicalAttributeName(
  shape: ScimResourceShape,
  attributeName: string,
  subAttribute?: string,
  schema?: string,
): string {
  if (subAttribute !== undefined) {
    return scimAttributeDefinition(shape, attributeName, subAttribute, schema)?.name ?? subAttribute;
  }
  return scimAttributeDefinition(shape, attributeName, undefined, schema)?.name ?? attributeName;
}
