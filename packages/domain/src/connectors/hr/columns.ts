// Which column of a file holds which HR field: the column map ("Field": "Column" for every data
// type, "<data-type>.Field": "Column" for one), the field's own name and the names of the
// documented sample files, matched case-insensitively (spaces count).

import { AppError } from "../../errors.ts";
import { HR_DATA_TYPES, type HrDataType } from "../config.ts";
import { closestName } from "../suggest.ts";
import { folded, HR_FIELD_NAMES, HR_TYPES, type HrField } from "./fields.ts";

const bad = (column: string, message: string) => new AppError("invalid_connector", 400, message, { column });

/** A column map key as stored: "Field" or "<data-type>.Field", with the canonical spelling. */
export function columnMapKey(type: HrDataType | null, field: string): string {
  return type ? `${type}.${field}` : field;
}

/**
 * Checks the column map of a request and gives it back with canonical keys and trimmed values.
 * Keys are matched case-insensitively; a key must name an HR field, for every data type or for one.
 */
export function normalizeColumnMap(input: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawKey, rawValue] of Object.entries(input ?? {})) {
    const key = rawKey.trim();
    const dot = key.indexOf(".");
    let canonical: string;
    if (dot >= 0) {
      const typeText = key.slice(0, dot).trim();
      const fieldText = key.slice(dot + 1).trim();
      const type = HR_DATA_TYPES.find((t) => t === typeText.toLowerCase());
      if (!type) {
        const guess = closestName(typeText, HR_DATA_TYPES);
        throw bad(
          `columnMap.${key}`,
          `columnMap: '${key}' names no HR data type before the dot.${guess ? ` Did you mean '${guess}.${fieldText}'?` : ""} Use "<data type>.<field>" with one of: ${HR_DATA_TYPES.join(", ")}.`,
        );
      }
      const names = HR_TYPES[type].fields.map((f) => f.name);
      const field = names.find((n) => n.toLowerCase() === fieldText.toLowerCase());
      if (!field) {
        const guess = closestName(fieldText, names);
        throw bad(
          `columnMap.${key}`,
          `columnMap: ${HR_TYPES[type].label} rows have no field '${fieldText}'.${guess ? ` Did you mean '${type}.${guess}'?` : ""} Their fields are: ${names.join(", ")}.`,
        );
      }
      canonical = columnMapKey(type, field);
    } else {
      const field = HR_FIELD_NAMES.find((n) => n.toLowerCase() === key.toLowerCase());
      if (!field) {
        const guess = closestName(key, HR_FIELD_NAMES);
        throw bad(
          `columnMap.${key}`,
          `columnMap: '${key}' is not an HR field.${guess ? ` Did you mean '${guess}'?` : ""} The fields are: ${HR_FIELD_NAMES.join(", ")}.`,
        );
      }
      canonical = field;
    }
    const value = typeof rawValue === "string" ? rawValue.trim() : "";
    if (!value) {
      throw bad(`columnMap.${canonical}`, `columnMap.${canonical}: name the file's column for this field.`);
    }
    if (canonical in out && out[canonical] !== value) {
      throw bad(
        `columnMap.${canonical}`,
        `columnMap: '${canonical}' is given twice ('${out[canonical]}' and '${value}'); give it once.`,
      );
    }
    out[canonical] = value;
  }
  return out;
}

/** Where to look for one field of one data type. */
export interface FieldColumns {
  /** The column map key that applies (the field's name when none does). */
  key: string;
  /** Column names to try, in order (the first one the header has is used). */
  names: string[];
  /** True when the admin named a column other than the field's own names: only that one counts. */
  explicit: boolean;
}

/** A column map with case-insensitive keys, read once per configuration. */
export class ColumnMapReader {
  readonly #entries = new Map<string, string>();

  constructor(columnMap: Record<string, string> | undefined) {
    for (const [key, value] of Object.entries(columnMap ?? {})) {
      if (typeof value === "string" && value.trim()) this.#entries.set(key.trim().toLowerCase(), value.trim());
    }
  }

  /**
   * The columns one field may be read from. A map entry for the data type wins over one for every
   * data type. An entry that is the field's own name or one of its sample names is a default: the
   * field's other names are tried after it.
   */
  columnsOf(type: HrDataType, field: HrField): FieldColumns {
    const scopedKey = columnMapKey(type, field.name);
    const scoped = this.#entries.get(scopedKey.toLowerCase());
    const global = this.#entries.get(field.name.toLowerCase());
    const entry = scoped ?? global;
    const key = scoped !== undefined ? scopedKey : field.name;
    const defaults = [field.name, ...(field.aliases ?? [])];
    if (entry === undefined) return { key, names: defaults, explicit: false };
    if (!defaults.some((d) => folded(d) === folded(entry))) return { key, names: [entry], explicit: true };
    return { key, names: [entry, ...defaults.filter((d) => folded(d) !== folded(entry))], explicit: false };
  }
}

/** The index of a column in a header (names trimmed): the exact name first, then any case. */
export function headerIndex(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === lower);
}

/** The first of `names` the header has: its index and its spelling in the header, or undefined. */
export function findColumn(
  header: readonly string[],
  names: readonly string[],
): { index: number; name: string } | undefined {
  for (const name of names) {
    const index = headerIndex(header, name);
    if (index >= 0) return { index, name: header[index] as string };
  }
  return undefined;
}
