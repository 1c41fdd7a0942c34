import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AppError } from "../../errors.ts";
import type { CreateConnectorInput } from "../config.ts";
import { buildConnectorConfig, connectorKind } from "../kinds.ts";
import type { ParsedSample } from "../schema.ts";
import { EPIC_FIELDS, GENERIC_FIELDS } from "./fields.ts";
import {
  buildHealthcareConfig,
  HEALTH_RECORD_ACCESS,
  type HealthcareConnectorConfig,
  planHealthcareCsv,
} from "./healthcare.ts";

const example = (name: string) =>
  readFileSync(new URL(`../../../../../docs/connectors/examples/${name}`, import.meta.url), "utf8");
const GENERIC_HEADER = (example("healthcare-generic.csv").split(/\r?\n/)[0] as string).split(",");
const EPIC_HEADER = (example("healthcare-epic.psv").split(/\r?\n/)[0] as string).split("|");

const input = (extra: Partial<CreateConnectorInput> = {}): CreateConnectorInput => ({
  type: "healthcare",
  name: "EHR access log",
  appId: "00000000-0000-4000-8000-000000000001",
  ...extra,
});

const sampleOf = (header: string[], delimiter = ","): ParsedSample => ({ delimiter, header, rows: [] });

/** The error a function throws, for asserting its message and details. */
function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

const NOW = { now: "2026-11-21T12:00:00Z" };

describe("field sets", () => {
  it("the generic set lists the 23 documented fields in order, 9 of them mandatory", () => {
    expect(GENERIC_FIELDS.map((f) => f.name)).toEqual(GENERIC_HEADER);
    expect(GENERIC_FIELDS.filter((f) => f.mandatory).map((f) => f.name)).toEqual([
      "Creation Time",
      "Event Name",
      "Patient First Name",
      "Patient Last Name",
      "Patient Address Line 1",
      "Patient City",
      "Patient Zip Code",
      "Restricted Access Reason",
      "Email Address (UPN) or SamAccountName",
    ]);
  });

  it("the Epic set lists the 22 documented Clarity columns in order, 9 of them mandatory", () => {
    expect(EPIC_FIELDS.map((f) => f.name)).toEqual(EPIC_HEADER);
    expect(EPIC_FIELDS.filter((f) => f.mandatory).map((f) => f.name)).toEqual([
      "ACCESS_LOG.ACCESS_TIME",
      "ACCESS_LOG_METRIC.METRIC_NAME",
      "PATIENT.PAT_FIRST_NAME",
      "PATIENT.PAT_LAST_NAME",
      "PATIENT.ADD_LINE_1",
      "PATIENT.CITY",
      "PATIENT.ZIP",
      "ZC_BTG_REASON.NAME",
      "EMP.SYSTEM_LOGIN",
    ]);
  });

  it("both sets use the same keys for the same fields; Epic has no EmployeeUserName", () => {
    const epic = new Map(EPIC_FIELDS.map((f) => [f.key, f]));
    for (const f of GENERIC_FIELDS) {
      if (f.key === "EmployeeUserName") expect(epic.has(f.key)).toBe(false);
      else expect(epic.get(f.key)?.mandatory).toBe(f.mandatory);
    }
  });

  it("only the time, the event name and the user must have a value on every row", () => {
    expect(GENERIC_FIELDS.filter((f) => f.valueRequired).map((f) => f.key)).toEqual([
      "CreationTime",
      "EventName",
      "EmailAddress",
    ]);
  });
});

