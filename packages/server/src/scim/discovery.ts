// The SCIM discovery documents (RFC 7644 §4): what OpenIRM supports, its resource types and schemas.

import {
  SCIM_ENTERPRISE_USER_SCHEMA,
  SCIM_GROUP_SCHEMA,
  SCIM_RESOURCE_TYPE,
  SCIM_SCHEMA,
  SCIM_SCHEMAS,
  SCIM_SERVICE_PROVIDER_CONFIG,
  SCIM_USER_SCHEMA,
} from "@openirm/domain";
import type { Json } from "./resources.ts";

/** Largest page a list answers (a larger `count` is lowered to it). */
export const SCIM_MAX_RESULTS = 1000;
export const SCIM_DEFAULT_COUNT = 100;

export function serviceProviderConfig(baseUrl: string): Json {
  return {
    schemas: [SCIM_SERVICE_PROVIDER_CONFIG],
    documentationUri: "https://openirm.dev/docs/directory",
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description:
          "An access token from OpenIRM's client-credentials token endpoint for an app registration (POST /{tenantId}/oauth2/token), or a provisioning token of the app registration (oirm_scim_…).",
        specUri: "https://www.rfc-editor.org/rfc/rfc6750",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string): Json[] {
  return [
    {
      schemas: [SCIM_RESOURCE_TYPE],
      id: "User",
      name: "User",
      endpoint: "/Users",
      description: "A monitored user of the directory",
      schema: SCIM_USER_SCHEMA,
      schemaExtensions: [{ schema: SCIM_ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: [SCIM_RESOURCE_TYPE],
      id: "Group",
      name: "Group",
      endpoint: "/Groups",
      description: "A group of directory users",
      schema: SCIM_GROUP_SCHEMA,
      meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

export function schemas(baseUrl: string): Json[] {
  return SCIM_SCHEMAS.map((s) => ({
    schemas: [SCIM_SCHEMA],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes,
    meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${s.id}` },
  }));
}
