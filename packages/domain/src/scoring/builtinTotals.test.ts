import { describe, expect, it } from "vitest";
import { compileDetections } from "../detections/compile.ts";
import { findBuiltinIndicator } from "../risk/indicators.ts";
import { applySettingsPatch, DEFAULT_TENANT_SETTINGS } from "../settings/tenantSettings.ts";
import { activityExclusion, type BuiltinSignal, builtinDailyTotals } from "./builtinTotals.ts";

const detections = (patch: Record<string, unknown> = {}) =>
  compileDetections(applySettingsPatch(DEFAULT_TENANT_SETTINGS, { detections: patch }).next.detections);
const none = detections();

const indicator = (id: string) => {
  const found = findBuiltinIndicator(id);
  if (!found) throw new Error(`no built-in indicator ${id}`);
  return found;
};
const usbFiles = indicator("device.removableMediaCopy");
const usbBytes = indicator("device.removableMediaVolume");
const emailExternal = indicator("office.emailExternal");

const USB = "activity.file.copiedToRemovableMedia";
let nextId = 1;
const signal = (at: string, attributes: Record<string, unknown>, kind = USB, id: number | null = nextId++) =>
  ({ id, kind, at, attributes }) satisfies BuiltinSignal;

describe("activityExclusion", () => {
  const d = detections({
    filePathExclusions: ["C:\\Temp"],
    fileTypeExclusions: ["mp3"],
    siteUrlExclusions: ["https://contoso.sharepoint.com/sites/HR"],
    keywordExclusions: [{ contains: ["training"], unless: ["compliance"] }],
    domains: { allowed: ["fabrikam.com"], unallowed: ["personal.fabrikam.com"] },
  });
  const cases: [string, Record<string, unknown>, string | null][] = [
    ["an ordinary file counts", { fileName: "plan.docx", filePath: "D:\\Work\\plan.docx" }, null],
    ["a file under an excluded path", { fileName: "a.docx", filePath: "c:/temp/sub/a.docx" }, "file-path"],
    ["the default AppData exclusion", { filePath: "C:\\Users\\alex\\AppData\\Local\\x.docx" }, "file-path"],
    ["an excluded file type by name", { fileName: "Song.MP3" }, "file-type"],
    ["an excluded file type by extension", { fileName: "song", fileExtension: ".mp3" }, "file-type"],
    [
      "a file under an excluded site",
      { fileName: "a.docx", siteUrl: "https://contoso.sharepoint.com/sites/hr/Shared%20Documents" },
      "site-url",
    ],
    ["a site that only starts like an excluded one", { siteUrl: "https://contoso.sharepoint.com/sites/hrteam" }, null],
    ["a keyword in the file name", { fileName: "Q3 training.pptx" }, "keyword"],
    [
      "a keyword with its exception in the path",
      { fileName: "training.pptx", filePath: "\\Compliance\\training.pptx" },
      null,
    ],
    ["a keyword in the e-mail subject", { subject: "Sales training material" }, "keyword"],
    ["an allowed destination domain", { fileName: "a.docx", destinationDomain: "FABRIKAM.com" }, "allowed-domain"],
    ["an unallowed domain wins over allowed", { destinationDomain: "personal.fabrikam.com" }, null],
    ["a domain on no list", { destinationDomain: "dropbox.com" }, null],
    ["no attributes at all", {}, null],
  ];
  it.each(cases)("%s", (_name, attributes, expected) => {
    expect(activityExclusion(attributes, d)).toBe(expected);
  });
});

