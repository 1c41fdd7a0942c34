// Healthcare connectors end to end: created through the API from the documented example files
// (generic CSV, Epic PSV), uploads through POST /api/signals as the upload scripts frame them, the
// stored access signals, rejections and refusals, and the derived signals (related patients
// against HR employee profiles, unusual volume against the user's baseline).

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, createConnector, type TestApp, upload } from "../../test/protocol/setup.ts";
import {
  insertConnector,
  insertDirectoryUser,
  startTestServer,
  TestClock,
  type TestServer,
} from "../../test/support.ts";
import { SYSTEM_ACTOR, withActor } from "../context.ts";
import { deriveHealthcareSignals } from "../jobs/healthcare.ts";

const example = (name: string) =>
  readFileSync(new URL(`../../../../docs/connectors/examples/${name}`, import.meta.url), "utf8");
const GENERIC = example("healthcare-generic.csv");
const EPIC = example("healthcare-epic.psv");
const GENERIC_HEADER = GENERIC.split("\n")[0] as string;

let server: TestServer;
let app: TestApp;
const clock = new TestClock(new Date("2026-11-21T12:00:00.000Z"));

beforeAll(async () => {
  server = await startTestServer({ clock });
  app = await createApp(server, "EHR export");
});
afterAll(async () => server.close());

async function genericConnector(name: string, extra: Record<string, unknown> = {}) {
  return createConnector(server, { type: "healthcare", name, appId: app.clientId, sample: GENERIC, ...extra });
}

const send = (jobId: string, content: string) => upload(server, { jobId, token: app.token, content });

interface StoredSignal {
  id: number;
  upn: string;
  kind: string;
  occurred_at: string;
  attributes: Record<string, unknown>;
}

async function signalsOf(where: string, params: unknown[]): Promise<StoredSignal[]> {
  const { rows } = await server.services.db.query<StoredSignal>(
    `SELECT s.id, u.upn, s.kind, s.occurred_at::text, s.attributes FROM signals s
       JOIN directory_users u ON u.id = s.user_id WHERE ${where} ORDER BY s.id`,
    params as string[],
  );
  return rows;
}

async function runOf(runId: string) {
  return (await server.request({ method: "GET", url: `/api/runs/${runId}` })).json();
}

/** The configuration as stored. */
async function storedConfig(connectorId: string): Promise<Record<string, unknown>> {
  const { rows } = await server.services.db.query<{ config: Record<string, unknown> }>(
    "SELECT config FROM connectors WHERE id = $1",
    [connectorId],
  );
  return rows[0]?.config ?? {};
}

