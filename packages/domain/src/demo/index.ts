// The demo organisation generator (seeded, deterministic) and its random source.

export * from "./org.ts";
export { mixSeed, mulberry32 } from "./random.ts";
export * from "./scenarios.ts";