describe("builtinDailyTotals", () => {
  it("counts distinct files per UTC day, with the day's first event", () => {
    const totals = builtinDailyTotals(
      usbFiles,
      [
        signal("2023-04-24T10:00:00.000000Z", { fileName: "b.docx", filePath: "D:\\b.docx" }, USB, 7),
        signal("2023-04-24T09:00:00.000000Z", { fileName: "a.docx", filePath: "D:\\a.docx" }, USB, 9),
        signal("2023-04-24T11:00:00.000000Z", { fileName: "A.docx", filePath: "d:\\A.DOCX" }, USB, 3), // same file
        signal("2023-04-24T23:59:59.999999Z", { fileName: "c.docx" }, USB, 4),
        signal("2023-04-25T00:00:00.000000Z", { fileName: "a.docx", filePath: "D:\\a.docx" }, USB, 5),
        signal("2023-04-25T01:00:00.000000Z", {}, USB, 6), // no file: counts as an event, not a file
        signal("2023-04-24T08:00:00.000000Z", { fileName: "x.docx" }, "activity.file.printed", 1), // other kind
      ],
      none,
    );
    expect(totals).toEqual([
      {
        day: "2023-04-24",
        value: 3,
        eventCount: 4,
        firstEventAt: "2023-04-24T09:00:00.000000Z",
        firstSignalId: 9,
        priorityEvents: 0,
        unallowedDomainEvents: 0,
      },
      {
        day: "2023-04-25",
        value: 1,
        eventCount: 2,
        firstEventAt: "2023-04-25T00:00:00.000000Z",
        firstSignalId: 5,
        priorityEvents: 0,
        unallowedDomainEvents: 0,
      },
    ]);
  });

  it("adds up bytes, ignoring sizes that are missing, negative or not numbers", () => {
    const totals = builtinDailyTotals(
      usbBytes,
      [
        signal("2023-04-24T09:00:00.000000Z", { fileName: "a.iso", fileSize: 300_000_000 }),
        signal("2023-04-24T09:30:00.000000Z", { fileName: "b.iso", fileSize: "250000000" }),
        signal("2023-04-24T10:00:00.000000Z", { fileName: "c.iso", fileSize: -5 }),
        signal("2023-04-24T10:30:00.000000Z", { fileName: "d.iso" }),
      ],
      none,
    );
    expect(totals.map((t) => [t.day, t.value, t.eventCount])).toEqual([["2023-04-24", 550_000_000, 4]]);
  });

  it("counts events, and breaks a tie on the first event's time by the lowest signal id", () => {
    const kind = "activity.email.sentExternally";
    const totals = builtinDailyTotals(
      emailExternal,
      [
        signal("2023-04-24T09:00:00.000000Z", { subject: "Q3" }, kind, 12),
        signal("2023-04-24T09:00:00.000000Z", { subject: "Q3" }, kind, 11),
        signal("2023-04-24T12:00:00.000000Z", { subject: "Q4" }, kind, 10),
      ],
      none,
    );
    expect(totals).toEqual([
      {
        day: "2023-04-24",
        value: 3,
        eventCount: 3,
        firstEventAt: "2023-04-24T09:00:00.000000Z",
        firstSignalId: 11,
        priorityEvents: 0,
        unallowedDomainEvents: 0,
      },
    ]);
  });

  it("leaves out excluded events; a day left with none has no total", () => {
    const d = detections({ filePathExclusions: ["C:\\Temp"], domains: { allowed: ["fabrikam.com"] } });
    const totals = builtinDailyTotals(
      usbFiles,
      [
        signal("2023-04-24T09:00:00.000000Z", { fileName: "a.docx", filePath: "C:\\Temp\\a.docx" }),
        signal("2023-04-24T10:00:00.000000Z", { fileName: "b.docx", filePath: "D:\\b.docx" }),
        signal("2023-04-24T11:00:00.000000Z", { fileName: "c.docx", destinationDomain: "fabrikam.com" }),
        signal("2023-04-25T09:00:00.000000Z", { fileName: "d.docx", filePath: "c:/temp/d.docx" }),
      ],
      d,
    );
    expect(totals.map((t) => [t.day, t.value, t.eventCount, t.firstEventAt])).toEqual([
      ["2023-04-24", 1, 1, "2023-04-24T10:00:00.000000Z"],
    ]);
  });

  it("has no totals without signals", () => {
    expect(builtinDailyTotals(usbFiles, [], none)).toEqual([]);
  });
});
