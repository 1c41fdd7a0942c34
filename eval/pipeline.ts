// The evaluation pipeline: the scenario organisation (packages/domain/src/demo/scenarios.ts) run
// through the real server, day by day, and the alerts it raises compared with the ground truth.
//
// A server starts in this process on an in-memory embedded database with a clock the pipeline
// moves. The administrator sets the tenant up through the API (directory import, connectors, an
// app registration, built-in indicators, priority physical assets, one policy per template the
// scenarios need); then every simulated day's files are uploaded with an app token through the
// endpoints `openirm upload` uses (POST /api/signals, POST /api/signals/physicalbadging), which
// score the uploaded users as they are stored (optionally a full scoring run closes each day).
// After each day the alert queue is read, so "when" is the first simulated day a scenario's person
// had an alert under an expected template holding the scenario's evidence.
// Used by `npm run eval` (eval/run.ts) and packages/server/test/eval.test.ts; see docs/evaluation.md.

import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BENIGN_PROFILES,
  type BenignProfile,
  FALSE_ALERT_BUDGET,
  falseAlertAllowance,
  generateScenarios,
  SCENARIO_DOMAINS,
  SCENARIO_IMPROVEMENT_PLAN_COLUMNS,
  SCENARIO_PROFILE_COLUMNS,
  SCENARIO_RESIGNATION_COLUMNS,
  type ScenarioKind,
  type ScenarioSet,
  scenarioDay,
} from "@openirm/domain";
import { startServer } from "../packages/server/src/server.ts";
import { openPglite } from "../packages/server/src/store/db.ts";
import { TestClock } from "../packages/server/test/support.ts";

export const EVAL_SEED = 20_261_121;
/** The day after the last simulated day (fixed, so every run sees the same dates). */
export const EVAL_AS_OF = "2026-11-21T00:00:00.000Z";
const ADMIN_PASSWORD = "evaluation-admin-password";
/** Records per upload request: as `openirm upload` sends JSON files (and the badging script its chunks). */
const RECORDS_PER_CALL = 50_000;
const DAY_MS = 86_400_000;
const SEVERITY_RANK: Record<string, number> = { Low: 1, Medium: 2, High: 3 };

/** Built-in indicators of the exfiltration templates (the Office, Device and Cloud ones that move data). */
const EXFILTRATION_INDICATORS = [
  "office.documentSiteDownload",
  "office.fileSharedExternally",
  "office.emailExternal",
  "office.emailFreeDomain",
  "device.removableMediaCopy",
  "device.removableMediaVolume",
  "device.browserUpload",
  "device.print",
  "cloud.storageDownload",
];
const SECURITY_INDICATORS = ["security.defenseEvasion", "security.unwantedSoftware", "security.privilegeGranted"];
const HEALTH_INDICATORS = [
  "health.restrictedRecordAccess",
  "health.relatedPatientAccess",
  "health.unusualVolume",
  "health.recordExport",
];

/**
 * The policies: one per template the scenarios expect, every user in scope, on the catalog's
 * default thresholds. The exfiltration templates detect sequences and cumulative exfiltration.
 */
