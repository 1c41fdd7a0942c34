// Physical access: priority physical assets and the findings of badge events.

export * from "./assets.ts";
export * from "./findings.ts";
