export * from "./access/roleGroups.ts";
export * from "./errors.ts";
export * from "./time/iso.ts";
