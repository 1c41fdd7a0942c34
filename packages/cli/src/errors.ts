// Errors the command line reports as `openirm: <message>`: exit code 1, or 2 for usage mistakes.

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A mistake in how the command was called (bad option value, missing option): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = "UsageError";
  }
}

/** An error answer from the OpenIRM API (RFC 9457 problem+json), or from the token endpoint. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code: string | undefined,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(describeProblem(detail, details));
    this.name = "ApiError";
  }
}

/** The server's detail, plus the line and column when the detail does not already name them. */
export function describeProblem(detail: string, details: Record<string, unknown> | undefined): string {
  const line = details?.line;
  const column = details?.column;
  const where: string[] = [];
  if (typeof line === "number" && !new RegExp(`\\bline ${line}\\b`, "i").test(detail)) where.push(`line ${line}`);
  if (typeof column === "string" && column && !detail.includes(column)) where.push(`column ${column}`);
  return where.length > 0 ? `${detail} (${where.join(", ")})` : detail;
}

/** Reads an error answer's human message: problem+json detail, OAuth error_description, or the status line. */
export function problemFromBody(
  status: number,
  statusText: string,
  body: string,
): { detail: string; code: string | undefined; details: Record<string, unknown> | undefined } {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === "object") {
    const p = parsed as Record<string, unknown>;
    const detail =
      (typeof p.detail === "string" && p.detail) ||
      (typeof p.error_description === "string" && p.error_description) ||
      (typeof p.title === "string" && p.title) ||
      (typeof p.message === "string" && p.message) ||
      undefined;
    if (detail) {
      const code = typeof p.code === "string" ? p.code : typeof p.error === "string" ? p.error : undefined;
      const details = p.details && typeof p.details === "object" ? (p.details as Record<string, unknown>) : undefined;
      return { detail, code, details };
    }
  }
  const text = body.trim().slice(0, 500);
  return {
    detail:
      statusText && statusText !== "Unknown" ? `${statusText}${text ? `: ${text}` : ""}` : text || `HTTP ${status}`,
    code: undefined,
    details: undefined,
  };
}
