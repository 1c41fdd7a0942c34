// The upload endpoints of the connector scripts: POST /api/signals?jobid=… (multipart, part
// "file"), the older whole-file HR path, and POST /api/signals/physicalbadging?jobid=… (the badge
// events as a JSON body). Only app tokens may upload (signals.upload).

import { BADGING_UPLOAD_PATH, receiveBadgingUpload, receiveUpload } from "../commands/uploads.ts";
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

export const signalRoutes: RouteModule = async (app) => {
  for (const url of ["/api/signals", "/api/signals/hr/termination/csv"]) {
    app.post(url, { config: { permission: "signals.upload" } }, async (request) => {
      return receiveUpload(request.ctx, {
        jobId: jobIdOf(request.query),
        body: request.body,
        contentType: request.headers["content-type"],
      });
    });
  }

  // The badging body stays a stream whatever its Content-Type (application/json with or without a
  // charset, text/plain, none): it is stored as it arrives, under the upload size limit rather than
  // the API's body limit. The parsers are replaced only inside this scope.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    scope.post(BADGING_UPLOAD_PATH, { config: { permission: "signals.upload" } }, async (request) => {
      return receiveBadgingUpload(request.ctx, {
        jobId: jobIdOf(request.query),
        body: request.body,
        contentType: request.headers["content-type"],
      });
    });
  });
};
