// The one error type of OpenIRM: a stable machine-readable code, an HTTP status, a human message
// and structured details. Serialised by the server as RFC 9457 problem+json.

export interface ErrorDetails {
  /** 1-based line number in an uploaded file, when the error is about one row. */
  line?: number;
  /** Column (or field) name the error is about. */
  column?: string;
  [key: string]: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetails | undefined;
  /** Optional custom HTTP reason phrase (some upload clients print it). */
  readonly reason: string | undefined;

  constructor(code: string, status: number, message: string, details?: ErrorDetails, reason?: string) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.reason = reason;
  }
}

export const badRequest = (code: string, message: string, details?: ErrorDetails) =>
  new AppError(code, 400, message, details);
export const notFound = (what: string, id: string) =>
  new AppError("not_found", 404, `${what} '${id}' does not exist.`, { id });
export const forbidden = (message: string, reason?: string) =>
  new AppError("forbidden", 403, message, undefined, reason);
export const unauthorized = (message = "Authentication required.") => new AppError("unauthorized", 401, message);
export const conflict = (code: string, message: string, details?: ErrorDetails) =>
  new AppError(code, 409, message, details);
