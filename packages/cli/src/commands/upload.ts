// `openirm upload`: the connector upload client (what the sample upload scripts do, done right):
// CSV files and JSON records, to /api/signals or, for badging connectors, /api/signals/physicalbadging.

import cliProgress from "cli-progress";
import type { Command } from "commander";
import { connect } from "../api.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { parseWholeNumber, withServer } from "../options.ts";
import { printFields, printJson } from "../output.ts";
import {
  DEFAULT_RECORDS_PER_CALL,
  DEFAULT_RETRY,
  UPLOAD_ENDPOINTS,
  type UploadEndpoint,
  UploadError,
  type UploadHooks,
  type UploadSummary,
  uploadFile,
} from "../upload/uploadFile.ts";

interface UploadCommandOptions {
  server?: string;
  json?: boolean;
  tenantId: string;
  appId: string;
  appSecret?: string;
  jobId: string;
  filePath: string;
  recordsPerCall?: string;
  endpoint: string;
  checkpointDir?: string;
  checkpoint: boolean;
  restart?: boolean;
  retries?: string;
  retryDelay?: string;
}

function printSummary(io: CliIo, s: UploadSummary): void {
  const resumed =
    s.recordsResumed > 0 ? ` (resumed: ${s.recordsResumed} records were acknowledged by an earlier run)` : "";
  printFields(io, [
    ["chunks", `${s.chunks}${s.chunks !== s.chunksSent ? ` (${s.chunksSent} sent by this run)` : ""}`],
    ["records sent", `${s.recordsSent}${resumed}`],
    ["saved", s.recordsSaved],
    ["rejected", s.recordsRejected],
    ["duplicates", s.recordsDuplicate],
    ["retries", s.retries],
    [
      "run ids",
      s.runIds.length <= 5
        ? s.runIds.join(", ") || "-"
        : `${s.runIds.slice(0, 2).join(", ")}, …, ${s.runIds.at(-1)} (${s.runIds.length} runs; --json lists them all)`,
    ],
  ]);
  if (s.processing.length > 0) {
    io.out(
      `  ${s.processing.length} run(s) still processing on the server; see 'openirm runs list --connector ID' for their counts.\n`,
    );
  }
  for (const w of s.warnings.slice(0, 10)) io.out(`  warning: ${w}\n`);
  if (s.warnings.length > 10) io.out(`  … and more warnings: see the run log.\n`);
}

