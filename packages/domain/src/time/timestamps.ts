// Parsing the timestamps connector files carry: ISO 8601 with 0–7 (up to 9 accepted) fractional
// digits and any offset, normalised to UTC with microsecond precision.
//
// Rules (documented in docs/connectors/*.md):
// - `T`, `t` or one space between date and time; seconds optional; `.` or `,` before the fraction.
// - Offset `Z`, `±hh:mm`, `±hhmm` or `±hh`; no offset means UTC (the connector formats say "UTC").
// - Digits past the 6th (microseconds) are truncated, not rounded: PostgreSQL stores microseconds,
//   and truncation never moves an event into the next second, minute or day.
// - A date without a time (`2023-04-24`) is midnight UTC of that day.

export type TimestampResult = { ok: true; iso: string } | { ok: false; reason: string };

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function invalid(text: string, why?: string): TimestampResult {
  return {
    ok: false,
    reason: `'${text}' is not an ISO 8601 date and time${why ? ` (${why})` : ""}. Use e.g. 2023-04-24T05:52:56.962686Z or 2019-04-23T15:18:02.4675041+05:30.`,
  };
}

/** Formats epoch seconds and a microsecond remainder as ISO 8601 UTC, trimming trailing zeros like PostgreSQL. */
export function formatUtcMicros(epochSeconds: number, micros: number): string {
  const base = new Date(epochSeconds * 1000).toISOString().slice(0, 19);
  if (micros === 0) return `${base}Z`;
  return `${base}.${String(micros).padStart(6, "0").replace(/0+$/, "")}Z`;
}

/** Parses one timestamp; `iso` is UTC with at most six fractional digits (trailing zeros trimmed). */
export function parseTimestamp(value: string): TimestampResult {
  const text = value.trim();
  const m = PATTERN.exec(text);
  if (!m) return invalid(text);
  const [, y, mo, d, h = "00", mi = "00", s = "00", fraction = "", offset = "Z"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1) return invalid(text, "year 0000 does not exist");
  if (month < 1 || month > 12) return invalid(text, `month ${mo} does not exist`);
  const maxDay = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > maxDay) return invalid(text, `day ${d} does not exist in ${y}-${mo}`);
  if (hour > 23 || minute > 59 || second > 59) return invalid(text, "the time of day is out of range");
  let offsetMinutes = 0;
  if (offset !== "Z" && offset !== "z") {
    const digits = offset.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 18 || om > 59) return invalid(text, `offset ${offset} is out of range`);
    offsetMinutes = (offset.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const epochSeconds = date.getTime() / 1000 - offsetMinutes * 60;
  const micros = Number(fraction.padEnd(6, "0").slice(0, 6));
  return { ok: true, iso: formatUtcMicros(epochSeconds, micros) };
}