describe("creating a healthcare connector", () => {
  it("is registered: CSV only, comma, tab and pipe", () => {
    const kind = connectorKind("healthcare");
    expect(kind.formats).toEqual(["csv"]);
    expect(kind.delimiters).toEqual([",", "\t", "|"]);
  });

  it("without a sample: the generic field set under its documented column names", () => {
    const config = buildConnectorConfig(input(), undefined) as HealthcareConnectorConfig;
    expect(config.fieldSet).toBe("generic");
    expect(config.columns).toHaveLength(23);
    expect(config.columns[0]).toEqual({ name: "Creation Time", type: "DateTime" });
    expect(config).toMatchObject({
      userColumn: "EmailAddress",
      timeColumn: "CreationTime",
      sourceColumn: null,
      sourceValues: [],
      delimiter: ",",
      columnMap: {},
      strictDuplicates: false,
    });
    expect(config.upnDomain).toBeUndefined();
  });

  it("checks a sample: the Epic sample's columns are kept under its spelling", () => {
    const header = EPIC_HEADER.map((h) => (h === "PATIENT.ZIP" ? "patient.zip" : h));
    const config = buildHealthcareConfig(input({ fieldSet: "epic" }), sampleOf(header, "|"));
    expect(config.delimiter).toBe("|");
    expect(config.columns.map((c) => c.name)).toEqual(header);
  });

  it("a sample without a mandatory column is refused, naming it, with did-you-mean and the columnMap to use", () => {
    const header = GENERIC_HEADER.map((h) => (h === "Patient Zip Code" ? "Patient Zipcode" : h));
    const err = thrown(() => buildHealthcareConfig(input(), sampleOf(header)));
    expect(err.status).toBe(400);
    expect(err.details?.column).toBe("columnMap.PatientZipCode");
    expect(err.message).toMatch(
      /^sample: the sample file has no column for the mandatory field 'Patient Zip Code' \(PatientZipCode; did you mean 'Patient Zipcode'\?\) of the generic field set\. Name the file's column with columnMap, e\.g\. \{"PatientZipCode": "Patient Zipcode"\}\. The file has: Creation Time, /,
    );
  });

  it("an Epic sample given to a generic connector says to set fieldSet to 'epic'", () => {
    const err = thrown(() => buildHealthcareConfig(input(), sampleOf(EPIC_HEADER, "|")));
    expect(err.message).toContain("The columns look like the epic field set: set the connector's fieldSet to 'epic'.");
  });

  it("optional columns may be absent from the sample", () => {
    const mandatory = GENERIC_FIELDS.filter((f) => f.mandatory).map((f) => f.name);
    const config = buildHealthcareConfig(input(), sampleOf(mandatory));
    expect(config.columns.map((c) => c.name)).toEqual(mandatory);
  });

  it("columnMap takes field keys or field names, in any case, and keeps only the changes", () => {
    const header = GENERIC_HEADER.map((h) =>
      h === "Creation Time" ? "AccessTime" : h === "Event Name" ? "Action" : h,
    );
    const config = buildHealthcareConfig(
      input({ columnMap: { creationtime: "AccessTime", "Event Name": "action", "Patient City": "Patient City" } }),
      sampleOf(header),
    );
    expect(config.columnMap).toEqual({ CreationTime: "AccessTime", EventName: "action" });
    expect(config.columns.slice(0, 2)).toEqual([
      { name: "AccessTime", type: "DateTime" },
      { name: "Action", type: "Text" },
    ]);
  });

  it("a mapped column missing from the sample is refused under its columnMap key", () => {
    const err = thrown(() =>
      buildHealthcareConfig(input({ columnMap: { WorkstationId: "Terminal" } }), sampleOf(GENERIC_HEADER)),
    );
    expect(err.details?.column).toBe("columnMap.WorkstationId");
    expect(err.message).toMatch(/^columnMap\.WorkstationId: Column 'Terminal' is not in the sample file\./);
  });

  it("an unknown columnMap field is refused with did-you-mean", () => {
    const err = thrown(() => buildHealthcareConfig(input({ columnMap: { PatientZip: "Zip" } }), undefined));
    expect(err.message).toBe(
      "columnMap: 'PatientZip' is not a field of the generic field set. Did you mean 'PatientZipCode'? Use a field key (CreationTime, EventName, WorkstationId, EventSection, EventCategory, PatientRegId, PatientFirstName, PatientMiddleName, PatientLastName, PatientAddressLine1, PatientAddressLine2, PatientCity, PatientZipCode, PatientState, PatientCountry, PatientDepartment, RestrictedAccessReason, RestrictedAccessComment, EmailAddress, EmployeeUserName, EmployeeId, EmployeeLastName, EmployeeFirstName) or the field's name.",
    );
    const epic = thrown(() =>
      buildHealthcareConfig(input({ fieldSet: "epic", columnMap: { EmployeeUserName: "x" } }), undefined),
    );
    expect(epic.message).toContain("The epic field set has no EmployeeUserName field.");
  });

  it("upnDomain is normalised, and refused when it is not a domain", () => {
    const config = buildHealthcareConfig(
      { ...input(), upnDomain: " @Contoso.COM " } as CreateConnectorInput,
      undefined,
    );
    expect(config.upnDomain).toBe("contoso.com");
    const err = thrown(() =>
      buildHealthcareConfig({ ...input(), upnDomain: "contoso com" } as CreateConnectorInput, undefined),
    );
    expect(err.details?.column).toBe("upnDomain");
    expect(err.message).toBe(
      "upnDomain: 'contoso com' is not a domain name; give the domain of the users' UPNs, e.g. contoso.com.",
    );
  });

  it("an edit that sends the stored configuration back is accepted (user and time keys, mapping, column types)", () => {
    const stored = buildHealthcareConfig(input({ columnMap: { EventName: "Action" } }), undefined);
    const again = buildHealthcareConfig(
      {
        ...input(),
        ...stored,
        columnTypes: Object.fromEntries(stored.columns.map((c) => [c.name, c.type])),
      } as unknown as CreateConnectorInput,
      undefined,
    );
    expect(again).toEqual(stored);
  });

  it("refuses a source column and a user column of its own", () => {
    expect(thrown(() => buildHealthcareConfig(input({ sourceColumn: "Dept" }), undefined)).details?.column).toBe(
      "sourceColumn",
    );
    expect(thrown(() => buildHealthcareConfig(input({ userColumn: "Login" }), undefined)).message).toBe(
      'userColumn: a healthcare connector reads its columns through the field set; map the column with columnMap instead, e.g. {"EmailAddress": "Login"}.',
    );
  });
});

