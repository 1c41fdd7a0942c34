// Priority physical assets: the doors, readers and rooms whose access the physical access indicator
// watches. Asset IDs are those the badging system sends (AssetId); they are matched trimmed and
// case-insensitively. This file holds the ID rules and the reading of an asset list (CSV).

import { detectDelimiter } from "../connectors/schema.ts";
import { closestName } from "../connectors/suggest.ts";

/** Longest asset ID accepted (badging records and priority assets alike). */
export const MAX_ASSET_ID_LENGTH = 200;
/** Longest asset name kept with a priority asset. */
export const MAX_ASSET_NAME_LENGTH = 400;

/** The key an asset ID is matched by: trimmed and lower-case ("Mid-Sec-7" = " mid-sec-7 "). */
export function assetKey(id: string): string {
  return id.trim().toLowerCase();
}

// C0 and C1 control characters (a tab or line break inside an ID is always a broken export).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * Why `id` (already trimmed) cannot be an asset ID, or undefined when it can. An asset ID is the
 * badging system's ID of a door or reader: letters and digits, possibly with separators such as
 * "-", "_", ".", "/" or spaces ("Mid-Sec-7", "HQ/L2/Door 3").
 */
export function assetIdProblem(id: string): string | undefined {
  if (id === "") return "the asset ID is empty.";
  if (id.length > MAX_ASSET_ID_LENGTH) {
    return `the asset ID is ${id.length} characters long; the limit is ${MAX_ASSET_ID_LENGTH}.`;
  }
  if (CONTROL.test(id)) return `'${printable(id)}' contains a control character (a tab or line break?).`;
  if (!LETTER_OR_DIGIT.test(id)) return `'${id}' has no letter or digit; an asset ID is alphanumeric (e.g. Mid-Sec-7).`;
  return undefined;
}

function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: shown as escapes in the message
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export interface PriorityAssetInput {
  /** As given, trimmed. */
  assetId: string;
  name: string | null;
}

/** Checks one asset as given to "add"; returns it trimmed, or the reason it is refused. */
export function checkPriorityAsset(
  assetId: string,
  name: string | null | undefined,
): { ok: true; asset: PriorityAssetInput } | { ok: false; field: "assetId" | "name"; reason: string } {
  const id = assetId.trim();
  const problem = assetIdProblem(id);
  if (problem) return { ok: false, field: "assetId", reason: problem };
  const trimmedName = name?.trim() ?? "";
  if (trimmedName.length > MAX_ASSET_NAME_LENGTH) {
    return {
      ok: false,
      field: "name",
      reason: `the asset name is ${trimmedName.length} characters long; the limit is ${MAX_ASSET_NAME_LENGTH}.`,
    };
  }
  if (CONTROL.test(trimmedName)) {
    return { ok: false, field: "name", reason: `'${printable(trimmedName)}' contains a control character.` };
  }
  return { ok: true, asset: { assetId: id, name: trimmedName === "" ? null : trimmedName } };
}

export interface AssetCsvError {
  line: number;
  reason: string;
}

export interface AssetCsv {
  /** Valid assets in file order, each asset ID once (the first occurrence wins). */
  assets: PriorityAssetInput[];
  /** Lines refused, with the reason. */
  errors: AssetCsvError[];
  /** Lines repeating an asset ID already read from the file (ignored). */
  duplicates: number;
  /** Whether the first line was read as a header. */
  header: boolean;
  warnings: string[];
}

const loose = (name: string) => name.toLowerCase().replace(/[\s_\-.]/g, "");
const ID_HEADERS = ["assetid"];
const NAME_HEADERS = ["assetname", "name"];

/** Splits one line on `delimiter`, honouring double quotes ("" is a quote inside a quoted field). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  let atStart = true;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = "";
      atStart = true;
      continue;
    }
    if (c === '"' && atStart && field.trim() === "") {
      quoted = true;
      field = "";
      atStart = false;
      continue;
    }
    atStart = false;
    field += c;
  }
  fields.push(field);
  return fields;
}

/**
 * Reads a list of priority assets: a CSV with a header naming an AssetId column (and optionally
 * AssetName), or a bare list of asset IDs, one per line (optionally followed by a name). Comma,
 * tab or semicolon separated. Bad lines are reported by line number; the good ones are kept.
 */
export function parsePriorityAssetCsv(text: string): AssetCsv {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const result: AssetCsv = { assets: [], errors: [], duplicates: 0, header: false, warnings: [] };
  const firstIndex = lines.findIndex((l) => l.trim() !== "");
  if (firstIndex < 0) return result;
  const first = lines[firstIndex] as string;
  const detected = detectDelimiter(first);
  const delimiter = detected === "\t" || detected === ";" ? detected : ",";
  const firstFields = splitCsvLine(first, delimiter).map((f) => f.trim());
  let idIndex = 0;
  let nameIndex: number | null = 1;
  let fieldLimit = 2;
  let start = firstIndex;
  const headerId = firstFields.findIndex((f) => ID_HEADERS.includes(loose(f)));
  if (headerId >= 0) {
    result.header = true;
    idIndex = headerId;
    const headerName = firstFields.findIndex((f) => NAME_HEADERS.includes(loose(f)));
    nameIndex = headerName >= 0 ? headerName : null;
    fieldLimit = Number.POSITIVE_INFINITY;
    const ignored = firstFields.filter((_, i) => i !== idIndex && i !== nameIndex && firstFields[i] !== "");
    if (ignored.length > 0) {
      result.warnings.push(
        `Column(s) ${ignored.map((c) => `'${c}'`).join(", ")} were ignored; only AssetId and AssetName are read.`,
      );
    }
    start = firstIndex + 1;
  } else if (firstFields.length > 1 && firstFields.every((f) => /^[a-z _-]+$/i.test(f))) {
    // Looks like a header, but without an AssetId column: say so rather than importing "Asset ID" as an asset.
    const guess = firstFields.find((f) => closestName("AssetId", [f]) !== undefined);
    if (guess && loose(guess) !== "assetid") {
      result.errors.push({
        line: firstIndex + 1,
        reason: `the header has no column 'AssetId' (did you mean '${guess}'?); the file's other lines were not read. Name the column AssetId, or send a bare list of asset IDs without a header.`,
      });
      return result;
    }
  }
  const seen = new Set<string>();
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    const number = i + 1;
    const fields = splitCsvLine(line, delimiter);
    if (fields.length > fieldLimit) {
      result.errors.push({
        line: number,
        reason: `the line has ${fields.length} fields; a list without a header has the asset ID and, optionally, its name. Quote a name that contains '${delimiter === "\t" ? "\\t" : delimiter}', or add the header AssetId${delimiter}AssetName.`,
      });
      continue;
    }
    const rawId = fields[idIndex] ?? "";
    const rawName = nameIndex === null ? null : (fields[nameIndex] ?? null);
    const checked = checkPriorityAsset(rawId, rawName);
    if (!checked.ok) {
      result.errors.push({
        line: number,
        reason: `${checked.field === "assetId" ? "AssetId" : "AssetName"}: ${checked.reason}`,
      });
      continue;
    }
    const key = assetKey(checked.asset.assetId);
    if (seen.has(key)) {
      result.duplicates++;
      continue;
    }
    seen.add(key);
    result.assets.push(checked.asset);
  }
  return result;
}
