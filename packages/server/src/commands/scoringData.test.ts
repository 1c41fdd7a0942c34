import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TRIGGER_SIGNALS_SQL } from "./scoringData.ts";

describe("the triggering signals' index", () => {
  it("has the scorer's predicate word for word, so that the planner can use it", () => {
    const migration = readFileSync(
      join(import.meta.dirname, "../store/migrations/019_trigger_signal_index.sql"),
      "utf8",
    );
    expect(migration).toContain(`WHERE ${TRIGGER_SIGNALS_SQL};`);
  });
});
