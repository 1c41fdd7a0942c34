export * from "./access/roleGroups.ts";
export * from "./errors.ts";
