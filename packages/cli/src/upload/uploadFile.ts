// The connector upload client, as a library: streams a file to a connector's job in chunks of N
// whole records — a CSV file with its header repeated in each chunk, or JSON records (an array, one
// object, or NDJSON) sent as NDJSON in a multipart file, or as a JSON array body to the badging
// endpoint — with a fresh token before every chunk, retries with exponential backoff on server and
// network errors, no retry on other refusals, and a checkpoint so an interrupted upload resumes
// after the last acknowledged chunk.

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
import {
  countJsonRecords,
  isBlankFile,
  type JsonLayout,
  jsonChunks,
  readJsonLayout,
  recordBytes,
  recordBytesLength,
} from "./jsonScan.ts";

export const UPLOAD_ENDPOINTS = ["signals", "hr-termination", "physicalbadging"] as const;
export type UploadEndpoint = (typeof UPLOAD_ENDPOINTS)[number];

export const UPLOAD_ENDPOINT_PATHS: Record<UploadEndpoint, string> = {
  signals: "/api/signals",
  "hr-termination": "/api/signals/hr/termination/csv",
  physicalbadging: "/api/signals/physicalbadging",
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
/** Records per request of a CSV file (the HR script's chunk size). */
/** Records per request for CSV files: the reference upload script's chunk size. */
export const DEFAULT_RECORDS_PER_CALL = 50_000;
/** Records per request of a JSON file (the badging script's chunk size). */
export const DEFAULT_JSON_RECORDS_PER_CALL = 50_000;
/** The most records one request to the badging endpoint may carry. */
export const MAX_BADGING_RECORDS_PER_CALL = 100_000;

const JSON_EXTENSIONS = [".json", ".ndjson", ".jsonl"];

export interface UploadOptions {
  server: string;
  tenantId: string;
  appId: string;
  appSecret: string;
  jobId: string;
  filePath: string;
  /**
   * Data records per request (default 50,000); 0 sends the whole file in
   * one request, as it is.
   */
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
  format: "csv" | "json";
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
  format: "csv" | "json";
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

type BodyPart = Buffer | { path: string; start: number; end: number } | (() => AsyncIterable<Buffer>);

/** A request body: its pieces, produced again for every attempt. */
interface RequestBody {
  parts: BodyPart[];
  /** Length of the pieces that are generators (the others are measured). */
  generatedLength: number;
}

interface RawAnswer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** POSTs a body assembled from buffers, file ranges and generated pieces, streamed with an exact Content-Length. */
function postBody(url: URL, headers: Record<string, string>, request: RequestBody, timeoutMs: number) {
  const { parts } = request;
  const length = parts.reduce(
    (n, p) => n + (Buffer.isBuffer(p) ? p.length : typeof p === "function" ? 0 : p.end - p.start),
    request.generatedLength,
  );
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
        else if (typeof part === "function") yield* part();
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

function chunkFileName(path: string, index: number, whole: boolean, json: boolean): string {
  const name = basename(path);
  if (whole) return name;
  const ext = extname(name);
  const stem = ext ? name.slice(0, -ext.length) : name;
  return `${stem}_${String(index).padStart(4, "0")}${json ? ".ndjson" : ext || ".csv"}`;
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

/** What is being uploaded: a CSV file (header + records) or JSON records, and where the records start. */
type FileLayout =
  | { format: "csv"; dataStart: number; header: Buffer; delimiter: number }
  | { format: "json"; dataStart: number; json: JsonLayout };

/** A chunk to send: its boundaries and, for JSON, its records' byte ranges. */
type Chunk = ChunkBoundary & { ranges?: number[] };

async function fileLayout(
  fh: FileHandle,
  size: number,
  displayPath: string,
  endpoint: UploadEndpoint,
): Promise<FileLayout> {
  let json: JsonLayout | undefined;
  try {
    json = await readJsonLayout(fh, size);
  } catch (err) {
    if (err instanceof CliError) throw new CliError(`${displayPath}: ${err.message}`);
    throw err;
  }
  if (json) return { format: "json", dataStart: json.dataStart, json };
  if (await isBlankFile(fh, size)) {
    throw new CliError(
      endpoint === "physicalbadging" || JSON_EXTENSIONS.includes(extname(displayPath).toLowerCase())
        ? `${displayPath} is empty: JSON records (an array, one object, or one object per line) are expected.`
        : `${displayPath} is empty: a header line is expected.`,
    );
  }
  if (endpoint === "physicalbadging") {
    throw new CliError(
      `${displayPath} is not JSON records (it does not start with '[' or '{'): the badging endpoint takes badge events as JSON (UserId, AssetId, AssetName, EventTime, AccessStatus). Upload CSV files without --endpoint physicalbadging.`,
      2,
    );
  }
  if (JSON_EXTENSIONS.includes(extname(displayPath).toLowerCase())) {
    throw new CliError(
      `${displayPath} is named ${extname(displayPath)} but does not start with '[' or '{': it is not JSON records (an array, one object, or one object per line).`,
    );
  }
  const csv = await readLayout(fh, size);
  if (!csv) throw new CliError(`${displayPath} is empty: a header line is expected.`);
  return { format: "csv", dataStart: csv.dataStart, header: csv.header, delimiter: csv.delimiter };
}

const NEWLINE = Buffer.from("\n");

/** The request for one chunk: multipart (CSV, or the records as NDJSON) or, for badging, a JSON array body. */
function chunkRequest(
  layout: FileLayout,
  chunk: Chunk,
  opts: { fh: FileHandle; path: string; size: number; endpoint: UploadEndpoint; wholeFile: boolean },
): { contentType: string; body: RequestBody } {
  const { fh, path, size, wholeFile } = opts;
  if (opts.endpoint === "physicalbadging") {
    if (wholeFile)
      return { contentType: "application/json", body: { parts: [{ path, start: 0, end: size }], generatedLength: 0 } };
    const framing = { prefix: Buffer.from("[\n"), separator: Buffer.from(",\n"), suffix: Buffer.from("\n]\n") };
    const ranges = chunk.ranges ?? [];
    return {
      contentType: "application/json",
      body: { parts: [() => recordBytes(fh, ranges, framing)], generatedLength: recordBytesLength(ranges, framing) },
    };
  }
  const boundary = `openirm-${randomUUID()}`;
  const json = layout.format === "json";
  const fileName = chunkFileName(path, chunk.index, wholeFile, json);
  const preamble = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename=${quoteHeaderValue(fileName)}\r\n` +
      `Content-Type: ${json ? (wholeFile ? "application/json" : "application/x-ndjson") : "text/csv"}\r\n\r\n`,
  );
  const closing = Buffer.from(`\r\n--${boundary}--\r\n`);
  const contentType = `multipart/form-data; boundary=${boundary}`;
  if (wholeFile)
    return { contentType, body: { parts: [preamble, { path, start: 0, end: size }, closing], generatedLength: 0 } };
  if (layout.format === "csv") {
    return {
      contentType,
      body: {
        parts: [preamble, layout.header, { path, start: chunk.start, end: chunk.end }, closing],
        generatedLength: 0,
      },
    };
  }
  // JSON records as NDJSON: each record's bytes as in the file, one after another on their own lines.
  const framing = { prefix: Buffer.alloc(0), separator: NEWLINE, suffix: NEWLINE };
  const ranges = chunk.ranges ?? [];
  return {
    contentType,
    body: {
      parts: [preamble, () => recordBytes(fh, ranges, framing), closing],
      generatedLength: recordBytesLength(ranges, framing),
    },
  };
}

export async function uploadFile(opts: UploadOptions, hooks: UploadHooks = {}): Promise<UploadSummary> {
  const started = Date.now();
  const server = normaliseServer(opts.server);
  const endpoint = opts.endpoint ?? "signals";
  if (!UPLOAD_ENDPOINTS.includes(endpoint)) {
    throw new CliError(`the endpoint must be one of ${UPLOAD_ENDPOINTS.join(", ")} (got '${endpoint}').`, 2);
  }
  if (opts.recordsPerCall !== undefined && (!Number.isInteger(opts.recordsPerCall) || opts.recordsPerCall < 0)) {
    throw new CliError(`records per call must be a whole number ≥ 0 (got ${opts.recordsPerCall}).`, 2);
  }
  if (endpoint === "physicalbadging" && (opts.recordsPerCall ?? 0) > MAX_BADGING_RECORDS_PER_CALL) {
    throw new CliError(
      `records per call: the badging endpoint takes up to ${MAX_BADGING_RECORDS_PER_CALL.toLocaleString("en-US")} records per request (got ${opts.recordsPerCall?.toLocaleString("en-US")}).`,
      2,
    );
  }
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
    const layout = await fileLayout(fh, size, opts.filePath, endpoint);
    const recordsPerCall =
      opts.recordsPerCall ?? (layout.format === "json" ? DEFAULT_JSON_RECORDS_PER_CALL : DEFAULT_RECORDS_PER_CALL);
    const wholeFile = recordsPerCall === 0;

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
      if (
        saved &&
        saved.byteOffset >= layout.dataStart &&
        checkpointMatches(saved, { path, size, mtimeMs, jobId: opts.jobId, endpoint })
      )
        cp = saved;
    }
    const summary: UploadSummary = {
      file: path,
      format: layout.format,
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
    const countAll = () =>
      layout.format === "json"
        ? countJsonRecords(fh, layout.json)
        : countRecords(fh, layout.dataStart, size, layout.delimiter);
    let wholeRecords = 0;
    if (wholeFile) {
      wholeRecords = await countAll();
      if (endpoint === "physicalbadging" && wholeRecords > MAX_BADGING_RECORDS_PER_CALL) {
        throw new CliError(
          `${opts.filePath} has ${wholeRecords.toLocaleString("en-US")} records; the badging endpoint takes up to ${MAX_BADGING_RECORDS_PER_CALL.toLocaleString("en-US")} per request. Leave out --records-per-call 0 to send it in chunks.`,
          2,
        );
      }
    }
    hooks.onStart?.({
      file: path,
      format: layout.format,
      totalBytes: size,
      resumedBytes: wholeFile ? 0 : cp.byteOffset,
      resumedRecords: cp.recordsAcknowledged,
      resumedChunks: cp.chunksAcknowledged,
      wholeFile,
    });

    const url = new URL(`${server}${UPLOAD_ENDPOINT_PATHS[endpoint]}`);
    url.searchParams.set("jobid", opts.jobId);
    const chunks: AsyncIterable<Chunk> = wholeFile
      ? (async function* () {
          if (wholeRecords > 0) yield { index: 1, start: 0, end: size, records: wholeRecords };
        })()
      : layout.format === "json"
        ? jsonChunks(fh, {
            from: cp.byteOffset,
            size,
            recordsPerChunk: recordsPerCall,
            shape: layout.json.shape,
            firstIndex: cp.chunksAcknowledged + 1,
            recordsBefore: cp.recordsAcknowledged,
          })
        : chunkBoundaries(fh, {
            from: cp.byteOffset,
            size,
            recordsPerChunk: recordsPerCall,
            delimiter: layout.delimiter,
            firstIndex: cp.chunksAcknowledged + 1,
          });

    const iterator = chunks[Symbol.asyncIterator]();
    // The next chunk's boundaries are found while the server works on the current one.
    let pending = iterator.next();
    for (;;) {
      let next: IteratorResult<Chunk>;
      try {
        next = await pending;
      } catch (err) {
        // The file stops being JSON records somewhere: what was acknowledged stays acknowledged.
        if (err instanceof CliError && !(err instanceof UploadError)) {
          summary.elapsedMs = Date.now() - started;
          throw new UploadError(`${opts.filePath}: ${err.message}`, summary, undefined);
        }
        throw err;
      }
      if (next.done) break;
      const chunk = next.value;
      const firstRecord = cp.recordsAcknowledged + 1;
      await hooks.beforeChunk?.({
        index: chunk.index,
        start: chunk.start,
        end: chunk.end,
        records: chunk.records,
        firstRecord,
      });
      const request = chunkRequest(layout, chunk, { fh, path, size, endpoint, wholeFile });
      pending = iterator.next();
      // Its failure (the file stops being records) is reported when its turn comes, not before.
      pending.catch(() => undefined);

      let answer: Record<string, unknown> | undefined;
      let attempts = 0;
      for (let attempt = 1; answer === undefined; attempt++) {
        attempts = attempt;
        try {
          const token = await requestToken(opts, server);
          const res = await postBody(
            url,
            { authorization: `Bearer ${token}`, "content-type": request.contentType, accept: "application/json" },
            request.body,
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
          const advice =
            res.status === 413 && !/records-per-call/.test(detail)
              ? " Send smaller chunks with --records-per-call."
              : "";
          throw new Refused(`${detail}${advice}`, res.status);
        } catch (err) {
          const where = `chunk ${chunk.index} (${chunk.records === 1 ? `record ${firstRecord}` : `records ${firstRecord}–${firstRecord + chunk.records - 1}`})`;
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
