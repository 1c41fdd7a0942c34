// Sequence detection: one user's activity events linked by file name into the data-theft chains
// collect → (hide) → take out → (cover up) done within 7 days, grouped per sequence type, counted in
// distinct files and scored on the insight scale. Pure and deterministic: the same events (in any
// order) give the same sequences with the same IDs.

import { ACTIVITY_TYPES, type ActivityType, activityType, type SequenceStage } from "../activity/catalog.ts";
import { scoreDailyValue, type Thresholds } from "../scoring/insights.ts";
import type { Severity } from "../scoring/severity.ts";
import { type UtcDay, utcDayOf } from "../scoring/windows.ts";

/** A chain of one file's steps must be done within this many days (first step to last step). */
export const SEQUENCE_WINDOW_DAYS = 7;
const DAY_MS = 86_400_000;
const WINDOW_MS = SEQUENCE_WINDOW_DAYS * DAY_MS;

/** One activity signal of the user (kind `activity.<type id>`). */
export interface SequenceInputEvent {
  /** The signal's ID (unique per user); sequence IDs are built from it, so it must be stable. */
  id: string | number;
  kind: string;
  /** ISO 8601 UTC. */
  occurredAt: string;
  /** The signal's attributes: fileName (text or list of texts), previousFileName, filePath … */
  attributes: Readonly<Record<string, unknown>>;
}

/** The kinds of step a sequence type is made of. */
export const SEQUENCE_STEP_IDS = [
  "download",
  "downloadFromWeb",
  "archive",
  "labelChange",
  "obfuscate",
  "exfiltrate",
  "delete",
] as const;
export type SequenceStepId = (typeof SEQUENCE_STEP_IDS)[number];

export interface SequenceStep {
  id: SequenceStepId;
  /** Word used in sequence names. */
  label: string;
  stage: SequenceStage;
  /** Activity type IDs (catalog) that count as this step. */
  activityTypes: readonly string[];
}

const ofStage = (stage: SequenceStage): string[] =>
  (ACTIVITY_TYPES as readonly ActivityType[]).filter((t) => t.stage === stage).map((t) => t.id);

/**
 * The steps. "obfuscate", "exfiltrate" and "delete" take every catalog type of their stage, so a
 * type added to the catalog with a stage joins the sequences without a change here; the collection
 * steps are split because the sequence names tell them apart.
 */
export const SEQUENCE_STEPS: Readonly<Record<SequenceStepId, SequenceStep>> = {
  download: {
    id: "download",
    label: "Download from a document site or cloud storage",
    stage: "collection",
    activityTypes: ["file.downloadedFromDocumentSite", "file.downloadedFromCloudStorage"],
  },
  downloadFromWeb: {
    id: "downloadFromWeb",
    label: "Download from a third-party website",
    stage: "collection",
    activityTypes: ["file.downloadedFromWeb"],
  },
  archive: { id: "archive", label: "Archive", stage: "collection", activityTypes: ["file.archived"] },
  labelChange: {
    id: "labelChange",
    label: "Downgrade or remove label",
    stage: "obfuscation",
    activityTypes: ["label.downgraded", "label.removed"],
  },
  obfuscate: { id: "obfuscate", label: "obfuscate", stage: "obfuscation", activityTypes: ofStage("obfuscation") },
  exfiltrate: { id: "exfiltrate", label: "exfiltrate", stage: "exfiltration", activityTypes: ofStage("exfiltration") },
  delete: { id: "delete", label: "delete", stage: "clean-up", activityTypes: ofStage("clean-up") },
};

export interface SequenceType {
  /** Stable ID, the steps joined by "-" (e.g. "download-obfuscate-exfiltrate"). */
  id: string;
  name: string;
  steps: readonly SequenceStepId[];
  /** Default low/medium/high thresholds on the number of distinct files. */
  thresholds: Thresholds;
}