/** A progress bar on a terminal, one line per chunk otherwise; nothing with --json (stdout is the summary). */
function progressHooks(io: CliIo, json: boolean): UploadHooks & { stop(): void } {
  if (json) return { stop() {} };
  const say = (text: string) => io.out(text);
  if (io.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: "uploading |{bar}| {percentage}% | {records} records | chunk {chunk} | {eta_formatted} left",
        hideCursor: true,
        stopOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      onStart(info) {
        bar.start(info.totalBytes, info.resumedBytes, { records: info.resumedRecords, chunk: info.resumedChunks });
        started = true;
      },
      onChunk(result, progress) {
        bar.update(progress.bytesDone, { records: progress.recordsDone, chunk: result.index });
      },
      onRetry(info) {
        bar.update({ chunk: `${info.chunk} (retry ${info.attempt} in ${Math.round(info.delayMs / 1000)} s)` });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  return {
    onStart(info) {
      if (info.resumedRecords > 0) {
        say(
          `Resuming ${info.file}: ${info.resumedRecords} records in ${info.resumedChunks} chunks were already acknowledged.\n`,
        );
      }
    },
    onChunk(r) {
      say(
        `chunk ${r.index}: ${r.records === 1 ? `record ${r.firstRecord}` : `records ${r.firstRecord}–${r.firstRecord + r.records - 1}`} sent; ` +
          `saved ${r.recordsSaved}, rejected ${r.recordsRejected}, duplicates ${r.recordsDuplicate}` +
          `${r.status === "processing" ? " (still processing)" : ""}${r.runId ? ` [run ${r.runId}]` : ""}\n`,
      );
    },
    onRetry(info) {
      say(
        `chunk ${info.chunk}: ${info.reason}; retrying in ${(info.delayMs / 1000).toFixed(1)} s (attempt ${info.attempt + 1})\n`,
      );
    },
    stop() {},
  };
}

export function registerUpload(program: Command, io: CliIo): void {
  withServer(
    program
      .command("upload")
      .description("upload a CSV or JSON file to a connector's job, in chunks, resuming after interruptions")
      .requiredOption("--tenant-id <id>", "tenant ID (printed at the server's first start and by 'apps create')")
      .requiredOption("--app-id <clientId>", "app registration client ID")
      .option("--app-secret <secret>", "app registration secret (default: OPENIRM_APP_SECRET)")
      .requiredOption("--job-id <id>", "the connector's job ID")
      .requiredOption(
        "--file-path <file>",
        "the file to upload: CSV, or JSON records (an array, one object, or one object per line)",
      )
      .option(
        "--records-per-call <n>",
        `data records per request (default ${DEFAULT_RECORDS_PER_CALL.toLocaleString("en-US")}); 0 sends the whole file in one request`,
      )
      .option(
        "--endpoint <endpoint>",
        "signals | physicalbadging (badging connectors: JSON records as a JSON body) | hr-termination (the older HR endpoint)",
        "signals",
      )
      .option("--checkpoint-dir <dir>", "where to keep the resume checkpoint (default: next to the file)")
      .option("--no-checkpoint", "do not keep a checkpoint (a re-run starts from the first record)")
      .option("--restart", "ignore an existing checkpoint and start from the first record")
      .option("--retries <n>", "attempts per chunk on server or network errors", String(DEFAULT_RETRY.attempts))
      .option(
        "--retry-delay <ms>",
        "first wait between attempts in milliseconds, doubled each time",
        String(DEFAULT_RETRY.baseDelayMs),
      ),
  )
    .addHelpText(
      "after",
      `
Examples:
  openirm upload --server https://irm.example.org --tenant-id TENANT --app-id CLIENT_ID \\
    --app-secret SECRET --job-id JOB_ID --file-path ./detections.csv
  openirm upload --server https://irm.example.org --tenant-id TENANT --app-id CLIENT_ID \\
    --app-secret SECRET --job-id JOB_ID --file-path ./badges.json --endpoint physicalbadging`,
    )
    .action(async (opts: UploadCommandOptions) => {
      const recordsPerCall = parseWholeNumber("--records-per-call", opts.recordsPerCall, 0);
      const attempts = parseWholeNumber("--retries", opts.retries, 1) as number;
      const baseDelayMs = parseWholeNumber("--retry-delay", opts.retryDelay, 0) as number;
      if (!(UPLOAD_ENDPOINTS as readonly string[]).includes(opts.endpoint)) {
        throw new UsageError(`--endpoint must be one of ${UPLOAD_ENDPOINTS.join(", ")} (got '${opts.endpoint}').`);
      }
      const appSecret = opts.appSecret ?? io.env.OPENIRM_APP_SECRET;
      if (!appSecret) throw new UsageError("--app-secret is required (or set OPENIRM_APP_SECRET).");
      const { server } = await connect(io, opts);
      const hooks = progressHooks(io, Boolean(opts.json));
      let summary: UploadSummary;
      try {
        summary = await uploadFile(
          {
            server,
            tenantId: opts.tenantId,
            appId: opts.appId,
            appSecret,
            jobId: opts.jobId,
            filePath: opts.filePath,
            ...(recordsPerCall !== undefined ? { recordsPerCall } : {}),
            endpoint: opts.endpoint as UploadEndpoint,
            ...(opts.checkpointDir ? { checkpointDir: opts.checkpointDir } : {}),
            checkpoint: opts.checkpoint,
            restart: Boolean(opts.restart),
            retry: { attempts, baseDelayMs },
          },
          hooks,
        );
      } catch (err) {
        hooks.stop();
        if (err instanceof UploadError) {
          if (opts.json) printJson(io, { ...err.summary, error: err.message, status: err.status ?? null });
          const s = err.summary;
          err.message +=
            s.recordsAcknowledged > 0
              ? `\n  ${s.recordsAcknowledged} records in ${s.chunks} chunks were acknowledged; run the same command again to resume after them.`
              : "";
        }
        throw err;
      }
      hooks.stop();
      if (opts.json) return printJson(io, summary);
      if (summary.chunks === 0) {
        io.out(
          summary.format === "json"
            ? `Nothing to upload: ${opts.filePath} has no records.\n`
            : `Nothing to upload: ${opts.filePath} has a header and no records.\n`,
        );
        return;
      }
      io.out(`Uploaded ${summary.file} to job ${summary.jobId}.\n`);
      printSummary(io, summary);
    });
}
