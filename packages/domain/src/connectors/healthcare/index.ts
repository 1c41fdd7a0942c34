// The healthcare (EHR) connector module: field sets, the connector type, and the rules its derived
// signals (related patients, unusual volume) are made by.

export * from "./actions.ts";
export * from "./fields.ts";
export * from "./healthcare.ts";
export * from "./matching.ts";
export * from "./users.ts";
export * from "./volume.ts";
