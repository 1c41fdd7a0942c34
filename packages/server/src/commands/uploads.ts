// Uploads from connector scripts: the multipart file of POST /api/signals (CSV, or JSON records)
// and the JSON body of POST /api/signals/physicalbadging. Both find the connector by job ID, check
// that the calling app owns it and that it takes this kind of upload, store the body durably,
// record the run, then process it — answering with the counts when that finishes within
// config.uploadAnswerWithinMs, else with "processing" while it goes on.

import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { type FileHandle, mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError, forbidden, MAX_BADGING_RECORDS_PER_REQUEST } from "@openirm/domain";
import type { Ctx } from "../context.ts";
import { type JsonItem, JsonRecordScanner } from "../ingestion/jsonRecords.ts";
import { drain, receiveMultipartFile } from "../ingestion/multipart.ts";
import { type ConnectorRow, connectorForJob } from "./connectors.ts";
import { type RunRow, startRunProcessing } from "./runs.ts";

export const JOB_APP_MISMATCH = "jobId and corresponding appId do not match.";

/** The upload endpoints: the generic one (multipart) and the badging one (a JSON body). */
export type UploadEndpoint = "signals" | "badging";

export const BADGING_UPLOAD_PATH = "/api/signals/physicalbadging";

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

const wrongEndpoint = (message: string) => new AppError("wrong_endpoint", 400, message, { column: "jobid" });

/**
 * The connector an upload is for, once every check on the request has passed: a job ID, a live
 * connector of an app that is the caller, enabled, fed by uploads, and of a type this endpoint
 * takes. A refused upload's body is read and discarded before the error is thrown, so the answer
 * never reaches a client that is still sending.
 */
async function uploadConnector(ctx: Ctx, input: UploadInput, endpoint: UploadEndpoint): Promise<ConnectorRow> {
  const body = isStream(input.body) ? input.body : undefined;
  const refuse = async (error: AppError): Promise<never> => {
    if (body) await drain(body);
    throw error;
  };
  const jobId = input.jobId;
  if (!jobId) {
    return refuse(
      new AppError("missing_job_id", 400, "The upload URL needs the connector's job ID: ?jobid=<job ID>.", {
        column: "jobid",
      }),
    );
  }
  const connector = await connectorForJob(ctx, jobId).catch((err: unknown) =>
    err instanceof AppError ? refuse(err) : Promise.reject(err),
  );
  if (!connector) {
    return refuse(
      new AppError(
        "unknown_job",
        404,
        `No connector has the job ID '${jobId}'. Copy the job ID shown when the connector was created ('openirm connectors list').`,
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
  if (endpoint === "signals" && connector.type === "badging") {
    return refuse(
      wrongEndpoint(
        `Connector '${connector.name}' is a physical badging connector: send its records as a JSON body to POST ${BADGING_UPLOAD_PATH}?jobid=${jobId} (the badging upload script's endpoint), not as a multipart file to /api/signals. With the OpenIRM command line: openirm upload --endpoint physicalbadging.`,
      ),
    );
  }
  if (endpoint === "badging" && connector.type !== "badging") {
    return refuse(
      wrongEndpoint(
        `Connector '${connector.name}' is a${/^[aeiou]/.test(connector.type) ? "n" : ""} ${connector.type} connector; ${BADGING_UPLOAD_PATH} takes only physical badging connectors' jobs. Upload this connector's file as multipart/form-data to POST /api/signals?jobid=${jobId} (its upload script's endpoint, or 'openirm upload').`,
      ),
    );
  }
  if (!body) {
    throw new AppError(
      endpoint === "badging" ? "no_body" : "not_multipart",
      400,
      endpoint === "badging"
        ? "The upload has no body: send the records as a JSON array."
        : "The upload must be multipart/form-data with the file in a part named 'file'.",
    );
  }
  return connector;
}

/** Flushes a stored upload to disk; nothing to do when processing has already removed it. */
async function syncFile(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  } finally {
    await handle?.close();
  }
}

/** Where an upload's body is kept until its run has been processed. */
async function storedPathFor(ctx: Ctx, runId: string): Promise<string> {
  const dir = join(ctx.config.dataDir, "uploads");
  await mkdir(dir, { recursive: true });
  return join(dir, runId);
}

/** Records a run that failed before processing (too large), so the connector's log shows it. */
async function recordFailedRun(
  ctx: Ctx,
  connector: ConnectorRow,
  run: { id: string; bytes: number; format: "csv" | "json"; error: string },
): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await ctx.db.query(
    `INSERT INTO upload_runs (id, connector_id, app_client_id, status, bytes, error, format, received_at, finished_at)
     VALUES ($1, $2, $3, 'failed', $4, $5, $6, $7, $7)`,
    [run.id, connector.id, connector.app_client_id, run.bytes, run.error, run.format, now],
  );
}

function tooLargeMessage(ctx: Ctx, endpoint: UploadEndpoint): string {
  const how =
    endpoint === "badging"
      ? "Send fewer records per request (the badging script's chunk size, or 'openirm upload --records-per-call')"
      : "Send smaller chunks (the upload script's -RecordsPerCall)";
  return `The upload is larger than this server accepts (${ctx.config.maxUploadBytes.toLocaleString("en-US")} bytes). ${how} or raise OPENIRM_MAX_UPLOAD_BYTES.`;
}

/** Records the stored upload's run and processes it; the answer carries the counts. */
async function processStored(
  ctx: Ctx,
  connector: ConnectorRow,
  run: { id: string; fileName: string | null; storedPath: string; bytes: number; sha256: string },
): Promise<UploadAnswer> {
  await ctx.db.query(
    `INSERT INTO upload_runs (id, connector_id, app_client_id, status, file_name, stored_path, bytes, checksum, received_at)
     VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8)`,
    [
      run.id,
      connector.id,
      connector.app_client_id,
      run.fileName,
      run.storedPath,
      run.bytes,
      run.sha256,
      ctx.clock.now().toISOString(),
    ],
  );
  const processing = startRunProcessing(ctx, run.id);
  await processing.headerChecked;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    processing.done,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ctx.config.uploadAnswerWithinMs);
    }),
  ]);
  clearTimeout(timer);
  if (!outcome) {
    // Answered before it is processed: the stored body must survive a crash, to be resumed. (An
    // upload answered with its counts needs no flush of its own: its signals are committed, and an
    // unanswered one is sent again by the client.)
    await syncFile(run.storedPath);
    return { runId: run.id, status: "processing" };
  }
  if (outcome.error) throw outcome.error;
  return answerOf(outcome.run);
}

