// The upload checkpoint: which records of which file the server has acknowledged, so a re-run after
// an interruption continues after the last acknowledged chunk. It is keyed by the file's path, size
// and modification time (and the job): a changed file starts over.

import { createHash } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";

export interface Checkpoint {
  version: 1;
  file: string;
  size: number;
  mtimeMs: number;
  jobId: string;
  endpoint: string;
  /** Offset of the first byte not yet acknowledged. */
  byteOffset: number;
  recordsAcknowledged: number;
  chunksAcknowledged: number;
  recordsReceived: number;
  recordsSaved: number;
  recordsRejected: number;
  recordsDuplicate: number;
  runIds: string[];
  /** Runs the server answered "processing" for (counts not known yet). */
  processing: string[];
  updatedAt: string;
}

export function checkpointPath(filePath: string, checkpointDir?: string): string {
  if (!checkpointDir) return `${filePath}.openirm-checkpoint.json`;
  const hash = createHash("sha256").update(filePath).digest("hex").slice(0, 12);
  return join(checkpointDir, `${basename(filePath)}.${hash}.openirm-checkpoint.json`);
}

export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<Checkpoint>;
    return parsed.version === 1 && typeof parsed.byteOffset === "number" ? (parsed as Checkpoint) : undefined;
  } catch {
    return undefined;
  }
}

/** Written to a temporary file and renamed, so an interruption never leaves half a checkpoint. */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(tmp, path);
}

export async function removeCheckpoint(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** True when the checkpoint belongs to this very file (same path, size, mtime) and job. */
export function checkpointMatches(
  checkpoint: Checkpoint,
  file: { path: string; size: number; mtimeMs: number; jobId: string; endpoint: string },
): boolean {
  return (
    checkpoint.file === file.path &&
    checkpoint.size === file.size &&
    checkpoint.mtimeMs === file.mtimeMs &&
    checkpoint.jobId.toLowerCase() === file.jobId.toLowerCase() &&
    checkpoint.endpoint === file.endpoint &&
    checkpoint.byteOffset <= file.size
  );
}
