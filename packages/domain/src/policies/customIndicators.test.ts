import { describe, expect, it } from "vitest";
import { type IndicatorConnector, validateCustomIndicator } from "./customIndicators.ts";

const multi: IndicatorConnector = {
  id: "c1",
  name: "Third-party detections",
  type: "indicators",
  config: {
    columns: [
      { name: "UPN", type: "Text" },
      { name: "Alert_Severity", type: "Text" },
      { name: "Alert_Count", type: "Number" },
      { name: "Aggregation_Date", type: "DateTime" },
      { name: "Source_Workload", type: "Text" },
      { name: "Extra_Count", type: "Number" },
    ],
    userColumn: "UPN",
    timeColumn: "Aggregation_Date",
    sourceColumn: "Source_Workload",
    sourceValues: ["Salesforce", "Dropbox"],
    mapping: { Salesforce: ["Alert_Severity", "Alert_Count"], Dropbox: ["Alert_Count", "Extra_Count"] },
  },
};

const single: IndicatorConnector = {
  id: "c2",
  name: "Leaver model",
  type: "indicators",
  config: {
    columns: [
      { name: "UPN", type: "Text" },
      { name: "PredictionTime", type: "DateTime" },
      { name: "PredictionScore", type: "Number" },
    ],
    sourceColumn: null,
    sourceValues: [],
    mapping: { Default: ["PredictionScore"] },
  },
};

const attempt = (input: Record<string, unknown>, connector: IndicatorConnector | undefined) => {
  try {
    validateCustomIndicator({ name: "X", connectorId: connector?.id ?? "missing", ...input }, connector);
    return "ok";
  } catch (err) {
    return (err as Error).message;
  }
};

describe("custom indicator rules", () => {
  it("accepts a source value with a kept Number column, and a trigger-only indicator", () => {
    expect(
      validateCustomIndicator(
        { name: " Salesforce alerts ", connectorId: "c1", sourceValue: "Salesforce", valueColumn: "Alert_Count" },
        multi,
      ),
    ).toEqual({
      name: "Salesforce alerts",
      description: null,
      connectorId: "c1",
      sourceValue: "Salesforce",
      valueColumn: "Alert_Count",
    });
    expect(attempt({ valueColumn: null }, single)).toBe("ok");
  });

  it("names the valid source values", () => {
    expect(attempt({}, multi)).toBe(
      "sourceValue: connector 'Third-party detections' splits its rows by column Source_Workload; choose one of its values: Salesforce, Dropbox.",
    );
    expect(attempt({ sourceValue: "Box" }, multi)).toBe(
      "sourceValue: 'Box' is not a value of column Source_Workload in connector 'Third-party detections'; valid values: Salesforce, Dropbox.",
    );
    expect(attempt({ sourceValue: "Salesforce" }, single)).toBe(
      "sourceValue: connector 'Leaver model' has a single source (no source column); leave sourceValue empty.",
    );
    expect(attempt({ sourceValue: "Default", valueColumn: "PredictionScore" }, single)).toBe("ok");
  });

  it("names the column, its type and the Number columns available", () => {
    expect(attempt({ sourceValue: "Salesforce", valueColumn: "Alert_Severity" }, multi)).toBe(
      "valueColumn: column 'Alert_Severity' is of type Text; thresholds need a Number column. Number columns available: Alert_Count.",
    );
    expect(attempt({ sourceValue: "Salesforce", valueColumn: "Extra_Count" }, multi)).toBe(
      "valueColumn: column 'Extra_Count' is not kept for source value Salesforce in connector 'Third-party detections'. Number columns available: Alert_Count.",
    );
    expect(attempt({ sourceValue: "Dropbox", valueColumn: "Extra_Count" }, multi)).toBe("ok");
  });

  it("requires an existing indicators connector", () => {
    expect(attempt({}, undefined)).toBe("connectorId: connector 'missing' does not exist.");
    expect(attempt({}, { ...single, type: "hr", name: "HR feed" })).toBe(
      "connectorId: connector 'HR feed' is of type hr; custom indicators are built on an indicators connector.",
    );
  });
});
