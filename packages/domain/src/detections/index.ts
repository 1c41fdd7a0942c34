// Intelligent detections: pure matchers for the tenant-wide exclusions and domain lists.

export * from "./alertVolume.ts";
export * from "./compile.ts";
export * from "./domains.ts";
export * from "./fileTypes.ts";
export * from "./keywords.ts";
export * from "./names.ts";
export * from "./paths.ts";
export * from "./sites.ts";
export * from "./triage.ts";
