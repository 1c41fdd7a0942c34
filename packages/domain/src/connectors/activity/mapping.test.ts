import { describe, expect, it } from "vitest";
import { AppError } from "../../errors.ts";
import { compileMapping } from "./mapping.ts";
import { READY_MADE_MAPPINGS } from "./mappings/index.ts";

const base = {
  name: "Mail gateway",
  user: "Sender",
  time: "SentAt",
  activity: { path: "Action", map: { Print: "file.printed" } },
};

function message(document: unknown): string {
  try {
    compileMapping(document);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    return (err as AppError).message;
  }
  throw new Error("the document was accepted");
}

describe("mapping documents", () => {
  it("accepts every ready-made mapping, each with an ID, a name and a description", () => {
    expect(READY_MADE_MAPPINGS.map((m) => m.id)).toEqual([
      "m365-audit-log",
      "defender-device-file-events",
      "defender-device-events",
      "google-workspace-drive",
      "okta-system-log",
    ]);
    for (const m of READY_MADE_MAPPINGS) {
      const model = compileMapping(m.document);
      expect(model.id).toBe(m.id);
      expect(m.description.length).toBeGreaterThan(100);
    }
  });

  it("accepts the short forms: a path as text, an operation mapped straight to a type", () => {
    const model = compileMapping(base);
    expect(model.user.paths.map((p) => p.text)).toEqual(["Sender"]);
    expect(model.cases.get("Print")?.[0]?.type?.id).toBe("file.printed");
  });

  it("refuses an unknown activity type, suggesting the closest", () => {
    expect(message({ ...base, activity: { path: "Action", map: { Print: "file.prnted" } } })).toBe(
      "activityMapping.activity.map.Print[0].type: 'file.prnted' is not an activity type. Did you mean 'file.printed'? The types are listed by GET /api/activity/types ('openirm activity types').",
    );
  });

  it("refuses a bad path naming where it is in the document and the character", () => {
    expect(message({ ...base, attributes: { fileName: "AuditData..SourceFileName" } })).toMatch(
      /^activityMapping\.attributes\.fileName\.path: 'AuditData\.\.SourceFileName' is not a valid path: an empty name at character 11\./,
    );
    expect(
      message({
        ...base,
        activity: { path: "Action", map: { Print: [{ when: { "Params[name=]": "x" }, type: "file.printed" }] } },
      }),
    ).toMatch(
      /^activityMapping\.activity\.map\.Print\[0\]\.when\["Params\[name=\]"\]: 'Params\[name=\]' is not a valid path/,
    );
  });

  it("refuses a bad transform, suggesting the closest", () => {
    expect(message({ ...base, attributes: { fileName: { path: "File", transform: ["lowercase"] } } })).toMatch(
      /^activityMapping\.attributes\.fileName\.transform\[0\]: 'lowercase' is not a transform\. Did you mean 'lower'\? Use one of: lower, upper,/,
    );
    expect(message({ ...base, attributes: { fileName: { path: "File", transform: [{ split: "" }] } } })).toBe(
      'activityMapping.attributes.fileName.transform[0]: {"split": …} takes the separator text, e.g. {"split": "|"}.',
    );
  });

  it("refuses unknown attributes and fields, suggesting the closest", () => {
    expect(message({ ...base, attributes: { filename: "File" } })).toMatch(
      /^activityMapping\.attributes\.filename: 'filename' is not an activity attribute\. Did you mean 'fileName'\?/,
    );
    expect(message({ ...base, atributes: {} })).toBe(
      "activityMapping.atributes: 'atributes' is not a field of the mapping document. Did you mean 'attributes'? Use: mappingVersion, id, name, description, user, time, eventId, activity, attributes.",
    );
    expect(
      message({
        ...base,
        activity: { path: "Action", map: { Print: [{ when: { Kind: { inn: ["a"] } }, type: "file.printed" }] } },
      }),
    ).toMatch(
      /^activityMapping\.activity\.map\.Print\[0\]\.when\.Kind\.inn: 'inn' is not a field of a condition .* Did you mean 'in'\?/,
    );
  });

  it("refuses an attribute no produced type carries, naming the types that carry it", () => {
    expect(message({ ...base, attributes: { siteUrl: "Site" } })).toMatch(
      /^activityMapping\.attributes\.siteUrl: none of the types this mapping produces \(file\.printed\) carries 'siteUrl'; remove it, or map an operation to a type that carries it \(file\.downloadedFromDocumentSite,/,
    );
    expect(
      message({
        ...base,
        activity: { path: "Action", map: { Print: [{ type: "file.printed", attributes: { siteUrl: "S" } }] } },
      }),
    ).toMatch(
      /^activityMapping\.activity\.map\.Print\[0\]\.attributes\.siteUrl: type 'file\.printed' does not carry 'siteUrl'; it carries: fileName,/,
    );
  });

  it("refuses missing parts and contradictions", () => {
    expect(message({ name: "x", time: "t", activity: base.activity })).toBe(
      "activityMapping.user: is missing; it must be a path (text) or an object with 'path' or 'const'",
    );
    expect(message({ ...base, name: undefined })).toBe("activityMapping.name: is missing; give the mapping's name");
    expect(message({ ...base, activity: { path: "Action", map: {} } })).toBe(
      "activityMapping.activity.map: map at least one operation to an activity type",
    );
    expect(message({ ...base, attributes: { fileName: { path: "a", const: "b" } } })).toBe(
      "activityMapping.attributes.fileName: give either 'path' or 'const', not both",
    );
    expect(message({ ...base, eventId: { combine: ["Id"] } })).toBe(
      'activityMapping.eventId.combine: {"combine": [...]} takes a list of two or more paths, e.g. ["DeviceName", "ReportId", "Timestamp"]',
    );
    expect(
      message({
        ...base,
        activity: {
          path: "Action",
          map: { Print: [{ type: "file.printed" }, { when: { A: "1" }, type: "file.deleted" }] },
        },
      }),
    ).toBe(
      "activityMapping.activity.map.Print[1]: this case can never match: case 1 before it has no 'when', so it takes every record. Put the case without 'when' last.",
    );
    expect(message("not a document")).toBe(
      "activityMapping: must be a ready-made mapping's ID or a mapping document (a JSON object).",
    );
  });
});