/**
 * Default thresholds on distinct files, by the number of steps. One file is enough for a Low
 * sequence (the chain itself is the evidence); each added stage (hiding, covering up) shows more
 * intent, so fewer files reach Medium and High:
 *
 *   2 steps (collect → exfiltrate)          1 / 5 / 20
 *   3 steps (+ obfuscate or + delete)       1 / 3 / 10
 *   4 or 5 steps                            1 / 2 / 5
 */
export function defaultSequenceThresholds(stepCount: number): Thresholds {
  if (stepCount <= 2) return { low: 1, medium: 5, high: 20 };
  if (stepCount === 3) return { low: 1, medium: 3, high: 10 };
  return { low: 1, medium: 2, high: 5 };
}

const STARTS: readonly [SequenceStepId, string][] = [
  ["download", "Download from a document site or cloud storage"],
  ["archive", "Archive"],
  ["downloadFromWeb", "Download from a third-party website"],
];
const TAILS: readonly SequenceStepId[][] = [
  ["exfiltrate"],
  ["obfuscate", "exfiltrate"],
  ["exfiltrate", "delete"],
  ["obfuscate", "exfiltrate", "delete"],
];
const LABEL_FIRST: readonly SequenceStepId[][] = [
  ["labelChange", "exfiltrate"],
  ["labelChange", "exfiltrate", "delete"],
  ["labelChange", "download", "exfiltrate"],
  ["labelChange", "download", "exfiltrate", "delete"],
  ["labelChange", "download", "obfuscate", "exfiltrate"],
  ["labelChange", "download", "obfuscate", "exfiltrate", "delete"],
];

function sequenceName(first: string, rest: readonly SequenceStepId[]): string {
  const words = [first, ...rest.map((s) => (s === "download" ? "download" : SEQUENCE_STEPS[s].label))];
  if (words.length === 2) return `${words[0]} then ${words[1]}`;
  return `${words.slice(0, -1).join(", ")}, then ${words.at(-1)}`;
}

function sequenceType(steps: SequenceStepId[], firstWord: string): SequenceType {
  return {
    id: steps.join("-"),
    name: sequenceName(firstWord, steps.slice(1)),
    steps,
    thresholds: defaultSequenceThresholds(steps.length),
  };
}

/**
 * The sequence types (18). For each way of collecting (download from a document site or cloud
 * storage, archive, download from a third-party site): then exfiltrate; obfuscate, then exfiltrate;
 * exfiltrate, then delete; obfuscate, exfiltrate, then delete. And the label-first family: a label
 * downgraded or removed, optionally a download and a further obfuscation, then exfiltrate,
 * optionally delete. The order is the tie-break between types of the same length.
 */
export const SEQUENCE_TYPES: readonly SequenceType[] = [
  ...STARTS.flatMap(([start, word]) => TAILS.map((tail) => sequenceType([start, ...tail], word))),
  ...LABEL_FIRST.map((steps) => sequenceType(steps, SEQUENCE_STEPS.labelChange.label)),
];

const TYPE_BY_ID: ReadonlyMap<string, SequenceType> = new Map(SEQUENCE_TYPES.map((t) => [t.id, t]));

export function sequenceTypeById(id: string): SequenceType | undefined {
  return TYPE_BY_ID.get(id);
}

export interface SequenceOptions {
  /** Thresholds per sequence type ID, replacing the defaults. */
  thresholds?: Readonly<Record<string, Thresholds>>;
  /** Types to look for (IDs); all when left out. */
  types?: readonly string[];
}

/** One event of a sequence, with the step it counts as. */
export interface SequenceStepEvent {
  step: SequenceStepId;
  event: SequenceInputEvent;
}

/** One file's chain of steps (one event per step, in time order). */
export interface FileChain {
  /** The file's names as the events give them (first seen first; several after a rename). */
  fileNames: string[];
  steps: SequenceStepEvent[];
  startedAt: string;
  completedAt: string;
}

