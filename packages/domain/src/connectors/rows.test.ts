import { describe, expect, it } from "vitest";
import type { AppError } from "../errors.ts";
import { canonicalJson, signalIdentity, strictDuplicateReason } from "./duplicates.ts";
import { buildConnectorConfig } from "./kinds.ts";
import { chooseDelimiter, isHeaderRow, mapRow, planUpload, rejectionMessage } from "./rows.ts";
import { sampleFromRecords } from "./schema.ts";

const header = ["UPN", "PredictionTime", "PredictionScore", "ModelInfo", "Flag", "Source"];
const sample = sampleFromRecords(
  [
    header,
    ["sarad@contoso.com", "2023-04-20T05:52:56.962686Z", "6", "Model", "yes", "A"],
    ["bradh@contoso.com", "2023-04-20T05:52:56.962686Z", "6", "Model", "no", "B"],
  ],
  ",",
);
const config = buildConnectorConfig(
  {
    type: "indicators",
    name: "c",
    appId: "x",
    userColumn: "UPN",
    timeColumn: "PredictionTime",
    sourceColumn: "Source",
    sourceValues: "A,B",
    mapping: { A: ["PredictionScore", "ModelInfo", "Flag"], B: ["ModelInfo"] },
  },
  sample,
);
const plan = planUpload("indicators", config, header, ",");

describe("mapping upload rows", () => {
  it("types the kept columns and keeps the user and time columns' original text", () => {
    const outcome = mapRow(plan, [" SaraD@Contoso.com ", "2023-04-20T11:22:56.9626861+05:30", "6", "M", "yes", "A"]);
    expect(outcome).toEqual({
      ok: true,
      fix: "none",
      signal: {
        kind: "indicator",
        upn: "sarad@contoso.com",
        occurredAt: "2023-04-20T05:52:56.962686Z",
        sourceValue: "A",
        attributes: {
          PredictionScore: 6,
          ModelInfo: "M",
          Flag: true,
          UPN: " SaraD@Contoso.com ",
          PredictionTime: "2023-04-20T11:22:56.9626861+05:30",
        },
      },
    });
  });

  it("keeps only the columns mapped for the row's source value; empty values are null", () => {
    const outcome = mapRow(plan, ["a@b.c", "2023-04-20T05:52:56Z", "x", "", "maybe", "B"]);
    expect(outcome.ok && outcome.signal.attributes).toEqual({
      ModelInfo: null,
      UPN: "a@b.c",
      PredictionTime: "2023-04-20T05:52:56Z",
    });
  });

  it("rejects rows naming the column and the reason", () => {
    const cases: [string[], string, string][] = [
      [["", "2023-04-20T05:52:56Z", "1", "", "", "A"], "UPN", "the value is empty; every row needs a user."],
      [["sara", "2023-04-20T05:52:56Z", "1", "", "", "A"], "UPN", "'sara' is not a user principal name (name@domain)."],
      [["a@b.c", "", "1", "", "", "A"], "PredictionTime", "the value is empty; every row needs an event time."],
      [["a@b.c", "2023-04-20T05:52:56Z", "ten", "", "", "A"], "PredictionScore", "'ten' is not a number."],
      [
        ["a@b.c", "2023-04-20T05:52:56Z", "1", "", "maybe", "A"],
        "Flag",
        "'maybe' is not a Boolean (use true/false, yes/no or 1/0).",
      ],
      [
        ["a@b.c", "2023-04-20T05:52:56Z", "1", "", "", "a"],
        "Source",
        "'a' is not one of the connector's source values (A, B). Did you mean 'A'?",
      ],
    ];
    for (const [fields, column, reason] of cases) {
      expect(mapRow(plan, fields), reason).toEqual({ ok: false, column, reason, fix: "none" });
    }
    const badTime = mapRow(plan, ["a@b.c", "2023-13-01", "1", "", "", "A"]);
    expect(badTime.ok === false && rejectionMessage(7, badTime.column, badTime.reason)).toMatch(
      /^Line 7, column PredictionTime: '2023-13-01' is not an ISO 8601 date and time/,
    );
  });

  it("rejects a field longer than 1 MiB", () => {
    const outcome = mapRow(plan, ["a@b.c", "2023-04-20T05:52:56Z", "1", "x".repeat(1024 * 1024 + 1), "", "A"]);
    expect(outcome).toMatchObject({
      ok: false,
      column: "ModelInfo",
      reason: "the value is 1,048,577 characters long; the limit is 1,048,576 (1 MiB).",
    });
  });

  it("joins extra fields into the last column and reports the fix", () => {
    const single = buildConnectorConfig(
      { type: "indicators", name: "c", appId: "x", userColumn: "UPN", timeColumn: "PredictionTime" },
      sampleFromRecords([header.slice(0, 4), ["a@b.c", "2023-04-20T05:52:56Z", "6", "m"]], ","),
    );
    const p = planUpload("indicators", single, header.slice(0, 4), ",");
    const outcome = mapRow(p, ["a@b.c", "2023-04-20T05:52:56Z", "6", "Model accuracy: 67%", " Model name: M1"]);
    expect(outcome.fix).toBe("joined");
    expect(outcome.ok && outcome.signal.attributes.ModelInfo).toBe("Model accuracy: 67%, Model name: M1");
    expect(outcome.ok && outcome.signal.sourceValue).toBeNull();
  });
});

