import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scoreDailyValue } from "../scoring/insights.ts";
import { defaultSequenceThresholds, detectSequences, SEQUENCE_TYPES, type SequenceInputEvent } from "./sequences.ts";

let nextId = 1;
function ev(type: string, at: string, attributes: Record<string, unknown> = {}, id?: number): SequenceInputEvent {
  return { id: id ?? nextId++, kind: `activity.${type}`, occurredAt: at, attributes };
}
const file = (fileName: string, extra: Record<string, unknown> = {}) => ({ fileName, ...extra });

describe("sequence types", () => {
  it("lists every variant once, with the reference's names and thresholds by length", () => {
    expect(SEQUENCE_TYPES).toHaveLength(18);
    expect(new Set(SEQUENCE_TYPES.map((t) => t.id)).size).toBe(18);
    const byId = Object.fromEntries(SEQUENCE_TYPES.map((t) => [t.id, t]));
    expect(byId["download-exfiltrate"]?.name).toBe("Download from a document site or cloud storage then exfiltrate");
    expect(byId["archive-obfuscate-exfiltrate-delete"]?.name).toBe("Archive, obfuscate, exfiltrate, then delete");
    expect(byId["labelChange-download-exfiltrate"]?.name).toBe("Downgrade or remove label, download, then exfiltrate");
    expect(byId["downloadFromWeb-obfuscate-exfiltrate"]?.name).toBe(
      "Download from a third-party website, obfuscate, then exfiltrate",
    );
    expect(byId["download-exfiltrate"]?.thresholds).toEqual({ low: 1, medium: 5, high: 20 });
    expect(byId["archive-exfiltrate-delete"]?.thresholds).toEqual({ low: 1, medium: 3, high: 10 });
    expect(byId["labelChange-download-obfuscate-exfiltrate-delete"]?.thresholds).toEqual(defaultSequenceThresholds(5));
  });
});