export interface DetectedSequence {
  /**
   * "sequence|<type id>|<id of the first event of the earliest file chain>": the same evidence gives
   * the same ID on every run, and files added later to the same group keep it.
   */
  id: string;
  typeId: string;
  name: string;
  steps: readonly SequenceStepId[];
  chains: FileChain[];
  /** Number of distinct files (names linked by a rename count once). */
  fileCount: number;
  /** First step of the earliest chain. */
  startedAt: string;
  /** Last step of any chain: the sequence's completion; `completedDay` is its UTC day. */
  completedAt: string;
  completedDay: UtcDay;
  /** When the first chain completed: the earliest moment the sequence could be detected (trigger time). */
  firstCompletedAt: string;
  thresholds: Thresholds;
  /** Insight score (0–100, scoreDailyValue of the file count against the thresholds). */
  score: number;
  severity: Severity;
}

export interface SequenceDetection {
  sequences: DetectedSequence[];
  /** Events left out: not an activity type with a stage, no file name to link by, or an unreadable time. */
  skipped: { noStage: number; noFileName: number; badTime: number };
}

interface Ev {
  src: SequenceInputEvent;
  t: number;
  typeId: string;
  stageRank: number;
  idText: string;
  /** The steps this event can count as (bits of STEP_BIT). */
  mask: number;
  /** Normalised names (the file's names; a rename gives the new and the old one). */
  names: string[];
  /** Display names in the same order as `names`. */
  shown: string[];
  order: number;
}

const STAGE_RANK: Record<SequenceStage, number> = { collection: 0, obfuscation: 1, exfiltration: 2, "clean-up": 3 };

const STEP_BIT = Object.fromEntries(SEQUENCE_STEP_IDS.map((id, i) => [id, 1 << i])) as Record<SequenceStepId, number>;
const MASK_BY_TYPE = new Map<string, number>();
for (const step of Object.values(SEQUENCE_STEPS)) {
  for (const t of step.activityTypes) MASK_BY_TYPE.set(t, (MASK_BY_TYPE.get(t) ?? 0) | STEP_BIT[step.id]);
}

const ASCII = /^[\x20-\x7e]*$/;

/** Normalises a file name for linking: Unicode NFC, trimmed, lower case. Empty → null. */
export function normaliseFileName(name: string): string | null {
  const n = (ASCII.test(name) ? name : name.normalize("NFC")).trim().toLowerCase();
  return n === "" ? null : n;
}

