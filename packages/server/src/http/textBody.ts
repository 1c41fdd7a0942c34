// Lists uploaded as text (a CSV of asset IDs, of members, a domain list): the routes of a scope that
// take them read text/csv, application/csv and text/plain bodies as strings, and accept the same text
// in a JSON body under one field.

import { AppError } from "@openirm/domain";
import type { FastifyInstance } from "fastify";

const TEXT_TYPES = ["text/csv", "application/csv", "text/plain"];

/** Makes the routes registered in `scope` read text bodies as strings (up to `bodyLimit` bytes). */
export function acceptTextBodies(scope: FastifyInstance, bodyLimit?: number): void {
  for (const type of TEXT_TYPES) {
    if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
    scope.addContentTypeParser(type, { parseAs: "string", ...(bodyLimit ? { bodyLimit } : {}) }, (_r, body, done) =>
      done(null, body),
    );
  }
}

/**
 * The text of a list upload: the body itself, or JSON {"<field>": "…"}. `what` says what the list
 * is and `example` shows its first lines, for the error a wrong body gets.
 */
export function textBodyOf(body: unknown, opts: { field: string; what: string; example: string }): string {
  if (typeof body === "string") return body;
  if (Buffer.isBuffer(body)) return body.toString("utf8");
  const value = body && typeof body === "object" ? (body as Record<string, unknown>)[opts.field] : undefined;
  if (typeof value === "string") return value;
  throw new AppError(
    "invalid_request",
    400,
    `Send the ${opts.what} as the body (Content-Type text/csv or text/plain), or as JSON {"${opts.field}": ${JSON.stringify(opts.example)}}.`,
    { column: "body" },
  );
}
