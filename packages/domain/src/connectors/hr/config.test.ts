import { describe, expect, it } from "vitest";
import { AppError } from "../../errors.ts";
import type { CreateConnectorInput } from "../config.ts";
import { buildConnectorConfig } from "../kinds.ts";
import { sampleFromRecords } from "../schema.ts";

const hr = (extra: Partial<CreateConnectorInput> = {}): CreateConnectorInput => ({
  type: "hr",
  name: "HR",
  appId: "x",
  ...extra,
});

const sample = (...rows: string[][]) => sampleFromRecords(rows, ",");

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

const MULTI_HEADER = [
  "HRScenario",
  "EmailAddress",
  "ResignationDate",
  "LastWorkingDate",
  "EffectiveDate",
  "Remarks",
  "Rating",
  "OldLevel",
  "NewLevel",
];

describe("HR connector configuration: resignations (the first format, unchanged)", () => {
  it("maps the resignation columns case-insensitively, without a sample too", () => {
    const config = buildConnectorConfig(hr(), sample(["emailaddress", "RESIGNATIONDATE", "LastWorkingDate"]));
    expect(config.columnMap).toEqual({
      EmailAddress: "emailaddress",
      ResignationDate: "RESIGNATIONDATE",
      LastWorkingDate: "LastWorkingDate",
    });
    expect(config.userColumn).toBe("emailaddress");
    expect(config.timeColumn).toBe("RESIGNATIONDATE");
    expect(config.mapping).toEqual({ Default: ["RESIGNATIONDATE", "LastWorkingDate"] });
    const blind = buildConnectorConfig(hr({ columnMap: { EmailAddress: "Mail" } }), undefined);
    expect(blind).toEqual({
      columns: [
        { name: "Mail", type: "Text" },
        { name: "ResignationDate", type: "DateTime" },
        { name: "LastWorkingDate", type: "DateTime" },
      ],
      userColumn: "Mail",
      timeColumn: "ResignationDate",
      sourceColumn: null,
      sourceValues: [],
      mapping: { Default: ["ResignationDate", "LastWorkingDate"] },
      strictDuplicates: false,
      delimiter: ",",
      dataTypes: ["resignation"],
      columnMap: { EmailAddress: "Mail", ResignationDate: "ResignationDate", LastWorkingDate: "LastWorkingDate" },
    });
  });

  it("names a mapped column missing from the sample, with a did-you-mean", () => {
    const err = errorOf(() => buildConnectorConfig(hr(), sample(["EmailAddress", "ResignationDate", "LastWorkDate"])));
    expect(err.message).toContain(
      "columnMap.LastWorkingDate: Column 'LastWorkingDate' is not in the sample file. Did you mean 'LastWorkDate'?",
    );
    expect(err.message).toContain("Resignation rows need the last working date");
    expect(err.details?.column).toBe("columnMap.LastWorkingDate");
  });
});