/** POST /api/signals: the file in a multipart part, CSV or JSON records. */
export async function receiveUpload(ctx: Ctx, input: UploadInput): Promise<UploadAnswer> {
  const connector = await uploadConnector(ctx, input, "signals");
  const body = input.body as Readable;
  const runId = randomUUID();
  const storedPath = await storedPathFor(ctx, runId);
  const received = await receiveMultipartFile(body, input.contentType, {
    destPath: storedPath,
    maxBytes: ctx.config.maxUploadBytes,
  });
  if (!received.ok) {
    const error = tooLargeMessage(ctx, "signals");
    await recordFailedRun(ctx, connector, { id: runId, bytes: received.bytes, format: "csv", error });
    throw new AppError("payload_too_large", 413, error, { runId });
  }
  const { file } = received;
  return processStored(ctx, connector, {
    id: runId,
    fileName: file.fileName,
    storedPath,
    bytes: file.bytes,
    sha256: file.sha256,
  });
}

/** POST /api/signals/physicalbadging: the records as the body, a JSON array or one object. */
export async function receiveBadgingUpload(ctx: Ctx, input: UploadInput): Promise<UploadAnswer> {
  const connector = await uploadConnector(ctx, input, "badging");
  const body = input.body as Readable;
  if (/^\s*multipart\//i.test(input.contentType ?? "")) {
    await drain(body);
    throw new AppError(
      "unsupported_media_type",
      415,
      `The badging endpoint takes the records as the request body, a JSON array (Content-Type: application/json), not as a multipart file. Multipart files go to POST /api/signals?jobid=${input.jobId}, which does not take badging connectors.`,
    );
  }
  const runId = randomUUID();
  const storedPath = await storedPathFor(ctx, runId);
  const received = await receiveJsonBody(body, { destPath: storedPath, maxBytes: ctx.config.maxUploadBytes });
  const refuse = async (status: number, code: string, error: string): Promise<never> => {
    await rm(storedPath, { force: true });
    await recordFailedRun(ctx, connector, { id: runId, bytes: received.bytes, format: "json", error });
    throw new AppError(code, status, error, { runId });
  };
  if (received.tooLarge) return refuse(413, "payload_too_large", tooLargeMessage(ctx, "badging"));
  if (!received.content) {
    return refuse(
      400,
      "empty_body",
      "The request body is empty: send the badge events as a JSON array of records (UserId, AssetId, AssetName, EventTime, AccessStatus).",
    );
  }
  if (received.records !== undefined && received.records > MAX_BADGING_RECORDS_PER_REQUEST) {
    const limit = MAX_BADGING_RECORDS_PER_REQUEST.toLocaleString("en-US");
    return refuse(
      413,
      "too_many_records",
      `The request has ${received.records.toLocaleString("en-US")} records; one request to the badging endpoint takes up to ${limit}. Nothing was stored. Send at most ${limit} records per request (the badging script sends 50,000; 'openirm upload --records-per-call').`,
    );
  }
  return processStored(ctx, connector, {
    id: runId,
    fileName: null,
    storedPath,
    bytes: received.bytes,
    sha256: received.sha256,
  });
}

