// Loading the demo organisation into a running server through the real path: app registration,
// connectors, custom indicators and a policy via the admin API, files via the token endpoint and
// the upload endpoint, then a scoring run. Only into an empty database.

import { randomUUID } from "node:crypto";
import {
  AppError,
  DEMO_WORKLOADS,
  type DemoOrg,
  type DemoWorkload,
  demoIndicatorLines,
  generateDemoOrg,
} from "@openirm/domain";
import type { FastifyInstance } from "fastify";
import { audit } from "../audit.ts";
import { type Services, SYSTEM_ACTOR, withActor } from "../context.ts";
import { mintAccountSession } from "./session.ts";

/** The seed of the demo organisation everyone sees (any other seed gives another, equally valid one). */
export const DEMO_SEED = 20_261_121;
export const DEMO_POLICY_NAME = "Departing users data theft";
/** Records per upload request, as the upload client sends them. */
const RECORDS_PER_CALL = 5000;

export interface LoadDemoOptions {
  seed?: number;
  users?: number;
  days?: number;
  /** The demo's "now" (default: the server clock). */
  asOf?: Date;
  /** How long to wait for an upload run that answered "processing" (default 10 minutes). */
  runTimeoutMs?: number;
}

export interface DemoLoadResult {
  people: number;
  resignations: number;
  indicatorRows: number;
  appClientId: string;
  connectors: { indicators: string; hr: string };
  indicators: Record<DemoWorkload, string>;
  policyId: string;
  runIds: string[];
  recordsSaved: number;
  recordsRejected: number;
  alerts: number;
  groundTruth: DemoOrg["groundTruth"];
}

interface ServerLike {
  app: FastifyInstance;
  services: Services;
}

/** True when the database holds no connectors and the demo was never loaded. */
export async function demoCanLoad(services: Services): Promise<boolean> {
  const tenant = await services.db.query<{ demo_loaded: boolean }>("SELECT demo_loaded FROM tenant WHERE id = $1", [
    services.tenant.id,
  ]);
  if (tenant.rows[0]?.demo_loaded) return false;
  const connectors = await services.db.query("SELECT 1 FROM connectors LIMIT 1");
  return connectors.rows.length === 0;
}

type Inject = (opts: {
  method: string;
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}) => Promise<{ statusCode: number; body: string }>;

