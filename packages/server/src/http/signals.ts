// The upload endpoint of the connector scripts: POST /api/signals?jobid=… (multipart, part "file"),
// and the older whole-file HR path. Only app tokens may upload (signals.upload).

import { receiveUpload } from "../commands/uploads.ts";
import type { RouteModule } from "./app.ts";

/** The job ID from the query string, whatever the case of its key (jobid, jobId, JOBID). */
export function jobIdOf(query: unknown): string | undefined {
  if (!query || typeof query !== "object") return undefined;
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (key.toLowerCase() !== "jobid") continue;
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text === "string" && text.trim()) return text.trim();
  }
  return undefined;
}

export const signalRoutes: RouteModule = (app) => {
  for (const url of ["/api/signals", "/api/signals/hr/termination/csv"]) {
    app.post(url, { config: { permission: "signals.upload" } }, async (request) => {
      return receiveUpload(request.ctx, {
        jobId: jobIdOf(request.query),
        body: request.body,
        contentType: request.headers["content-type"],
      });
    });
  }
};
