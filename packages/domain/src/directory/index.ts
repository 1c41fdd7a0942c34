// The directory of monitored users: the CSV upload's column mapping and the SCIM 2.0 schemas,
// filters and PATCH semantics (pure; the server stores and serves them).

export * from "./csvUsers.ts";
export * from "./scimFilter.ts";
export * from "./scimPatch.ts";
export * from "./scimSchema.ts";