describe("planning an upload", () => {
  it("matches header names case-insensitively and warns about unknown and missing columns", () => {
    const p = planUpload("indicators", config, ["upn", "predictiontime", "PredictionScore", "Source", "Extra"], ",");
    expect(p.userIndex).toBe(0);
    expect(p.warnings).toEqual([
      "The file has no column 'ModelInfo', 'Flag' of the connector's mapping; they were left out of the stored signals.",
      "The file has column(s) the connector does not know (Extra); they were not stored. Create a connector from a sample with these columns to keep them.",
    ]);
    expect(isHeaderRow(p, ["upn", "predictiontime", "PredictionScore", "Source", "Extra"])).toBe(true);
  });

  it("refuses a file without a mandatory column, and explains a semicolon file", () => {
    const missing = (() => {
      try {
        planUpload("indicators", config, ["User", "PredictionTime", "Source"], ",");
      } catch (err) {
        return err as AppError;
      }
    })();
    expect(missing?.status).toBe(400);
    expect(missing?.message).toBe(
      "Line 1: the file has no column 'UPN' (the user column); the whole file was refused. The header has: User, PredictionTime, Source.",
    );
    const semicolons = (() => {
      try {
        planUpload(
          "indicators",
          config,
          ["UPN;PredictionTime;Source"],
          chooseDelimiter("UPN;PredictionTime;Source", ","),
        );
      } catch (err) {
        return err as AppError;
      }
    })();
    expect(semicolons?.code).toBe("wrong_delimiter");
    expect(semicolons?.message).toContain("The file looks separated by ';'");
  });

  it("picks comma or tab from the first line, else the connector's delimiter", () => {
    expect(chooseDelimiter("a\tb\tc", ",")).toBe("\t");
    expect(chooseDelimiter("a;b;c", ",")).toBe(",");
    expect(chooseDelimiter("a", "\t")).toBe("\t");
  });
});

describe("duplicate identities", () => {
  it("sorts keys in canonical JSON", () => {
    expect(canonicalJson({ b: 1, a: [true, null, { d: "x", c: 2 }] })).toBe('{"a":[true,null,{"c":2,"d":"x"}],"b":1}');
  });

  it("ignores the spelling of the user and time columns but not other values", () => {
    const a = mapRow(plan, ["SaraD@contoso.com", "2023-04-20T05:52:56.962686Z", "6", "m", "", "A"]);
    const b = mapRow(plan, ["sarad@contoso.com", "2023-04-20T11:22:56.962686+05:30", "6", "m", "", "A"]);
    const c = mapRow(plan, ["sarad@contoso.com", "2023-04-20T05:52:56.962686Z", "7", "m", "", "A"]);
    if (!a.ok || !b.ok || !c.ok) throw new Error("rows should map");
    const id = (s: typeof a.signal) => signalIdentity(s, "UPN", "PredictionTime");
    expect(id(a.signal)).toBe(id(b.signal));
    expect(id(a.signal)).not.toBe(id(c.signal));
  });

  it("names the other lines of a strict duplicate group", () => {
    expect(strictDuplicateReason(3, [3, 4])).toBe(
      "Dropped: the same user and time as line 4 of this file. The connector drops every row that shares user and time with another (strict duplicates).",
    );
    expect(strictDuplicateReason(1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])).toContain(
      "lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 2 more of this file",
    );
  });
});