export const EVAL_POLICIES: readonly Record<string, unknown>[] = [
  {
    name: "Evaluation: departing users data theft",
    template: "departing-users-data-theft",
    scope: { allUsers: true },
    triggers: { hrResignation: true },
    indicators: [...EXFILTRATION_INDICATORS, "physical.accessFinding"].map((indicatorId) => ({ indicatorId })),
    sequenceDetection: { enabled: true },
    cumulativeExfiltration: { enabled: true },
  },
  {
    name: "Evaluation: data leaks",
    template: "data-leaks",
    scope: { allUsers: true },
    triggers: {
      dlpAlert: true,
      sequences: true,
      indicators: [
        "device.removableMediaCopy",
        "device.browserUpload",
        "office.emailFreeDomain",
        "office.emailExternal",
      ].map((indicatorId) => ({ indicatorId })),
    },
    indicators: EXFILTRATION_INDICATORS.map((indicatorId) => ({ indicatorId })),
    sequenceDetection: { enabled: true },
    cumulativeExfiltration: { enabled: true },
  },
  {
    name: "Evaluation: data leaks by risky users",
    template: "data-leaks-risky-users",
    scope: { allUsers: true },
    triggers: {
      hrJobLevelChange: true,
      hrPerformanceReview: true,
      hrImprovementPlan: true,
      communicationCompliance: true,
    },
    indicators: EXFILTRATION_INDICATORS.map((indicatorId) => ({ indicatorId })),
    sequenceDetection: { enabled: true },
    cumulativeExfiltration: { enabled: true },
  },
  {
    name: "Evaluation: security policy violations by departing users",
    template: "security-policy-violations-departing-users",
    scope: { allUsers: true },
    triggers: { hrResignation: true },
    indicators: SECURITY_INDICATORS.map((indicatorId) => ({ indicatorId })),
  },
  {
    name: "Evaluation: patient data misuse",
    template: "patient-data-misuse",
    scope: { allUsers: true },
    triggers: { healthRecordAccess: true },
    indicators: HEALTH_INDICATORS.map((indicatorId) => ({ indicatorId })),
  },
];

export interface EvalOptions {
  seed?: number;
  users?: number;
  days?: number;
  asOf?: string;
  instances?: number;
  /**
   * A full scoring run (POST /api/scoring/run) at the end of every day, as the server's schedule
   * runs one every 15 minutes (default false: each upload already scores its users).
   */
  dailyScoringRun?: boolean;
  /** Progress lines (one per day). */
  log?: (line: string) => void;
}

/** An alert as the queue showed it, followed over the days. */
export interface ObservedAlert {
  id: string;
  upn: string;
  policy: string;
  template: string;
  /** First simulated day (index) and date the alert was in the queue. */
  firstDay: number;
  firstDate: string;
  /** Severity and score at the end, and the highest severity it had on any day. */
  severity: string;
  score: number;
  maxSeverity: string;
  status: string;
  version: number;
  /** At the end: what brought the user into the policy, and the strongest insights (from the alert's detail). */
  triggers: string[];
  insights: string[];
}

export interface ScenarioOutcome {
  id: string;
  kind: ScenarioKind;
  title: string;
  upn: string;
  expectedTemplates: readonly string[];
  startDay: number;
  startDate: string;
  /**
   * Caught: on some day the user had an alert under an expected template holding an insight dated
   * on or after the scenario's first day (an alert raised earlier for other reasons does not count
   * until the scenario's evidence is in it).
   */
  caught: boolean;
  /** The first simulated day (index) and date that was so, and how many days after the start. */
  detectedDay: number | null;
  detectedDate: string | null;
  daysAfterStart: number | null;
  /** That alert, as it stood at the end. */
  alert: ObservedAlert | null;
  /** An alert under an expected template existed before the scenario started (a false alert on that user). */
  alertedBeforeStart: boolean;
  /** The user's alerts under other templates. */
  otherAlerts: ObservedAlert[];
}

export interface BenignOutcome {
  people: number;
  byProfile: Record<BenignProfile, number>;
  /** Alerts on benign people (each is a false alert). */
  alerts: (ObservedAlert & { profile: BenignProfile })[];
  alertedPeople: number;
  /** How many benign people may be alerted, and the highest severity allowed. */
  allowance: number;
  maxShare: number;
  maxSeverity: string;
  /** Alerted people whose alert reached a severity above the allowed one. */
  aboveMaxSeverity: number;
  withinBudget: boolean;
}

export interface UploadTotals {
  requests: number;
  received: number;
  saved: number;
  rejected: number;
  duplicate: number;
  /** Records the mapping reads and skips on purpose (internal e-mail). */
  skipped: number;
  /** Time of the requests, processing and the scoring each upload runs included. */
  ms: number;
  /** The first rejections and unexpected warnings (a clean run has none). */
  problems: string[];
}