const GENERIC_ROW = [
  "2026-11-20T08:15:02.1234567Z",
  "Chart Review",
  "WS-ONC-004",
  "Clinical",
  "Patient Chart",
  "MRN100234",
  "Jordan",
  "",
  "Smith",
  "12 Main Street",
  "",
  "Cambridge",
  "02139",
  "Massachusetts",
  "USA",
  "Oncology",
  "",
  "",
  "Alex.Smith@contoso.com",
  "asmith",
  "E1001",
  "Smith",
  "Alex",
];

function genericPlan(extra: Partial<CreateConnectorInput> & { upnDomain?: string } = {}, header = GENERIC_HEADER) {
  const config = buildHealthcareConfig(input(extra) as CreateConnectorInput, undefined);
  return planHealthcareCsv(config, header, ",");
}

const withValue = (index: number, value: string) => GENERIC_ROW.map((v, i) => (i === index ? value : v));

describe("reading an upload", () => {
  it("a row becomes a health.record_access signal with its fields under their keys (empty ones left out) and the derived attributes", () => {
    const plan = genericPlan();
    expect(plan.warnings).toEqual([]);
    const outcome = plan.map(GENERIC_ROW);
    expect(outcome).toEqual({
      ok: true,
      fix: "none",
      signal: {
        kind: HEALTH_RECORD_ACCESS,
        upn: "alex.smith@contoso.com",
        occurredAt: "2026-11-20T08:15:02.123456Z",
        sourceValue: null,
        attributes: {
          CreationTime: "2026-11-20T08:15:02.123456Z",
          EventName: "Chart Review",
          WorkstationId: "WS-ONC-004",
          EventSection: "Clinical",
          EventCategory: "Patient Chart",
          PatientRegId: "MRN100234",
          PatientFirstName: "Jordan",
          PatientLastName: "Smith",
          PatientAddressLine1: "12 Main Street",
          PatientCity: "Cambridge",
          PatientZipCode: "02139",
          PatientState: "Massachusetts",
          PatientCountry: "USA",
          PatientDepartment: "Oncology",
          EmailAddress: "Alex.Smith@contoso.com",
          EmployeeUserName: "asmith",
          EmployeeId: "E1001",
          EmployeeLastName: "Smith",
          EmployeeFirstName: "Alex",
          restricted: false,
          action: "view",
          patientMatch: "smith|jordan|12|main st|02139",
        },
      },
    });
  });

  it("a restricted access reason makes the access restricted; an empty one does not reject the row", () => {
    const plan = genericPlan();
    const restricted = plan.map(withValue(16, "Emergency care"));
    expect(restricted.ok && restricted.signal.attributes.restricted).toBe(true);
    expect(plan.map(withValue(16, "  ")).ok).toBe(true);
  });

  it("Epic columns are read under the same keys, from a pipe-separated header in another case", () => {
    const config = buildHealthcareConfig(input({ fieldSet: "epic" }), undefined);
    const header = EPIC_HEADER.map((h) => h.toLowerCase());
    const plan = planHealthcareCsv(config, header, "|");
    const row = [
      "2026-11-20 08:15:02",
      "Patient Summary Printed",
      "WS-ORT-112",
      "Print Jobs",
      "Print",
      "E2004551",
      "Pat",
      "",
      "Lee",
      "7 Elm Road",
      "",
      "Somerville",
      "02140",
      "Massachusetts",
      "United States of America",
      "ORTHOPAEDICS",
      "Direct patient care",
      "",
      "jamie.rivera@contoso.com",
      "JRIVERA01",
      "Rivera",
      "Jamie",
    ];
    const outcome = plan.map(row);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.signal.occurredAt).toBe("2026-11-20T08:15:02Z");
    expect(outcome.signal.attributes).toMatchObject({
      EventName: "Patient Summary Printed",
      EventCategory: "Print",
      EmployeeId: "JRIVERA01",
      RestrictedAccessReason: "Direct patient care",
      restricted: true,
      action: "print",
      patientMatch: "lee|pat|7|elm rd|02140",
    });
    expect(outcome.signal.attributes).not.toHaveProperty("EmployeeUserName");
  });

  it("a file without mandatory columns is refused as a whole, naming each with did-you-mean", () => {
    const header = GENERIC_HEADER.filter((h) => h !== "Patient City").map((h) =>
      h === "Patient Zip Code" ? "Patient Zipcode" : h,
    );
    const err = thrown(() => genericPlan({}, header));
    expect(err.code).toBe("missing_column");
    expect(err.details).toEqual({ line: 1, column: "Patient City" });
    expect(err.message).toMatch(
      /^Line 1: the file has no column 'Patient City' \(PatientCity\), 'Patient Zip Code' \(PatientZipCode; did you mean 'Patient Zipcode'\?\), mandatory in the generic field set; the whole file was refused\. Add the column, or map the file's column to the field with the connector's columnMap\. The header has: Creation Time, /,
    );
  });

  it("an Epic file sent to a generic connector is refused with the hint to set the field set", () => {
    const err = thrown(() => genericPlan({}, EPIC_HEADER));
    expect(err.message).toContain("The columns look like the epic field set: set the connector's fieldSet to 'epic'.");
  });

  it("a semicolon-separated file is refused naming the delimiter", () => {
    const err = thrown(() => genericPlan({}, [GENERIC_HEADER.join(";")]));
    expect(err.code).toBe("wrong_delimiter");
    expect(err.message).toBe(
      "Line 1: the header has no column 'Creation Time'. The file looks separated by ';', but a healthcare connector reads comma-, tab- or pipe-separated files (.csv, .tsv, .psv); the whole file was refused. Save the file with one of those delimiters and upload it again.",
    );
  });

  it("warns about columns it ignores and about mapped optional columns the file lacks", () => {
    const header = [...GENERIC_HEADER.filter((h) => h !== "Workstation Id"), "Shift"];
    const plan = genericPlan({ columnMap: { WorkstationId: "Terminal" } }, header);
    expect(plan.warnings).toEqual([
      "The file has no column 'Terminal' (WorkstationId) that the connector's columnMap names; that field was left out of the stored signals.",
      "The file's column 'Shift' is not a field of the generic field set and was ignored. Map a column to a field with the connector's columnMap.",
    ]);
  });

  it("only the mandatory columns are needed; absent optional fields are left out of the attributes", () => {
    const mandatory = GENERIC_FIELDS.filter((f) => f.mandatory);
    const plan = genericPlan(
      {},
      mandatory.map((f) => f.name),
    );
    const row = mandatory.map((f) => GENERIC_ROW[GENERIC_FIELDS.indexOf(f)] as string);
    const outcome = plan.map(row);
    if (!outcome.ok) throw new Error(outcome.reason);
    // The row has no restricted access reason: the empty value is left out.
    expect(Object.keys(outcome.signal.attributes)).toEqual([
      ...mandatory.map((f) => f.key).filter((k) => k !== "RestrictedAccessReason"),
      "restricted",
      "action",
      "patientMatch",
    ]);
  });

  it("rejects a row without a valid time, event name or user, naming the column and the reason", () => {
    const plan = genericPlan();
    expect(plan.map(withValue(0, ""))).toMatchObject({
      ok: false,
      column: "Creation Time",
      reason: "the value is empty; every access needs its time.",
    });
    expect(plan.map(withValue(0, "20/11/2026 08:15"))).toMatchObject({
      ok: false,
      column: "Creation Time",
      reason: expect.stringMatching(/^'20\/11\/2026 08:15' is not an ISO 8601 date and time\./),
    });
    expect(plan.map(withValue(1, " "))).toMatchObject({
      ok: false,
      column: "Event Name",
      reason: "the value is empty; every access needs an event name (what the user did).",
    });
    expect(plan.map(withValue(18, ""))).toMatchObject({
      ok: false,
      column: "Email Address (UPN) or SamAccountName",
      reason: "the value is empty; every access needs the user who made it (a UPN or SamAccountName).",
    });
    expect(plan.map(withValue(18, "asmith"))).toMatchObject({
      ok: false,
      column: "Email Address (UPN) or SamAccountName",
      reason:
        "'asmith' is a SamAccountName, not a user principal name, and the connector has no upnDomain to turn it into one. Set the connector's upnDomain (e.g. contoso.com), or export the users' UPNs.",
    });
  });

  it("a SamAccountName becomes a UPN with the connector's upnDomain", () => {
    const plan = genericPlan({ upnDomain: "contoso.com" });
    const outcome = plan.map(withValue(18, "CONTOSO\\ASmith"));
    expect(outcome.ok && outcome.signal.upn).toBe("asmith@contoso.com");
    expect(outcome.ok && outcome.signal.attributes.EmailAddress).toBe("CONTOSO\\ASmith");
  });

  it("short rows are padded and extra fields joined into the last column, as for every delimited file", () => {
    const plan = genericPlan();
    expect(plan.map(GENERIC_ROW.slice(0, 19)).fix).toBe("padded");
    const joined = plan.map([...GENERIC_ROW, "Jr"]);
    expect(joined.fix).toBe("joined");
    expect(joined.ok && joined.signal.attributes.EmployeeFirstName).toBe("Alex,Jr");
  });

  it("counts the accesses that cannot be matched against employees in one warning at the end", () => {
    const plan = genericPlan();
    plan.map(GENERIC_ROW);
    plan.map(withValue(9, ""));
    plan.map(withValue(12, ""));
    expect(plan.finish?.()).toEqual([
      "2 access(es) have no patient last name, address line 1 or zip code; they were stored, but cannot be matched against employee profiles (family, neighbour and co-worker records).",
    ]);
  });
});

describe("the planner needs no run context", () => {
  it("plans through the registered kind", () => {
    const config = buildConnectorConfig(input(), undefined);
    const plan = connectorKind("healthcare").planCsv?.(config, GENERIC_HEADER, ",", NOW);
    expect(plan?.header).toEqual(GENERIC_HEADER);
  });
});
