// The evaluation (docs/evaluation.md) end to end: the scenario organisation uploaded day by day
// through the real API into a server on the embedded database, and the alerts it raises checked
// against the ground truth. `npm run eval` runs the same pipeline on a larger organisation.

import { SCENARIO_KINDS } from "@openirm/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { EVAL_SEED, type EvalResult, runEvaluation } from "../../../eval/pipeline.ts";

let result: EvalResult;

beforeAll(async () => {
  result = await runEvaluation({ seed: EVAL_SEED, users: 120, days: 40 });
}, 600_000);

const describeAlert = (a: { upn: string; template: string; maxSeverity: string; score: number; insights: string[] }) =>
  `${a.upn} ${a.template} ${a.maxSeverity} ${a.score} (${a.insights[0] ?? "no insight"})`;

describe("npm run eval (120 people, 40 days)", () => {
  it("uploads every day's files with no record rejected", () => {
    expect(Object.keys(result.uploads).sort()).toEqual(["activity", "badging", "healthcare", "hr"]);
    for (const [name, u] of Object.entries(result.uploads)) {
      expect(u.rejected, `${name}: ${u.problems.join(" | ")}`).toBe(0);
      expect(u.problems, name).toEqual([]);
      expect(u.saved + u.skipped + u.duplicate).toBe(u.received);
    }
    expect(result.uploads.activity?.skipped).toBeGreaterThan(0);
  });

  it.each(SCENARIO_KINDS)(
    "catches %s: the right user gets an alert under the expected template holding its evidence",
    (kind) => {
      const outcomes = result.scenarios.filter((s) => s.kind === kind);
      expect(outcomes).toHaveLength(result.instances);
      for (const s of outcomes) {
        const seen = [s.alert, ...s.otherAlerts].flatMap((a) => (a ? [describeAlert(a)] : []));
        expect(s.caught, `${s.id} (${s.upn}), started ${s.startDate}; alerts: ${seen.join("; ") || "none"}`).toBe(true);
        expect(s.daysAfterStart).toBeGreaterThanOrEqual(0);
      }
    },
  );

  it("keeps the benign people within the false-alert budget: at most 2% alerted, none above Medium", () => {
    const b = result.benign;
    const listed = b.alerts.map((a) => `${describeAlert(a)} [${a.profile}]`).join("; ");
    expect(b.people).toBeGreaterThan(100);
    expect(b.alertedPeople, `false alerts: ${listed}`).toBeLessThanOrEqual(b.allowance);
    expect(b.aboveMaxSeverity, `false alerts: ${listed}`).toBe(0);
  });
});