function texts(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

function baseName(path: string): string {
  const clean = path.split(/[?#]/, 1)[0] ?? "";
  const parts = clean.split(/[\\/]/);
  return parts.at(-1) ?? "";
}

/** The names an event links by: fileName (or the last segment of filePath), plus previousFileName. */
function namesOf(attributes: Readonly<Record<string, unknown>>): { names: string[]; shown: string[] } {
  let raw = texts(attributes.fileName);
  if (raw.every((n) => n.trim() === "")) raw = texts(attributes.filePath).map(baseName);
  raw = [...raw, ...texts(attributes.previousFileName)];
  const names: string[] = [];
  const shown: string[] = [];
  for (const r of raw) {
    const n = normaliseFileName(r);
    if (n !== null && !names.includes(n)) {
      names.push(n);
      shown.push(r.trim());
    }
  }
  return { names, shown };
}

function compareEv(a: Ev, b: Ev): number {
  return (
    a.t - b.t ||
    a.stageRank - b.stageRank ||
    (a.idText < b.idText ? -1 : a.idText > b.idText ? 1 : 0) ||
    (a.src.kind < b.src.kind ? -1 : a.src.kind > b.src.kind ? 1 : 0)
  );
}

/** Union-find over normalised names, with path halving. */
class NameSets {
  private readonly index = new Map<string, number>();
  private readonly parent: number[] = [];
  id(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.parent.length;
      this.index.set(name, i);
      this.parent.push(i);
    }
    return i;
  }
  find(i: number): number {
    let x = i;
    while (this.parent[x] !== x) {
      const p = this.parent[x]!;
      this.parent[x] = this.parent[p]!;
      x = this.parent[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Finds the chains of one sequence type in one file's events (sorted). Non-overlapping: after a
 * chain completes the search starts again. For each number of steps done it keeps only the partial
 * chain with the latest start (it dominates: whatever completes an earlier one completes it too,
 * within the window); partials older than the window are dropped. O(events × steps).
 */
function chainsOf(events: readonly Ev[], stepBits: readonly number[]): Ev[][] {
  const k = stepBits.length;
  const partial: (Ev[] | null)[] = new Array(k - 1).fill(null);
  const out: Ev[][] = [];
  for (const ev of events) {
    for (let j = 0; j < k - 1; j++) {
      const p = partial[j];
      if (p && ev.t - p[0]!.t > WINDOW_MS) partial[j] = null;
    }
    for (let j = k - 1; j >= 0; j--) {
      if ((ev.mask & stepBits[j]!) === 0) continue;
      let candidate: Ev[];
      if (j === 0) candidate = [ev];
      else {
        const prev = partial[j - 1];
        if (!prev) continue;
        candidate = [...prev, ev];
      }
      if (j === k - 1) {
        out.push(candidate);
        partial.fill(null);
        break;
      }
      const current = partial[j];
      if (!current || candidate[0]!.t > current[0]!.t) partial[j] = candidate;
    }
  }
  return out;
}

interface Found {
  type: SequenceType;
  typeOrder: number;
  file: number;
  events: Ev[];
}

/**
 * Detects the user's sequences. Linking (what makes two events "the same file"):
 * - the file name, compared case-insensitively after Unicode normalisation (folders are ignored:
 *   the same name in two folders is one file); without a fileName, the last segment of filePath;
 * - a rename links its new name (fileName) and old name (previousFileName) for the whole window;
 * - an event with several names (a list, e.g. several attachments) counts for each file;
 * - an archive links only by its own name: the catalog has no attribute naming the files put into
 *   an archive, so "download report.docx, then archive it into q3.zip" is not linked, while
 *   "archive q3.zip, then upload q3.zip" is.
 * Events without any name (a whole site shared, a message without attachments) cannot be linked
 * and are counted in `skipped.noFileName`.
 *
 * Each event counts in at most one chain of a file: when chains overlap, the one with more steps
 * wins (then the earlier one, then the type order). Chains of the same type are grouped: a group
 * starts at its earliest chain and takes every chain of that type starting within the next 7 days.
 * A group below its type's low threshold (only with custom thresholds) is not reported.
 *
 * O(n log n) in the number of events: one sort, one union-find pass, and a linear scan per type.
 */
export function detectSequences(
  events: readonly SequenceInputEvent[],
  options: SequenceOptions = {},
): SequenceDetection {
  const skipped = { noStage: 0, noFileName: 0, badTime: 0 };
  const evs: Ev[] = [];
  for (const src of events) {
    const typeId = src.kind.startsWith("activity.") ? src.kind.slice("activity.".length) : "";
    const type = activityType(typeId);
    if (!type || type.stage === null) {
      skipped.noStage++;
      continue;
    }
    const t = Date.parse(src.occurredAt);
    if (!Number.isFinite(t)) {
      skipped.badTime++;
      continue;
    }
    const { names, shown } = namesOf(src.attributes);
    if (names.length === 0) {
      skipped.noFileName++;
      continue;
    }
    const mask = MASK_BY_TYPE.get(typeId) ?? 0;
    evs.push({
      src,
      t,
      typeId,
      stageRank: STAGE_RANK[type.stage],
      idText: String(src.id),
      mask,
      names,
      shown,
      order: 0,
    });
  }
  evs.sort(compareEv);
  evs.forEach((e, i) => {
    e.order = i;
  });

  // Files: union-find over names, a rename joining its two names.
  const sets = new NameSets();
  for (const e of evs) {
    const ids = e.names.map((n) => sets.id(n));
    if (e.typeId === "file.renamed") for (const id of ids.slice(1)) sets.union(ids[0]!, id);
  }
  const files = new Map<number, Ev[]>();
  for (const e of evs) {
    const roots = new Set(e.names.map((n) => sets.find(sets.id(n))));
    for (const r of roots) {
      const list = files.get(r);
      if (list) list.push(e);
      else files.set(r, [e]);
    }
  }

  const wanted = options.types ? new Set(options.types) : null;
  const types = SEQUENCE_TYPES.map((type, typeOrder) => ({
    type,
    typeOrder,
    bits: type.steps.map((s) => STEP_BIT[s]),
    all: type.steps.reduce((m, s) => m | STEP_BIT[s], 0),
  })).filter((x) => wanted === null || wanted.has(x.type.id));

  // Chains per file, overlaps resolved (longer first, then earlier, then type order).
  const kept: Found[] = [];
  for (const [file, fileEvents] of files) {
    const found: Found[] = [];
    const present = fileEvents.reduce((m, e) => m | e.mask, 0);
    for (const { type, typeOrder, bits, all } of types) {
      if ((present & all) !== all) continue; // a step of this type never happens to this file
      for (const chain of chainsOf(fileEvents, bits)) found.push({ type, typeOrder, file, events: chain });
    }
    found.sort(
      (a, b) =>
        b.events.length - a.events.length || a.events[0]!.order - b.events[0]!.order || a.typeOrder - b.typeOrder,
    );
    const used = new Set<number>();
    for (const f of found) {
      if (f.events.some((e) => used.has(e.order))) continue;
      for (const e of f.events) used.add(e.order);
      kept.push(f);
    }
  }

  // Group chains per type: each group spans chains starting within 7 days of its first chain.
  kept.sort(
    (a, b) =>
      a.typeOrder - b.typeOrder ||
      a.events[0]!.order - b.events[0]!.order ||
      a.events.at(-1)!.order - b.events.at(-1)!.order,
  );
  const built: { seq: DetectedSequence; start: number }[] = [];
  let i = 0;
  while (i < kept.length) {
    const first = kept[i]!;
    let j = i + 1;
    while (
      j < kept.length &&
      kept[j]!.typeOrder === first.typeOrder &&
      kept[j]!.events[0]!.t - first.events[0]!.t < WINDOW_MS
    ) {
      j++;
    }
    const seq = buildSequence(kept.slice(i, j), options);
    if (seq) built.push({ seq, start: first.events[0]!.order });
    i = j;
  }
  // Earliest first; sequences of different types starting with the same event by type order.
  const sequences = built.sort((a, b) => a.start - b.start).map((b) => b.seq);
  return { sequences, skipped };
}

function fileNamesOf(chain: readonly Ev[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of chain) {
    e.names.forEach((n, k) => {
      if (!seen.has(n)) {
        seen.add(n);
        out.push(e.shown[k]!);
      }
    });
  }
  return out;
}

function buildSequence(group: readonly Found[], options: SequenceOptions): DetectedSequence | null {
  const type = group[0]!.type;
  const thresholds = options.thresholds?.[type.id] ?? type.thresholds;
  const fileCount = new Set(group.map((f) => f.file)).size;
  const scored = scoreDailyValue(fileCount, thresholds);
  if (!scored) return null;
  const first = group[0]!.events[0]!;
  let last = group[0]!.events.at(-1)!;
  let firstDone = last;
  for (const f of group) {
    const end = f.events.at(-1)!;
    if (end.order > last.order) last = end;
    if (end.order < firstDone.order) firstDone = end;
  }
  return {
    id: `sequence|${type.id}|${first.idText}`,
    typeId: type.id,
    name: type.name,
    steps: type.steps,
    chains: group.map((f) => ({
      fileNames: fileNamesOf(f.events),
      steps: f.events.map((e, k) => ({ step: type.steps[k]!, event: e.src })),
      startedAt: f.events[0]!.src.occurredAt,
      completedAt: f.events.at(-1)!.src.occurredAt,
    })),
    fileCount,
    startedAt: first.src.occurredAt,
    completedAt: last.src.occurredAt,
    completedDay: utcDayOf(new Date(last.t).toISOString()),
    firstCompletedAt: firstDone.src.occurredAt,
    thresholds,
    score: scored.score,
    severity: scored.severity,
  };
}