describe("detectSequences", () => {
  const cases: { name: string; events: SequenceInputEvent[]; expected: { typeId: string; files: number }[] }[] = [
    {
      name: "download then exfiltrate, linked case-insensitively",
      events: [
        ev("file.downloadedFromDocumentSite", "2024-03-04T09:00:00Z", file("Report.DOCX")),
        ev("file.uploadedToCloud", "2024-03-05T09:00:00Z", file(" report.docx ")),
      ],
      expected: [{ typeId: "download-exfiltrate", files: 1 }],
    },
    {
      name: "a rename links the old and the new name",
      events: [
        ev("file.downloadedFromCloudStorage", "2024-03-04T09:00:00Z", file("plan.docx")),
        ev("file.renamed", "2024-03-04T10:00:00Z", file("holiday.jpg", { previousFileName: "plan.docx" })),
        ev("email.sentToFreeDomain", "2024-03-04T11:00:00Z", file("holiday.jpg")),
      ],
      expected: [{ typeId: "download-obfuscate-exfiltrate", files: 1 }],
    },
    {
      name: "the longest chain wins over its shorter sub-chains",
      events: [
        ev("file.downloadedFromDocumentSite", "2024-03-04T09:00:00Z", file("a.xlsx")),
        ev("label.removed", "2024-03-04T10:00:00Z", file("a.xlsx")),
        ev("file.copiedToRemovableMedia", "2024-03-05T10:00:00Z", file("a.xlsx")),
        ev("file.deleted", "2024-03-06T10:00:00Z", file("a.xlsx")),
      ],
      expected: [{ typeId: "download-obfuscate-exfiltrate-delete", files: 1 }],
    },
    {
      name: "exactly 7 days from first to last step still counts",
      events: [
        ev("file.downloadedFromWeb", "2024-03-01T09:00:00Z", file("tool.zip")),
        ev("file.printed", "2024-03-08T09:00:00Z", file("tool.zip")),
      ],
      expected: [{ typeId: "downloadFromWeb-exfiltrate", files: 1 }],
    },
    {
      name: "more than 7 days apart is no sequence",
      events: [
        ev("file.downloadedFromWeb", "2024-03-01T09:00:00Z", file("tool.zip")),
        ev("file.printed", "2024-03-08T09:00:00.001Z", file("tool.zip")),
      ],
      expected: [],
    },
    {
      name: "a later collection step restarts the 7 days",
      events: [
        ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", file("a.docx")),
        ev("file.downloadedFromDocumentSite", "2024-03-06T09:00:00Z", file("a.docx")),
        ev("file.printed", "2024-03-10T09:00:00Z", file("a.docx")),
      ],
      expected: [{ typeId: "download-exfiltrate", files: 1 }],
    },
    {
      name: "exfiltrating before collecting is no sequence",
      events: [
        ev("file.printed", "2024-03-01T09:00:00Z", file("a.docx")),
        ev("file.downloadedFromDocumentSite", "2024-03-02T09:00:00Z", file("a.docx")),
      ],
      expected: [],
    },
    {
      name: "different files do not link",
      events: [
        ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", file("a.docx")),
        ev("file.printed", "2024-03-02T09:00:00Z", file("b.docx")),
      ],
      expected: [],
    },
    {
      name: "an archive links by its own name",
      events: [
        ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", file("report.docx")),
        ev("file.archived", "2024-03-01T10:00:00Z", file("q1.zip")),
        ev("file.copiedToRemovableMedia", "2024-03-01T11:00:00Z", file("Q1.zip")),
        ev("file.deleted", "2024-03-01T12:00:00Z", file("q1.zip")),
      ],
      expected: [{ typeId: "archive-exfiltrate-delete", files: 1 }],
    },
    {
      name: "label first, then download and exfiltrate",
      events: [
        ev("label.downgraded", "2024-03-01T09:00:00Z", file("board.pptx")),
        ev("file.downloadedFromDocumentSite", "2024-03-01T10:00:00Z", file("board.pptx")),
        ev("file.sharedExternally", "2024-03-01T11:00:00Z", file("board.pptx")),
      ],
      expected: [{ typeId: "labelChange-download-exfiltrate", files: 1 }],
    },
    {
      name: "an e-mail with several attachments counts each file",
      events: [
        ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", file("a.docx")),
        ev("file.downloadedFromDocumentSite", "2024-03-01T09:01:00Z", file("b.docx")),
        ev("email.sentExternally", "2024-03-01T10:00:00Z", { fileName: ["A.docx", "b.docx"] }),
      ],
      expected: [{ typeId: "download-exfiltrate", files: 2 }],
    },
    {
      name: "the file name falls back to the last segment of the path",
      events: [
        ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", {
          filePath: "https://x/sites/s/Docs/a.docx?web=1",
        }),
        ev("file.copiedToNetworkShare", "2024-03-01T10:00:00Z", { filePath: "\\\\srv\\share\\A.docx" }),
      ],
      expected: [{ typeId: "download-exfiltrate", files: 1 }],
    },
  ];

  it.each(cases)("$name", ({ events, expected }) => {
    const { sequences } = detectSequences(events);
    expect(sequences.map((s) => ({ typeId: s.typeId, files: s.fileCount }))).toEqual(expected);
  });

  it("counts the events it cannot use", () => {
    const { sequences, skipped } = detectSequences([
      ev("site.sharedExternally", "2024-03-01T09:00:00Z", { siteUrl: "https://x/sites/s" }),
      ev("browsing.riskyWebsite", "2024-03-01T09:00:00Z", { url: "https://bad.example" }),
      { id: 1, kind: "hr.resignation", occurredAt: "2024-03-01T09:00:00Z", attributes: {} },
      ev("file.printed", "yesterday", file("a.docx")),
    ]);
    expect(sequences).toEqual([]);
    expect(skipped).toEqual({ noStage: 2, noFileName: 1, badTime: 1 });
  });

  it("groups chains of one type starting within 7 days, and scores the group by distinct files", () => {
    const events: SequenceInputEvent[] = [];
    for (let f = 0; f < 6; f++) {
      const day = String(1 + f).padStart(2, "0");
      events.push(ev("file.downloadedFromDocumentSite", `2024-03-${day}T09:00:00Z`, file(`f${f}.docx`), 100 + f));
      events.push(ev("file.uploadedToCloud", `2024-03-${day}T10:00:00Z`, file(`f${f}.docx`), 200 + f));
    }
    // 2024-03-08 is 7 days after the first chain's start: a new group.
    events.push(ev("file.downloadedFromDocumentSite", "2024-03-08T09:00:00Z", file("late.docx"), 300));
    events.push(ev("file.uploadedToCloud", "2024-03-08T10:00:00Z", file("late.docx"), 301));
    const { sequences } = detectSequences(events);
    expect(sequences.map((s) => [s.id, s.fileCount, s.score, s.severity, s.startedAt, s.completedDay])).toEqual([
      ["sequence|download-exfiltrate|100", 6, 36.2, "Medium", "2024-03-01T09:00:00Z", "2024-03-06"],
      ["sequence|download-exfiltrate|300", 1, 15, "Low", "2024-03-08T09:00:00Z", "2024-03-08"],
    ]);
    expect(sequences[0]?.firstCompletedAt).toBe("2024-03-01T10:00:00Z");
    expect(sequences[0]?.chains[0]).toEqual({
      fileNames: ["f0.docx"],
      steps: [
        { step: "download", event: events[0] },
        { step: "exfiltrate", event: events[1] },
      ],
      startedAt: "2024-03-01T09:00:00Z",
      completedAt: "2024-03-01T10:00:00Z",
    });
  });

  it("keeps the same ID when a later upload adds files to the group", () => {
    const base = [
      ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", file("a.docx"), 1),
      ev("file.printed", "2024-03-01T10:00:00Z", file("a.docx"), 2),
    ];
    const more = [
      ev("file.downloadedFromDocumentSite", "2024-03-03T09:00:00Z", file("b.docx"), 3),
      ev("file.printed", "2024-03-03T10:00:00Z", file("b.docx"), 4),
    ];
    const before = detectSequences(base).sequences;
    const after = detectSequences([...more, ...base]).sequences;
    expect(before.map((s) => [s.id, s.fileCount])).toEqual([["sequence|download-exfiltrate|1", 1]]);
    expect(after.map((s) => [s.id, s.fileCount])).toEqual([["sequence|download-exfiltrate|1", 2]]);
  });

  it("applies custom thresholds and leaves out groups below the low threshold", () => {
    const events = [
      ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", file("a.docx")),
      ev("file.printed", "2024-03-01T10:00:00Z", file("a.docx")),
      ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", file("b.docx")),
      ev("file.printed", "2024-03-01T10:00:00Z", file("b.docx")),
    ];
    const custom = { "download-exfiltrate": { low: 1, medium: 2, high: 3 } };
    expect(detectSequences(events, { thresholds: custom }).sequences.map((s) => [s.score, s.severity])).toEqual([
      [34, "Medium"],
    ]);
    const strict = { "download-exfiltrate": { low: 3, medium: 5, high: 9 } };
    expect(detectSequences(events, { thresholds: strict }).sequences).toEqual([]);
    expect(detectSequences(events, { types: ["archive-exfiltrate"] }).sequences).toEqual([]);
  });

  it("worked example of docs/scoring.md", () => {
    const events: SequenceInputEvent[] = [];
    let id = 1;
    for (const name of ["North.xlsx", "South.xlsx", "East.xlsx", "West.xlsx", "Central.xlsx"]) {
      events.push(ev("file.downloadedFromDocumentSite", "2024-03-04T09:00:00Z", file(name), id++));
      events.push(ev("file.uploadedToCloud", "2024-03-06T16:30:00Z", file(name.toLowerCase()), id++));
    }
    events.push(ev("file.downloadedFromDocumentSite", "2024-03-04T09:05:00Z", file("Pricing.docx"), id++));
    events.push(
      ev("file.renamed", "2024-03-05T08:00:00Z", file("notes.txt", { previousFileName: "Pricing.docx" }), id++),
    );
    events.push(ev("file.copiedToRemovableMedia", "2024-03-05T08:10:00Z", file("notes.txt"), id++));
    events.push(ev("file.deleted", "2024-03-07T17:00:00Z", file("notes.txt"), id++));
    events.push(ev("file.downloadedFromDocumentSite", "2024-03-01T09:00:00Z", file("Budget.xlsx"), id++));
    events.push(ev("file.printed", "2024-03-09T09:00:00Z", file("Budget.xlsx"), id++));
    const { sequences } = detectSequences(events);
    expect(
      sequences.map((s) => ({
        id: s.id,
        files: s.fileCount,
        score: s.score,
        severity: s.severity,
        completedDay: s.completedDay,
        names: s.chains.map((c) => c.fileNames.join(" → ")),
      })),
    ).toEqual([
      {
        id: "sequence|download-exfiltrate|1",
        files: 5,
        score: 34,
        severity: "Medium",
        completedDay: "2024-03-06",
        names: ["North.xlsx", "South.xlsx", "East.xlsx", "West.xlsx", "Central.xlsx"],
      },
      {
        id: "sequence|download-obfuscate-exfiltrate-delete|11",
        files: 1,
        score: 15,
        severity: "Low",
        completedDay: "2024-03-07",
        names: ["Pricing.docx → notes.txt"],
      },
    ]);
  });

  it("handles 100,000 events in a week without quadratic work", () => {
    const events: SequenceInputEvent[] = [];
    const start = Date.parse("2024-03-04T00:00:00Z");
    const steps = ["file.downloadedFromDocumentSite", "file.renamed", "file.uploadedToCloud", "file.deleted"];
    for (let f = 0; f < 25_000; f++) {
      const t0 = start + f * 20_000; // spread over ~5.8 days
      steps.forEach((type, k) => {
        const name = k === 0 ? `doc${f}.docx` : `x${f}.bin`;
        const attributes =
          type === "file.renamed" ? { fileName: name, previousFileName: `doc${f}.docx` } : { fileName: name };
        events.push({
          id: f * 4 + k,
          kind: `activity.${type}`,
          occurredAt: new Date(t0 + k * 1000).toISOString(),
          attributes,
        });
      });
    }
    const { sequences } = detectSequences(events);
    expect(sequences.map((s) => [s.typeId, s.fileCount, s.chains.length, s.severity])).toEqual([
      ["download-obfuscate-exfiltrate-delete", 25_000, 25_000, "High"],
    ]);
    expect(sequences[0]?.score).toBe(scoreDailyValue(25_000, { low: 1, medium: 2, high: 5 })?.score);

    // One file name for every event: a single file with 50,000 download → print chains.
    const same: SequenceInputEvent[] = [];
    for (let k = 0; k < 100_000; k++) {
      const type = k % 2 === 0 ? "file.downloadedFromDocumentSite" : "file.printed";
      same.push({
        id: k,
        kind: `activity.${type}`,
        occurredAt: new Date(start + k * 5000).toISOString(),
        attributes: { fileName: "same.pdf" },
      });
    }
    const one = detectSequences(same).sequences;
    expect(one.map((s) => [s.typeId, s.fileCount, s.chains.length])).toEqual([["download-exfiltrate", 1, 50_000]]);
  });

  it("is deterministic and independent of input order; chains are ordered and within 7 days", () => {
    const types = [
      "file.downloadedFromDocumentSite",
      "file.downloadedFromWeb",
      "file.archived",
      "label.removed",
      "file.renamed",
      "file.printed",
      "email.sentExternally",
      "file.deleted",
    ];
    const names = ["a.doc", "B.doc", "c.zip", "d.txt"];
    const arbEvent = fc.record({
      type: fc.constantFrom(...types),
      name: fc.constantFrom(...names),
      previous: fc.constantFrom(...names),
      hour: fc.integer({ min: 0, max: 24 * 20 }),
    });
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 40 }), fc.integer(), (raw, seed) => {
        const events: SequenceInputEvent[] = raw.map((r, i) => ({
          id: i,
          kind: `activity.${r.type}`,
          occurredAt: new Date(Date.parse("2024-01-01T00:00:00Z") + r.hour * 3_600_000).toISOString(),
          attributes:
            r.type === "file.renamed" ? { fileName: r.name, previousFileName: r.previous } : { fileName: r.name },
        }));
        const shuffled = [...events];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) & 0x7fffffff;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = detectSequences(events);
        const b = detectSequences(shuffled);
        expect(b).toEqual(a);
        for (const seq of a.sequences) {
          expect(seq.score).toBeGreaterThanOrEqual(15);
          expect(seq.score).toBeLessThan(100);
          for (const chain of seq.chains) {
            const times = chain.steps.map((st) => Date.parse(st.event.occurredAt));
            expect([...times].sort((x, y) => x - y)).toEqual(times);
            expect(times.at(-1)! - times[0]!).toBeLessThanOrEqual(7 * 86_400_000);
            expect(chain.steps.map((st) => st.step)).toEqual(seq.steps);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
