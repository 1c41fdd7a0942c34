import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import {
  assertIndicatorValueColumn,
  type CreateConnectorInput,
  checkIndicatorValueColumn,
  parseSourceValues,
} from "./config.ts";
import { buildConnectorConfig } from "./kinds.ts";
import { type ParsedSample, sampleFromRecords } from "./schema.ts";

const example2: ParsedSample = sampleFromRecords(
  [
    ["UPN", "Display_Name", "Alert_Severity", "Alert_Count", "Aggregation_Date", "Source_Workload", "Info"],
    ["sarad@contoso.com", "a", "High", "10", "2023-04-24T05:52:56.962686Z", "Salesforce", "t"],
    ["bradh@contoso.com", "b", "Low", "50", "2023-04-24T05:52:56.962686Z", "Dropbox", "t"],
  ],
  ",",
);

const base: CreateConnectorInput = {
  type: "indicators",
  name: "SIEM",
  appId: "x",
  userColumn: "UPN",
  timeColumn: "Aggregation_Date",
};

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

describe("indicators connector configuration", () => {
  it("keeps every column for each source value by default and types the columns", () => {
    const config = buildConnectorConfig(
      { ...base, sourceColumn: "Source_Workload", sourceValues: "Salesforce,Dropbox" },
      example2,
    );
    expect(config.sourceValues).toEqual(["Salesforce", "Dropbox"]);
    expect(config.mapping.Salesforce).toEqual(example2.header);
    expect(config.mapping.Dropbox).toEqual(example2.header);
    expect(config.columns.find((c) => c.name === "Alert_Count")?.type).toBe("Number");
    expect(config.strictDuplicates).toBe(false);
    expect(config.delimiter).toBe(",");
  });

  it("lets admin overrides win over inferred types", () => {
    const config = buildConnectorConfig({ ...base, columnTypes: { Alert_Count: "Text" } }, example2);
    expect(config.columns.find((c) => c.name === "Alert_Count")?.type).toBe("Text");
  });

  it("names the missing column and suggests the closest header name", () => {
    const err = errorOf(() => buildConnectorConfig({ ...base, sourceColumn: "SourceWorkload" }, example2));
    expect(err.status).toBe(400);
    expect(err.details?.column).toBe("sourceColumn");
    expect(err.message).toBe(
      "Column 'SourceWorkload' is not in the sample file. Did you mean 'Source_Workload'? The file has: UPN, Display_Name, Alert_Severity, Alert_Count, Aggregation_Date, Source_Workload, Info.",
    );
    expect(errorOf(() => buildConnectorConfig({ ...base, userColumn: "upn " }, example2)).message).toContain(
      "Did you mean 'UPN'?",
    );
  });

  it("requires a DateTime event time column", () => {
    const err = errorOf(() => buildConnectorConfig({ ...base, timeColumn: "Alert_Count" }, example2));
    expect(err.message).toMatch(
      /^timeColumn: column 'Alert_Count' is Number, but the event time column must be DateTime/,
    );
    const overridden = errorOf(() =>
      buildConnectorConfig({ ...base, columnTypes: { Aggregation_Date: "Text" } }, example2),
    );
    expect(overridden.details?.column).toBe("timeColumn");
  });

  it("refuses source values that are not in the sample, listing the values the column holds", () => {
    const err = errorOf(() =>
      buildConnectorConfig({ ...base, sourceColumn: "Source_Workload", sourceValues: ["Salesforce", "Box"] }, example2),
    );
    expect(err.message).toBe(
      "Source value 'Box' does not occur in column 'Source_Workload' of the sample file. The column holds: Salesforce, Dropbox.",
    );
  });

  it("explains that source values are comma-separated with no spaces", () => {
    expect(() => parseSourceValues("Salesforce, Dropbox")).toThrow(
      "sourceValues 'Salesforce, Dropbox' must be comma-separated with no spaces, e.g. 'Salesforce,Dropbox'.",
    );
    expect(parseSourceValues("Salesforce,Dropbox,Salesforce")).toEqual(["Salesforce", "Dropbox"]);
  });

  it("checks mapping keys and columns", () => {
    expect(
      errorOf(() =>
        buildConnectorConfig(
          { ...base, sourceColumn: "Source_Workload", mapping: { Salesforse: ["Alert_Count"] } },
          example2,
        ),
      ).message,
    ).toBe(
      "mapping: 'Salesforse' is not a source value of this connector. Did you mean 'Salesforce'? Use one of: Salesforce, Dropbox, Default.",
    );
    expect(
      errorOf(() => buildConnectorConfig({ ...base, mapping: { Default: ["AlertCount"] } }, example2)).message,
    ).toContain("Did you mean 'Alert_Count'?");
  });

  it("needs a sample for an indicators connector and refuses a header that names a column twice", () => {
    expect(errorOf(() => buildConnectorConfig(base, undefined)).details?.column).toBe("sample");
    const twice = sampleFromRecords([["UPN", "upn", "T"]], ",");
    expect(errorOf(() => buildConnectorConfig(base, twice)).message).toContain("names column 'upn' twice");
  });
});

describe("custom indicator value columns", () => {
  const config = buildConnectorConfig(
    {
      ...base,
      sourceColumn: "Source_Workload",
      sourceValues: "Salesforce,Dropbox",
      mapping: { Salesforce: ["Alert_Count", "Display_Name"], Dropbox: ["Display_Name"] },
    },
    example2,
  );
  const connector = { name: "SIEM", type: "indicators", config };

  it("accepts a Number column kept for the source value", () => {
    expect(checkIndicatorValueColumn(connector, "Alert_Count", "Salesforce")).toEqual({ ok: true });
  });

  it("refuses Text columns, columns not kept for the value, and unknown source values", () => {
    expect(checkIndicatorValueColumn(connector, "Display_Name", "Salesforce")).toEqual({
      ok: false,
      message: "Column 'Display_Name' of connector 'SIEM' is Text; an indicator value must be a Number column.",
    });
    expect(checkIndicatorValueColumn(connector, "Alert_Count", "Dropbox")).toEqual({
      ok: false,
      message: "Column 'Alert_Count' is not kept for 'Dropbox' in the mapping of connector 'SIEM'.",
    });
    expect(checkIndicatorValueColumn(connector, "Alert_Count", "Box")).toMatchObject({ ok: false });
    expect(() => assertIndicatorValueColumn(connector, "AlertCount", "Salesforce")).toThrow(
      /Did you mean 'Alert_Count'/,
    );
    expect(checkIndicatorValueColumn({ ...connector, type: "hr" }, "Alert_Count", "Salesforce")).toMatchObject({
      ok: false,
    });
  });
});
