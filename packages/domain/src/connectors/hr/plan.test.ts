import { describe, expect, it } from "vitest";
import { AppError } from "../../errors.ts";
import type { CreateConnectorInput } from "../config.ts";
import { buildConnectorConfig } from "../kinds.ts";
import type { RowOutcome } from "../rows.ts";
import { type HrCsvPlan, planHrCsv } from "./plan.ts";

// The documented example files (packages/server/test/fixtures/hr-*.csv), line by line.
const FIXTURES = {
  resignation: [
    "EmailAddress,ResignationDate,LastWorkingDate",
    "sarad@contoso.com,2019-04-23T15:18:02.4675041+05:30,2019-04-29T15:18:02.4675041+05:30",
    "pilarp@contoso.com,2019-04-24T09:15:49Z,2019-04-29T15:18:02.7117540",
  ],
  jobLevel: [
    "EmailAddress,EffectiveDate,OldLevel,NewLevel",
    "sarad@contoso.com,2019-04-23T15:18:02.4675041+05:30,Level 61 - Sr. Manager,Level 60- Manager",
  ],
  review: [
    "EmailAddress,EffectiveDate,Remarks,Rating",
    "sarad@contoso.com,2019-04-23T15:18:02.4675041+05:30,Met expectations but bad attitude,2-Below expectation",
  ],
  pip: [
    "EmailAddress,EffectiveDate,ImprovementRemarks,PerformanceRating",
    "sarad@contoso.com,2019-04-23T15:18:02.4675041+05:30,Weekly check-ins,2 Below expectations",
  ],
  profile: [
    "EmailAddress,UserName,EmployeeFirstName,EmployeeLastName,EmployeeAddLine1,EmployeeAddLine2,EmployeeCity,EmployeeState,EmployeeZipCode,EmployeeDept,EmployeeType,EmployeeRole",
    "jackq@contoso.com,jackq,jack,qualtz,50 Oakland Ave,#206,City,Florida,32104,Orthopaedic,Regular,Nurse",
  ],
  multi: [
    "HRScenario,EmailAddress,ResignationDate,LastWorkingDate,EffectiveDate,Remarks,Rating,OldLevel,NewLevel",
    "Resignation,sarad@contoso.com,2019-04-23T15:18:02.4675041+05:30,2019-04-29T15:18:02.4675041+05:30,,,,",
    "Job level change,sarad@contoso.com,2019-04-23T15:18:02.4675041+05:30,,,,,Level 61 Sr. Manager, Level 60 Manager",
    "Performance review,sarad@contoso.com,,,2019-04-23T15:18:02.4675041+05:30,Met expectation but bad attitude,2 Below expectations,,",
  ],
};

const NOW = "2026-11-21T12:34:56.789Z";
const SARA_DATE = "2019-04-23T09:48:02.467504Z";

const hr = (extra: Partial<CreateConnectorInput> = {}) =>
  buildConnectorConfig({ type: "hr", name: "HR", appId: "x", ...extra }, undefined);

function plan(config: ReturnType<typeof hr>, header: string): HrCsvPlan {
  return planHrCsv(config, header.split(","), ",", { now: NOW });
}

/** Maps every data line (split on commas, as the fixtures need no quoting). */
function read(config: ReturnType<typeof hr>, lines: readonly string[]) {
  const p = plan(config, lines[0] as string);
  const outcomes: RowOutcome[] = lines.slice(1).map((l) => p.map(l.split(",")));
  return { plan: p, outcomes, warnings: [...p.warnings, ...(p.finish?.() ?? [])] };
}

const signals = (outcomes: RowOutcome[]) => outcomes.map((o) => (o.ok ? o.signal : o));

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

const MULTI: Partial<CreateConnectorInput> = {
  dataTypes: ["resignation", "job-level-change", "performance-review"],
  scenarioColumn: "HRScenario",
};