function caller(app: FastifyInstance, token: string) {
  const inject = app.inject.bind(app) as unknown as Inject;
  return async <T = any>(method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const res = await inject({
      method,
      url,
      ...(payload !== undefined ? { payload } : {}),
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
    const body = res.body ? JSON.parse(res.body) : {};
    if (res.statusCode >= 300) {
      throw new AppError(
        "demo_load_failed",
        500,
        `Loading the demo failed at ${method} ${url.split("?")[0]}: ${body.detail ?? body.error_description ?? res.statusCode}`,
        { status: res.statusCode, ...(body.details ? { cause: body.details } : {}) },
      );
    }
    return body as T;
  };
}

function multipart(fileName: string, csv: string): { payload: Buffer; contentType: string } {
  const boundary = `openirm-demo-${randomUUID()}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    Buffer.from(csv),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function loadDemo(server: ServerLike, opts: LoadDemoOptions = {}): Promise<DemoLoadResult> {
  const { app, services } = server;
  if (!(await demoCanLoad(services))) {
    throw new AppError(
      "demo_not_loaded",
      409,
      "The demo organisation loads only into an empty database (no connectors, demo not loaded before).",
    );
  }
  const org = generateDemoOrg({
    seed: opts.seed ?? DEMO_SEED,
    users: opts.users ?? 200,
    days: opts.days ?? 60,
    asOf: opts.asOf ?? services.clock.now(),
  });
  const session = await mintAccountSession(services, "admin", { minutes: 60, purpose: "demo organisation" });
  try {
    const api = caller(app, session.token);
    const registered = await api<{ clientId: string; clientSecret: string }>("POST", "/api/apps", {
      name: "Demo organisation uploads",
    });

    const upload = async (jobId: string, fileName: string, csv: string): Promise<Record<string, any>> => {
      const form = new URLSearchParams({
        client_id: registered.clientId,
        client_secret: registered.clientSecret,
        grant_type: "client_credentials",
        tenant_id: services.tenant.id,
      });
      const token = await api<{ access_token: string }>(
        "POST",
        `/${services.tenant.id}/oauth2/token?api-version=1.0`,
        form.toString(),
        { "content-type": "application/x-www-form-urlencoded" },
      );
      const { payload, contentType } = multipart(fileName, csv);
      let run = await caller(app, token.access_token)(
        "POST",
        `/api/signals?jobid=${encodeURIComponent(jobId)}`,
        payload,
        { "content-type": contentType },
      );
      const deadline = Date.now() + (opts.runTimeoutMs ?? 600_000);
      while (run.status === "processing" && run.runId) {
        if (Date.now() > deadline)
          throw new AppError("demo_load_failed", 500, `Upload run ${run.runId} did not finish.`);
        await new Promise((r) => setTimeout(r, 200));
        const current = await api("GET", `/api/runs/${run.runId}`);
        run = { ...run, ...current, runId: run.runId };
      }
      return run;
    };

    const sample = [...demoIndicatorLines(org, { limit: 60 })].join("\n");
    const infoColumn = (w: DemoWorkload) => `AdditionalInfo_${w}`;
    const indicatorsConnector = await api<{ id: string; jobId: string }>("POST", "/api/connectors", {
      type: "indicators",
      name: "Demo: SaaS detections (Salesforce, Dropbox)",
      appId: registered.clientId,
      sample,
      userColumn: "UPN",
      timeColumn: "Aggregation_Date",
      sourceColumn: "Source_Workload",
      sourceValues: [...DEMO_WORKLOADS],
      columnTypes: { Alert_Count: "Number" },
      mapping: Object.fromEntries(
        DEMO_WORKLOADS.map((w) => [w, ["Display_Name", "Alert_Severity", "Alert_Count", infoColumn(w)]]),
      ),
    });
    const hrConnector = await api<{ id: string; jobId: string }>("POST", "/api/connectors", {
      type: "hr",
      name: "Demo: HR resignations",
      appId: registered.clientId,
      dataTypes: ["resignation"],
      sample: org.hrCsv,
    });

    const indicators = {} as Record<DemoWorkload, string>;
    for (const workload of DEMO_WORKLOADS) {
      const created = await api<{ id: string }>("POST", "/api/indicators", {
        name: `${workload} activity (demo)`,
        description: `Daily ${workload} detections from the demo SIEM export; the value is Alert_Count.`,
        connectorId: indicatorsConnector.id,
        sourceValue: workload,
        valueColumn: "Alert_Count",
      });
      indicators[workload] = created.id;
    }
    const policy = await api<{ id: string }>("POST", "/api/policies", {
      name: DEMO_POLICY_NAME,
      template: "departing-users-data-theft",
      description: "Demo: people who resigned and moved unusual amounts of data through Salesforce or Dropbox.",
      scope: { allUsers: true },
      triggers: { hrResignation: true },
      indicators: DEMO_WORKLOADS.map((w) => ({ indicatorId: indicators[w], thresholds: org.thresholds[w] })),
    });

    const runIds: string[] = [];
    let recordsSaved = 0;
    let recordsRejected = 0;
    const record = (run: Record<string, any>) => {
      if (typeof run.runId === "string") runIds.push(run.runId);
      recordsSaved += Number(run.recordsSaved ?? 0);
      recordsRejected += Number(run.recordsRejected ?? 0);
    };
    record(await upload(hrConnector.jobId, "demo-hr-resignations.csv", org.hrCsv));

    // The detections file, streamed from the generator in chunks like the upload client sends it.
    let header = "";
    let lines: string[] = [];
    let indicatorRows = 0;
    let chunk = 0;
    const flush = async () => {
      if (lines.length === 0) return;
      chunk++;
      const csv = `${header}\n${lines.join("\n")}\n`;
      indicatorRows += lines.length;
      lines = [];
      record(await upload(indicatorsConnector.jobId, `demo-detections-${String(chunk).padStart(4, "0")}.csv`, csv));
    };
    for (const line of demoIndicatorLines(org)) {
      if (!header) header = line;
      else {
        lines.push(line);
        if (lines.length >= RECORDS_PER_CALL) await flush();
      }
    }
    await flush();

    await enrichDirectory(services, org);
    await api("POST", "/api/scoring/run", {});
    const alerts = await api<{ total: number }>("GET", "/api/alerts?pageSize=1");

    return {
      people: org.users.length,
      resignations: org.resignations.length,
      indicatorRows,
      appClientId: registered.clientId,
      connectors: { indicators: indicatorsConnector.id, hr: hrConnector.id },
      indicators,
      policyId: policy.id,
      runIds,
      recordsSaved,
      recordsRejected,
      alerts: alerts.total,
      groundTruth: org.groundTruth,
    };
  } finally {
    await session.revoke();
  }
}

/**
 * Names, departments, titles and managers of the demo people (the files carry only UPNs), and the
 * tenant's demo flag, in one audited transaction.
 */
async function enrichDirectory(services: Services, org: DemoOrg): Promise<void> {
  const ctx = withActor(services, SYSTEM_ACTOR);
  const now = services.clock.now().toISOString();
  await services.db.transaction(async (tx) => {
    const batch = 500;
    for (let i = 0; i < org.users.length; i += batch) {
      const slice = org.users.slice(i, i + batch);
      const params: (string | null)[] = [];
      const values = slice.map((u, j) => {
        params.push(randomUUID(), u.upn.toLowerCase(), u.displayName, u.department, u.jobTitle, u.managerUpn, now);
        const b = j * 7;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
      });
      await tx.query(
        `INSERT INTO directory_users (id, upn, display_name, department, job_title, manager_upn, created_at)
         VALUES ${values.join(", ")}
         ON CONFLICT (upn) DO UPDATE SET display_name = EXCLUDED.display_name, department = EXCLUDED.department,
           job_title = EXCLUDED.job_title, manager_upn = EXCLUDED.manager_upn`,
        params,
      );
    }
    await tx.query("UPDATE tenant SET demo_loaded = true WHERE id = $1", [services.tenant.id]);
    await audit(ctx, tx, {
      action: "demo.load",
      category: "Settings",
      targetType: "tenant",
      targetId: services.tenant.id,
      details: { seed: org.seed, people: org.users.length, resignations: org.resignations.length, asOf: org.asOf },
    });
  });
}
