// File type exclusions: extensions ignored by every policy. Entries are stored lower-case without
// a leading dot ("mp3", "tar.gz"); ".MP3" and "*.mp3" are accepted and mean the same.

import { fail, ok, type Parsed, shown } from "./parse.ts";

export const MAX_FILE_TYPE_LENGTH = 32;

const PART = "[\\p{L}\\p{N}_~$!#+-]+";
const EXTENSION = new RegExp(`^${PART}(?:\\.${PART})*$`, "u");

export function parseFileType(value: unknown): Parsed<string> {
  if (typeof value !== "string") return fail(`is not text; write an extension such as mp3.`);
  let text = value.trim().toLowerCase();
  if (text.startsWith("*.")) text = text.slice(2);
  else if (text.startsWith(".")) text = text.slice(1);
  if (text === "") return fail("is empty; write an extension such as mp3 or .mp3.");
  if (text.length > MAX_FILE_TYPE_LENGTH) {
    return fail(`is longer than ${MAX_FILE_TYPE_LENGTH} characters; write the extension alone, such as mp3.`);
  }
  if (!EXTENSION.test(text)) {
    return fail(
      `is not a file extension: use letters, digits, - and _ (a dot only between parts, as in tar.gz), such as ${shown("mp3")}.`,
    );
  }
  return ok(text);
}

/**
 * Whether a file name or extension has an excluded type. "song.MP3", ".mp3", "mp3" and
 * "C:\\Music\\song.mp3" all have type mp3; a multi-part entry such as tar.gz matches
 * "backup.tar.gz". Text without a dot is read as an extension.
 */
export function fileTypeMatcher(types: readonly string[]): (nameOrExtension: string) => boolean {
  const set = new Set(types);
  if (set.size === 0) return () => false;
  return (nameOrExtension) => {
    let name = nameOrExtension.trim().toLowerCase();
    const slash = Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\"));
    if (slash >= 0) name = name.slice(slash + 1);
    let dot = name.indexOf(".");
    if (dot < 0) return set.has(name);
    while (dot >= 0) {
      if (dot < name.length - 1 && set.has(name.slice(dot + 1))) return true;
      dot = name.indexOf(".", dot + 1);
    }
    return false;
  };
}