interface ReceivedJson {
  bytes: number;
  sha256: string;
  tooLarge: boolean;
  /** Whether the body has anything but white space (and a byte order mark). */
  content: boolean;
  /** Records counted while receiving; undefined when the body is not JSON the scanner could follow. */
  records: number | undefined;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Streams a JSON body to `destPath` while counting its SHA-256, bytes and records. Records are
 * counted on the bytes read as Latin-1: JSON's structure is ASCII and no byte of a multi-byte
 * UTF-8 character is, so the count is exact whatever the encoding turns out to be. Over
 * `maxBytes` the rest of the body is read and discarded, and nothing is kept.
 */
async function receiveJsonBody(body: Readable, opts: { destPath: string; maxBytes: number }): Promise<ReceivedJson> {
  const hash = createHash("sha256");
  // Counting only: the records are parsed once, when the run processes them.
  const scanner = new JsonRecordScanner({ parse: false });
  const items: JsonItem[] = [];
  const result: ReceivedJson = { bytes: 0, sha256: "", tooLarge: false, content: false, records: 0 };
  let head: Buffer | undefined = Buffer.alloc(0);
  const count = (bytes: Buffer) => {
    const text = bytes.toString("latin1");
    if (!result.content && /[^ \t\r\n]/.test(text)) result.content = true;
    if (result.records === undefined) return;
    try {
      scanner.push(text, items);
    } catch {
      result.records = undefined; // not JSON records: processing explains what is wrong
      return;
    }
    result.records += items.length;
    items.length = 0;
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      result.bytes += chunk.length;
      if (result.tooLarge || result.bytes > opts.maxBytes) {
        result.tooLarge = true;
        return done();
      }
      hash.update(chunk);
      if (head !== undefined) {
        // The first three bytes may be a UTF-8 byte order mark, which is not counted as content.
        head = Buffer.concat([head, chunk]);
        if (head.length < UTF8_BOM.length) return done(null, chunk);
        count(head.subarray(0, 3).equals(UTF8_BOM) ? head.subarray(3) : head);
        head = undefined;
        return done(null, chunk);
      }
      count(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (head !== undefined && !result.tooLarge) count(head);
      if (result.records !== undefined) {
        try {
          scanner.end(items);
          result.records += items.length;
        } catch {
          result.records = undefined;
        }
      }
      done();
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(opts.destPath));
  } catch (err) {
    await rm(opts.destPath, { force: true });
    await drain(body);
    throw new AppError(
      "upload_interrupted",
      400,
      `The request body could not be read (${(err as Error).message}); was the upload cut off?`,
    );
  }
  result.sha256 = hash.digest("hex");
  if (result.tooLarge) await rm(opts.destPath, { force: true });
  return result;
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