export interface EvalResult {
  seed: number;
  users: number;
  days: number;
  firstDate: string;
  asOf: string;
  instances: number;
  dailyScoringRun: boolean;
  scenarios: ScenarioOutcome[];
  benign: BenignOutcome;
  uploads: Record<string, UploadTotals>;
  timings: {
    setupMs: number;
    generateMs: number;
    uploadMs: number;
    scoringRunMs: number;
    totalMs: number;
  };
  caught: number;
  passed: boolean;
}

interface Response {
  statusCode: number;
  body: string;
}

interface AlertDetail {
  explanation?: { triggers?: { reason?: string }[] };
  insights?: { indicator?: { name?: string }; day?: string; value?: number; severity?: string }[];
}

/** "4 records were skipped: operations this mapping does not import (email.sentInternally ×4)." */
const SKIPPED =
  /^([\d,]+) records? (?:was|were) skipped: operations this mapping does not import \(email\.sentInternally ×[\d,]+\)\.$/;

/** Runs the evaluation; resolves with the outcome (the server is closed either way). */
export async function runEvaluation(opts: EvalOptions = {}): Promise<EvalResult> {
  const started = performance.now();
  const log = opts.log ?? (() => undefined);
  const dailyScoringRun = opts.dailyScoringRun ?? false;
  const timings = { setupMs: 0, generateMs: 0, uploadMs: 0, scoringRunMs: 0, totalMs: 0 };
  let t = performance.now();
  const set = generateScenarios({
    seed: opts.seed ?? EVAL_SEED,
    asOf: opts.asOf ?? EVAL_AS_OF,
    users: opts.users ?? 400,
    days: opts.days ?? 60,
    ...(opts.instances !== undefined ? { instances: opts.instances } : {}),
  });
  timings.generateMs += performance.now() - t;

  const dayStart = (d: number) => Date.parse(`${set.firstDate}T00:00:00.000Z`) + d * DAY_MS;
  const dateOf = (d: number) => new Date(dayStart(d)).toISOString().slice(0, 10);
  // Each day's files are sent late that day: its records are in the past, as a daily export's are.
  const clock = new TestClock(new Date(dayStart(0) + 23 * 3_600_000));
  const dataDir = mkdtempSync(join(tmpdir(), "openirm-eval-"));
  const server = await startServer({
    logger: false,
    jobs: false,
    listen: false,
    clock,
    db: await openPglite(),
    config: {
      adminPassword: ADMIN_PASSWORD,
      dataDir,
      demo: false,
      port: 0,
      host: "127.0.0.1",
      uploadAnswerWithinMs: 3_600_000,
    },
  });
  try {
    const inject = async (
      method: string,
      url: string,
      payload: unknown,
      headers: Record<string, string>,
    ): Promise<Response> => {
      const res = await server.app.inject({ method: method as "GET", url, payload: payload as string, headers });
      return { statusCode: res.statusCode, body: res.body };
    };
    let adminToken = "";
    // A new session every simulated day: the clock moves past a session's lifetime.
    const signIn = async () => {
      const res = await inject("POST", "/api/auth/login", { username: "admin", password: ADMIN_PASSWORD }, {});
      if (res.statusCode !== 200) throw new Error(`signing in: ${res.statusCode} ${res.body}`);
      adminToken = JSON.parse(res.body).token;
    };
    const api = async <T = any>(
      method: string,
      url: string,
      payload?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await inject(method, url, payload, { authorization: `Bearer ${adminToken}`, ...headers });
      if (res.statusCode >= 300) throw new Error(`${method} ${url.split("?")[0]}: ${res.statusCode} ${res.body}`);
      return (res.body ? JSON.parse(res.body) : {}) as T;
    };

    // ---- Setup through the admin API ----
    t = performance.now();
    await signIn();
    const imported = await api<{ rejected: number; errors: unknown[] }>(
      "POST",
      "/api/directory/users/import",
      set.directoryCsv,
      { "content-type": "text/csv" },
    );
    if (imported.rejected > 0) throw new Error(`directory import rejected rows: ${JSON.stringify(imported.errors)}`);
    const app = await api<{ clientId: string; clientSecret: string }>("POST", "/api/apps", {
      name: "Evaluation uploads",
    });
    const connector = (body: Record<string, unknown>) =>
      api<{ id: string; jobId: string }>("POST", "/api/connectors", { appId: app.clientId, ...body });
    const connectors = {
      resignations: await connector({
        type: "hr",
        name: "HR resignations",
        dataTypes: ["resignation"],
        sample: `${SCENARIO_RESIGNATION_COLUMNS.join(",")}\n`,
      }),
      improvementPlans: await connector({
        type: "hr",
        name: "HR improvement plans",
        dataTypes: ["performance-improvement-plan"],
        sample: `${SCENARIO_IMPROVEMENT_PLAN_COLUMNS.join(",")}\n`,
      }),
      profiles: await connector({
        type: "hr",
        name: "HR employee profiles",
        dataTypes: ["employee-profile"],
        sample: `${SCENARIO_PROFILE_COLUMNS.join(",")}\n`,
      }),
      activity: await connector({
        type: "activity",
        name: "Endpoint, mail and security events",
        activityMapping: set.activityMapping,
      }),
      badging: await connector({ type: "badging", name: "Badge readers" }),
      healthcare: await connector({ type: "healthcare", name: "EHR access log", fieldSet: "generic" }),
    };
    const builtins = new Set(
      EVAL_POLICIES.flatMap((p) => [
        ...(p.indicators as { indicatorId: string }[]).map((i) => i.indicatorId),
        ...((p.triggers as { indicators?: { indicatorId: string }[] }).indicators ?? []).map((i) => i.indicatorId),
      ]),
    );
    for (const id of builtins) await api("PATCH", `/api/indicators/${encodeURIComponent(id)}`, { enabled: true });
    // The organisation's domain lists: partners allowed, personal cloud and free mail unallowed.
    await api("PATCH", "/api/settings", { detections: { domains: SCENARIO_DOMAINS } });
    for (const asset of set.priorityAssets) {
      await api("POST", "/api/settings/priority-physical-assets", { assetId: asset.assetId, name: asset.name });
    }
    const templateOf = new Map<string, string>();
    for (const policy of EVAL_POLICIES) {
      const created = await api<{ id: string }>("POST", "/api/policies", policy);
      templateOf.set(created.id, String(policy.template));
    }
    timings.setupMs += performance.now() - t;

    // ---- Uploads ----
    const totals: Record<string, UploadTotals> = {};
    const count = async (name: string, run: Record<string, any>, ms: number) => {
      totals[name] ??= {
        requests: 0,
        received: 0,
        saved: 0,
        rejected: 0,
        duplicate: 0,
        skipped: 0,
        ms: 0,
        problems: [],
      };
      const total = totals[name];
      total.requests++;
      total.ms += ms;
      total.received += Number(run.recordsReceived ?? 0);
      total.saved += Number(run.recordsSaved ?? 0);
      total.rejected += Number(run.recordsRejected ?? 0);
      total.duplicate += Number(run.recordsDuplicate ?? 0);
      const problem = (text: string) => {
        if (total.problems.length < 20 && !total.problems.includes(text)) total.problems.push(text);
      };
      for (const w of (run.warnings as string[] | undefined) ?? []) {
        const skipped = SKIPPED.exec(w);
        if (skipped) total.skipped += Number(skipped[1]?.replaceAll(",", ""));
        else problem(w);
      }
      if (run.status !== "completed") problem(`run ${run.runId} ended ${run.status}`);
      if (Number(run.recordsRejected ?? 0) > 0) {
        const detail = await api<{ rejections?: { line: number; column: string | null; reason: string }[] }>(
          "GET",
          `/api/runs/${run.runId}`,
        );
        for (const r of detail.rejections ?? []) problem(`line ${r.line}, ${r.column ?? "record"}: ${r.reason}`);
      }
    };
    let appToken = "";
    const newAppToken = async () => {
      const form = new URLSearchParams({
        client_id: app.clientId,
        client_secret: app.clientSecret,
        grant_type: "client_credentials",
      });
      const res = await inject("POST", `/${server.services.tenant.id}/oauth2/token?api-version=1.0`, form.toString(), {
        "content-type": "application/x-www-form-urlencoded",
      });
      if (res.statusCode !== 200) throw new Error(`app token: ${res.statusCode} ${res.body}`);
      appToken = JSON.parse(res.body).access_token;
    };
    // A file part as `openirm upload` frames it.
    const uploadFile = async (name: string, jobId: string, fileName: string, text: string, type: string) => {
      const t0 = performance.now();
      const boundary = `openirm-${randomUUID()}`;
      const payload = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`,
        ),
        Buffer.from(text),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await inject("POST", `/api/signals?jobid=${jobId}`, payload, {
        authorization: `Bearer ${appToken}`,
        "content-type": `multipart/form-data; boundary=${boundary}`,
      });
      if (res.statusCode !== 200) throw new Error(`upload ${fileName}: ${res.statusCode} ${res.body}`);
      await count(name, JSON.parse(res.body), performance.now() - t0);
    };
    const uploadBadges = async (records: readonly unknown[]) => {
      for (let i = 0; i < records.length; i += RECORDS_PER_CALL) {
        const t0 = performance.now();
        const res = await inject(
          "POST",
          `/api/signals/physicalbadging?jobid=${connectors.badging.jobId}`,
          JSON.stringify(records.slice(i, i + RECORDS_PER_CALL)),
          { authorization: `Bearer ${appToken}`, "content-type": "application/json" },
        );
        if (res.statusCode !== 200) throw new Error(`badging upload: ${res.statusCode} ${res.body}`);
        await count("badging", JSON.parse(res.body), performance.now() - t0);
      }
    };

    // ---- The alert queue, read after every day ----
    const observed = new Map<string, ObservedAlert>();
    const readAlerts = async (day: number): Promise<ObservedAlert[]> => {
      const changed: ObservedAlert[] = [];
      for (let page = 1; ; page++) {
        const list = await api<{ items: any[]; total: number }>("GET", `/api/alerts?pageSize=500&page=${page}`);
        for (const a of list.items) {
          const upn = String(a.user?.upn ?? a.user?.alias ?? a.user?.id);
          const key = `${upn}|${a.policy.id}`;
          let seen = observed.get(key);
          if (!seen) {
            seen = {
              id: a.id,
              upn,
              policy: a.policy.name,
              template: templateOf.get(a.policy.id) ?? "unknown",
              firstDay: day,
              firstDate: dateOf(day),
              severity: a.severity,
              score: a.score,
              maxSeverity: a.severity,
              status: a.status,
              version: a.version,
              triggers: [],
              insights: [],
            };
            observed.set(key, seen);
            changed.push(seen);
          } else if (seen.id !== a.id || seen.version !== a.version) {
            changed.push(seen);
          }
          Object.assign(seen, { id: a.id, severity: a.severity, score: a.score, status: a.status, version: a.version });
          if ((SEVERITY_RANK[a.severity] ?? 0) > (SEVERITY_RANK[seen.maxSeverity] ?? 0)) seen.maxSeverity = a.severity;
        }
        if (page * 500 >= list.total) break;
      }
      return changed;
    };
    // A scenario is detected when its user's alert under an expected template holds evidence of it.
    const detected = new Map<string, number>();
    const checkDetections = async (day: number, changed: readonly ObservedAlert[]) => {
      for (const s of set.groundTruth.scenarios) {
        if (detected.has(s.id) || day < s.startDay) continue;
        for (const alert of changed) {
          if (alert.upn !== s.upn || !s.expectedTemplates.includes(alert.template)) continue;
          const detail = await api<AlertDetail>("GET", `/api/alerts/${alert.id}`);
          if ((detail.insights ?? []).some((i) => typeof i.day === "string" && i.day >= s.startDate)) {
            detected.set(s.id, day);
            break;
          }
        }
      }
    };

    // ---- Day by day ----
    for (let d = 0; d < set.days; d++) {
      clock.current = new Date(dayStart(d) + 23 * 3_600_000);
      t = performance.now();
      const files = scenarioDay(set, d);
      timings.generateMs += performance.now() - t;

      t = performance.now();
      await signIn();
      await newAppToken();
      const tag = files.date;
      if (files.employeeProfilesCsv) {
        await uploadFile("hr", connectors.profiles.jobId, `profiles-${tag}.csv`, files.employeeProfilesCsv, "text/csv");
      }
      if (files.resignationsCsv) {
        await uploadFile(
          "hr",
          connectors.resignations.jobId,
          `resignations-${tag}.csv`,
          files.resignationsCsv,
          "text/csv",
        );
      }
      if (files.improvementPlansCsv) {
        await uploadFile(
          "hr",
          connectors.improvementPlans.jobId,
          `plans-${tag}.csv`,
          files.improvementPlansCsv,
          "text/csv",
        );
      }
      for (let i = 0; i < files.activity.length; i += RECORDS_PER_CALL) {
        const chunk = files.activity.slice(i, i + RECORDS_PER_CALL);
        const ndjson = `${chunk.map((r) => JSON.stringify(r)).join("\n")}\n`;
        await uploadFile(
          "activity",
          connectors.activity.jobId,
          `activity-${tag}.ndjson`,
          ndjson,
          "application/x-ndjson",
        );
      }
      if (files.badging.length > 0) await uploadBadges(files.badging);
      if (files.healthcareCsv) {
        await uploadFile("healthcare", connectors.healthcare.jobId, `ehr-${tag}.csv`, files.healthcareCsv, "text/csv");
      }
      const uploadMs = performance.now() - t;
      timings.uploadMs += uploadMs;

      t = performance.now();
      if (dailyScoringRun) await api("POST", "/api/scoring/run", {});
      const runMs = performance.now() - t;
      timings.scoringRunMs += runMs;
      await checkDetections(d, await readAlerts(d));
      log(
        `day ${String(d + 1).padStart(2)}/${set.days} ${files.date}: ${files.activity.length} activity, ` +
          `${files.badging.length} badge, ${files.healthcareCsv ? files.healthcareCsv.split("\n").length - 2 : 0} EHR records; ` +
          `uploads ${Math.round(uploadMs)} ms${dailyScoringRun ? `, scoring run ${Math.round(runMs)} ms` : ""}; ` +
          `${observed.size} alerts, ${detected.size}/${set.groundTruth.scenarios.length} scenarios detected`,
      );
    }

    // Why each alert was raised, from its detail: the triggers and the three strongest insights.
    for (const alert of observed.values()) {
      const detail = await api<AlertDetail>("GET", `/api/alerts/${alert.id}`);
      alert.triggers = (detail.explanation?.triggers ?? []).map((tr) => String(tr.reason ?? "")).filter(Boolean);
      alert.insights = (detail.insights ?? [])
        .slice(0, 3)
        .map((i) => `${i.indicator?.name ?? "?"} on ${i.day ?? "?"}: ${i.value ?? "?"} (${i.severity ?? "?"})`);
    }
    timings.totalMs = performance.now() - started;
    return outcome(set, [...observed.values()], detected, totals, timings, dailyScoringRun);
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const byDay = (a: ObservedAlert, b: ObservedAlert) => a.firstDay - b.firstDay || a.template.localeCompare(b.template);

/** Compares the alerts with the ground truth. `detected`: scenario id → the day its evidence was in an expected alert. */
export function outcome(
  set: ScenarioSet,
  alerts: readonly ObservedAlert[],
  detected: ReadonlyMap<string, number>,
  uploads: Record<string, UploadTotals>,
  timings: EvalResult["timings"],
  dailyScoringRun: boolean,
): EvalResult {
  const byUpn = new Map<string, ObservedAlert[]>();
  for (const a of alerts) byUpn.set(a.upn, [...(byUpn.get(a.upn) ?? []), a]);
  const dateOf = (d: number) =>
    new Date(Date.parse(`${set.firstDate}T00:00:00.000Z`) + d * DAY_MS).toISOString().slice(0, 10);

  const scenarios: ScenarioOutcome[] = set.groundTruth.scenarios.map((s) => {
    const own = [...(byUpn.get(s.upn) ?? [])].sort(byDay);
    const expected = own.filter((a) => s.expectedTemplates.includes(a.template));
    const day = detected.get(s.id) ?? null;
    return {
      id: s.id,
      kind: s.kind,
      title: s.title,
      upn: s.upn,
      expectedTemplates: s.expectedTemplates,
      startDay: s.startDay,
      startDate: s.startDate,
      caught: day !== null,
      detectedDay: day,
      detectedDate: day === null ? null : dateOf(day),
      daysAfterStart: day === null ? null : day - s.startDay,
      alert: expected[0] ?? null,
      alertedBeforeStart: expected.some((a) => a.firstDay < s.startDay),
      otherAlerts: own.filter((a) => !s.expectedTemplates.includes(a.template)),
    };
  });

  const byProfile = Object.fromEntries(BENIGN_PROFILES.map((p) => [p, 0])) as Record<BenignProfile, number>;
  const benignAlerts: BenignOutcome["alerts"] = [];
  for (const b of set.groundTruth.benign) {
    byProfile[b.profile]++;
    for (const a of byUpn.get(b.upn) ?? []) benignAlerts.push({ ...a, profile: b.profile });
  }
  benignAlerts.sort(byDay);
  const alerted = new Set(benignAlerts.map((a) => a.upn));
  const maxRank = SEVERITY_RANK[FALSE_ALERT_BUDGET.maxSeverity] ?? 0;
  const above = new Set(benignAlerts.filter((a) => (SEVERITY_RANK[a.maxSeverity] ?? 0) > maxRank).map((a) => a.upn));
  const allowance = falseAlertAllowance(set.groundTruth.benign.length);
  const benign: BenignOutcome = {
    people: set.groundTruth.benign.length,
    byProfile,
    alerts: benignAlerts,
    alertedPeople: alerted.size,
    allowance,
    maxShare: FALSE_ALERT_BUDGET.maxShare,
    maxSeverity: FALSE_ALERT_BUDGET.maxSeverity,
    aboveMaxSeverity: above.size,
    withinBudget: alerted.size <= allowance && above.size === 0,
  };
  const caught = scenarios.filter((s) => s.caught).length;
  return {
    seed: set.seed,
    users: set.people.length,
    days: set.days,
    firstDate: set.firstDate,
    asOf: set.asOf,
    instances: set.instances,
    dailyScoringRun,
    scenarios,
    benign,
    uploads: Object.fromEntries(Object.entries(uploads).map(([k, v]) => [k, { ...v, ms: Math.round(v.ms) }])),
    timings: {
      setupMs: Math.round(timings.setupMs),
      generateMs: Math.round(timings.generateMs),
      uploadMs: Math.round(timings.uploadMs),
      scoringRunMs: Math.round(timings.scoringRunMs),
      totalMs: Math.round(timings.totalMs),
    },
    caught,
    passed: caught === scenarios.length && benign.withinBudget,
  };
}
