// `npm run eval`: runs the evaluation scenarios through the real pipeline (eval/pipeline.ts) and
// prints, per scenario, whether and when the right user was alerted, then the alerts raised on
// benign people against the false-alert budget. Exits with 1 when a scenario is missed or the
// budget is exceeded. See docs/evaluation.md.
//
//   npm run eval -- [--users 400] [--days 60] [--seed 20261121] [--instances N]
//                   [--daily-scoring-run] [--json FILE] [--quiet]

import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { EVAL_SEED, type EvalResult, type ObservedAlert, runEvaluation } from "./pipeline.ts";

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "400" },
    days: { type: "string", default: "60" },
    seed: { type: "string", default: String(EVAL_SEED) },
    instances: { type: "string" },
    "daily-scoring-run": { type: "boolean", default: false },
    json: { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});

const wholeNumber = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be a whole number of at least ${min} (got '${value}').\n`);
    process.exit(2);
  }
  return n;
};

/** Rows as aligned columns; `align` has one letter per column, l(eft) or r(ight). */
function table(rows: readonly string[][], align: string): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (align[i] === "r" ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const alertCell = (a: ObservedAlert | null) => (a ? [a.severity, a.score.toFixed(2)] : ["–", "–"]);

function report(r: EvalResult): string {
  const out: string[] = [];
  out.push(
    `OpenIRM evaluation: seed ${r.seed}, ${r.users} people, ${r.days} days (${r.firstDate} to ${r.asOf.slice(0, 10)}, exclusive), ` +
      `${r.instances} instance(s) of each scenario${r.dailyScoringRun ? ", a full scoring run every day" : ""}.`,
    "",
    "Scenarios",
    "",
  );
  const rows = [
    ["scenario", "user", "expected template", "caught", "started", "alerted", "days after", "severity", "score"],
  ];
  for (const s of r.scenarios) {
    rows.push([
      s.id,
      s.upn,
      s.expectedTemplates.join(" or "),
      s.caught ? "yes" : "NO",
      s.startDate,
      s.detectedDate ?? "–",
      s.daysAfterStart === null ? "–" : String(s.daysAfterStart),
      ...alertCell(s.caught ? s.alert : null),
    ]);
  }
  out.push(table(rows, "llllllrlr"));
  const notes: string[] = [];
  for (const s of r.scenarios) {
    if (s.alertedBeforeStart && s.alert) {
      notes.push(
        `${s.id}: already alerted under ${s.alert.template} on ${s.alert.firstDate}, before the scenario started.`,
      );
    }
    for (const a of s.otherAlerts) {
      notes.push(
        `${s.id}: also alerted under ${a.template} from ${a.firstDate} (${a.severity}, ${a.score.toFixed(2)}).`,
      );
    }
    if (!s.caught) {
      notes.push(
        s.alert
          ? `${s.id}: the ${s.alert.template} alert (${s.alert.severity}) never held an insight dated on or after ${s.startDate}.`
          : `${s.id}: no alert under ${s.expectedTemplates.join(" or ")}.`,
      );
    }
  }
  if (notes.length > 0) out.push("", ...notes);
  out.push(`\n${r.caught} of ${r.scenarios.length} scenarios caught.`);

  const b = r.benign;
  const profiles = Object.entries(b.byProfile)
    .map(([p, n]) => `${n} ${p}`)
    .join(", ");
  out.push(
    "",
    "Benign people",
    "",
    `${b.people} benign people (${profiles}).`,
    `${b.alertedPeople} alerted (${((100 * b.alertedPeople) / Math.max(1, b.people)).toFixed(1)}%); ` +
      `the budget allows ${b.allowance} (${b.maxShare * 100}% of ${b.people}, rounded down) and none above ${b.maxSeverity}` +
      `${b.aboveMaxSeverity > 0 ? `; ${b.aboveMaxSeverity} went above ${b.maxSeverity}` : ""}: ` +
      `${b.withinBudget ? "within budget" : "OVER BUDGET"}.`,
  );
  if (b.alerts.length > 0) {
    const falseRows = [["user", "profile", "template", "alerted", "severity", "highest", "score", "strongest insight"]];
    for (const a of b.alerts) {
      falseRows.push([
        a.upn,
        a.profile,
        a.template,
        a.firstDate,
        a.severity,
        a.maxSeverity,
        a.score.toFixed(2),
        a.insights[0] ?? "",
      ]);
    }
    out.push("", table(falseRows, "llllllrl"));
  }

  out.push("", "Uploads", "");
  const uploadRows = [["connector", "requests", "received", "saved", "skipped", "rejected", "duplicate", "time"]];
  for (const [name, u] of Object.entries(r.uploads)) {
    uploadRows.push([
      name,
      String(u.requests),
      String(u.received),
      String(u.saved),
      String(u.skipped),
      String(u.rejected),
      String(u.duplicate),
      seconds(u.ms),
    ]);
  }
  out.push(table(uploadRows, "lrrrrrrr"));
  for (const [name, u] of Object.entries(r.uploads)) {
    for (const p of u.problems) out.push(`WARNING ${name}: ${p}`);
  }
  const t = r.timings;
  const records = Object.values(r.uploads).reduce((sum, u) => sum + u.received, 0);
  out.push(
    "",
    `Timings: setup ${seconds(t.setupMs)}, generating the data ${seconds(t.generateMs)}, ` +
      `uploads ${seconds(t.uploadMs)} (${Math.round(records / Math.max(0.001, t.uploadMs / 1000))} records/s, ` +
      `processing and the scoring each upload runs included)` +
      `${r.dailyScoringRun ? `, daily scoring runs ${seconds(t.scoringRunMs)}` : ""}; total ${seconds(t.totalMs)}.`,
    "",
    r.passed ? "PASSED" : "FAILED",
  );
  return out.join("\n");
}

const result = await runEvaluation({
  users: wholeNumber("users", args.users, 40),
  days: wholeNumber("days", args.days, 35),
  seed: wholeNumber("seed", args.seed, 0),
  ...(args.instances !== undefined ? { instances: wholeNumber("instances", args.instances, 1) } : {}),
  dailyScoringRun: args["daily-scoring-run"],
  ...(args.quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
});
if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${report(result)}\n`);
process.exitCode = result.passed ? 0 : 1;
