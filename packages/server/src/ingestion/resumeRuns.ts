// At start, runs left "received" or "processing" by a stop are processed again from their stored
// file. Stopping the server waits for the runs being processed.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { startRunProcessing, waitForRuns } from "../commands/runs.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";
import type { BackgroundJob } from "../jobs/index.ts";

export const resumeRuns: BackgroundJob = async (services, opts) => {
  let stopped = false;
  let resuming: Promise<void> = Promise.resolve();
  if (opts.scheduled) {
    const { rows } = await services.db.query<{ id: string; stored_path: string | null; checksum: string | null }>(
      `SELECT id, stored_path, checksum FROM upload_runs WHERE status IN ('received', 'processing')
        ORDER BY received_at`,
    );
    const ctx = withActor(services, SYSTEM_ACTOR);
    // One after another, in the order they arrived, without holding up the start.
    resuming = (async () => {
      for (const row of rows) {
        if (stopped) return;
        services.log.info({ runId: row.id }, "resuming an interrupted upload run");
        // A stored upload is flushed to disk only once it was answered "processing": after a
        // crash, one that was not may be cut short. Its checksum says whether it is whole.
        if (row.stored_path && row.checksum && (await sha256Of(row.stored_path)) !== row.checksum) {
          await services.db.query(
            `UPDATE upload_runs SET status = 'failed', finished_at = $2, stored_path = NULL,
                    error = 'The stored upload was incomplete after the server stopped; send the file again.'
              WHERE id = $1`,
            [row.id, services.clock.now().toISOString()],
          );
          continue;
        }
        await startRunProcessing(ctx, row.id).done;
      }
    })();
  }
  return async () => {
    stopped = true;
    await resuming;
    return waitForRuns(services.db);
  };
};

/** The SHA-256 of a stored upload in hex; undefined when it is gone. */
async function sha256Of(path: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return hash.digest("hex");
}
