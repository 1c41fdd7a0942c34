// HR connectors end to end: creating them through the API for every data type and for the
// multi-scenario file, uploading the documented files as the upload scripts do, and reading the
// answers, the run log, the stored signals, and the employee profiles with their expiry.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appToken, createApp, createConnector, fixture, type TestApp, upload } from "../../test/protocol/setup.ts";
import { signInAdmin, signInAs, startTestServer, TestClock, type TestServer } from "../../test/support.ts";
import { expireEmployeeProfiles } from "../commands/hr.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";

const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));
let server: TestServer;
let app: TestApp;
/** The admin's token, renewed when the clock moves past its lifetime. */
let adminToken: string;

const SARA_DATE = "2019-04-23T09:48:02.467504Z";
const MULTI = {
  dataTypes: ["resignation", "job-level-change", "performance-review"],
  scenarioColumn: "HRScenario",
};
const PIP_FILE =
  "EmailAddress,EffectiveDate,ImprovementRemarks,PerformanceRating\r\nsarad@contoso.com,2019-04-23T15:18:02.4675041+05:30,Weekly check-ins with the manager,2 Below expectations\r\n";

beforeAll(async () => {
  server = await startTestServer({ clock });
  adminToken = server.adminToken;
  app = await createApp(server, "HR system");
});
afterAll(async () => server.close());

async function hrConnector(name: string, body: Record<string, unknown> = {}) {
  return createConnector(server, { type: "hr", name, appId: app.clientId, ...body });
}

async function send(jobId: string, content: Buffer | string) {
  return upload(server, { jobId, token: app.token, content });
}

async function storedSignals(runId: string) {
  const { rows } = await server.services.db.query<{ upn: string; kind: string; occurred_at: string; attributes: any }>(
    `SELECT u.upn, s.kind, s.occurred_at::text, s.attributes FROM signals s JOIN directory_users u ON u.id = s.user_id
      WHERE s.run_id = $1 ORDER BY s.id`,
    [runId],
  );
  return rows;
}

/** Moves the clock, then signs the admin and the upload app in again (their tokens expire). */
async function advance(ms: number) {
  clock.advance(ms);
  adminToken = await signInAdmin(server);
  app = { ...app, token: await appToken(server, app) };
}

