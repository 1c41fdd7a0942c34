// Shared helpers of the detection-list parsers: a result type that carries the reason a value is
// refused (phrased to follow the value, e.g. `"https://x.com" has a scheme; …`) and value display.

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Control characters (including line breaks and tabs), never valid inside a list entry. */
export const CONTROL_CHARACTER = /\p{Cc}/u;

/** A value as shown in a message: JSON (so strings are quoted), cut to 80 characters. */
export function shown(value: unknown): string {
  const text = value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Strips one pair of surrounding double quotes (a CSV cell) and surrounding blanks. */
export function unquote(text: string): string {
  const t = text.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"').trim() : t;
}

/** True when every character is ASCII (the fast path of every normaliser). */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
