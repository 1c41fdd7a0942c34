import { describe, expect, it } from "vitest";
import type { CreateConnectorInput } from "../config.ts";
import { buildConnectorConfig, connectorKind } from "../kinds.ts";
import { sampleFromRecords } from "../schema.ts";

const input = (over: Partial<CreateConnectorInput>): CreateConnectorInput => ({
  type: "activity",
  name: "Audit log",
  appId: "00000000-0000-0000-0000-000000000000",
  ...over,
});

const M365_HEADER = [
  "RecordId",
  "CreationDate",
  "RecordType",
  "Operation",
  "UserId",
  "AuditData",
  "AssociatedAdminUnits",
  "AssociatedAdminUnitsNames",
];

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("no error");
}

describe("the activity connector type", () => {
  it("reads CSV and JSON", () => {
    expect(connectorKind("activity").formats).toEqual(["csv", "json"]);
  });

  it("stores a ready-made mapping as its document", () => {
    const config = buildConnectorConfig(input({ activityMapping: "M365-Audit-Log" }), undefined);
    expect(config.activityMapping).toMatchObject({ id: "m365-audit-log", user: "UserId" });
    expect(config).toMatchObject({
      userColumn: "UserId",
      timeColumn: "AuditData.CreationTime",
      sourceColumn: null,
      sourceValues: [],
      strictDuplicates: false,
      delimiter: ",",
    });
    expect(config.columns.map((c) => c.name)).toEqual(["UserId", "AuditData", "CreationDate", "Operation", "RecordId"]);
  });

  it("asks for a mapping, and suggests the closest ready-made one for an unknown ID", () => {
    expect(error(() => buildConnectorConfig(input({}), undefined))).toMatch(
      /^activityMapping: give a ready-made mapping's ID \(m365-audit-log, defender-device-file-events, defender-device-events, google-workspace-drive, okta-system-log\) or a mapping document/,
    );
    expect(error(() => buildConnectorConfig(input({ activityMapping: "okta-system-logs" }), undefined))).toBe(
      "activityMapping: 'okta-system-logs' is not a ready-made mapping. Did you mean 'okta-system-log'? Use one of: m365-audit-log, defender-device-file-events, defender-device-events, google-workspace-drive, okta-system-log, or give a mapping document (a JSON object).",
    );
  });

  it("checks a CSV sample's columns, with a did-you-mean", () => {
    const good = M365_HEADER.join(",");
    const sample = (header: string[]) => sampleFromRecords([header], ",");
    expect(() =>
      buildConnectorConfig(input({ activityMapping: "m365-audit-log", sample: good }), sample(M365_HEADER)),
    ).not.toThrow();
    const renamed = M365_HEADER.map((h) => (h === "UserId" ? "UserIds" : h));
    expect(
      error(() =>
        buildConnectorConfig(input({ activityMapping: "m365-audit-log", sample: renamed.join(",") }), sample(renamed)),
      ),
    ).toBe(
      "activityMapping.user: column 'UserId' is not in the sample file. Did you mean 'UserIds'? The file has: RecordId, CreationDate, RecordType, Operation, UserIds, AuditData, AssociatedAdminUnits, AssociatedAdminUnitsNames.",
    );
  });

  it("checks a JSON sample's fields (array or one object per line)", () => {
    const okta = JSON.stringify([
      { uuid: "1", published: "2025-01-01T00:00:00Z", eventType: "x", actor: {}, client: {}, outcome: {}, target: [] },
    ]);
    expect(
      error(() => buildConnectorConfig(input({ activityMapping: "okta-system-log", sample: okta }), undefined)),
    ).toMatch(/^activityMapping\.attributes\.severity: no record of the sample has the field 'severity'\. /);
    const ndjson = '{"uuid":"1","publishd":"x","actor":{}}\n{"uuid":"2"}\n';
    expect(
      error(() => buildConnectorConfig(input({ activityMapping: "okta-system-log", sample: ndjson }), undefined)),
    ).toMatch(/^activityMapping\.time: no record of the sample has the field 'published'\. Did you mean 'publishd'\?/);
    expect(
      error(() => buildConnectorConfig(input({ activityMapping: "okta-system-log", sample: "[1, 2]" }), undefined)),
    ).toBe("sample: the JSON sample has no records (JSON objects).");
  });

  it("validates a custom document and keeps it as given", () => {
    const document = {
      name: "Print server",
      user: "user",
      time: "when",
      activity: { path: "event", map: { printed: "file.printed" } },
      attributes: { printerName: "printer", fileName: "document" },
    };
    const config = buildConnectorConfig(input({ activityMapping: document }), undefined);
    expect(config.activityMapping).toEqual(document);
    expect(error(() => buildConnectorConfig(input({ activityMapping: { ...document, user: 3 } }), undefined))).toBe(
      "activityMapping.user: must be a path (text) or an object with 'path' or 'const'",
    );
  });

  it("plans uploads from the stored configuration", () => {
    const config = buildConnectorConfig(input({ activityMapping: "okta-system-log" }), undefined);
    const plan = connectorKind("activity").planJson?.(config, { now: "2025-01-01T00:00:00Z" });
    expect(
      plan?.map({
        value: {
          uuid: "e1",
          published: "2025-03-06T08:03:00.000Z",
          eventType: "security.threat.detected",
          actor: { alternateId: "megan@contoso.com" },
          client: { ipAddress: "192.0.2.1" },
          outcome: { result: "DENY", reason: "Password Spray" },
        },
        number: 1,
      }),
    ).toMatchObject({ ok: true, signal: { kind: "activity.cloud.appAnomaly", dedupeId: "e1" } });
    expect(() => connectorKind("activity").planCsv?.(config, ["a", "b"], ",", { now: "" })).toThrow(
      /^Line 1: the file has no column 'actor' \(user of the mapping\); the whole file was refused\./,
    );
  });
});