describe("one connector per data type (the documented files)", () => {
  it("resignations: the stored configuration keeps its shape and the file imports as before", async () => {
    const c = await hrConnector("HR resignations", { dataTypes: ["resignation"] });
    expect(c.config).toMatchObject({
      dataTypes: ["resignation"],
      columnMap: {
        EmailAddress: "EmailAddress",
        ResignationDate: "ResignationDate",
        LastWorkingDate: "LastWorkingDate",
      },
      userColumn: "EmailAddress",
      timeColumn: "ResignationDate",
      mapping: { Default: ["ResignationDate", "LastWorkingDate"] },
    });
    const res = await send(c.jobId, fixture("hr-resignation.csv"));
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2, recordsRejected: 0, warnings: [] });
    expect((await storedSignals(res.json().runId)).map((s) => [s.upn, s.kind, s.attributes])).toEqual([
      [
        "sarad@contoso.com",
        "hr.resignation",
        { ResignationDate: SARA_DATE, LastWorkingDate: "2019-04-29T09:48:02.467504Z" },
      ],
      [
        "pilarp@contoso.com",
        "hr.resignation",
        { ResignationDate: "2019-04-24T09:15:49Z", LastWorkingDate: "2019-04-29T15:18:02.711754Z" },
      ],
    ]);
  });

  it("job level changes, performance reviews and improvement plans (from their samples)", async () => {
    const cases = [
      {
        dataType: "job-level-change",
        file: fixture("hr-job-level-change.csv").toString(),
        kind: "hr.job_level_change",
        attributes: {
          EffectiveDate: SARA_DATE,
          Remarks: null,
          OldLevel: "Level 61 - Sr. Manager",
          NewLevel: "Level 60- Manager",
        },
      },
      {
        dataType: "performance-review",
        file: fixture("hr-performance-review.csv").toString(),
        kind: "hr.performance_review",
        attributes: {
          EffectiveDate: SARA_DATE,
          Remarks: "Met expectations but bad attitude",
          Rating: "2-Below expectation",
        },
      },
      {
        dataType: "performance-improvement-plan",
        file: PIP_FILE,
        kind: "hr.performance_improvement_plan",
        attributes: {
          EffectiveDate: SARA_DATE,
          Remarks: "Weekly check-ins with the manager",
          Rating: "2 Below expectations",
        },
      },
    ];
    for (const { dataType, file, kind, attributes } of cases) {
      const c = await hrConnector(`HR ${dataType}`, { dataTypes: [dataType], sample: file });
      const res = await send(c.jobId, file);
      expect(res.json(), dataType).toMatchObject({ recordsReceived: 1, recordsSaved: 1, warnings: [] });
      expect(await storedSignals(res.json().runId)).toEqual([
        { upn: "sarad@contoso.com", kind, occurred_at: "2019-04-23 09:48:02.467504+00", attributes },
      ]);
    }
  });

  it("refuses a file without a mandatory column as a whole, naming the column and the data type", async () => {
    const c = await hrConnector("HR levels (missing)", { dataTypes: ["job-level-change"] });
    const res = await send(c.jobId, "EmailAddress,OldLevel,NewLevel\r\nsarad@contoso.com,L2,L1\r\n");
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(
      "Line 1: the file has no column 'EffectiveDate' (the effective date), which job level change rows need; the whole file was refused. The header has: EmailAddress, OldLevel, NewLevel.",
    );
    expect(res.json().details).toEqual({ line: 1, column: "EffectiveDate" });
    const runs = (await server.request({ method: "GET", url: `/api/connectors/${c.id}/runs` })).json();
    expect(runs.items[0]).toMatchObject({ status: "failed", error: res.json().detail });
  });

  it("rejects bad rows alone with line, column and reason, and keeps the good ones", async () => {
    const c = await hrConnector("HR reviews (bad rows)", { dataTypes: ["performance-review"] });
    const body = [
      "EmailAddress,EffectiveDate,Remarks,Rating",
      "good@contoso.com,2019-04-23T15:18:02Z,Fine,3",
      "not-a-user,2019-04-23T15:18:02Z,,",
      "a@contoso.com,2019-13-01,,",
      `b@contoso.com,2019-04-23T15:18:02Z,${"r".repeat(201)},`,
      `c@contoso.com,2019-04-23T15:18:02Z,,${"4 - Exceeds all expectations"}`,
      "d@contoso.com,,,",
    ].join("\r\n");
    const res = await send(c.jobId, body);
    expect(res.json()).toMatchObject({ recordsReceived: 6, recordsSaved: 1, recordsRejected: 5 });
    const run = (await server.request({ method: "GET", url: `/api/runs/${res.json().runId}` })).json();
    expect(
      run.rejections.map((r: { line: number; column: string; reason: string }) => [r.line, r.column, r.reason]),
    ).toEqual([
      [3, "EmailAddress", "'not-a-user' is not a user principal name (name@domain)."],
      [
        4,
        "EffectiveDate",
        "'2019-13-01' is not an ISO 8601 date and time (month 13 does not exist). Use e.g. 2023-04-24T05:52:56.962686Z or 2019-04-23T15:18:02.4675041+05:30.",
      ],
      [
        5,
        "Remarks",
        "the value is 201 characters long; Remarks holds at most 200 characters. Shorten it in the HR system's export.",
      ],
      [
        6,
        "Rating",
        "the value is 28 characters long; Rating holds at most 25 characters. Shorten it in the HR system's export.",
      ],
      [7, "EffectiveDate", "the value is empty; a performance review needs the effective date."],
    ]);
  });
});

