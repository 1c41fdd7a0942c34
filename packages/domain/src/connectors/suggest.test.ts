import { describe, expect, it } from "vitest";
import { closestName, columnNotFoundMessage, editDistance } from "./suggest.ts";

describe("column suggestions", () => {
  const header = ["UPN", "Display_Name", "Alert_Severity", "Alert_Count", "Aggregation_Date", "Source_Workload"];

  it("prefers a match ignoring case, spaces and underscores, then the closest name", () => {
    expect(closestName("SourceWorkload", header)).toBe("Source_Workload");
    expect(closestName("alert count", header)).toBe("Alert_Count");
    expect(closestName("Agregation_Date", header)).toBe("Aggregation_Date");
    expect(closestName("Completely different", header)).toBeUndefined();
  });

  it("counts edits", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("writes the message with the suggestion and the header", () => {
    expect(columnNotFoundMessage("SourceWorkload", header)).toBe(
      "Column 'SourceWorkload' is not in the sample file. Did you mean 'Source_Workload'? The file has: UPN, Display_Name, Alert_Severity, Alert_Count, Aggregation_Date, Source_Workload.",
    );
  });
});
