// At start, runs left "received" or "processing" by a stop are processed again from their stored
// file. Stopping the server waits for the runs being processed.

import { startRunProcessing, waitForRuns } from "../commands/runs.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";
import type { BackgroundJob } from "../jobs/index.ts";

export const resumeRuns: BackgroundJob = async (services, opts) => {
  let stopped = false;
  if (opts.scheduled) {
    const { rows } = await services.db.query<{ id: string }>(
      "SELECT id FROM upload_runs WHERE status IN ('received', 'processing') ORDER BY received_at",
    );
    const ctx = withActor(services, SYSTEM_ACTOR);
    // One after another, in the order they arrived, without holding up the start.
    void (async () => {
      for (const row of rows) {
        if (stopped) return;
        services.log.info({ runId: row.id }, "resuming an interrupted upload run");
        await startRunProcessing(ctx, row.id).done;
      }
    })();
  }
  return () => {
    stopped = true;
    return waitForRuns(services.db);
  };
};
