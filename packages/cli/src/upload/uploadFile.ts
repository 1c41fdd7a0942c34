// The connector upload client, as a library: streams a CSV file to a connector's job in chunks of
// N records (the header repeated in each), with a fresh token before every chunk, retries with
// exponential backoff on server and network errors, no retry on other refusals, and a checkpoint
// so an interrupted upload resumes after the last acknowledged chunk.

import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { basename, extname, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { normaliseServer } from "../credentials.ts";
import { CliError, describeProblem, problemFromBody } from "../errors.ts";
import {
  type Checkpoint,
  checkpointMatches,
  checkpointPath,
  readCheckpoint,
  removeCheckpoint,
  writeCheckpoint,
} from "./checkpoint.ts";
import { type ChunkBoundary, chunkBoundaries, countRecords, readLayout } from "./csvScan.ts";

export type UploadEndpoint = "signals" | "hr-termination";

export const UPLOAD_ENDPOINT_PATHS: Record<UploadEndpoint, string> = {
  signals: "/api/signals",
  "hr-termination": "/api/signals/hr/termination/csv",
};

export interface RetryPolicy {
  /** Attempts per chunk, the first one included. */
  attempts: number;
  /** Wait before the second attempt; doubled before each further one. */
  baseDelayMs: number;
  /** Longest wait between two attempts (a Retry-After answer is honoured up to this). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 1000, maxDelayMs: 30_000 };
export const DEFAULT_RECORDS_PER_CALL = 5000;

export interface UploadOptions {
  server: string;
  tenantId: string;
  appId: string;
  appSecret: string;
  jobId: string;
  filePath: string;
  /** Data records per request (default 5,000); 0 sends the whole file in one request, as it is. */
  recordsPerCall?: number;
  endpoint?: UploadEndpoint;
  /** Where to keep the checkpoint (default: next to the file). */
  checkpointDir?: string;
  /** Keep a checkpoint and resume from it (default true). */
  checkpoint?: boolean;
  /** Ignore an existing checkpoint and start from the first record. */
  restart?: boolean;
  retry?: Partial<RetryPolicy>;
  /** How long to wait for the server to answer one request (default 400 s). */
  timeoutMs?: number;
}

export interface ChunkInfo extends ChunkBoundary {
  /** 1-based number of the chunk's first data record in the file. */
  firstRecord: number;
}

export interface ChunkResult {
  index: number;
  firstRecord: number;
  records: number;
  bytes: number;
  attempts: number;
  runId: string | undefined;
  status: string | undefined;
  recordsReceived: number;
  recordsSaved: number;
  recordsRejected: number;
  recordsDuplicate: number;
  warnings: string[];
}

export interface UploadStart {
  file: string;
  totalBytes: number;
  /** Bytes already acknowledged by an earlier, interrupted run. */
  resumedBytes: number;
  resumedRecords: number;
  resumedChunks: number;
  wholeFile: boolean;
}

export interface UploadProgress {
  bytesDone: number;
  totalBytes: number;
  recordsDone: number;
}

export interface UploadHooks {
  onStart?(info: UploadStart): void;
  /** Called before a chunk is sent; throwing stops the upload (the checkpoint keeps what was acknowledged). */
  beforeChunk?(chunk: ChunkInfo): void | Promise<void>;
  onChunk?(result: ChunkResult, progress: UploadProgress): void;
  onRetry?(info: { chunk: number; attempt: number; delayMs: number; reason: string }): void;
  /** Waiting between attempts (tests pass a fast one). */
  sleep?(ms: number): Promise<void>;
}

export interface UploadSummary {
  file: string;
  jobId: string;
  endpoint: UploadEndpoint;
  complete: boolean;
  /** Chunks acknowledged for this file, including those of an earlier interrupted run. */
  chunks: number;
  /** Chunks and records sent by this run. */
  chunksSent: number;
  recordsSent: number;
  /** Records acknowledged by an earlier run, skipped by this one. */
  recordsResumed: number;
  recordsAcknowledged: number;
  recordsReceived: number;
  recordsSaved: number;
  recordsRejected: number;
  recordsDuplicate: number;
  runIds: string[];
  /** Runs still processing on the server when they answered. */
  processing: string[];
  warnings: string[];
  retries: number;
  elapsedMs: number;
}

/** The upload stopped: a refusal, or the retries ran out. `summary` tells what was acknowledged. */
export class UploadError extends CliError {
  constructor(
    message: string,
    readonly summary: UploadSummary,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

/** Worth another attempt: a 5xx, 408 or 429 answer, or a transport failure. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Refused for good (4xx): the detail says why. */
class Refused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const isRetryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;

function retryAfterMs(header: string | string[] | null | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function transportReason(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
}

async function requestToken(opts: UploadOptions, server: string): Promise<string> {
  const body = new URLSearchParams({
    client_id: opts.appId,
    client_secret: opts.appSecret,
    grant_type: "client_credentials",
    resource: server,
    tenant_id: opts.tenantId,
  });
  let res: Response;
  try {
    res = await fetch(`${server}/${encodeURIComponent(opts.tenantId)}/oauth2/token?api-version=1.0`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: body.toString(),
    });
  } catch (err) {
    throw new Retryable(`token request failed: ${transportReason(err)}`);
  }
  const text = await res.text();
  if (!res.ok) {
    const problem = problemFromBody(res.status, res.statusText, text);
    const message = `token request refused (HTTP ${res.status}): ${problem.detail}`;
    if (isRetryableStatus(res.status)) throw new Retryable(message, retryAfterMs(res.headers.get("retry-after")));
    throw new Refused(message, res.status);
  }
  const token = (JSON.parse(text) as { access_token?: string }).access_token;
  if (!token) throw new Retryable("the token endpoint answered without an access_token");
  return token;
}

type BodyPart = Buffer | { path: string; start: number; end: number };

interface RawAnswer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** POSTs a multipart body assembled from buffers and file ranges, streamed with an exact Content-Length. */
function postMultipart(url: URL, headers: Record<string, string>, parts: BodyPart[], timeoutMs: number) {
  const length = parts.reduce((n, p) => n + (Buffer.isBuffer(p) ? p.length : p.end - p.start), 0);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<RawAnswer>((resolvePromise, reject) => {
    let answered = false;
    const req = client.request(url, {
      method: "POST",
      headers: { ...headers, "content-length": String(length) },
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on("error", (err) => {
      if (!answered) reject(new Retryable(`upload failed: ${transportReason(err)}`));
    });
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (err) => reject(new Retryable(`upload failed: ${transportReason(err)}`)));
      res.on("end", () => {
        resolvePromise({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        // The server may answer before reading the whole body (a refusal); drop the rest.
        if (!req.writableFinished) req.destroy();
      });
    });
    async function* body() {
      for (const part of parts) {
        if (Buffer.isBuffer(part)) yield part;
        else if (part.end > part.start) yield* createReadStream(part.path, { start: part.start, end: part.end - 1 });
      }
    }
    pipeline(Readable.from(body()), req).catch((err) => {
      if (!answered) req.destroy(err as Error);
    });
  });
}

function quoteHeaderValue(value: string): string {
  return `"${value.replace(/[\r\n]/g, " ").replace(/(["\\])/g, "\\$1")}"`;
}

function chunkFileName(path: string, index: number, whole: boolean): string {
  const name = basename(path);
  if (whole) return name;
  const ext = extname(name);
  return `${ext ? name.slice(0, -ext.length) : name}_${String(index).padStart(4, "0")}${ext || ".csv"}`;
}

function warningText(w: unknown): string {
  if (typeof w === "string") return w;
  if (w && typeof w === "object") {
    const o = w as Record<string, unknown>;
    const message = typeof o.message === "string" ? o.message : typeof o.detail === "string" ? o.detail : undefined;
    if (message) return describeProblem(message, o);
  }
  return JSON.stringify(w);
}

/** A 2xx body: the run summary as JSON; anything else counts as an acknowledgement without counts. */
function parseAnswer(body: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

export async function uploadFile(opts: UploadOptions, hooks: UploadHooks = {}): Promise<UploadSummary> {
  const started = Date.now();
  const server = normaliseServer(opts.server);
  const endpoint = opts.endpoint ?? "signals";
  const recordsPerCall = opts.recordsPerCall ?? DEFAULT_RECORDS_PER_CALL;
  if (!Number.isInteger(recordsPerCall) || recordsPerCall < 0) {
    throw new CliError(`records per call must be a whole number ≥ 0 (got ${recordsPerCall}).`, 2);
  }
  const wholeFile = recordsPerCall === 0;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const path = resolve(opts.filePath);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new CliError(`cannot read ${opts.filePath}: no such file.`);
  }
  if (!info.isFile()) throw new CliError(`${opts.filePath} is not a file.`);
  const size = Number(info.size);
  const mtimeMs = Number(info.mtimeMs);
  const fh: FileHandle = await open(path, "r");
  try {
    const layout = await readLayout(fh, size);
    if (!layout) throw new CliError(`${opts.filePath} is empty: a header line is expected.`);

    const useCheckpoint = opts.checkpoint !== false && !wholeFile;
    const cpPath = checkpointPath(path, opts.checkpointDir);
    const fresh: Checkpoint = {
      version: 1,
      file: path,
      size,
      mtimeMs,
      jobId: opts.jobId,
      endpoint,
      byteOffset: layout.dataStart,
      recordsAcknowledged: 0,
      chunksAcknowledged: 0,
      recordsReceived: 0,
      recordsSaved: 0,
      recordsRejected: 0,
      recordsDuplicate: 0,
      runIds: [],
      processing: [],
      updatedAt: new Date().toISOString(),
    };
    let cp = fresh;
    if (useCheckpoint && !opts.restart) {
      const saved = await readCheckpoint(cpPath);
      if (saved && checkpointMatches(saved, { path, size, mtimeMs, jobId: opts.jobId, endpoint })) cp = saved;
    }
    const resumed = { bytes: cp.byteOffset - layout.dataStart, records: cp.recordsAcknowledged };
    const summary: UploadSummary = {
      file: path,
      jobId: opts.jobId,
      endpoint,
      complete: false,
      chunks: cp.chunksAcknowledged,
      chunksSent: 0,
      recordsSent: 0,
      recordsResumed: cp.recordsAcknowledged,
      recordsAcknowledged: cp.recordsAcknowledged,
      recordsReceived: cp.recordsReceived,
      recordsSaved: cp.recordsSaved,
      recordsRejected: cp.recordsRejected,
      recordsDuplicate: cp.recordsDuplicate,
      runIds: [...cp.runIds],
      processing: [...cp.processing],
      warnings: [],
      retries: 0,
      elapsedMs: 0,
    };
    hooks.onStart?.({
      file: path,
      totalBytes: size,
      resumedBytes: wholeFile ? 0 : cp.byteOffset,
      resumedRecords: resumed.records,
      resumedChunks: cp.chunksAcknowledged,
      wholeFile,
    });

    const url = new URL(`${server}${UPLOAD_ENDPOINT_PATHS[endpoint]}`);
    url.searchParams.set("jobid", opts.jobId);
    const boundaries: AsyncIterable<ChunkBoundary> = wholeFile
      ? (async function* () {
          const records = await countRecords(fh, layout.dataStart, size, layout.delimiter);
          if (records > 0) yield { index: 1, start: 0, end: size, records };
        })()
      : chunkBoundaries(fh, {
          from: cp.byteOffset,
          size,
          recordsPerChunk: recordsPerCall,
          delimiter: layout.delimiter,
          firstIndex: cp.chunksAcknowledged + 1,
        });

    for await (const chunk of boundaries) {
      const firstRecord = cp.recordsAcknowledged + 1;
      await hooks.beforeChunk?.({ ...chunk, firstRecord });
      const boundary = `openirm-${randomUUID()}`;
      const fileName = chunkFileName(path, chunk.index, wholeFile);
      const preamble = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename=${quoteHeaderValue(fileName)}\r\n` +
          "Content-Type: text/csv\r\n\r\n",
      );
      const parts: BodyPart[] = wholeFile
        ? [preamble, { path, start: 0, end: size }, Buffer.from(`\r\n--${boundary}--\r\n`)]
        : [
            preamble,
            layout.header,
            { path, start: chunk.start, end: chunk.end },
            Buffer.from(`\r\n--${boundary}--\r\n`),
          ];

      let answer: Record<string, unknown> | undefined;
      let attempts = 0;
      for (let attempt = 1; answer === undefined; attempt++) {
        attempts = attempt;
        try {
          const token = await requestToken(opts, server);
          const res = await postMultipart(
            url,
            {
              authorization: `Bearer ${token}`,
              "content-type": `multipart/form-data; boundary=${boundary}`,
              accept: "application/json",
            },
            parts,
            opts.timeoutMs ?? 400_000,
          );
          if (res.status >= 200 && res.status < 300) {
            answer = parseAnswer(res.body);
            break;
          }
          const problem = problemFromBody(res.status, res.statusText, res.body);
          const detail = describeProblem(problem.detail, problem.details);
          if (isRetryableStatus(res.status)) {
            throw new Retryable(`HTTP ${res.status}: ${detail}`, retryAfterMs(res.headers["retry-after"]));
          }
          const advice = res.status === 413 ? " Send smaller chunks with --records-per-call." : "";
          throw new Refused(`${detail}${advice}`, res.status);
        } catch (err) {
          const where = `chunk ${chunk.index} (records ${firstRecord}–${firstRecord + chunk.records - 1})`;
          summary.elapsedMs = Date.now() - started;
          if (err instanceof Refused) {
            throw new UploadError(`${err.message} [HTTP ${err.status}, ${where}]`, summary, err.status);
          }
          if (!(err instanceof Retryable)) throw err;
          if (attempt >= retry.attempts) {
            throw new UploadError(
              `${where} failed after ${attempt} attempt${attempt === 1 ? "" : "s"}: ${err.message}`,
              summary,
              undefined,
            );
          }
          let delayMs = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
          if (err.retryAfterMs !== undefined) delayMs = Math.max(delayMs, Math.min(err.retryAfterMs, retry.maxDelayMs));
          summary.retries++;
          hooks.onRetry?.({ chunk: chunk.index, attempt, delayMs, reason: err.message });
          await sleep(delayMs);
        }
      }

      const result: ChunkResult = {
        index: chunk.index,
        firstRecord,
        records: chunk.records,
        bytes: chunk.end - chunk.start,
        attempts,
        runId: typeof answer.runId === "string" ? answer.runId : undefined,
        status: typeof answer.status === "string" ? answer.status : undefined,
        recordsReceived: count(answer.recordsReceived),
        recordsSaved: count(answer.recordsSaved),
        recordsRejected: count(answer.recordsRejected),
        recordsDuplicate: count(answer.recordsDuplicate),
        warnings: Array.isArray(answer.warnings) ? answer.warnings.map(warningText) : [],
      };
      cp = {
        ...cp,
        byteOffset: chunk.end,
        recordsAcknowledged: cp.recordsAcknowledged + chunk.records,
        chunksAcknowledged: cp.chunksAcknowledged + 1,
        recordsReceived: cp.recordsReceived + result.recordsReceived,
        recordsSaved: cp.recordsSaved + result.recordsSaved,
        recordsRejected: cp.recordsRejected + result.recordsRejected,
        recordsDuplicate: cp.recordsDuplicate + result.recordsDuplicate,
        runIds: result.runId ? [...cp.runIds, result.runId] : cp.runIds,
        processing: result.runId && result.status === "processing" ? [...cp.processing, result.runId] : cp.processing,
        updatedAt: new Date().toISOString(),
      };
      if (useCheckpoint) await writeCheckpoint(cpPath, cp);
      Object.assign(summary, {
        chunks: cp.chunksAcknowledged,
        chunksSent: summary.chunksSent + 1,
        recordsSent: summary.recordsSent + chunk.records,
        recordsAcknowledged: cp.recordsAcknowledged,
        recordsReceived: cp.recordsReceived,
        recordsSaved: cp.recordsSaved,
        recordsRejected: cp.recordsRejected,
        recordsDuplicate: cp.recordsDuplicate,
        runIds: [...cp.runIds],
        processing: [...cp.processing],
      });
      if (summary.warnings.length < 50)
        summary.warnings.push(...result.warnings.slice(0, 50 - summary.warnings.length));
      hooks.onChunk?.(result, {
        bytesDone: wholeFile ? size : chunk.end,
        totalBytes: size,
        recordsDone: cp.recordsAcknowledged,
      });
    }
    if (useCheckpoint) await removeCheckpoint(cpPath);
    summary.complete = true;
    summary.elapsedMs = Date.now() - started;
    return summary;
  } finally {
    await fh.close();
  }
}
