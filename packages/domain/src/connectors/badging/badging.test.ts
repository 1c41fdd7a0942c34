import { describe, expect, it } from "vitest";
import type { AppError } from "../../errors.ts";
import { signalIdentity } from "../duplicates.ts";
import { buildConnectorConfig, connectorKind } from "../kinds.ts";
import type { MappedSignal, RowOutcome } from "../rows.ts";
import { parseAccessStatus, parseEventTime } from "./badging.ts";

const config = buildConnectorConfig({ type: "badging", name: "Badge readers", appId: "x" }, undefined);
const kind = connectorKind("badging");

function plan() {
  const p = kind.planJson?.(config, { now: "2026-01-01T00:00:00Z" });
  if (!p) throw new Error("no JSON plan");
  return p;
}

const good = {
  UserId: "SaraD@contoso.com",
  AssetId: "Mid-Sec-7",
  AssetName: "Main Building 1st Floor Mid Section",
  EventTime: "2019-07-04T01:57:49",
  AccessStatus: "Failed",
};

function without(field: keyof typeof good): Record<string, unknown> {
  const { [field]: _left, ...rest } = good;
  return rest;
}

function mapOne(value: unknown, number = 1): RowOutcome {
  return plan().map({ value, number });
}

function signalOf(outcome: RowOutcome): MappedSignal {
  if (!outcome.ok) throw new Error(`rejected: ${outcome.reason}`);
  return outcome.signal;
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error("no error");
}

describe("badging connector configuration", () => {
  it("is fixed: JSON only, UserId and EventTime, no sample", () => {
    expect(kind.formats).toEqual(["json"]);
    expect(config).toMatchObject({
      userColumn: "UserId",
      timeColumn: "EventTime",
      sourceColumn: null,
      sourceValues: [],
      mapping: { Default: ["AssetId", "AssetName", "AccessStatus", "SourceSystem"] },
      strictDuplicates: false,
    });
    expect(config.columns.map((c) => c.name)).toEqual([
      "UserId",
      "AssetId",
      "AssetName",
      "EventTime",
      "AccessStatus",
      "SourceSystem",
    ]);
  });

  it("refuses a sample file and other user or time fields, naming the field", () => {
    const sample = errorOf(() =>
      buildConnectorConfig({ type: "badging", name: "b", appId: "x", sample: "[]" }, undefined),
    );
    expect(sample.details?.column).toBe("sample");
    expect(sample.message).toContain("a badging connector takes no sample file");
    const user = errorOf(() =>
      buildConnectorConfig({ type: "badging", name: "b", appId: "x", userColumn: "Email" }, undefined),
    );
    expect(user.message).toBe(
      "userColumn: a badging connector always reads the field 'UserId' (its format is fixed: UserId, AssetId, AssetName, EventTime, AccessStatus, SourceSystem); leave userColumn out.",
    );
    // What an edit sends back (the stored configuration) is accepted.
    expect(
      buildConnectorConfig(
        { type: "badging", name: "b", appId: "x", userColumn: "UserId", timeColumn: "EventTime", sourceColumn: null },
        undefined,
      ),
    ).toEqual(config);
  });
});