describe("HR connector configuration: every data type", () => {
  it("takes the documented sample names of the employee profile as its fields by default", () => {
    const header = [
      "EmailAddress",
      "UserName",
      "EmployeeFirstName",
      "EmployeeLastName",
      "EmployeeAddLine1",
      "EmployeeAddLine2",
      "EmployeeCity",
      "EmployeeState",
      "EmployeeZipCode",
      "EmployeeDept",
      "EmployeeType",
      "EmployeeRole",
    ];
    const config = buildConnectorConfig(hr({ dataTypes: ["employee-profile"] }), sample(header));
    expect(config.columnMap).toMatchObject({
      EmployeeAddressLine1: "EmployeeAddLine1",
      EmployeeAddressLine2: "EmployeeAddLine2",
      EmployeeDepartment: "EmployeeDept",
      EmployeeCountry: "EmployeeCountry",
    });
    expect(config.userColumn).toBe("EmailAddress");
  });

  it("reads the documented improvement plan sample: ImprovementRemarks and PerformanceRating", () => {
    const config = buildConnectorConfig(
      hr({ dataTypes: ["performance-improvement-plan"] }),
      sample(["EmailAddress", "EffectiveDate", "ImprovementRemarks", "PerformanceRating"]),
    );
    expect(config.columnMap).toEqual({
      EmailAddress: "EmailAddress",
      EffectiveDate: "EffectiveDate",
      Remarks: "ImprovementRemarks",
      Rating: "PerformanceRating",
    });
  });

  it("takes typed column maps for every data type or for one, with case-insensitive keys", () => {
    const config = buildConnectorConfig(
      hr({
        dataTypes: ["performance-review", "performance-improvement-plan"],
        scenarioColumn: "Kind",
        columnMap: { emailaddress: "Mail", "Performance-Improvement-Plan.remarks": "PipNotes" },
      }),
      undefined,
    );
    expect(config.columnMap).toEqual({
      EmailAddress: "Mail",
      EffectiveDate: "EffectiveDate",
      Remarks: "Remarks",
      Rating: "Rating",
      "performance-improvement-plan.Remarks": "PipNotes",
    });
    expect(config.scenarioColumn).toBe("Kind");
    expect(config.scenarioValues).toEqual({
      "performance-review": "Performance review",
      "performance-improvement-plan": "Performance improvement plan",
    });
    expect(config.mapping).toEqual({
      "performance-review": ["EffectiveDate", "Remarks", "Rating"],
      "performance-improvement-plan": ["EffectiveDate", "PipNotes", "Rating"],
    });
  });

  it("builds a multi-scenario connector from the documented sample", () => {
    const config = buildConnectorConfig(
      hr({
        dataTypes: ["resignation", "job-level-change", "performance-review"],
        scenarioColumn: "hrscenario",
        scenarioValues: { "job-level-change": "Job level change" },
      }),
      sample(MULTI_HEADER, ["Resignation", "a@b.c"], ["Job Level Change", "a@b.c"], ["performance review", "a@b.c"]),
    );
    expect(config.scenarioColumn).toBe("HRScenario");
    expect(config.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      "HRScenario:Text",
      "EmailAddress:Text",
      "ResignationDate:DateTime",
      "LastWorkingDate:DateTime",
      "EffectiveDate:DateTime",
      "Remarks:Text",
      "OldLevel:Text",
      "NewLevel:Text",
      "Rating:Text",
    ]);
  });

  it("needs a scenario column for several data types, and says which", () => {
    const err = errorOf(() =>
      buildConnectorConfig(hr({ dataTypes: ["resignation", "job-level-change"] }), sample(MULTI_HEADER)),
    );
    expect(err.message).toBe(
      'scenarioColumn: a connector with several data types (resignation, job-level-change) needs the column that says which data type each row is, e.g. "scenarioColumn": "HRScenario". Or create one connector per data type.',
    );
    expect(err.details?.column).toBe("scenarioColumn");
  });

  it("refuses unknown fields, data types and scenario values with a did-you-mean", () => {
    expect(errorOf(() => buildConnectorConfig(hr({ columnMap: { EmailAdress: "Mail" } }), undefined)).message).toMatch(
      /^columnMap: 'EmailAdress' is not an HR field\. Did you mean 'EmailAddress'\? The fields are: EmailAddress, /,
    );
    expect(
      errorOf(() => buildConnectorConfig(hr({ columnMap: { "performance-review.OldLevel": "X" } }), undefined)).message,
    ).toBe(
      "columnMap: performance review rows have no field 'OldLevel'. Their fields are: EmailAddress, EffectiveDate, Remarks, Rating.",
    );
    expect(
      errorOf(() => buildConnectorConfig(hr({ columnMap: { "performance-reviews.Rating": "X" } }), undefined)).message,
    ).toMatch(
      /^columnMap: 'performance-reviews.Rating' names no HR data type before the dot\. Did you mean 'performance-review.Rating'\?/,
    );
    expect(
      errorOf(() => buildConnectorConfig(hr({ scenarioColumn: "S", scenarioValues: { resignations: "R" } }), undefined))
        .message,
    ).toMatch(/^scenarioValues: 'resignations' is not an HR data type\. Did you mean 'resignation'\?/);
    expect(
      errorOf(() =>
        buildConnectorConfig(
          hr({
            dataTypes: ["resignation", "performance-review"],
            scenarioColumn: "S",
            scenarioValues: { resignation: "HR", "performance-review": "hr " },
          }),
          undefined,
        ),
      ).message,
    ).toBe(
      "scenarioValues: 'HR' is the value of both resignation and performance-review; each data type needs its own value of the scenario column.",
    );
  });

  it("refuses a sample whose scenario column holds a value no data type stands for", () => {
    const err = errorOf(() =>
      buildConnectorConfig(
        hr({ dataTypes: ["resignation", "job-level-change"], scenarioColumn: "HRScenario" }),
        sample(MULTI_HEADER, ["Resignation", "a@b.c"], ["Job levelchange", "a@b.c"], ["Employee profile", "a@b.c"]),
      ),
    );
    expect(err.message).toMatch(
      /^scenarioValues: the sample's column 'HRScenario' holds 'Job levelchange', which is not the value of any data type\. Did you mean 'Job level change'\?/,
    );
  });

  it("refuses a sample without a mandatory column of one of its data types, naming both", () => {
    const err = errorOf(() =>
      buildConnectorConfig(
        hr({ dataTypes: ["resignation", "employee-profile"], scenarioColumn: "HRScenario" }),
        sample(MULTI_HEADER),
      ),
    );
    expect(err.message).toContain("columnMap.EmployeeFirstName: Column 'EmployeeFirstName' is not in the sample file.");
    expect(err.message).toContain("Employee profile rows need the first name");
  });

  it("refuses two fields of one data type reading the same column, and the pipe delimiter", () => {
    expect(
      errorOf(() =>
        buildConnectorConfig(hr({ columnMap: { ResignationDate: "Date", LastWorkingDate: "date" } }), undefined),
      ).message,
    ).toBe(
      "columnMap: ResignationDate and LastWorkingDate of resignation rows would both read column 'date'; give each field its own column.",
    );
    expect(errorOf(() => buildConnectorConfig(hr({ delimiter: "|" }), undefined)).details?.column).toBe("delimiter");
  });

  it("rebuilds the same configuration from what it stored (an edit without changes)", () => {
    const first = buildConnectorConfig(
      hr({
        dataTypes: ["performance-review", "performance-improvement-plan"],
        scenarioColumn: "HRScenario",
        columnMap: { "performance-improvement-plan.Remarks": "ImprovementRemarks" },
      }),
      undefined,
    );
    const { columns: _columns, ...stored } = first;
    const again = buildConnectorConfig({ ...hr(), ...stored } as CreateConnectorInput, undefined);
    expect(again).toEqual(first);
    // Dropping a data type keeps working although its scenario value and column map entry remain.
    const fewer = buildConnectorConfig(
      { ...hr(), ...stored, dataTypes: ["performance-review"] } as CreateConnectorInput,
      undefined,
    );
    expect(fewer.scenarioValues).toEqual({ "performance-review": "Performance review" });
  });
});