describe("the multi-scenario file", () => {
  let multi: { id: string; jobId: string; config: Record<string, unknown> };
  beforeAll(async () => {
    multi = await hrConnector("HR multi-scenario", {
      ...MULTI,
      sample: fixture("hr-multi-scenario.csv").toString(),
    });
  });

  it("imports every row with clear warnings: the short row padded, the misplaced date taken", async () => {
    const { rows } = await server.services.db.query<{ config: unknown }>(
      "SELECT config FROM connectors WHERE id = $1",
      [multi.id],
    );
    expect(rows[0]?.config).toMatchObject({
      dataTypes: MULTI.dataTypes,
      scenarioColumn: "HRScenario",
      scenarioValues: {
        resignation: "Resignation",
        "job-level-change": "Job level change",
        "performance-review": "Performance review",
      },
    });
    const res = await send(multi.jobId, fixture("hr-multi-scenario.csv"));
    const warnings = [
      "1 row(s) had fewer fields than the header (lines 2); the missing trailing columns were read as empty.",
      "Line 3: Job level change has no EffectiveDate; the date in column ResignationDate was used — check that the file's columns line up.",
    ];
    expect(res.json()).toMatchObject({
      status: "completed",
      recordsReceived: 3,
      recordsSaved: 3,
      recordsRejected: 0,
      recordsDuplicate: 0,
      warnings,
    });
    const run = (await server.request({ method: "GET", url: `/api/runs/${res.json().runId}` })).json();
    expect(run).toMatchObject({ status: "completed", recordsSaved: 3, warnings, rejections: [] });
    const log = (await server.request({ method: "GET", url: `/api/connectors/${multi.id}/runs` })).json();
    expect(log.items[0]).toMatchObject({ id: res.json().runId, recordsReceived: 3, recordsSaved: 3 });
    expect((await storedSignals(res.json().runId)).map((s) => [s.kind, s.occurred_at, s.attributes])).toEqual([
      [
        "hr.resignation",
        "2019-04-23 09:48:02.467504+00",
        { ResignationDate: SARA_DATE, LastWorkingDate: "2019-04-29T09:48:02.467504Z" },
      ],
      [
        "hr.job_level_change",
        "2019-04-23 09:48:02.467504+00",
        { EffectiveDate: SARA_DATE, Remarks: null, OldLevel: "Level 61 Sr. Manager", NewLevel: "Level 60 Manager" },
      ],
      [
        "hr.performance_review",
        "2019-04-23 09:48:02.467504+00",
        { EffectiveDate: SARA_DATE, Remarks: "Met expectation but bad attitude", Rating: "2 Below expectations" },
      ],
    ]);
    const again = await send(multi.jobId, fixture("hr-multi-scenario.csv"));
    expect(again.json()).toMatchObject({ recordsReceived: 3, recordsSaved: 0, recordsDuplicate: 3 });
  });

  it("reads single-type files sent to the same job by their header", async () => {
    const res = await send(multi.jobId, fixture("hr-job-level-change.csv"));
    expect(res.json()).toMatchObject({
      recordsSaved: 1,
      warnings: [
        "The file has no column 'HRScenario', and its columns are those of a job level change: every row was read as a job level change.",
      ],
    });
    const resignations = await send(multi.jobId, fixture("hr-resignation.csv"));
    expect(resignations.json()).toMatchObject({ recordsReceived: 2, recordsDuplicate: 1, recordsSaved: 1 });
  });

  it("rejects a row whose scenario value is not mapped, naming it and the mapped ones", async () => {
    const body = [
      "HRScenario,EmailAddress,ResignationDate,LastWorkingDate,EffectiveDate,Remarks,Rating,OldLevel,NewLevel",
      "Job level chnage,kim@contoso.com,,,2019-04-23T15:18:02Z,,,L3,L2",
      "Employee profile,kim@contoso.com,,,,,,,",
      "performance REVIEW ,kim@contoso.com,,,2019-05-23T15:18:02Z,,1,,",
    ].join("\r\n");
    const res = await send(multi.jobId, body);
    expect(res.json()).toMatchObject({ recordsReceived: 3, recordsSaved: 1, recordsRejected: 2 });
    const run = (await server.request({ method: "GET", url: `/api/runs/${res.json().runId}` })).json();
    expect(
      run.rejections.map((r: { line: number; column: string; reason: string }) => [r.line, r.column, r.reason]),
    ).toEqual([
      [
        2,
        "HRScenario",
        "'Job level chnage' is not a scenario value of this connector. Did you mean 'Job level change'? The values it maps are: 'Resignation', 'Job level change', 'Performance review' (set others with scenarioValues).",
      ],
      [
        3,
        "HRScenario",
        "HR scenario 'Employee profile' is not imported by this connector (it imports: Resignation, Job level change, Performance review). Add the data type employee-profile to the connector to import these rows.",
      ],
    ]);
  });

  it("an edit turns a resignation connector into a multi-scenario one", async () => {
    const c = await hrConnector("HR grows");
    const patch = (payload: unknown) =>
      server.request({ method: "PATCH", url: `/api/connectors/${c.id}`, payload, token: adminToken });
    const missing = await patch({ dataTypes: ["resignation", "job-level-change"] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toMatch(/^scenarioColumn: a connector with several data types/);
    const res = await patch({ ...MULTI, columnMap: { "job-level-change.Remarks": "Notes" } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().config.columnMap).toMatchObject({ "job-level-change.Remarks": "Notes", Rating: "Rating" });
    const { rows } = await server.services.db.query<{ config: any }>("SELECT config FROM connectors WHERE id = $1", [
      c.id,
    ]);
    expect(rows[0]?.config).toMatchObject({ dataTypes: MULTI.dataTypes, scenarioColumn: "HRScenario" });
    const upload = await send(c.jobId, fixture("hr-multi-scenario.csv"));
    expect(upload.json()).toMatchObject({ recordsSaved: 3, recordsRejected: 0 });
    expect(upload.json().warnings).toContain(
      "The file has no column 'Notes' (the remarks of job level change rows, columnMap 'job-level-change.Remarks'); job level change rows were stored without it.",
    );
  });

  it("refuses to create a connector with several data types and no scenario column", async () => {
    const res = await server.request({
      method: "POST",
      url: "/api/connectors",
      payload: {
        type: "hr",
        name: "HR no scenario",
        appId: app.clientId,
        dataTypes: ["resignation", "employee-profile"],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(
      'scenarioColumn: a connector with several data types (resignation, employee-profile) needs the column that says which data type each row is, e.g. "scenarioColumn": "HRScenario". Or create one connector per data type.',
    );
  });

  it("a resignation connector made before data types keeps working unchanged", async () => {
    const legacy = {
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
    };
    const c = await hrConnector("HR legacy config");
    await server.services.db.query("UPDATE connectors SET config = $2 WHERE id = $1", [c.id, legacy]);
    const file = fixture("hr-resignation.csv").toString().replace("EmailAddress", "Mail");
    const res = await send(c.jobId, file);
    expect(res.json()).toMatchObject({ recordsSaved: 2, warnings: [] });
    // A hand-made configuration without data types or column map reads resignations by their names.
    await server.services.db.query("UPDATE connectors SET config = $2 WHERE id = $1", [c.id, { columns: [] }]);
    expect((await send(c.jobId, fixture("hr-resignation.csv"))).json()).toMatchObject({
      recordsReceived: 2,
      recordsRejected: 0,
    });
  });
});

describe("employee profiles", () => {
  let profiles: { id: string; jobId: string };
  const profileFile = () => fixture("hr-employee-profile.csv").toString();
  const list = (query = "", token?: string) =>
    server.request({ method: "GET", url: `/api/hr/profiles${query}`, token: token ?? adminToken });
  const refreshedAt = async () =>
    (
      await server.services.db.query<{ at: string }>(
        "SELECT to_char(refreshed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at FROM employee_profiles p JOIN directory_users u ON u.id = p.user_id WHERE u.upn = 'jackq@contoso.com'",
      )
    ).rows[0]?.at;

  beforeAll(async () => {
    profiles = await hrConnector("HR profiles", { dataTypes: ["employee-profile"], sample: profileFile() });
  });

  it("stores the profile signal at the start of the run's UTC day and keeps the profile for GET /api/hr/profiles", async () => {
    const res = await send(profiles.jobId, profileFile());
    expect(res.json()).toMatchObject({ recordsReceived: 1, recordsSaved: 1, warnings: [] });
    const [signal] = await storedSignals(res.json().runId);
    expect(signal).toMatchObject({
      kind: "hr.employee_profile",
      occurred_at: "2026-11-21 00:00:00+00",
      attributes: {
        EmployeeFirstName: "jack",
        EmployeeAddressLine1: "50 Oakland Ave",
        EmployeeDepartment: "Orthopaedic",
      },
    });
    const listed = await list();
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual({
      items: [
        {
          user: {
            id: expect.any(String),
            alias: expect.stringMatching(/^Anon-/),
            upn: "jackq@contoso.com",
            displayName: null,
          },
          connector: { id: profiles.id, name: "HR profiles" },
          runId: res.json().runId,
          userName: "jackq",
          firstName: "jack",
          lastName: "qualtz",
          addressLine1: "50 Oakland Ave",
          addressLine2: "#206",
          city: "City",
          state: "Florida",
          zipCode: "32104",
          country: null,
          department: "Orthopaedic",
          employeeType: "Regular",
          role: "Nurse",
          refreshedAt: "2026-11-21T12:00:00Z",
          expiresAt: "2026-12-21T12:00:00Z",
        },
      ],
      total: 1,
      limit: 50,
      offset: 0,
    });
    expect((await list("?user=JackQ@contoso.com")).json().total).toBe(1);
    expect((await list("?user=someone@contoso.com")).json()).toMatchObject({ items: [], total: 0 });
  });

  it("a re-sent profile is a duplicate signal the same day but still refreshes the profile; a change replaces it", async () => {
    await advance(3 * 3600_000);
    const same = await send(profiles.jobId, profileFile());
    expect(same.json()).toMatchObject({ recordsSaved: 0, recordsDuplicate: 1 });
    expect(await refreshedAt()).toBe("2026-11-21T15:00:00Z");
    const moved = await send(profiles.jobId, profileFile().replace("50 Oakland Ave", "12 Harbor Rd"));
    expect(moved.json()).toMatchObject({ recordsSaved: 1, recordsDuplicate: 0 });
    expect((await list()).json().items[0]).toMatchObject({ addressLine1: "12 Harbor Rd", runId: moved.json().runId });
  });

  it("keeps the last profile of a user within one file; strict duplicates keep none of a user's clashing rows", async () => {
    const header = profileFile().split(/\r?\n/)[0];
    const lee = "lee@contoso.com,lee,Lee,Park,1 Main St,,Town,Ohio,43001,IT,Contractor,Engineer";
    const mo = (role: string) => `mo@contoso.com,mo,Mo,Ali,2 Main St,,Town,Ohio,43001,IT,exempt,${role}`;
    const body = [header, mo("Analyst"), lee, mo("Lead analyst")].join("\n");
    const res = await send(profiles.jobId, body);
    expect(res.json()).toMatchObject({ recordsSaved: 3, recordsRejected: 0 });
    expect((await list("?user=mo@contoso.com")).json().items[0]).toMatchObject({
      role: "Lead analyst",
      employeeType: "Exempt",
    });

    const strict = await hrConnector("HR profiles (strict)", {
      dataTypes: ["employee-profile"],
      strictDuplicates: true,
    });
    const other = (upn: string) => `${upn},x,X,Y,3 Main St,,Town,Ohio,43001,IT,Regular,Nurse`;
    const strictBody = [header, other("ana@contoso.com"), other("bo@contoso.com"), `${other("bo@contoso.com")} lead`];
    const strictRes = await send(strict.jobId, strictBody.join("\n"));
    expect(strictRes.json()).toMatchObject({ recordsSaved: 1, recordsRejected: 0, recordsDuplicate: 2 });
    expect((await list("?user=ana@contoso.com")).json().total).toBe(1);
    expect((await list("?user=bo@contoso.com")).json().total).toBe(0);
  });

  it("needs identities.view, and names shown by the privacy setting", async () => {
    const analyst = await signInAs(server, "hr-analyst", ["InsiderRiskManagementAnalysts"]);
    expect((await list("", analyst)).statusCode).toBe(403);
    const investigator = await signInAs(server, "hr-investigator", ["InsiderRiskManagementInvestigators"]);
    expect((await list("", investigator)).statusCode).toBe(200);
    const hide = await server.request({
      method: "PATCH",
      url: "/api/settings",
      payload: { privacy: { showNamesToEntitledRoles: false } },
      token: adminToken,
    });
    expect(hide.statusCode).toBe(200);
    const hidden = await list("", investigator);
    expect(hidden.statusCode).toBe(403);
    expect(hidden.json().detail).toBe(
      "Employee profiles hold names and addresses, and the privacy setting hides identities (privacy.showNamesToEntitledRoles is off), so they are not shown.",
    );
    await server.request({
      method: "PATCH",
      url: "/api/settings",
      payload: { privacy: { showNamesToEntitledRoles: true } },
      token: adminToken,
    });
  });

  it("expires a profile not refreshed for 30 days: ignored at once, removed by the job", async () => {
    await advance(29 * 86_400_000);
    expect((await list("?user=jackq@contoso.com")).json().total).toBe(1);
    await advance(86_400_000);
    expect((await list("?user=jackq@contoso.com")).json().total).toBe(0);
    const before = await server.services.db.query("SELECT user_id FROM employee_profiles");
    const removed = await expireEmployeeProfiles(withActor(server.services, SYSTEM_ACTOR));
    expect(removed).toBe(before.rows.length);
    expect((await server.services.db.query("SELECT user_id FROM employee_profiles")).rows).toEqual([]);
    const { rows: audited } = await server.services.db.query<{ actor_name: string; details: { expired: number } }>(
      "SELECT actor_name, details FROM audit_entries WHERE action = 'hr.profiles.expire'",
    );
    expect(audited).toEqual([{ actor_name: "system", details: { expired: removed, notRefreshedForDays: 30 } }]);
    // A new upload brings it back, live for another 30 days.
    const res = await send(profiles.jobId, profileFile());
    expect(res.json()).toMatchObject({ recordsSaved: 1 });
    expect((await list()).json()).toMatchObject({ total: 1, items: [{ refreshedAt: "2026-12-21T15:00:00Z" }] });
  });
});
