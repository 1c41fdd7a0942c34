// The command line as a library: run it in-process, or upload files from code (benchmarks, tests).

export { bufferIo, type CliIo, processIo } from "./io.ts";
export { buildProgram, runCli, VERSION } from "./program.ts";
export { type Checkpoint, checkpointPath, readCheckpoint } from "./upload/checkpoint.ts";
export { RecordScanner } from "./upload/csvScan.ts";
export {
  type ChunkInfo,
  type ChunkResult,
  DEFAULT_RECORDS_PER_CALL,
  DEFAULT_RETRY,
  type RetryPolicy,
  type UploadEndpoint,
  UploadError,
  type UploadHooks,
  type UploadOptions,
  type UploadSummary,
  uploadFile,
} from "./upload/uploadFile.ts";