describe("single-type files (the documented examples)", () => {
  it("resignations: both dates in UTC with microseconds, at the resignation date", () => {
    const { outcomes, warnings } = read(hr(), FIXTURES.resignation);
    expect(signals(outcomes)).toEqual([
      {
        kind: "hr.resignation",
        upn: "sarad@contoso.com",
        occurredAt: SARA_DATE,
        sourceValue: null,
        attributes: { ResignationDate: SARA_DATE, LastWorkingDate: "2019-04-29T09:48:02.467504Z" },
      },
      {
        kind: "hr.resignation",
        upn: "pilarp@contoso.com",
        occurredAt: "2019-04-24T09:15:49Z",
        sourceValue: null,
        attributes: { ResignationDate: "2019-04-24T09:15:49Z", LastWorkingDate: "2019-04-29T15:18:02.711754Z" },
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it("job level changes, performance reviews and improvement plans, at their effective date", () => {
    expect(signals(read(hr({ dataTypes: ["job-level-change"] }), FIXTURES.jobLevel).outcomes)).toEqual([
      {
        kind: "hr.job_level_change",
        upn: "sarad@contoso.com",
        occurredAt: SARA_DATE,
        sourceValue: null,
        attributes: {
          EffectiveDate: SARA_DATE,
          Remarks: null,
          OldLevel: "Level 61 - Sr. Manager",
          NewLevel: "Level 60- Manager",
        },
      },
    ]);
    expect(signals(read(hr({ dataTypes: ["performance-review"] }), FIXTURES.review).outcomes)).toEqual([
      {
        kind: "hr.performance_review",
        upn: "sarad@contoso.com",
        occurredAt: SARA_DATE,
        sourceValue: null,
        attributes: {
          EffectiveDate: SARA_DATE,
          Remarks: "Met expectations but bad attitude",
          Rating: "2-Below expectation",
        },
      },
    ]);
    const pip = read(hr({ dataTypes: ["performance-improvement-plan"] }), FIXTURES.pip);
    expect(signals(pip.outcomes)).toEqual([
      {
        kind: "hr.performance_improvement_plan",
        upn: "sarad@contoso.com",
        occurredAt: SARA_DATE,
        sourceValue: null,
        attributes: { EffectiveDate: SARA_DATE, Remarks: "Weekly check-ins", Rating: "2 Below expectations" },
      },
    ]);
    expect(pip.warnings).toEqual([]);
  });

  it("employee profiles: the sample's column names, at the start of the run's UTC day", () => {
    const { outcomes, warnings } = read(hr({ dataTypes: ["employee-profile"] }), FIXTURES.profile);
    expect(signals(outcomes)).toEqual([
      {
        kind: "hr.employee_profile",
        upn: "jackq@contoso.com",
        occurredAt: "2026-11-21T00:00:00Z",
        sourceValue: null,
        attributes: {
          UserName: "jackq",
          EmployeeFirstName: "jack",
          EmployeeLastName: "qualtz",
          EmployeeAddressLine1: "50 Oakland Ave",
          EmployeeAddressLine2: "#206",
          EmployeeCity: "City",
          EmployeeState: "Florida",
          EmployeeZipCode: "32104",
          EmployeeCountry: null,
          EmployeeDepartment: "Orthopaedic",
          EmployeeType: "Regular",
          EmployeeRole: "Nurse",
        },
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it("keeps an employee type outside Regular, Exempt and Contractor, with a warning", () => {
    const lines = [FIXTURES.profile[0] as string, (FIXTURES.profile[1] as string).replace("Regular", "Full-time")];
    const { outcomes, warnings } = read(hr({ dataTypes: ["employee-profile"] }), lines);
    expect(outcomes[0]).toMatchObject({ ok: true, signal: { attributes: { EmployeeType: "Full-time" } } });
    expect(warnings).toEqual([
      "1 employee profile(s) have an EmployeeType other than Regular, Exempt, Contractor (lines 2: 'Full-time'); the value was kept as given.",
    ]);
  });
});

describe("the multi-scenario file", () => {
  it("imports every row: the short row padded, the misplaced job level date taken with a warning", () => {
    const { outcomes, warnings } = read(hr(MULTI), FIXTURES.multi);
    expect(outcomes.map((o) => o.fix)).toEqual(["padded", "none", "none"]);
    expect(signals(outcomes)).toEqual([
      {
        kind: "hr.resignation",
        upn: "sarad@contoso.com",
        occurredAt: SARA_DATE,
        sourceValue: null,
        attributes: { ResignationDate: SARA_DATE, LastWorkingDate: "2019-04-29T09:48:02.467504Z" },
      },
      {
        kind: "hr.job_level_change",
        upn: "sarad@contoso.com",
        occurredAt: SARA_DATE,
        sourceValue: null,
        attributes: {
          EffectiveDate: SARA_DATE,
          Remarks: null,
          OldLevel: "Level 61 Sr. Manager",
          NewLevel: "Level 60 Manager",
        },
      },
      {
        kind: "hr.performance_review",
        upn: "sarad@contoso.com",
        occurredAt: SARA_DATE,
        sourceValue: null,
        attributes: {
          EffectiveDate: SARA_DATE,
          Remarks: "Met expectation but bad attitude",
          Rating: "2 Below expectations",
        },
      },
    ]);
    expect(warnings).toEqual([
      "Line 3: Job level change has no EffectiveDate; the date in column ResignationDate was used — check that the file's columns line up.",
    ]);
  });

  it("uses the line numbers it is given and groups the warning's lines", () => {
    const p = plan(hr(MULTI), FIXTURES.multi[0] as string);
    const row = (FIXTURES.multi[2] as string).split(",");
    for (const line of [7, 9, 12, 15, 20, 31]) expect(p.map(row, line).ok).toBe(true);
    expect(p.finish?.()).toEqual([
      "Lines 7, 9, 12, 15, 20, … (6 rows): Job level change rows have no EffectiveDate; the date in column ResignationDate was used — check that the file's columns line up.",
    ]);
  });

  it("takes no other date when two other columns hold one, and says the date is empty", () => {
    const p = plan(hr(MULTI), FIXTURES.multi[0] as string);
    const row = "Job level change,a@b.c,2019-04-23T15:18:02Z,2019-04-29T15:18:02Z,,,,L2,L1".split(",");
    expect(p.map(row)).toEqual({
      ok: false,
      column: "EffectiveDate",
      reason: "the value is empty; a job level change needs the effective date.",
      fix: "none",
    });
  });

  it("matches scenario values case-insensitively and trimmed, and admin-mapped values", () => {
    const config = hr({ ...MULTI, scenarioValues: { "job-level-change": "Promotion/Demotion" } });
    const p = plan(config, FIXTURES.multi[0] as string);
    const row = (value: string) => `${value},a@b.c,,,2019-04-23T15:18:02Z,,3-Meets,,`.split(",").slice(0, 9);
    expect(p.map(row("  PERFORMANCE REVIEW ")).ok).toBe(true);
    expect(p.map(row("promotion/demotion")).ok).toBe(true);
    expect(p.map(row("Job level change"))).toMatchObject({
      ok: false,
      column: "HRScenario",
      reason:
        "'Job level change' is not a scenario value of this connector. The values it maps are: 'Resignation', 'Promotion/Demotion', 'Performance review' (set others with scenarioValues).",
    });
  });

  it("rejects a row whose scenario value is not mapped, naming it with a did-you-mean", () => {
    const p = plan(hr(MULTI), FIXTURES.multi[0] as string);
    const outcome = p.map("Job level chnage,a@b.c,,,2019-04-23T15:18:02Z,,,L2,L1".split(","));
    expect(outcome).toEqual({
      ok: false,
      column: "HRScenario",
      reason:
        "'Job level chnage' is not a scenario value of this connector. Did you mean 'Job level change'? The values it maps are: 'Resignation', 'Job level change', 'Performance review' (set others with scenarioValues).",
      fix: "none",
    });
    expect(p.map(",a@b.c,,,2019-04-23T15:18:02Z,,,L2,L1".split(","))).toMatchObject({
      column: "HRScenario",
      reason:
        "the value is empty; every row needs its data type, one of: 'Resignation', 'Job level change', 'Performance review'.",
    });
    expect(p.finish?.()).toEqual([
      "1 row(s) had a scenario value the connector does not map (lines 2: 'Job level chnage'); they were rejected.",
    ]);
  });

  it("a resignation-only connector (the stored configurations so far) rejects the other scenarios' rows", () => {
    const { outcomes, warnings } = read(hr(), FIXTURES.multi);
    expect(outcomes.map((o) => (o.ok ? o.signal.kind : o.reason))).toEqual([
      "hr.resignation",
      "HR scenario 'Job level change' is not imported by this connector (it imports: Resignation). Add the data type job-level-change to the connector to import these rows.",
      "HR scenario 'Performance review' is not imported by this connector (it imports: Resignation). Add the data type performance-review to the connector to import these rows.",
    ]);
    expect(warnings).toEqual([
      "The file has column(s) that no data type of this connector reads (EffectiveDate, Remarks, Rating, OldLevel, NewLevel); they were ignored.",
      "1 row(s) were 'Job level change' rows, a data type this connector does not import (lines 3); they were rejected.",
      "1 row(s) were 'Performance review' rows, a data type this connector does not import (lines 4); they were rejected.",
    ]);
  });

  it("rejects the rows of a data type whose columns the file lacks entirely, and keeps the others", () => {
    const config = hr({ ...MULTI, dataTypes: [...(MULTI.dataTypes ?? []), "employee-profile"] });
    const p = plan(config, FIXTURES.multi[0] as string);
    expect(p.map((FIXTURES.multi[3] as string).split(",")).ok).toBe(true);
    expect(p.map("Employee profile,a@b.c,,,,,,,".split(","))).toEqual({
      ok: false,
      column: "EmployeeFirstName",
      reason:
        'the file has no column \'EmployeeFirstName\' (the first name), which employee profile rows need; add the column to the file, or name it with the connector\'s columnMap ("EmployeeFirstName": "<column>").',
      fix: "none",
    });
    expect(p.finish?.()).toEqual([
      "1 employee profile row(s) were rejected (lines 3): the file has no column 'EmployeeFirstName', which employee profile rows need.",
    ]);
  });

  it("refuses a file whose header has some of a data type's mandatory columns but not all", () => {
    const err = errorOf(() => plan(hr(MULTI), "HRScenario,EmailAddress,ResignationDate,EffectiveDate"));
    expect(err.message).toBe(
      "Line 1: the file has no column 'LastWorkingDate' (the last working date), which resignation rows need; the whole file was refused. The header has: HRScenario, EmailAddress, ResignationDate, EffectiveDate.",
    );
    expect(err.details).toEqual({ line: 1, column: "LastWorkingDate" });
  });
});

describe("several data types, a file without the scenario column", () => {
  const config = hr({
    dataTypes: ["job-level-change", "performance-review", "performance-improvement-plan"],
    scenarioColumn: "HRScenario",
  });

  it("reads a file whose columns are those of one data type as that type, with a warning", () => {
    const { outcomes, warnings } = read(config, FIXTURES.jobLevel);
    expect(outcomes[0]).toMatchObject({ ok: true, signal: { kind: "hr.job_level_change" } });
    expect(warnings).toEqual([
      "The file has no column 'HRScenario', and its columns are those of a job level change: every row was read as a job level change.",
    ]);
    expect(read(config, FIXTURES.pip).outcomes[0]).toMatchObject({
      ok: true,
      signal: { kind: "hr.performance_improvement_plan" },
    });
  });

  it("refuses a file that fits several data types, or none, asking for the scenario column", () => {
    expect(errorOf(() => plan(config, FIXTURES.review[0] as string)).message).toBe(
      "Line 1: the file has no column 'HRScenario' (the data type of each row), and its columns fit several data types of this connector (performance review, performance improvement plan); the whole file was refused. Add the column 'HRScenario' with each row's data type.",
    );
    const none = errorOf(() => plan(config, "Mail,When,Old,New"));
    expect(none.message).toMatch(
      /^Line 1: the file has no column 'HRScenario' \(the data type of each row\), and its columns are not those of any one data type of this connector either; the whole file was refused\./,
    );
    expect(none.details).toEqual({ line: 1, column: "HRScenario" });
  });
});

describe("bad files and bad rows", () => {
  it("refuses a file without a mandatory column, naming the column and the data type", () => {
    const err = errorOf(() => plan(hr(), "EmailAddress,ResignationDate"));
    expect(err.message).toBe(
      "Line 1: the file has no column 'LastWorkingDate' (the last working date), which resignation rows need; the whole file was refused. The header has: EmailAddress, ResignationDate.",
    );
    expect(err.details).toEqual({ line: 1, column: "LastWorkingDate" });
    const profile = errorOf(() => plan(hr({ dataTypes: ["employee-profile"] }), "EmailAddress,EmployeeFirstName"));
    expect(profile.message).toMatch(
      /^Line 1: the file has no column 'EmployeeLastName' \(the last name\), which employee profile rows need; the whole file was refused\./,
    );
    const semicolon = errorOf(() => plan(hr(), "EmailAddress;ResignationDate;LastWorkingDate"));
    expect(semicolon.code).toBe("wrong_delimiter");
  });

  it("rejects a bad row alone, naming the column and the reason", () => {
    const review = plan(hr({ dataTypes: ["performance-review"] }), "EmailAddress,EffectiveDate,Remarks,Rating");
    const row = (email: string, date: string, remarks: string, rating: string) =>
      review.map([email, date, remarks, rating]);
    const ok = "2019-04-23T15:18:02Z";
    const cases: [RowOutcome, string, string][] = [
      [row("", ok, "", ""), "EmailAddress", "the value is empty; every row needs the employee's e-mail address."],
      [row("sara", ok, "", ""), "EmailAddress", "'sara' is not a user principal name (name@domain)."],
      [row("a@b.c", "", "", ""), "EffectiveDate", "the value is empty; a performance review needs the effective date."],
      [
        row("a@b.c", "2019-02-30", "", ""),
        "EffectiveDate",
        "'2019-02-30' is not an ISO 8601 date and time (day 30 does not exist in 2019-02). Use e.g. 2023-04-24T05:52:56.962686Z or 2019-04-23T15:18:02.4675041+05:30.",
      ],
      [
        row("a@b.c", ok, "x".repeat(201), ""),
        "Remarks",
        "the value is 201 characters long; Remarks holds at most 200 characters. Shorten it in the HR system's export.",
      ],
      [
        row("a@b.c", ok, "", "y".repeat(26)),
        "Rating",
        "the value is 26 characters long; Rating holds at most 25 characters. Shorten it in the HR system's export.",
      ],
    ];
    for (const [outcome, column, reason] of cases) expect(outcome).toEqual({ ok: false, column, reason, fix: "none" });
    expect(row(" A@B.C ", ok, " ".repeat(3) + "x".repeat(200), " 3 ")).toMatchObject({
      ok: true,
      signal: { upn: "a@b.c", attributes: { Remarks: "x".repeat(200), Rating: "3" } },
    });
    const profile = plan(hr({ dataTypes: ["employee-profile"] }), FIXTURES.profile[0] as string);
    const fields = (FIXTURES.profile[1] as string).split(",");
    fields[2] = " ";
    expect(profile.map(fields)).toEqual({
      ok: false,
      column: "EmployeeFirstName",
      reason: "the value is empty; an employee profile needs the first name.",
      fix: "none",
    });
  });

  it("reads a typed column map strictly: the named column only", () => {
    const config = hr({ dataTypes: ["performance-review"], columnMap: { Remarks: "Notes", EmailAddress: "Mail" } });
    const p = plan(config, "Mail,EffectiveDate,Remarks,Notes,Rating");
    expect(p.map(["a@b.c", "2019-04-23T15:18:02Z", "ignored", "kept", ""])).toMatchObject({
      ok: true,
      signal: { attributes: { Remarks: "kept" } },
    });
    expect(p.warnings).toEqual([
      "The file has column(s) that performance review rows do not use (Remarks); they were ignored.",
    ]);
    expect(errorOf(() => plan(config, "EmailAddress,EffectiveDate")).message).toMatch(
      /^Line 1: the file has no column 'Mail' \(the employee's e-mail address\), which performance review rows need/,
    );
  });
});
