import { describe, expect, it } from "vitest";
import {
  detectDelimiter,
  fitToHeader,
  inferColumns,
  inferColumnType,
  isUserPrincipalName,
  parseBoolean,
  parseNumber,
  sampleFromRecords,
} from "./schema.ts";

describe("type inference", () => {
  it("infers Number, DateTime, Boolean and Text, ignoring empty values", () => {
    expect(inferColumnType(["6", "9", "", "3.5", "-1e3"])).toBe("Number");
    expect(inferColumnType(["2023-04-20T05:52:56.962686Z", "2019-04-23T15:18:02.4675041+05:30", "2023-04-24"])).toBe(
      "DateTime",
    );
    expect(inferColumnType(["true", "No", "YES"])).toBe("Boolean");
    expect(inferColumnType(["0", "1"])).toBe("Number");
    expect(inferColumnType(["High", "6"])).toBe("Text");
    expect(inferColumnType(["", " "])).toBe("Text");
  });

  it("gives every column of example 2 its type and up to three distinct examples", () => {
    const sample = sampleFromRecords(
      [
        ["UPN", "Alert_Count", "Aggregation_Date", "Source_Workload"],
        ["sarad@contoso.com", "10", "2023-04-24T05:52:56.962686Z", "Salesforce"],
        ["bradh@contoso.com", "50", "2023-04-24T05:52:56.962686Z", "Salesforce"],
        ["bradh@contoso.com", "5", "2023-04-24T05:52:56.962686Z", "Dropbox"],
        ["bradh@contoso.com", "6", "2023-04-24T05:52:56.962686Z", "Dropbox"],
      ],
      ",",
    );
    expect(inferColumns(sample)).toEqual([
      { name: "UPN", type: "Text", examples: ["sarad@contoso.com", "bradh@contoso.com"] },
      { name: "Alert_Count", type: "Number", examples: ["10", "50", "5"] },
      { name: "Aggregation_Date", type: "DateTime", examples: ["2023-04-24T05:52:56.962686Z"] },
      { name: "Source_Workload", type: "Text", examples: ["Salesforce", "Dropbox"] },
    ]);
  });
});

describe("value parsers", () => {
  it("reads decimal numbers only", () => {
    expect(parseNumber(" 42 ")).toBe(42);
    expect(parseNumber("-0.5")).toBe(-0.5);
    for (const t of ["1,000", "0x10", "NaN", "Infinity", "ten", ""]) expect(parseNumber(t), t).toBeUndefined();
  });

  it("reads Boolean words and digits", () => {
    expect([parseBoolean("TRUE"), parseBoolean("no"), parseBoolean("1"), parseBoolean("n")]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(parseBoolean("maybe")).toBeUndefined();
  });

  it("recognises user principal names", () => {
    expect(isUserPrincipalName("sarad@contoso.com")).toBe(true);
    expect(isUserPrincipalName("sarad contoso.com")).toBe(false);
    expect(isUserPrincipalName("sara d@contoso.com")).toBe(false);
  });
});

describe("file shape", () => {
  it("detects the delimiter outside quotes", () => {
    expect(detectDelimiter("UPN,PredictionTime,PredictionScore")).toBe(",");
    expect(detectDelimiter("UPN\tTime\tScore")).toBe("\t");
    expect(detectDelimiter("UPN;Time;Score")).toBe(";");
    expect(detectDelimiter('"a;b;c",d')).toBe(",");
    expect(detectDelimiter("UPN")).toBeUndefined();
  });

  it("joins extra fields into the last column and pads missing ones", () => {
    expect(fitToHeader(["a", "b", "Model accuracy: 67%", " Model name: M1"], 3, ",")).toEqual({
      fields: ["a", "b", "Model accuracy: 67%, Model name: M1"],
      fix: "joined",
    });
    expect(fitToHeader(["a"], 3, ",")).toEqual({ fields: ["a", "", ""], fix: "padded" });
  });

  it("skips blank rows and repeated headers in a sample", () => {
    const sample = sampleFromRecords([[""], [" UPN", "T "], ["x@y", "1"], ["", ""], ["UPN", "T"], ["z@y", "2"]], ",");
    expect(sample.header).toEqual(["UPN", "T"]);
    expect(sample.rows).toEqual([
      ["x@y", "1"],
      ["z@y", "2"],
    ]);
  });
});