describe("badging records", () => {
  it("maps the documented record to a physical.access signal with a duplicate identity of its own", () => {
    const signal = signalOf(mapOne(good));
    expect(signal).toEqual({
      kind: "physical.access",
      upn: "sarad@contoso.com",
      occurredAt: "2019-07-04T01:57:49Z",
      sourceValue: null,
      attributes: {
        AssetId: "Mid-Sec-7",
        AssetName: "Main Building 1st Floor Mid Section",
        AccessStatus: "Failed",
        SourceSystem: null,
      },
      dedupeId: '["sarad@contoso.com","mid-sec-7","2019-07-04T01:57:49Z","Failed"]',
    });
  });

  it("identifies an event by user, asset, time and status only", () => {
    const identity = (value: unknown) => signalIdentity(signalOf(mapOne(value)), "UserId", "EventTime");
    const base = identity(good);
    expect(identity({ ...good, AssetName: "Renamed lobby", SourceSystem: "Lenel" })).toBe(base);
    expect(identity({ ...good, UserId: "sarad@CONTOSO.com", AssetId: " mid-sec-7 ", AccessStatus: "failure" })).toBe(
      base,
    );
    expect(identity({ ...good, EventTime: "2019-07-04T03:57:49+02:00" })).toBe(base);
    expect(identity({ ...good, AccessStatus: "Success" })).not.toBe(base);
    expect(identity({ ...good, AssetId: "Mid-Sec-8" })).not.toBe(base);
    expect(identity({ ...good, EventTime: "2019-07-04T01:57:50" })).not.toBe(base);
  });

  it("reads times with or without offset and up to 7 fractional digits, and .NET /Date(ms)/", () => {
    expect(signalOf(mapOne({ ...good, EventTime: "2019-07-04T01:57:49.1234567+05:30" })).occurredAt).toBe(
      "2019-07-03T20:27:49.123456Z",
    );
    expect(signalOf(mapOne({ ...good, EventTime: "2019-07-04T01:57:49Z" })).occurredAt).toBe("2019-07-04T01:57:49Z");
    expect(parseEventTime("/Date(1562205469000)/")).toEqual({ ok: true, iso: "2019-07-04T01:57:49Z" });
  });

  it("accepts Success, Failed and Failure in any case", () => {
    expect(["success", "SUCCESS", "Failed", "failed", "Failure", " FAILURE "].map(parseAccessStatus)).toEqual([
      "Success",
      "Success",
      "Failed",
      "Failed",
      "Failed",
      "Failed",
    ]);
    expect(parseAccessStatus("Denied")).toBeUndefined();
  });

  it("keeps SourceSystem and AssetName when given, reads field names in any case, and numbers as text", () => {
    const signal = signalOf(
      mapOne({
        userid: "a@b.c",
        assetid: 4711,
        eventtime: "2019-07-04T01:57:49",
        accessstatus: "Success",
        sourcesystem: "Lenel",
      }),
    );
    expect(signal.attributes).toEqual({
      AssetId: "4711",
      AssetName: null,
      AccessStatus: "Success",
      SourceSystem: "Lenel",
    });
  });

  it("rejects a bad record alone, naming the record number and the field", () => {
    const cases: [unknown, string | null, string][] = [
      [
        "text",
        null,
        "Record 4: the record is the text 'text', not a JSON object; every record is an object with UserId, AssetId, EventTime, AccessStatus.",
      ],
      [
        [good],
        null,
        "Record 4: the record is an array, not a JSON object; every record is an object with UserId, AssetId, EventTime, AccessStatus.",
      ],
      [
        without("UserId"),
        "UserId",
        "Record 4, field UserId: the value is missing; every record needs the user's UPN or e-mail address.",
      ],
      [
        { ...good, UserId: " " },
        "UserId",
        "Record 4, field UserId: the value is empty; every record needs the user's UPN or e-mail address.",
      ],
      [
        { ...good, UserId: "Sara Davis" },
        "UserId",
        "Record 4, field UserId: 'Sara Davis' is not a user principal name or e-mail address (name@domain).",
      ],
      [
        { ...good, AssetId: null },
        "AssetId",
        "Record 4, field AssetId: the value is empty; every record needs the ID of the door or reader (the asset).",
      ],
      [
        { ...good, AssetId: "--" },
        "AssetId",
        "Record 4, field AssetId: '--' has no letter or digit; an asset ID is alphanumeric (e.g. Mid-Sec-7).",
      ],
      [{ ...good, AssetId: { id: 1 } }, "AssetId", "Record 4, field AssetId: the value is an object; it must be text."],
      [
        { ...good, EventTime: "04/07/2019 01:57" },
        "EventTime",
        "Record 4, field EventTime: '04/07/2019 01:57' is not an ISO 8601 date and time. Use e.g. 2023-04-24T05:52:56.962686Z or 2019-04-23T15:18:02.4675041+05:30.",
      ],
      [
        { ...good, AccessStatus: "Sucess" },
        "AccessStatus",
        "Record 4, field AccessStatus: 'Sucess' is not an access status; use Success or Failed. Did you mean 'Success'?",
      ],
      [
        without("AccessStatus"),
        "AccessStatus",
        "Record 4, field AccessStatus: the value is missing; every record needs Success or Failed.",
      ],
    ];
    for (const [value, column, reason] of cases) {
      expect(mapOne(value, 4)).toEqual({ ok: false, column, reason, fix: "none" });
    }
  });

  it("ignores unknown properties and says so once", () => {
    const p = plan();
    expect(p.map({ value: { ...good, Department: "Sales", Floor: 1 }, number: 1 }).ok).toBe(true);
    expect(p.map({ value: { ...good, Department: "HR" }, number: 2 }).ok).toBe(true);
    expect(p.map({ value: good, number: 3 }).ok).toBe(true);
    expect(p.finish?.()).toEqual([
      "2 record(s) have properties the badging format does not define (Department, Floor); they were ignored. The fields read are: UserId, AssetId, AssetName, EventTime, AccessStatus, SourceSystem.",
    ]);
    expect(plan().finish?.()).toEqual([]);
  });
});
