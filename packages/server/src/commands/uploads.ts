// An upload from a connector script: find the connector by job ID, check the calling app owns it,
// store the file durably, record the run, then process it — answering with the counts when that
// finishes within config.uploadAnswerWithinMs, else with "processing" while it goes on.

import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { AppError, forbidden } from "@openirm/domain";
import type { Ctx } from "../context.ts";
import { drain, receiveMultipartFile } from "../ingestion/multipart.ts";
import { connectorForJob } from "./connectors.ts";
import { type RunRow, startRunProcessing } from "./runs.ts";

export const JOB_APP_MISMATCH = "jobId and corresponding appId do not match.";

export type UploadAnswer =
  | {
      runId: string;
      status: "completed";
      recordsReceived: number;
      recordsSaved: number;
      recordsRejected: number;
      recordsDuplicate: number;
      warnings: string[];
    }
  | { runId: string; status: "processing" };

export interface UploadInput {
  jobId: string | undefined;
  body: unknown;
  contentType: string | undefined;
}

function isStream(body: unknown): body is Readable {
  return typeof (body as Readable | null)?.pipe === "function";
}

export async function receiveUpload(ctx: Ctx, input: UploadInput): Promise<UploadAnswer> {
  const body = isStream(input.body) ? input.body : undefined;
  const refuse = async (error: AppError): Promise<never> => {
    if (body) await drain(body);
    throw error;
  };
  if (!input.jobId) {
    return refuse(
      new AppError("missing_job_id", 400, "The upload URL needs the connector's job ID: ?jobid=<job ID>.", {
        column: "jobid",
      }),
    );
  }
  const connector = await connectorForJob(ctx, input.jobId).catch((err: unknown) =>
    err instanceof AppError ? refuse(err) : Promise.reject(err),
  );
  if (!connector) {
    return refuse(
      new AppError(
        "unknown_job",
        404,
        `No connector has the job ID '${input.jobId}'. Copy the job ID shown when the connector was created ('openirm connectors list').`,
        { column: "jobid" },
      ),
    );
  }
  if (ctx.actor.kind !== "app" || ctx.actor.clientId.toLowerCase() !== connector.app_client_id.toLowerCase()) {
    return refuse(forbidden(JOB_APP_MISMATCH, JOB_APP_MISMATCH));
  }
  if (connector.disabled) {
    return refuse(
      new AppError(
        "connector_disabled",
        403,
        `Connector '${connector.name}' is disabled. Enable it with 'openirm connectors enable ${connector.id}'.`,
      ),
    );
  }
  if ((connector.type as string) === "directory") {
    return refuse(
      new AppError(
        "not_an_upload_connector",
        400,
        `Connector '${connector.name}' is fed by the directory (SCIM or the users CSV import), not by file uploads.`,
        { column: "jobid" },
      ),
    );
  }
  if (!body) {
    throw new AppError(
      "not_multipart",
      400,
      "The upload must be multipart/form-data with the file in a part named 'file'.",
    );
  }

  const runId = randomUUID();
  const dir = join(ctx.config.dataDir, "uploads");
  await mkdir(dir, { recursive: true });
  const storedPath = join(dir, runId);
  const received = await receiveMultipartFile(body, input.contentType, {
    destPath: storedPath,
    maxBytes: ctx.config.maxUploadBytes,
  });
  const now = ctx.clock.now().toISOString();
  if (!received.ok) {
    const message = `The upload is larger than this server accepts (${ctx.config.maxUploadBytes.toLocaleString("en-US")} bytes). Send smaller chunks (the upload script's -RecordsPerCall) or raise OPENIRM_MAX_UPLOAD_BYTES.`;
    await ctx.db.query(
      `INSERT INTO upload_runs (id, connector_id, app_client_id, status, bytes, error, received_at, finished_at)
       VALUES ($1, $2, $3, 'failed', $4, $5, $6, $6)`,
      [runId, connector.id, connector.app_client_id, received.bytes, message, now],
    );
    throw new AppError("payload_too_large", 413, message, { runId });
  }
  const { file } = received;
  await ctx.db.query(
    `INSERT INTO upload_runs (id, connector_id, app_client_id, status, file_name, stored_path, bytes, checksum, received_at)
     VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8)`,
    [runId, connector.id, connector.app_client_id, file.fileName, storedPath, file.bytes, file.sha256, now],
  );
  const processing = startRunProcessing(ctx, runId);
  await processing.headerChecked;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    processing.done,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ctx.config.uploadAnswerWithinMs);
    }),
  ]);
  clearTimeout(timer);
  if (!outcome) return { runId, status: "processing" };
  if (outcome.error) throw outcome.error;
  return answerOf(outcome.run);
}

function answerOf(run: RunRow): UploadAnswer {
  return {
    runId: run.id,
    status: "completed",
    recordsReceived: run.records_received,
    recordsSaved: run.records_saved,
    recordsRejected: run.records_rejected,
    recordsDuplicate: run.records_duplicate,
    warnings: run.warnings,
  };
}
