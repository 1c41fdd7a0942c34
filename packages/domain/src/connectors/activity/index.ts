// The activity connector: the built-in activity type catalog, the mapping document, the ready-made
// mappings and the connector type.

export * from "../../activity/catalog.ts";
export { activityKind, activityMappingOf, jsonSampleRecords, resolveActivityMapping } from "./kind.ts";
export { compileMapping, formatPath, MAPPING_VERSION, type MappingModel } from "./mapping.ts";
export { READY_MADE_MAPPINGS, type ReadyMadeMapping, readyMadeMapping } from "./mappings/index.ts";
export { parsePath } from "./paths.ts";
export { planActivityCsv, planActivityJson } from "./plan.ts";
export { domainOf, extensionOf, fileNameOf, TRANSFORM_NAMES } from "./transforms.ts";
