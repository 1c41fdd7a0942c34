// The page and pageSize query parameters of list endpoints that take nothing else.

import { AppError } from "@openirm/domain";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

const badParameter = (name: string, message: string) =>
  new AppError("invalid_parameter", 400, `${name}: ${message}`, { column: name });

/**
 * Reads `page` (from 1) and `pageSize` (1–500, default 50); any other parameter, or a value that is
 * not a whole number in range, answers 400 naming the parameter and what it accepts.
 */
export function pageQuery(query: Record<string, unknown>) {
  for (const key of Object.keys(query)) {
    if (key !== "page" && key !== "pageSize") {
      throw badParameter(key, "unknown parameter; this endpoint accepts: page, pageSize.");
    }
  }
  const number = (name: string, max: number, fallback: number) => {
    const raw = query[name];
    if (raw === undefined || raw === "") return fallback;
    const value = String(Array.isArray(raw) ? raw[0] : raw).trim();
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) {
      throw badParameter(name, `'${value}' is not allowed; use a whole number from 1 to ${max}.`);
    }
    return n;
  };
  const pageNumber = number("page", 1_000_000, 1);
  const pageSize = number("pageSize", MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  return { page: pageNumber, pageSize, limit: pageSize, offset: (pageNumber - 1) * pageSize };
}
