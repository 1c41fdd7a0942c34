// Configuration from the environment, with the defaults the README promises.

import { delimiter, resolve } from "node:path";

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  demo: boolean;
  adminPassword: string | undefined;
  /** Largest multipart upload accepted (bytes); larger answers 413. */
  maxUploadBytes: number;
  /** How long an upload request waits for processing before answering "processing". */
  uploadAnswerWithinMs: number;
  /** Access token lifetime in seconds. */
  tokenLifetimeSeconds: number;
  /** Cron expression for the scheduled scoring run. */
  scoringSchedule: string;
  /** Folders scheduled imports may read (empty: DATA_DIR/imports). */
  importDirs: string[];
  /** Most new alerts one policy opens in 24 hours; beyond it new alerts wait (a flood from a misconfigured source). */
  alertLimitPerPolicyPerDay: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? "0.0.0.0",
    dataDir: resolve(env.DATA_DIR ?? "./data"),
    databaseUrl: env.DATABASE_URL || undefined,
    demo: (env.OPENIRM_DEMO ?? "on").toLowerCase() !== "off",
    adminPassword: env.OPENIRM_ADMIN_PASSWORD || undefined,
    maxUploadBytes: Number(env.OPENIRM_MAX_UPLOAD_BYTES ?? 4 * 1024 * 1024 * 1024),
    uploadAnswerWithinMs: Number(env.OPENIRM_UPLOAD_ANSWER_WITHIN_MS ?? 60_000),
    tokenLifetimeSeconds: Number(env.OPENIRM_TOKEN_LIFETIME ?? 3600),
    scoringSchedule: env.OPENIRM_SCORING_SCHEDULE ?? "*/15 * * * *",
    importDirs: (env.OPENIRM_IMPORT_DIRS ?? "")
      .split(delimiter)
      .map((p) => p.trim())
      .filter((p) => p.length > 0)
      .map((p) => resolve(p)),
    alertLimitPerPolicyPerDay: Number(env.OPENIRM_ALERT_LIMIT_PER_POLICY_PER_DAY ?? 1000),
  };
}