/** Sets the connector's upnDomain through the API, as an admin would. */
async function setUpnDomain(connectorId: string, domain: string): Promise<void> {
  const res = await server.request({
    method: "PATCH",
    url: `/api/connectors/${connectorId}`,
    payload: { upnDomain: domain },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().config.upnDomain).toBe(domain.toLowerCase());
}

describe("creating healthcare connectors", () => {
  it("from the generic example CSV: the generic field set, comma-separated", async () => {
    const connector = await genericConnector("EHR access (generic)");
    expect(await storedConfig(connector.id)).toMatchObject({
      fieldSet: "generic",
      delimiter: ",",
      userColumn: "EmailAddress",
      timeColumn: "CreationTime",
      columnMap: {},
    });
    expect((connector.config.columns as unknown[]).length).toBe(23);
  });

  it("from the Epic example PSV: the Epic field set, pipe-separated", async () => {
    const connector = await createConnector(server, {
      type: "healthcare",
      name: "Epic access log (create)",
      appId: app.clientId,
      fieldSet: "epic",
      sample: EPIC,
    });
    expect(await storedConfig(connector.id)).toMatchObject({ fieldSet: "epic", delimiter: "|" });
    expect((connector.config.columns as { name: string }[])[0]?.name).toBe("ACCESS_LOG.ACCESS_TIME");
  });

  it("refuses a sample without a mandatory column, naming it with the columnMap to use", async () => {
    const sample = GENERIC.replace("Patient Zip Code", "Zip");
    const res = await server.request({
      method: "POST",
      url: "/api/connectors",
      payload: { type: "healthcare", name: "EHR (bad sample)", appId: app.clientId, sample },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(
      /^sample: the sample file has no column for the mandatory field 'Patient Zip Code' \(PatientZipCode\) of the generic field set\. Name the file's column with columnMap, e\.g\. \{"PatientZipCode": "<the file's column>"\}\./,
    );
    expect(res.json().details).toEqual({ column: "columnMap.PatientZipCode" });
  });

  it("the Epic sample given to a generic connector says to set the field set", async () => {
    const res = await server.request({
      method: "POST",
      url: "/api/connectors",
      payload: { type: "healthcare", name: "EHR (wrong set)", appId: app.clientId, sample: EPIC },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toContain(
      "The columns look like the epic field set: set the connector's fieldSet to 'epic'.",
    );
  });

  it("maps other column names with columnMap, checked against the sample with did-you-mean", async () => {
    const sample = GENERIC.replace("Creation Time", "Access Time");
    const ok = await genericConnector("EHR (mapped)", { sample, columnMap: { CreationTime: "access time" } });
    expect(ok.config.columnMap).toEqual({ CreationTime: "access time" });
    const res = await server.request({
      method: "POST",
      url: "/api/connectors",
      payload: {
        type: "healthcare",
        name: "EHR (typo)",
        appId: app.clientId,
        sample,
        columnMap: { CreationTime: "Acess Time" },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(
      /^columnMap\.CreationTime: Column 'Acess Time' is not in the sample file\. Did you mean 'Access Time'\?/,
    );
  });
});

describe("uploading access logs", () => {
  it("the generic example: 6 accesses stored with their fields, restricted flag and action; again: 6 duplicates", async () => {
    const connector = await genericConnector("EHR access (uploads)");
    const res = await send(connector.jobId, GENERIC);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      runId: expect.any(String),
      status: "completed",
      recordsReceived: 6,
      recordsSaved: 6,
      recordsRejected: 0,
      recordsDuplicate: 0,
      warnings: [],
    });
    const stored = await signalsOf("s.run_id = $1 AND s.kind = 'health.record_access'", [res.json().runId]);
    expect(stored.map((s) => [s.upn, s.kind, s.attributes.action, s.attributes.restricted])).toEqual([
      ["alex.smith@contoso.com", "health.record_access", "view", false],
      ["alex.smith@contoso.com", "health.record_access", "view", false],
      ["jamie.rivera@contoso.com", "health.record_access", "print", false],
      ["jamie.rivera@contoso.com", "health.record_access", "view", true],
      ["sam.taylor@contoso.com", "health.record_access", "export", false],
      ["sam.taylor@contoso.com", "health.record_access", "modify", false],
    ]);
    expect(stored[2]?.occurred_at).toBe("2026-11-20 14:02:11+00");
    expect(stored[3]?.attributes).toMatchObject({
      CreationTime: "2026-11-20T10:30:00Z",
      EventName: "Open Patient Chart",
      PatientRegId: "MRN100999",
      RestrictedAccessReason: "Emergency care",
      RestrictedAccessComment: "Patient in ED, consent obtained",
      EmailAddress: "jamie.rivera@contoso.com",
      patientMatch: "jones|casey|99|pine st|10001",
    });
    const again = await send(connector.jobId, GENERIC);
    expect(again.json()).toMatchObject({ recordsReceived: 6, recordsSaved: 0, recordsDuplicate: 6 });
  });

  it("the Epic example: account names are rejected until the connector has a upnDomain, then stored as UPNs", async () => {
    const connector = await createConnector(server, {
      type: "healthcare",
      name: "Epic access log",
      appId: app.clientId,
      fieldSet: "epic",
      sample: EPIC,
    });
    const first = await send(connector.jobId, EPIC);
    expect(first.json()).toMatchObject({ recordsReceived: 5, recordsSaved: 1, recordsRejected: 4 });
    const run = await runOf(first.json().runId);
    expect(run.rejections.map((r: { line: number; column: string }) => [r.line, r.column])).toEqual([
      [2, "EMP.SYSTEM_LOGIN"],
      [3, "EMP.SYSTEM_LOGIN"],
      [4, "EMP.SYSTEM_LOGIN"],
      [5, "EMP.SYSTEM_LOGIN"],
    ]);
    expect(run.rejections[0].reason).toBe(
      "'ASMITH' is a SamAccountName, not a user principal name, and the connector has no upnDomain to turn it into one. Set the connector's upnDomain (e.g. contoso.com), or export the users' UPNs.",
    );

    await setUpnDomain(connector.id, "contoso.com");
    const second = await send(connector.jobId, EPIC);
    expect(second.json()).toMatchObject({
      recordsReceived: 5,
      recordsSaved: 4,
      recordsRejected: 0,
      recordsDuplicate: 1,
    });
    const stored = await signalsOf("s.connector_id = $1 AND s.kind = 'health.record_access'", [connector.id]);
    expect(stored.map((s) => [s.upn, s.attributes.action, s.attributes.restricted])).toEqual([
      ["sam.taylor@contoso.com", "modify", false],
      ["asmith@contoso.com", "view", false],
      ["jrivera@contoso.com", "print", false],
      ["jrivera@contoso.com", "view", true],
      ["staylor@contoso.com", "export", false],
    ]);
    expect(stored[3]?.attributes).toMatchObject({
      CreationTime: "2026-11-20T10:30:00Z",
      EventName: "Break-the-Glass Access",
      EventSection: "Break-the-Glass",
      EventCategory: "Access",
      PatientRegId: "E2009990",
      RestrictedAccessReason: "Direct patient care",
      RestrictedAccessComment: "Seen in ED, chart restricted",
      EmailAddress: "JRIVERA",
      EmployeeId: "JRIVERA01",
    });
  });

  it("a TSV file is read like the CSV", async () => {
    const connector = await genericConnector("EHR access (tsv)");
    const lines = GENERIC.trim().split("\n").slice(0, 3);
    const tsv = lines.map((l) => l.split(",").join("\t")).join("\r\n");
    const res = await send(connector.jobId, `${tsv}\r\n`);
    expect(res.json()).toMatchObject({ recordsReceived: 2, recordsSaved: 2, recordsRejected: 0, warnings: [] });
  });

  it("bad rows are rejected alone, naming line, column and reason; warnings say what was ignored or unmatchable", async () => {
    const connector = await genericConnector("EHR access (bad rows)");
    const good = (GENERIC.split("\n")[1] as string).trim();
    const fields = good.split(",");
    const row = (index: number, value: string) => fields.map((f, i) => (i === index ? value : f)).join(",");
    const file = [
      `${GENERIC_HEADER.trim()},Shift`,
      `${good},Day`,
      `${row(0, "2026-13-01T00:00:00Z")},Day`,
      `${row(18, "")},Day`,
      `${row(1, "")},Day`,
      `${row(9, "")},Night`,
    ].join("\r\n");
    const res = await send(connector.jobId, file);
    expect(res.json()).toMatchObject({
      recordsReceived: 5,
      recordsSaved: 2,
      recordsRejected: 3,
      warnings: [
        "The file's column 'Shift' is not a field of the generic field set and was ignored. Map a column to a field with the connector's columnMap.",
        "1 access(es) have no patient last name, address line 1 or zip code; they were stored, but cannot be matched against employee profiles (family, neighbour and co-worker records).",
      ],
    });
    const run = await runOf(res.json().runId);
    expect(
      run.rejections.map((r: { line: number; column: string; reason: string }) => [r.line, r.column, r.reason]),
    ).toEqual([
      [
        3,
        "Creation Time",
        "'2026-13-01T00:00:00Z' is not an ISO 8601 date and time (month 13 does not exist). Use e.g. 2023-04-24T05:52:56.962686Z or 2019-04-23T15:18:02.4675041+05:30.",
      ],
      [
        4,
        "Email Address (UPN) or SamAccountName",
        "the value is empty; every access needs the user who made it (a UPN or SamAccountName).",
      ],
      [5, "Event Name", "the value is empty; every access needs an event name (what the user did)."],
    ]);
  });

  it("a file without a mandatory column is refused as a whole, naming the column", async () => {
    const connector = await genericConnector("EHR access (missing column)");
    const file = GENERIC.replace("Restricted Access Reason", "Reason");
    const res = await send(connector.jobId, file);
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(
      /^Line 1: the file has no column 'Restricted Access Reason' \(RestrictedAccessReason\), mandatory in the generic field set; the whole file was refused\./,
    );
    expect(res.json().details).toEqual({ line: 1, column: "Restricted Access Reason" });
    const runs = (await server.request({ method: "GET", url: `/api/connectors/${connector.id}/runs` })).json();
    expect(runs.items[0]).toMatchObject({ status: "failed", error: res.json().detail });
  });

  it("a semicolon-separated sample is refused naming the delimiters a healthcare connector reads", async () => {
    const res = await server.request({
      method: "POST",
      url: "/api/connectors",
      payload: {
        type: "healthcare",
        name: "EHR (semicolons)",
        appId: app.clientId,
        sample: GENERIC.replaceAll(",", ";"),
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(
      "sample: the header looks separated by ';', but OpenIRM reads comma-, tab- or pipe-separated files. Save the sample as CSV with commas.",
    );
  });
});

describe("derived signals", () => {
  const day = (offset: number) => new Date(clock.now().getTime() + offset * 86_400_000);

  async function insertProfile(
    hrConnectorId: string,
    upn: string,
    p: { first: string; last: string; line1: string; zip: string; refreshedDaysAgo?: number },
  ) {
    const { rows } = await server.services.db.query<{ id: string }>("SELECT id FROM directory_users WHERE upn = $1", [
      upn,
    ]);
    const userId = rows[0]?.id ?? (await insertDirectoryUser(server.services.db, upn));
    await server.services.db.query(
      `INSERT INTO employee_profiles (user_id, connector_id, first_name, last_name, address_line1, zip_code, refreshed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [userId, hrConnectorId, p.first, p.last, p.line1, p.zip, day(-(p.refreshedDaysAgo ?? 1)).toISOString()],
    );
    return userId;
  }

  it("accesses to a family member's, a neighbour's and co-workers' records; stale profiles are not matched; re-processing adds nothing", async () => {
    const hr = await insertConnector(server.services.db, { name: "HR profiles", type: "hr", config: {} });
    await insertProfile(hr, "alex.smith@contoso.com", {
      first: "Alex",
      last: "Smith",
      line1: "12 Main Street",
      zip: "02139",
    });
    await insertProfile(hr, "jamie.rivera@contoso.com", {
      first: "Jamie",
      last: "Rivera",
      line1: "50 Oakland Ave",
      zip: "32104",
    });
    await insertProfile(hr, "pat.lee@contoso.com", { first: "Pat", last: "Lee", line1: "7 Elm Road", zip: "02140" });
    const casey = await insertProfile(hr, "casey.jones@contoso.com", {
      first: "Casey",
      last: "Jones",
      line1: "99 Pine Street",
      zip: "10001",
      refreshedDaysAgo: 31,
    });
    const connector = await genericConnector("EHR access (derived)");
    const res = await send(connector.jobId, GENERIC);
    expect(res.json()).toMatchObject({ recordsSaved: 6 });
    const runId = res.json().runId as string;
    const accesses = await signalsOf("s.run_id = $1 AND s.kind = 'health.record_access'", [runId]);
    const related = await signalsOf("s.run_id = $1 AND s.kind = 'health.related_patient_access'", [runId]);
    const patUserId = (
      await server.services.db.query<{ id: string }>("SELECT id FROM directory_users WHERE upn = 'pat.lee@contoso.com'")
    ).rows[0]?.id;
    expect(related.map((s) => [s.upn, s.occurred_at, s.attributes])).toEqual([
      [
        "alex.smith@contoso.com",
        "2026-11-20 08:15:02.123456+00",
        {
          relation: "family",
          matched: "last name, address line 1, zip code",
          accessSignalId: accesses[0]?.id,
          EventName: "Chart Review",
          action: "view",
          restricted: false,
        },
      ],
      [
        "alex.smith@contoso.com",
        "2026-11-20 08:47:40+00",
        {
          relation: "neighbour",
          matched: "street, zip code (another house number)",
          accessSignalId: accesses[1]?.id,
          EventName: "Chart Review",
          action: "view",
          restricted: false,
        },
      ],
      [
        "jamie.rivera@contoso.com",
        "2026-11-20 14:02:11+00",
        {
          relation: "coworker",
          matched: "first name, last name, address line 1, zip code",
          accessSignalId: accesses[2]?.id,
          EventName: "Print Discharge Summary",
          action: "print",
          restricted: false,
          coworkerUserId: patUserId,
        },
      ],
      [
        "sam.taylor@contoso.com",
        "2026-11-20 11:20:00+00",
        expect.objectContaining({ relation: "coworker", accessSignalId: accesses[5]?.id, action: "modify" }),
      ],
    ]);
    expect(related.some((s) => s.attributes.coworkerUserId === casey)).toBe(false);

    const ctx = withActor(server.services, SYSTEM_ACTOR);
    expect(await deriveHealthcareSignals(ctx, runId)).toMatchObject({ checked: true, related: 0, unusualDays: 0 });
    const again = await send(connector.jobId, GENERIC);
    expect(again.json()).toMatchObject({ recordsSaved: 0, recordsDuplicate: 6 });
    expect(
      await signalsOf("s.connector_id = $1 AND s.kind = 'health.related_patient_access'", [connector.id]),
    ).toHaveLength(4);
  });

  it("unusual volume: one signal per user and day against the user's own baseline, updated when a later upload raises the count", async () => {
    const connector = await genericConnector("EHR access (volume)");
    const header = GENERIC_HEADER.trim();
    const row = (user: string, date: string, n: number, event = "Chart Review") =>
      `${date}T${String(8 + Math.floor(n / 60)).padStart(2, "0")}:${String(n % 60).padStart(2, "0")}:00Z,${event},WS-1,Clinical,Patient Chart,V${n},Pat${n},,Doe${n},${n} Harbor Road,,Boston,02110,MA,USA,ED,,,${user},,,,`;
    const rows = (user: string, date: string, from: number, count: number, event?: string) =>
      Array.from({ length: count }, (_, i) => row(user, date, from + i, event));
    // The baseline: 10 distinct records a day on the 10 days before 2026-11-20, uploaded in one file.
    const history = Array.from({ length: 10 }, (_, d) =>
      rows("nina.ops@contoso.com", `2026-11-${10 + d}`, 0, 10),
    ).flat();
    const baseline = await send(connector.jobId, [header, ...history].join("\n"));
    expect(baseline.json()).toMatchObject({ recordsSaved: 100 });
    const daily = await signalsOf("s.kind = 'health.daily_access' AND s.connector_id = $1", [connector.id]);
    expect(daily).toHaveLength(10);
    expect(daily[0]).toMatchObject({
      upn: "nina.ops@contoso.com",
      occurred_at: "2026-11-10 00:00:00+00",
      attributes: { day: "2026-11-10", records: 10, events: 10 },
    });

    const first = await send(
      connector.jobId,
      [
        header,
        ...rows("nina.ops@contoso.com", "2026-11-20", 0, 30),
        ...rows("quiet.user@contoso.com", "2026-11-20", 0, 25),
      ].join("\n"),
    );
    expect(first.json()).toMatchObject({ recordsSaved: 55, recordsRejected: 0 });
    const volume = () => signalsOf("s.kind = 'health.unusual_volume' AND s.connector_id = $1", [connector.id]);
    const [signal] = await volume();
    expect(await volume()).toHaveLength(1);
    expect(signal?.upn).toBe("nina.ops@contoso.com");
    expect(signal?.occurred_at).toBe("2026-11-20 00:00:00+00");
    expect(signal?.attributes).toEqual({
      day: "2026-11-20",
      records: 30,
      events: 30,
      threshold: 20,
      baselineDays: 10,
      baselineMean: 10,
      baselineStdDev: 0,
      baselineMedian: 10,
      reason:
        "30 record(s) in the day reach the threshold of 20 (at least 20, above mean + 3 standard deviations, at least 2× the median; baseline of 10 day(s): mean 10, standard deviation 0, median 10).",
    });

    // A later upload of the same day: 10 more records, and 5 more accesses to records already counted.
    const second = await send(
      connector.jobId,
      [
        header,
        ...rows("nina.ops@contoso.com", "2026-11-20", 30, 10),
        ...rows("nina.ops@contoso.com", "2026-11-20", 0, 5, "Chart Reviewed"),
      ].join("\n"),
    );
    expect(second.json()).toMatchObject({ recordsSaved: 15 });
    const updated = await volume();
    expect(updated).toHaveLength(1);
    expect(updated[0]?.id).toBe(signal?.id);
    expect(updated[0]?.attributes).toMatchObject({ records: 40, events: 45 });
    const { rows: runRows } = await server.services.db.query<{ run_id: string }>(
      "SELECT run_id FROM signals WHERE id = $1",
      [signal?.id as number],
    );
    expect(runRows[0]?.run_id).toBe(second.json().runId);
    const days = await signalsOf("s.kind = 'health.daily_access' AND s.connector_id = $1", [connector.id]);
    const today = days.filter((d) => d.attributes.day === "2026-11-20").sort((a, b) => a.upn.localeCompare(b.upn));
    expect(today.map((d) => [d.upn, d.attributes])).toEqual([
      ["nina.ops@contoso.com", { day: "2026-11-20", records: 40, events: 45 }],
      ["quiet.user@contoso.com", { day: "2026-11-20", records: 25, events: 25 }],
    ]);
  });

  it("a user without five days of baseline is not judged", async () => {
    const connector = await genericConnector("EHR access (new user)");
    const rows = Array.from(
      { length: 200 },
      (_, n) =>
        `2026-11-20T10:${String(n % 60).padStart(2, "0")}:${String(Math.floor(n / 60)).padStart(2, "0")}Z,Chart Review,WS-1,Clinical,Patient Chart,N${n},A,,B${n},${n} Harbor Road,,Boston,02110,MA,USA,ED,,,new.hire@contoso.com,,,,`,
    );
    const res = await send(connector.jobId, [GENERIC_HEADER.trim(), ...rows].join("\n"));
    expect(res.json()).toMatchObject({ recordsSaved: 200 });
    expect(await signalsOf("s.kind = 'health.unusual_volume' AND s.connector_id = $1", [connector.id])).toEqual([]);
  });

  it("the derived signals ignore runs of other connector types", async () => {
    const ctx = withActor(server.services, SYSTEM_ACTOR);
    expect(await deriveHealthcareSignals(ctx, randomUUID())).toEqual({ checked: false, related: 0, unusualDays: 0 });
  });
});
