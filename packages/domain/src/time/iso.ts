// Timestamps leave the database as PostgreSQL text ("2019-04-23 09:48:02.467504+00") and leave
// the API as ISO 8601 UTC with the microseconds kept ("2019-04-23T09:48:02.467504Z").

export function toIsoUtc(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(value.trim());
  if (!m) return value;
  const [, date, time, frac = "", offset = "Z"] = m;
  if (offset === "Z" || /^[+-]00(:?00)?$/.test(offset)) return `${date}T${time}${frac}Z`;
  // A non-UTC offset (only if the session time zone was not UTC): normalise through Date, keeping micros.
  const base = new Date(`${date}T${time}${offset.length === 3 ? `${offset}:00` : offset}`);
  return `${base.toISOString().slice(0, 19)}${frac}Z`;
}
